"""Issue 18, run side: a typed notebook-cell error, the sanitising rules in the package, small modules."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest
from conftest import ROOT

from pipeline.errors import InputError, NotebookCellError, ReportError, ValidationFailed
from pipeline.reports import render
from pipeline.runs import batch
from pipeline.runs.sanitize import SANITIZE_CONFIG, sanitize, sanitize_rules

FAILING = ROOT / "tests" / "fixtures" / "notebooks" / "failing.ipynb"


@pytest.mark.slow
def test_failing_cell_raises_a_typed_error_carrying_cell_name_and_value(tmp_path):
    with pytest.raises(NotebookCellError) as info:
        render.execute_notebook(FAILING, tmp_path / "report.ipynb", {"x": 7})
    err = info.value
    assert isinstance(err, ReportError) and err.exit_code == 4
    assert (err.notebook, err.cell, err.ename, err.evalue) == ("failing.ipynb", 3, "ValueError", "data rusak x=7")
    assert err.exec_count == 4 and "raise ValueError" in err.source  # In [4]: papermill injected a cell
    assert err.kept == str(tmp_path / "report.failed.ipynb") and Path(err.kept).is_file()
    # it crosses process boundaries (worker -> batch) with every field
    back = pickle.loads(pickle.dumps(err))
    assert (back.cell, back.ename, back.evalue, back.kept, str(back)) == (err.cell, err.ename, err.evalue,
                                                                            err.kept, str(err))
    # moving the kept notebook moves the message with it
    err.kept = "/elsewhere/report.failed.ipynb"
    assert "In [4] of /elsewhere/report.failed.ipynb" in str(err)


@pytest.mark.parametrize(("ename", "kind"), [("InputError", InputError), ("ValidationFailed", ValidationFailed)])
def test_task_notebook_input_errors_come_back_as_their_own_type(monkeypatch, tmp_path, ename, kind):
    def fails(*args, **kwargs):
        raise NotebookCellError("task.ipynb", 4, 2, "run_task(...)", ename, "roster.csv: kolom 'nama' tidak ada")

    monkeypatch.setattr(render, "execute_notebook", fails)
    with pytest.raises(kind, match="^roster.csv: kolom 'nama' tidak ada$"):
        batch._run_task_notebook(tmp_path, "t", tmp_path, False, tmp_path / "h")


def test_other_task_notebook_failures_stay_cell_errors(monkeypatch, tmp_path):
    def fails(*args, **kwargs):
        raise NotebookCellError("task.ipynb", 4, 2, "x", "KeyError", "'provinsi'")

    monkeypatch.setattr(render, "execute_notebook", fails)
    with pytest.raises(NotebookCellError, match="cell 4: KeyError"):
        batch._run_task_notebook(tmp_path, "t", tmp_path, False, tmp_path / "h")


def test_sanitising_rules_are_a_package_file_and_production_code_reads_nothing_under_tests():
    pipeline_dir = ROOT / "pipeline"
    assert SANITIZE_CONFIG.is_file() and SANITIZE_CONFIG.is_relative_to(pipeline_dir)
    rules = sanitize_rules()
    assert len(rules) >= 4
    assert sanitize("<Figure size 770x836 with 2 Axes> at 0x7f3a2c1d0e50 in /tmp/a/b.csv", rules) == (
        "<Figure> at 0xADDRESS in <PATH>")
    for path in pipeline_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in ("tests", "tests/nbval_sanitize.cfg"), f"{path} reads the tests folder"


SPLIT = ["pipeline/runs/audit.py", "pipeline/runs/verify.py", "pipeline/runs/compare.py", "pipeline/runs/nbval.py",
         "pipeline/runs/sanitize.py", "pipeline/runs/batch.py", "pipeline/runs/cli.py", "pipeline/reports/render.py",
         "pipeline/publish.py", "pipeline/errors.py"]


@pytest.mark.parametrize("rel", SPLIT)
def test_modules_under_600_lines_and_functions_under_80(rel):
    text = (ROOT / rel).read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 600, rel
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            assert length <= 80, f"{rel}: {node.name} is {length} lines"
