"""What runs in production is only the runtime lock (issue 17, item 17): test and benchmark
tools (pytest, schemathesis, hypothesis, playwright, py-spy) live in requirements-dev.lock."""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_ONLY = {"pytest", "schemathesis", "hypothesis", "playwright", "py-spy", "ruff", "import-linter"}
RUNTIME_CODE = ("app", "bot", "actions", "connectors", "nlu_components")


def _names(path: Path) -> set:
    return {re.sub(r"[-_.]+", "-", line.split("==")[0]).lower()
            for line in path.read_text().splitlines() if line and not line.startswith("#")}


def test_test_and_bench_tools_are_not_in_the_runtime_lock():
    runtime, dev = _names(ROOT / "requirements.lock"), _names(ROOT / "requirements-dev.lock")
    assert not runtime & DEV_ONLY
    assert DEV_ONLY <= dev
    assert not runtime & dev  # each pinned once


def test_runtime_code_imports_no_test_or_bench_tool():
    """The code that runs in production never imports what only the dev lock installs."""
    dev_modules = {"pytest", "schemathesis", "hypothesis", "playwright", "py_spy", "ruff",
                   "importlinter", "grimp"}
    found = []
    for package in RUNTIME_CODE:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                found += [f"{path.relative_to(ROOT)}: {n}" for n in names
                          if n.split(".")[0] in dev_modules]
    assert not found, found
    assert sys.version_info[:2] == (3, 10)
