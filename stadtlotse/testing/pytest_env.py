"""Loaded by pytest before Django (see addopts in pyproject.toml): the environment every test run needs."""

import os

# Tests never run with a production key; settings would otherwise refuse to start.
os.environ.setdefault("STADTLOTSE_ALLOW_INSECURE_KEY", "true")
# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Tests need no mail server unless they start one; nothing is sent by accident.
os.environ.setdefault("EMAIL_URL", "console://")
# Tests serve static files from the source tree, without running collectstatic first.
os.environ.setdefault("STATIC_MANIFEST", "false")
# Argon2 would cost ~0.1 s for every test user; accounts/tests assert the production hashers.
os.environ.setdefault("STADTLOTSE_TEST_FAST_HASHER", "true")
# Most tests log staff in with force_login(); the second factor has its own tests (accounts/tests).
os.environ.setdefault("STAFF_2FA_REQUIRED", "none")
