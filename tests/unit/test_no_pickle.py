"""No module of the project imports pickle or a relative of it: unpickling runs whatever code the bytes
name, and a pickle written by another version of a class is read into the new one without a word. State
that outlives a process (the rebuild checkpoint) is JSON and Arrow IPC instead."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.paths import REPO

PICKLERS = {"pickle", "_pickle", "cPickle", "cloudpickle", "dill", "joblib", "shelve", "copyreg"}
FOLDERS = ("services", "shared", "bench", "tests")


def _imported(node: ast.AST) -> list[str]:
    """The modules a node imports: an import statement, or __import__ / importlib.import_module of a literal."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = node.func
        called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if called in ("__import__", "import_module"):
            return [str(node.args[0].value)]
    return []


def pickle_imports(source: str) -> list[int]:
    """The lines that import a pickler."""
    return sorted(node.lineno for node in ast.walk(ast.parse(source))
                  if any(name.split(".")[0] in PICKLERS for name in _imported(node)))


def test_the_check_finds_every_way_of_importing_pickle():
    source = ("import os\nimport pickle\nfrom pickle import loads\nimport cloudpickle as cp\n"
              "from _pickle import dumps\nm = __import__('pickle')\nimport importlib\n"
              "n = importlib.import_module('dill')\nimport pickletools_like\nfrom shared import pickled\n")
    assert pickle_imports(source) == [2, 3, 4, 5, 6, 8]


def test_no_module_of_the_project_imports_pickle():
    files = [p for folder in FOLDERS for p in sorted((REPO / folder).rglob("*.py"))]
    assert Path(__file__) in files and REPO / "services" / "rebuilder" / "checkpoint.py" in files
    assert len(files) > 150, len(files)  # the whole project is read, not an empty folder
    found = {str(p.relative_to(REPO)): lines for p in files if (lines := pickle_imports(p.read_text()))}
    assert found == {}
