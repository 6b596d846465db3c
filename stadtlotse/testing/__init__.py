"""Test support, not shipped in the wheel: personas and report helpers (cases), the real SMTP server
(smtp), headless Chromium (browser) and the pytest plugin that sets the test environment (pytest_env)."""
