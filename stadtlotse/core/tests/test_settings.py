import os
import subprocess
import sys

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase

from stadtlotse.settings import _email_from_url


def start_django(**env):
    """Import the settings in a fresh interpreter with exactly these variables (plus PATH)."""
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "stadtlotse.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"],
        env=clean, capture_output=True, text=True, timeout=60,
    )


class FailClosedTests(SimpleTestCase):
    def test_refuses_to_start_without_secret_key_when_not_debugging(self):
        result = start_django(STADTLOTSE_DATA_DIR="/tmp/stadtlotse-settings-test")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY is not set", result.stderr)

    def test_refuses_a_short_secret_key(self):
        result = start_django(SECRET_KEY="short", STADTLOTSE_DATA_DIR="/tmp/stadtlotse-settings-test")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY is too short", result.stderr)

    def test_starts_with_a_real_key(self):
        result = start_django(SECRET_KEY="k" * 50, STADTLOTSE_DATA_DIR="/tmp/stadtlotse-settings-test")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "False")

    def test_a_missing_driver_is_named_with_the_extra_that_brings_it(self):
        # psycopg and redis are extras: the embedded default (SQLite, database cache) needs neither.
        hide = "import sys; sys.modules['psycopg'] = sys.modules['redis'] = None; "
        for env, expected in (
            ({"DATABASE_URL": "postgres://u@127.0.0.1:5432/x"}, 'pip install ".[postgresql]"'),
            ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, 'pip install ".[redis]"'),
        ):
            with self.subTest(env):
                result = subprocess.run(
                    [sys.executable, "-c", hide + "import stadtlotse.settings"],
                    env={"PATH": os.environ["PATH"], "SECRET_KEY": "k" * 50,
                         "STADTLOTSE_DATA_DIR": "/tmp/stadtlotse-settings-test", **env},
                    capture_output=True, text=True, timeout=60,
                )
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(expected, result.stderr)
        result = start_django(SECRET_KEY="k" * 50, STADTLOTSE_DATA_DIR="/tmp/stadtlotse-settings-test")
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_debug_runs_without_a_key(self):
        result = start_django(DEBUG="true", STADTLOTSE_DATA_DIR="/tmp/stadtlotse-settings-test")
        self.assertEqual(result.returncode, 0, result.stderr)


class EmailUrlTests(SimpleTestCase):
    def test_submission_with_credentials(self):
        config = _email_from_url("submission://mailer%40stadt.de:p%40ss@mail.stadt.de")
        self.assertEqual(config["EMAIL_HOST"], "mail.stadt.de")
        self.assertEqual(config["EMAIL_PORT"], 587)
        self.assertEqual(config["EMAIL_HOST_USER"], "mailer@stadt.de")
        self.assertEqual(config["EMAIL_HOST_PASSWORD"], "p@ss")
        self.assertTrue(config["EMAIL_USE_TLS"])
        self.assertFalse(config["EMAIL_USE_SSL"])

    def test_smtps_and_plain_smtp(self):
        self.assertTrue(_email_from_url("smtps://mail.stadt.de")["EMAIL_USE_SSL"])
        self.assertEqual(_email_from_url("smtp://127.0.0.1:2525")["EMAIL_PORT"], 2525)

    def test_smtps_stays_implicit_tls_on_465(self):
        # django-environ's own "smtps" would mean STARTTLS; ours has always meant implicit TLS.
        config = _email_from_url("smtps://mail.stadt.de")
        self.assertEqual((config["EMAIL_PORT"], config["EMAIL_USE_SSL"], config["EMAIL_USE_TLS"]), (465, True, False))
        plain = _email_from_url("smtp://127.0.0.1:2525")
        self.assertEqual((plain["EMAIL_HOST"], plain["EMAIL_USE_SSL"], plain["EMAIL_USE_TLS"]), ("127.0.0.1", False, False))
        self.assertEqual(_email_from_url("smtp://mail.stadt.de")["EMAIL_PORT"], 25)

    def test_query_switches_and_console(self):
        self.assertTrue(_email_from_url("smtp://mail.stadt.de:2465?ssl=true")["EMAIL_USE_SSL"])
        self.assertTrue(_email_from_url("smtp://mail.stadt.de:2587?tls=true")["EMAIL_USE_TLS"])
        self.assertEqual(_email_from_url("console://"),
                         {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"})

    def test_unknown_scheme(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "unknown scheme"):
            _email_from_url("pop3://mail.stadt.de")
