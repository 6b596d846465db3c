"""The migrations say what the models say, and replay without running today's code."""

import ast
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.test import TestCase

PACKAGE = Path(__file__).resolve().parents[2]


class MigrationTests(TestCase):
    def test_the_models_need_no_migration_that_is_not_written(self):
        out = StringIO()
        try:
            call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
        except SystemExit:
            self.fail(f"Model changes without a migration (run `stadtlotse makemigrations`):\n{out.getvalue()}")

    def test_no_migration_runs_code_of_the_project(self):
        """Data steps in a migration run years later against old rows: importing a module of the
        project there (as a search-index migration once did) ties the migration to code that changes.
        Module-level imports of a model module for a callable default are Django's own and allowed."""
        offenders = []
        for path in sorted(PACKAGE.glob("*/migrations/0*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for inner in ast.walk(node):
                        if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("stadtlotse"):
                            offenders.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
                        if isinstance(inner, ast.Import) and any(a.name.startswith("stadtlotse") for a in inner.names):
                            offenders.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
        self.assertEqual(offenders, [])
