"""Markers for the whole suite, set here once instead of on hundreds of tests.

  browser – drives Chromium (every BrowserTestCase)
  slow    – crash, outage and multi-process tests: real servers killed, cut off or started

`make check` (the edit loop) runs neither; `make test` (and CI) runs everything.
"""

import pytest

# Test modules that start and kill real processes; each takes from several seconds to over a minute.
SLOW_MODULES = {
    "stadtlotse/core/tests/test_crash.py",
    "stadtlotse/core/tests/test_database_outage.py",
    "stadtlotse/core/tests/test_serve.py",
    "stadtlotse/core/tests/test_several_processes.py",
    "stadtlotse/connectors/tests/test_outage.py",
}


def pytest_collection_modifyitems(config, items):
    from stadtlotse.testing.browser import BrowserTestCase

    for item in items:
        path = item.path.relative_to(config.rootpath).as_posix()
        if path in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        if item.cls is not None and issubclass(item.cls, BrowserTestCase):
            item.add_marker(pytest.mark.browser)
