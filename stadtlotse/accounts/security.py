"""Staff sign-in security: failed-login throttling and the second factor (TOTP).

    check_login_allowed(request, "alice")      # before the password is even looked at
    count_login_failure(request, "alice")      # after a wrong password or code
    remember_device(request, response, alice)  # after a complete login: this browser is hers
    start_enrolment(user) / confirm_enrolment(user, "123456") -> recovery codes
    verify_second_factor(user, "123456")       # a code or a recovery code, each usable once
"""

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from stadtlotse.core import ratelimit

from . import totp
from .models import SecondFactor, User

RECOVERY_CODES = 10
# Session key set once the second factor was shown in this session.
VERIFIED = "second_factor_verified"
# The browser a staff member logged in from before (see remember_device()).
DEVICE_COOKIE = "stadtlotse_device"
DEVICE_SALT = "stadtlotse.accounts.device"
DEVICE_ACCOUNTS = 5

# A signed device cookie's content: {"id": str, "accounts": [hashed account, …]}.
Device = dict[str, Any]


def _account(username: str) -> str:
    # Hashed: usernames may hold characters a cache key must not, and keys should not leak them.
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _device(request: HttpRequest) -> Device | None:
    """This browser's signed device cookie as {"id": …, "accounts": [...]}, or None (absent, forged, expired)."""
    try:
        device = signing.loads(request.COOKIES.get(DEVICE_COOKIE, ""), salt=DEVICE_SALT,
                               max_age=settings.LOGIN_DEVICE_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(device, dict) or not isinstance(device.get("accounts"), list) or not device.get("id"):
        return None
    return device


def _known_device(request: HttpRequest, account: str) -> str | None:
    """The id of this browser if it completed a login to `account` before, else None."""
    device = _device(request)
    return str(device["id"]) if device and account in device["accounts"] else None


def _login_limits(request: HttpRequest, username: str) -> list[tuple[str, str, ratelimit.Rate]]:
    """The counters a failed login of `username` from this request goes on.

    Counted per account *and* address, so failures elsewhere cannot lock the owner out; the
    address limit catches one source trying many accounts, and a higher limit per account over
    all addresses catches guessing spread over many. A browser that logged in to the account
    before is counted on its own: the owner there gets in however many failures happen elsewhere,
    and is throttled only by their own mistakes.
    """
    account = _account(username)
    per_account = ratelimit.Rate.parse(settings.LOGIN_FAILURES_PER_ACCOUNT)
    device = _known_device(request, account)
    if device:
        return [("login-device", f"{account}:{device}", per_account)]
    address = ratelimit.client_ip(request)
    return [
        ("login-account-ip", f"{account}:{address}", per_account),
        ("login-ip", address, ratelimit.Rate.parse(settings.LOGIN_FAILURES_PER_IP)),
        ("login-account", account, ratelimit.Rate.parse(settings.LOGIN_FAILURES_PER_ACCOUNT_TOTAL)),
    ]


def check_login_allowed(request: HttpRequest, username: str) -> ratelimit.Verdict:
    """A refusing Verdict when the account or the address had too many failures, else an allowing one."""
    for scope, source, rate in _login_limits(request, username):
        verdict = ratelimit.peek(scope, source, rate)
        if not verdict.allowed:
            return verdict
    return ratelimit.Verdict(True)


def count_login_failure(request: HttpRequest, username: str) -> None:
    for scope, source, rate in _login_limits(request, username):
        ratelimit.hit(scope, source, rate)


def remember_device(request: HttpRequest, response: HttpResponse, user: User) -> None:
    """After a complete login (password and, if set up, second factor): mark this browser as one
    the user logs in from, so a lock-out caused elsewhere does not reach them here."""
    account = _account(user.get_username())
    device = _device(request) or {"id": secrets.token_urlsafe(16), "accounts": []}
    # A shared counter PC: the last few accounts used on it.
    accounts = [a for a in device["accounts"] if a != account][-(DEVICE_ACCOUNTS - 1):] + [account]
    value = signing.dumps({"id": device["id"], "accounts": accounts}, salt=DEVICE_SALT)
    response.set_cookie(DEVICE_COOKIE, value, max_age=settings.LOGIN_DEVICE_DAYS * 86400, httponly=True,
                        secure=settings.SESSION_COOKIE_SECURE, samesite="Lax")


def is_required(user: User) -> bool:
    """Whether this user must use a second factor (setting STAFF_2FA_REQUIRED: admin, all or none)."""
    required = settings.STAFF_2FA_REQUIRED
    if required == "all":
        return user.is_active
    if required == "admin":
        return user.is_superuser or user.role == User.Role.ADMIN
    return False


def active_factor(user: User) -> SecondFactor | None:
    return SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).first()


def start_enrolment(user: User) -> SecondFactor:
    """A new, not yet confirmed secret (replacing an earlier unconfirmed one)."""
    factor, created = SecondFactor.objects.get_or_create(user=user, defaults={"secret": totp.new_secret()})
    if not created and not factor.is_active:
        factor.secret = totp.new_secret()
        factor.save(update_fields=["secret"])
    return factor


def provisioning_uri(factor: SecondFactor) -> str:
    issuer = f"Stadtlotse {settings.STADTLOTSE['CITY_NAME']}"
    return totp.provisioning_uri(factor.secret, account=factor.user.get_username(), issuer=issuer)


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def _new_recovery_codes(factor: SecondFactor) -> list[str]:
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    factor.recovery_codes = [_hash(code) for code in codes]
    return codes


@transaction.atomic
def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Activate the pending secret if `code` matches it; returns the recovery codes, or None."""
    factor = SecondFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
    if factor is None:
        return None
    step = totp.matching_step(factor.secret, code)
    if not step:
        return None
    factor.confirmed_at = timezone.now()
    factor.last_step = step
    codes = _new_recovery_codes(factor)
    factor.save()
    return codes


@transaction.atomic
def verify_second_factor(user: User, code: str) -> bool:
    """True if `code` is a current TOTP code not used before, or an unused recovery code (used up now)."""
    factor = SecondFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if factor is None:
        return False
    step = totp.matching_step(factor.secret, code)
    if step is not None:
        if step <= factor.last_step:
            return False
        factor.last_step = step
        factor.save(update_fields=["last_step"])
        return True
    hashed = _hash(code)
    if hashed in factor.recovery_codes:
        factor.recovery_codes = [h for h in factor.recovery_codes if h != hashed]
        factor.save(update_fields=["recovery_codes"])
        return True
    return False


@transaction.atomic
def renew_recovery_codes(user: User) -> list[str]:
    factor = SecondFactor.objects.select_for_update().get(user=user, confirmed_at__isnull=False)
    codes = _new_recovery_codes(factor)
    factor.save(update_fields=["recovery_codes"])
    return codes


def switch_off(user: User) -> bool:
    """Remove the second factor; refused (False) where the role requires one."""
    if is_required(user):
        return False
    SecondFactor.objects.filter(user=user).delete()
    return True
