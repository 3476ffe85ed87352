"""The package's shape (issue 18): subpackages that show the data flow, short functions and
modules, production code that does not read the tests folder, and a history key that covers
every file whose code computes a history entry."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.figures.history import HISTORY_CODE
from pipeline.publish import code_fingerprint

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pipeline"
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 600
EXEMPT_MODULES = {"pipeline/runs/sample.py"}  # the sample generator: data tables, not logic
SUBPACKAGES = ("inputs", "rules", "figures", "reports", "runs")
# What computes a history entry: loading a task's responses, resolving them, its counted rows,
# trend figures and proof links, and the store itself.
ENTRY_MODULES = ("pipeline.inputs.load", "pipeline.rules.resolve", "pipeline.figures.compute",
                 "pipeline.figures.history")


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_subpackages_show_the_flow_each_with_a_one_line_purpose():
    for name in SUBPACKAGES:
        init = PACKAGE / name / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.splitlines()) == 1, f"pipeline/{name}/__init__.py needs a one-line purpose"
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "config.py", "errors.py", "publish.py"], flat


def test_no_function_over_80_lines():
    long = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{rel(path)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, long


def test_no_module_over_600_lines():
    big = [f"{rel(p)} ({n} lines)" for p in modules()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES and rel(p) not in EXEMPT_MODULES]
    assert not big, big


def test_production_code_does_not_read_the_tests_folder():
    hits = [rel(p) for p in modules() if "tests/" in p.read_text(encoding="utf-8").replace("tests/test_", "")]
    assert not hits, f"pipeline/ refers to the tests folder: {hits}"


def entry_files() -> list[str]:
    """Files of the pipeline modules imported by the code that computes a history entry."""
    script = (f"import json, sys\nfor m in {ENTRY_MODULES!r}: __import__(m)\n"
              "print(json.dumps(sorted(getattr(m, '__file__', '') or '' for n, m in sys.modules.items()"
              " if n.startswith('pipeline'))))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    files = [Path(f).resolve() for f in json.loads(out.stdout) if f]
    return sorted(rel(f) for f in files if f.name != "__init__.py" and rel(f) not in (
        "pipeline/runs/manifest.py",  # computes the fingerprint itself
    ))


def test_every_file_that_computes_a_history_entry_is_in_its_key():
    covered = {rel(p) for g in HISTORY_CODE for p in ROOT.glob(g)}
    missing = [f for f in entry_files() if f not in covered]
    assert not missing, f"HISTORY_CODE misses {missing}: a change there would reuse stale history entries"


@pytest.mark.parametrize("changed", ["pipeline/inputs/load.py", "pipeline/rules/resolve.py",
                                     "pipeline/figures/compute.py", "pipeline/config.py", "requirements.lock",
                                     "pipeline/inputs/new_part.py", "pipeline/rules/sub/moved.py"])
def test_a_change_to_a_covered_file_changes_the_key(tmp_path, changed):
    copy = tmp_path / "tree"
    for part in ("pipeline", "requirements.lock"):
        src = ROOT / part
        (shutil.copytree(src, copy / part, ignore=shutil.ignore_patterns("__pycache__")) if src.is_dir()
         else shutil.copy2(src, copy / part))
    before = code_fingerprint(copy, HISTORY_CODE)
    target = copy / changed
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "a", encoding="utf-8") as fh:
        fh.write("\n# changed\n")
    assert code_fingerprint(copy, HISTORY_CODE) != before


def test_a_change_to_presentation_keeps_the_history_key(tmp_path):
    copy = tmp_path / "tree"
    shutil.copytree(PACKAGE, copy / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "requirements.lock", copy / "requirements.lock")
    before = code_fingerprint(copy, HISTORY_CODE)
    with open(copy / "pipeline/reports/charts.py", "a", encoding="utf-8") as fh:
        fh.write("\n# a chart's colour\n")
    assert code_fingerprint(copy, HISTORY_CODE) == before


# Which subpackages each may import (besides itself and the shared config, errors, publish).
# The flow is inputs -> rules -> figures -> reports -> runs; inputs reads headers, provinces and
# ids through the contract's vocabulary (rules/contract.py), the only import against the flow.
ALLOWED_IMPORTS = {
    "inputs": {"rules.contract"},
    "rules": set(),
    "figures": {"rules"},
    "reports": {"rules", "figures"},
    "runs": {"inputs", "rules", "figures", "reports", "live"},
    "live": {"inputs", "rules", "figures", "reports", "runs"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline."):
            module = node.module.removeprefix("pipeline.")
            found.update(f"{module}.{a.name}" if "." not in module else module for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "pipeline":
            found.update(a.name for a in node.names)
    return found


def test_imports_follow_the_flow():
    wrong = []
    for sub, allowed in ALLOWED_IMPORTS.items():
        for path in sorted((PACKAGE / sub).rglob("*.py")):
            for target in _imports(path):
                top = target.split(".")[0]
                if top in (sub, "config", "errors", "publish", "__version__"):
                    continue
                if top not in allowed and ".".join(target.split(".")[:2]) not in allowed:
                    wrong.append(f"{rel(path)} imports pipeline.{target}")
    assert not wrong, wrong
