"""Time-based one-time passwords (RFC 6238) for the staff's second factor, computed by pyotp.

Any authenticator app (FreeOTP, Aegis, Google Authenticator, a password manager) shows the six
digits; they are checked against the shared secret. Stored secrets are base32 as before (160 bits),
so second factors set up earlier keep working; the RFC's test vectors pin this down (see the tests).
"""

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pyotp

STEP = 30
DIGITS = 6


def new_secret() -> str:
    """160 random bits, base32 as authenticator apps expect (RFC 4226 recommends 160)."""
    return pyotp.random_base32(length=32)


def _clean(secret: str) -> str:
    return secret.replace(" ", "").upper()


def code_at(secret: str, step: int, *, digits: int = DIGITS, digest: Callable[..., Any] = hashlib.sha1) -> str:
    """The code for one 30-second step (HOTP over the step counter, RFC 4226 section 5.3)."""
    return pyotp.HOTP(_clean(secret), digits=digits, digest=digest).at(step)


def current_step(now: float | None = None) -> int:
    """The 30-second step of `now` (seconds since the epoch; the current time if None)."""
    moment = datetime.now(UTC) if now is None else datetime.fromtimestamp(now, UTC)
    return pyotp.TOTP(pyotp.random_base32(), interval=STEP).timecode(moment)


def matching_step(secret: str, code: str, *, now: float | None = None, drift: int = 1) -> int | None:
    """The step a code belongs to, allowing `drift` steps of clock difference; None if it is wrong.

    pyotp's own verify() answers only yes or no; the step is needed to refuse a code used twice.
    """
    code = "".join(code.split())
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    step = current_step(now)
    for candidate in range(step - drift, step + drift + 1):
        if hmac.compare_digest(code_at(secret, candidate), code):
            return candidate
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// link an authenticator app reads from the QR code."""
    return pyotp.TOTP(_clean(secret), digits=DIGITS, interval=STEP).provisioning_uri(name=account, issuer_name=issuer)
