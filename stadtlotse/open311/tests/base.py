"""Helpers for the Open311 tests: golden data, JSON Schema validation, XML parsing.

Golden files whose licence allows it live in `data/` beside this file (see data/SOURCES.md), so a
plain clone runs every test here. The rest stay in `../shared/data/open311` next to the checkout and
only the optional tests marked `needs_shared` read them.
"""

import json
import os
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from stadtlotse.accounts.models import ApiKey
from stadtlotse.testing.cases import StadtlotseTestCase

DATA = Path(__file__).resolve().parent / "data"
# <checkout>/stadtlotse/open311/tests/base.py → <checkout>/../shared/data/open311 (CI lays it there).
SHARED = Path(__file__).resolve().parents[4] / "shared" / "data" / "open311"
FORMATS = ("json", "xml")

# Our schema names → the definitions of the official Swagger description (data/swagger.json).
SWAGGER_ITEMS = {
    "services": ("array", "Service"),
    "service-definition": (None, "ServiceDefinition"),
    "requests": ("array", "Request"),
    "request": (None, "Request"),
}


def needs_shared(test):
    """Skip `test` when ../shared is not beside the checkout; in CI (CI=true) it must be there."""
    if SHARED.is_dir() or os.environ.get("CI") == "true":
        return test
    return unittest.skip(
        f"golden files without a licence to copy them into the repository; they are read from {SHARED}, "
        "which is absent (CI lays ../shared beside the clone and runs these)"
    )(test)


def _check(validator, instance, name):
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    if problems:
        raise AssertionError(f"not valid against {name}: " + "; ".join(problems))


def validate(instance, name):
    """Validate against the official Swagger description's definition for `name`; AssertionError if invalid."""
    swagger = json.loads((DATA / "swagger.json").read_text(encoding="utf-8"))
    kind, definition = SWAGGER_ITEMS[name]
    item = {"$ref": f"#/definitions/{definition}"}
    schema = {"definitions": swagger["definitions"], **({"type": "array", "items": item} if kind else item)}
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    _check(validator, _without_nulls(instance), f"swagger.json#/definitions/{definition}")


def _without_nulls(value):
    # Swagger 2.0 has no null: an empty optional field (null in our JSON) is checked as an absent one;
    # a required field that is null still fails as missing.
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def validate_shared(instance, name):
    """Validate against open311/schema-validation's schema `name` in ../shared (Draft 4, $ref by file name)."""
    schemas = SHARED / "schemas"
    registry = Registry().with_resources(
        (path.name, Resource.from_contents(json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT4))
        for path in schemas.glob("*.json")
    )
    schema = json.loads((schemas / f"{name}.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(
        schema, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    _check(validator, instance, f"{name}.json")


class Open311TestCase(StadtlotseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.app_key, cls.plain_key = ApiKey.issue("Meldeapp", "Beispiel GmbH")

    def get(self, path, fmt, **kwargs):
        return self.client.get(f"/open311/{path}.{fmt}", **kwargs)

    def body(self, response, fmt, schema=None, root=None, item=None):
        """The parsed body: JSON validated against `schema`, XML checked for its root and item names."""
        if fmt == "json":
            self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
            data = json.loads(response.content)
            if schema:
                validate(data, schema)
            return data
        self.assertEqual(response["Content-Type"], "text/xml; charset=utf-8")
        self.assertTrue(response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), response.content[:60])
        tree = ET.fromstring(response.content)
        if root:
            self.assertEqual(tree.tag, root)
        if item:
            self.assertEqual({child.tag for child in tree}, {item} if len(tree) else set())
        return tree

    def assert_error(self, response, fmt, status, *fragments):
        """An Open311 error list with `status`, whose descriptions mention every fragment."""
        self.assertEqual(response.status_code, status, response.content)
        if fmt == "json":
            data = json.loads(response.content)
            self.assertIsInstance(data, list)
            self.assertTrue(data)
            self.assertEqual({e["code"] for e in data}, {status})
            text = " ".join(e["description"] for e in data)
        else:
            tree = self.body(response, fmt, root="errors", item="error")
            self.assertEqual({e.findtext("code") for e in tree}, {str(status)})
            text = " ".join(e.findtext("description") for e in tree)
        for fragment in fragments:
            self.assertIn(fragment, text)
        return text
