"""The photo pipeline is its own app: it answers the tickets hooks, imports at module level, is typed."""

import ast
import os
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.test import SimpleTestCase

from stadtlotse.media import rendering, tasks
from stadtlotse.tickets import hooks

APP = Path(__file__).resolve().parent.parent
MODULES = sorted(path for path in APP.glob("*.py"))
# OpenCV is loaded only where the photo job detects (redaction.py says why).
LAZY = {"cv2"}


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


class MediaAppTests(SimpleTestCase):
    def test_the_media_app_answers_the_photo_hooks(self):
        self.assertEqual(apps.get_app_config("media").name, "stadtlotse.media")
        self.assertEqual(hooks._listeners["photo_changed"], [tasks.queue_photo])
        self.assertEqual(hooks._listeners["render_photo"], [rendering.process])

    def test_no_module_imports_inside_a_function(self):
        found = []
        for path in MODULES:
            for function in _functions(ast.parse(path.read_text(), str(path))):
                if (path.name, function.name) == ("apps.py", "ready"):
                    continue  # Django's place for imports that need the app registry (the hooks)
                for node in ast.walk(function):
                    if isinstance(node, ast.Import):
                        names = [alias.name for alias in node.names]
                    elif isinstance(node, ast.ImportFrom):
                        names = [f"{'.' * node.level}{node.module or ''}"]
                    else:
                        continue
                    found += [f"{path.name}:{node.lineno} {name}" for name in names if name not in LAZY]
        self.assertEqual(found, [])

    def test_every_function_is_annotated(self):
        missing = []
        for path in MODULES:
            for function in _functions(ast.parse(path.read_text(), str(path))):
                arguments = function.args
                parameters = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                              *filter(None, [arguments.vararg, arguments.kwarg])]
                unannotated = [p.arg for p in parameters if p.annotation is None and p.arg not in ("self", "cls")]
                if unannotated or function.returns is None:
                    missing.append(f"{path.name}:{function.lineno} {function.name} {unannotated or 'return'}")
        self.assertEqual(missing, [])

    def test_web_processes_do_not_load_opencv(self):
        # What a gunicorn worker imports: every app and every URL's view, but no detector.
        code = ("import sys, django; django.setup(); import stadtlotse.urls, stadtlotse.media.media; "
                "print('cv2' in sys.modules)")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "stadtlotse.settings", "STADTLOTSE_ALLOW_INSECURE_KEY": "true"}
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        self.assertEqual(result.stdout.strip(), "False")
