"""Helpers for the Open311 tests: the shared golden data, JSON Schema validation, XML parsing."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from stadtlotse.accounts.models import ApiKey
from stadtlotse.testing.cases import StadtlotseTestCase

# /work/main/stadtlotse/open311/tests/base.py → /work/shared/data/open311; a missing folder fails the tests.
GOLDEN = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "open311"
SCHEMAS = GOLDEN / "schemas"
FORMATS = ("json", "xml")


def load_schema(name):
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


def validate(instance, name):
    """Validate against the open311 schema `name` (Draft 4, $ref by file name); AssertionError if invalid."""
    registry = Registry().with_resources(
        (path.name, Resource.from_contents(json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT4))
        for path in SCHEMAS.glob("*.json")
    )
    validator = jsonschema.Draft4Validator(
        load_schema(name), registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    if problems:
        raise AssertionError(f"not valid against {name}.json: " + "; ".join(problems))


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
