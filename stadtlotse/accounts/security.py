"""Staff sign-in security: failed-login throttling and the second factor (TOTP).

    check_login_allowed(request, "alice")      # before the password is even looked at
    count_login_failure(request, "alice")      # after a wrong password or code
    start_enrolment(user) / confirm_enrolment(user, "123456") -> recovery codes
    verify_second_factor(user, "123456")       # a code or a recovery code, each usable once
"""

import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from stadtlotse.core import ratelimit

from . import totp
from .models import SecondFactor, User

RECOVERY_CODES = 10
# Session key set once the second factor was shown in this session.
VERIFIED = "second_factor_verified"


def _account(username):
    # Hashed: usernames may hold characters a cache key must not, and keys should not leak them.
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _login_limits(request, username):
    return [
        ("login-account", _account(username), ratelimit.Rate.parse(settings.LOGIN_FAILURES_PER_ACCOUNT)),
        ("login-ip", ratelimit.client_ip(request), ratelimit.Rate.parse(settings.LOGIN_FAILURES_PER_IP)),
    ]


def check_login_allowed(request, username):
    """A refusing Verdict when the account or the address had too many failures, else an allowing one."""
    for scope, source, rate in _login_limits(request, username):
        verdict = ratelimit.peek(scope, source, rate)
        if not verdict.allowed:
            return verdict
    return ratelimit.Verdict(True)


def count_login_failure(request, username):
    for scope, source, rate in _login_limits(request, username):
        ratelimit.hit(scope, source, rate)


def is_required(user):
    """Whether this user must use a second factor (setting STAFF_2FA_REQUIRED: admin, all or none)."""
    required = settings.STAFF_2FA_REQUIRED
    if required == "all":
        return user.is_active
    if required == "admin":
        return user.is_superuser or user.role == User.Role.ADMIN
    return False


def active_factor(user):
    return SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).first()


def start_enrolment(user):
    """A new, not yet confirmed secret (replacing an earlier unconfirmed one)."""
    factor, created = SecondFactor.objects.get_or_create(user=user, defaults={"secret": totp.new_secret()})
    if not created and not factor.is_active:
        factor.secret = totp.new_secret()
        factor.save(update_fields=["secret"])
    return factor


def provisioning_uri(factor):
    issuer = f"Stadtlotse {settings.STADTLOTSE['CITY_NAME']}"
    return totp.provisioning_uri(factor.secret, account=factor.user.get_username(), issuer=issuer)


def _hash(code):
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def _new_recovery_codes(factor):
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    factor.recovery_codes = [_hash(code) for code in codes]
    return codes


@transaction.atomic
def confirm_enrolment(user, code):
    """Activate the pending secret if `code` matches it; returns the recovery codes, or None."""
    factor = SecondFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
    step = factor and totp.matching_step(factor.secret, code)
    if not step:
        return None
    factor.confirmed_at = timezone.now()
    factor.last_step = step
    codes = _new_recovery_codes(factor)
    factor.save()
    return codes


@transaction.atomic
def verify_second_factor(user, code):
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
def renew_recovery_codes(user):
    factor = SecondFactor.objects.select_for_update().get(user=user, confirmed_at__isnull=False)
    codes = _new_recovery_codes(factor)
    factor.save(update_fields=["recovery_codes"])
    return codes


def switch_off(user):
    """Remove the second factor; refused (False) where the role requires one."""
    if is_required(user):
        return False
    SecondFactor.objects.filter(user=user).delete()
    return True
