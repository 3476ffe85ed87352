"""Two renders of the same inputs, in another order of execution, publish the same tables and figures."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli

from pipeline.reports import fmt
from pipeline.runs.audit import first_difference, notebook_text_outputs, sanitize_rules

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def second_render(rendered, small_sample, tmp_path_factory) -> Path:
    """The same small sample rendered again into another folder, one report at a time
    (`rendered` uses the default workers, so reports run in another order and other processes)."""
    out = tmp_path_factory.mktemp("reports-again")
    proc = run_cli("report", "--data", str(small_sample), "--out", str(out), "--workers", "1")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    second = out / rendered[1].name
    # Same code, inputs and parameters on both sides, or the comparison proves nothing (in a shared
    # working tree the code can change between the two renders).
    keys = [json.loads((d / "manifest.json").read_text(encoding="utf-8")).get("run_key") for d in (rendered[1], second)]
    assert keys[0] == keys[1], f"the code changed between the two renders (run_key {keys}): run the test again"
    return second


def _files(root: Path, pattern: str) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.glob(pattern)) if p.is_file()}


# Files allowed to differ between two renders, and why; everything else must be byte-identical.
NOT_BYTE_IDENTICAL = {
    "manifest.json": "records the command (with --out), generated_at and generation_seconds",
    "*.ipynb": "papermill metadata (start/end times, durations); outputs compared below",
}
# HTML and PDF are compared byte for byte too: render.py gives papermill's injected cell a fixed
# id and sets SOURCE_DATE_EPOCH, so fontTools stamps no wall-clock time in the embedded fonts.


def test_tables_and_every_other_published_file_are_byte_identical(rendered, second_render):
    first, second = _files(rendered[1], "**/*"), _files(second_render, "**/*")
    assert sorted(first) == sorted(second)
    assert len(_files(rendered[1], "tables/*.csv")) >= 7
    exempt = lambda rel: any(Path(rel).match(pattern) for pattern in NOT_BYTE_IDENTICAL)  # noqa: E731
    compared = [rel for rel in first if not exempt(rel)]
    assert {"task.json", "index.html", "validation/index.html", "tables/participation_province.csv",
            "national/report.html", "national/report.pdf"} <= set(compared)
    differ = [rel for rel in compared if first[rel].read_bytes() != second[rel].read_bytes()]
    assert differ == [], f"differ between two renders of the same inputs: {differ}"


def test_notebook_text_outputs_are_identical(rendered, second_render):
    rules = sanitize_rules()
    first = _files(rendered[1], "task.ipynb") | _files(rendered[1], "*/report.ipynb")
    second = _files(second_render, "task.ipynb") | _files(second_render, "*/report.ipynb")
    assert sorted(first) == sorted(second) and len(first) >= 3
    today = fmt.tanggal(pd.Timestamp.now(tz="Asia/Jakarta"))
    problems = []
    for rel in first:
        a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (first[rel], second[rel]))
        cells_a = [c for c in a["cells"] if c["cell_type"] == "code"]
        cells_b = [c for c in b["cells"] if c["cell_type"] == "code"]
        assert len(cells_a) == len(cells_b), rel
        for i, (ca, cb) in enumerate(zip(cells_a, cells_b)):
            diff = first_difference(ca.get("outputs", []), cb.get("outputs", []), rules)
            if diff is not None:
                problems.append(f"{rel} code cell {i}: {diff}")
        # report generation time belongs in manifest.json, never in a figure
        text = json.dumps(notebook_text_outputs(first[rel], rules), ensure_ascii=False)
        if today in text:
            problems.append(f"{rel}: shows today's date ({today}), a wall-clock time in a figure")
    assert problems == []


def test_report_html_is_identical(rendered, second_render):
    first = _files(rendered[1], "*/report.html") | _files(rendered[1], "index.html")
    second = _files(second_render, "*/report.html") | _files(second_render, "index.html")
    assert sorted(first) == sorted(second) and len(first) >= 3
    differ = []
    for rel in first:
        a, b = first[rel].read_text(encoding="utf-8"), second[rel].read_text(encoding="utf-8")
        if a != b:
            i = next(k for k, (x, y) in enumerate(zip(a, b)) if x != y) if a[:len(b)] != b[:len(a)] else min(len(a), len(b))
            differ.append(f"{rel} at char {i}: {a[max(0, i - 80):i + 80]!r} vs {b[max(0, i - 80):i + 80]!r}")
    assert differ == []
