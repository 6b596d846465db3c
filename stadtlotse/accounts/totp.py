"""Time-based one-time passwords (RFC 6238) for the staff's second factor.

Any authenticator app (FreeOTP, Aegis, Google Authenticator, a password manager) shows the six
digits; we check them against the shared secret. Written here rather than pulled in: it is
twenty lines over the standard library, and the RFC's test vectors pin it down (see the tests).
"""

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP = 30
DIGITS = 6


def new_secret():
    """160 random bits, base32 as authenticator apps expect (RFC 4226 recommends 160)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def _key(secret):
    secret = secret.replace(" ", "").upper()
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def code_at(secret, step, *, digits=DIGITS, digest=hashlib.sha1):
    """The code for one 30-second step (HOTP over the step counter, RFC 4226 section 5.3)."""
    mac = hmac.new(_key(secret), struct.pack(">Q", step), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def current_step(now=None):
    return int((time.time() if now is None else now) // STEP)


def matching_step(secret, code, *, now=None, drift=1):
    """The step a code belongs to, allowing `drift` steps of clock difference; None if it is wrong."""
    code = "".join(code.split())
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    step = current_step(now)
    for candidate in range(step - drift, step + drift + 1):
        if hmac.compare_digest(code_at(secret, candidate), code):
            return candidate
    return None


def provisioning_uri(secret, *, account, issuer):
    """The otpauth:// link an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode({"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP})
