"""The demo installation's Open311 key, so that apps can be tried against a fresh demo at once."""

import os

from stadtlotse.accounts.models import ApiKey

DEMO_KEY = "demo-open311-key"
DEMO_KEY_ENV = "STADTLOTSE_DEMO_API_KEY"
DEMO_KEY_NAME = "Demo-App"


def ensure_demo_key():
    """Make sure the demo key (env STADTLOTSE_DEMO_API_KEY, else "demo-open311-key") exists and is active.

    Idempotent. Returns (api_key, plain, created).
    """
    plain = os.environ.get(DEMO_KEY_ENV) or DEMO_KEY
    api_key = ApiKey.objects.filter(key_hash=ApiKey.digest_of(plain)).first()
    if api_key is not None:
        if not api_key.is_active:
            api_key.is_active = True
            api_key.save(update_fields=["is_active"])
        return api_key, plain, False
    api_key, plain = ApiKey.issue(DEMO_KEY_NAME, "Stadtlotse demo", plain=plain)
    return api_key, plain, True
