"""The type check's set-up: settings that load inside mypy only, the strict list, what mypy found."""

import importlib
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase, override_settings

from stadtlotse.core import limits

ROOT = Path(__file__).resolve().parents[3]


def import_settings(*, as_mypy):
    """Import the settings in a fresh interpreter without SECRET_KEY, as mypy's Django plugin would or not."""
    pretend = "import sys, types; sys.modules['mypy_django_plugin.main'] = types.ModuleType('main'); " if as_mypy else ""
    return subprocess.run(
        [sys.executable, "-c", pretend + "import stadtlotse.settings as s; print(s.SECRET_KEY == s._INSECURE_KEY)"],
        env={"PATH": os.environ["PATH"], "STADTLOTSE_DATA_DIR": "/tmp/stadtlotse-settings-test"},
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )


class SettingsForMypyTests(SimpleTestCase):
    def test_mypy_plugin_loads_the_settings_without_any_environment(self):
        result = import_settings(as_mypy=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "True")

    def test_outside_mypy_a_missing_key_still_refuses_to_start(self):
        result = import_settings(as_mypy=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY is not set", result.stderr)


class StrictListTests(SimpleTestCase):
    def test_every_strict_module_exists(self):
        # mypy says nothing about an override naming a module that is not there (a typo, a move).
        config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
        strict = [o for o in config["overrides"] if o.get("disallow_untyped_defs")]
        self.assertEqual(len(strict), 1)
        for name in strict[0]["module"]:
            with self.subTest(module=name):
                importlib.import_module(name.removesuffix(".*"))


class FoundByMypyTests(SimpleTestCase):
    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=None)
    def test_photo_doors_hold_when_the_fields_are_unlimited(self):
        # Django allows None ("no limit"); the sum raised TypeError on every report form and Open311 POST.
        expected = settings.STADTLOTSE["MAX_PHOTOS"] * settings.STADTLOTSE["MAX_PHOTO_BYTES"]
        self.assertEqual(limits.photo_upload_bytes(), expected)
