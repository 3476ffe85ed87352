"""End to end: `python -m pipeline report` on the small sample writes every contract output."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli
from pypdf import PdfReader

from pipeline.rules import contract
from pipeline.runs.sample import LATEST_TASK_ID, SAMPLE_PROVINCES
from pipeline.runs.sanitize import SANITIZE_CONFIG

pytestmark = pytest.mark.slow

CONTRACT_TABLES = {
    "participation_province": ["provinsi", "eligible", "responded", "on_time", "participation_rate", "on_time_rate",
                               "median_response_minutes"],
    "participation_kabupaten": ["provinsi", "kabupaten", "eligible", "responded", "on_time", "participation_rate",
                                "on_time_rate", "median_response_minutes"],
    "participation_jabatan": ["provinsi", "jabatan", "eligible", "responded", "on_time", "participation_rate",
                              "on_time_rate", "median_response_minutes"],
    "responses_checked": ["source_row", "nomor_absen_input", "nomor_absen", "provinsi", "outcome", "on_time",
                          "platform", "warnings"],
    "non_responders": ["provinsi", "kabupaten", "nomor_absen", "nama", "jabatan", "streak", "possibly_inactive",
                       "submitted"],
    "channel_coverage": ["provinsi", "channel", "eligible", "with_channel", "coverage_rate"],
    "roster_quarantine": ["source_row", "nomor_absen", "reason"],
}


def test_report_writes_every_province_national_and_manifest(rendered):
    proc, task_dir = rendered
    assert task_dir.name == LATEST_TASK_ID  # no TASK: the sample's latest task
    slugs = sorted(contract.province_slug(p) for p in SAMPLE_PROVINCES)
    folders = sorted(p.name for p in task_dir.iterdir() if p.is_dir() and p.name not in ("tables", "validation", "national"))
    assert folders == slugs and len(folders) == 37
    for name in slugs + ["national"]:
        folder = task_dir / name
        html = (folder / "report.html").read_text(encoding="utf-8")
        assert '<html lang="id">' in html or "lang=\"id\"" in html
        assert "<img" in html, f"{name}: no chart in the report"
        reader = PdfReader(folder / "report.pdf")
        assert len(reader.pages) >= 2, f"{name}: {len(reader.pages)} page(s)"
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
        first = reader.pages[0].extract_text()
        header = "Nasional" if name == "national" else "Provinsi "
        assert header in first and "Halaman 1 dari" in first
        nb = json.loads((folder / "report.ipynb").read_text(encoding="utf-8"))
        assert all(c.get("outputs") is not None for c in nb["cells"] if c["cell_type"] == "code")
        assert nb["metadata"]["papermill"]["parameters"]["task_dir"] == ".."
    # progress and the one-line summary
    assert "[38/38]" in proc.stdout and "38 reports" in proc.stdout and str(task_dir) in proc.stdout
    assert (task_dir / "index.html").exists() and (task_dir / "validation" / "index.html").exists()


def test_contract_tables_have_the_contract_columns(rendered):
    _, task_dir = rendered
    for name, cols in CONTRACT_TABLES.items():
        df = pd.read_csv(task_dir / "tables" / f"{name}.csv")
        assert list(df.columns[: len(cols)]) == cols, name
    prov = pd.read_csv(task_dir / "tables" / "participation_province.csv")
    assert len(prov) == 37
    assert ((prov["participation_rate"] >= 0) & (prov["participation_rate"] <= 1)).all()
    assert (prov["responded"] <= prov["eligible"]).all()
    kab = pd.read_csv(task_dir / "tables" / "participation_kabupaten.csv")
    # kabupaten figures add up to their province's
    sums = kab.groupby("provinsi")[["eligible", "responded", "on_time"]].sum()
    assert (sums.loc[prov["provinsi"]].to_numpy() == prov[["eligible", "responded", "on_time"]].to_numpy()).all()
    # count in = count out
    checked = pd.read_csv(task_dir / "tables" / "responses_checked.csv")
    assert checked["source_row"].is_unique
    counted = checked[checked["outcome"].isin(["counted", "recovered"])]
    assert counted["nomor_absen"].is_unique
    assert len(counted) == prov["responded"].sum()


def test_manifest_hashes_every_output_and_input(rendered, small_sample):
    _, task_dir = rendered
    manifest = json.loads((task_dir / "manifest.json").read_text(encoding="utf-8"))
    outputs = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    assert "national/report.pdf" in outputs and "tables/participation_province.csv" in outputs
    for rel, digest in outputs.items():
        assert hashlib.sha256((task_dir / rel).read_bytes()).hexdigest() == digest, rel
    roles = {i["role"]: i for i in manifest["inputs"]}
    assert hashlib.sha256((small_sample / roles["roster"]["path"]).read_bytes()).hexdigest() == roles["roster"]["sha256"]
    assert manifest["packages"]["pandas"]["locked"] == manifest["packages"]["pandas"]["installed"]
    assert manifest["task_id"] == task_dir.name and manifest["parameters"]["task_id"] == task_dir.name


def _write_xlsx(df: pd.DataFrame, path: Path) -> None:
    """Every cell as text (a name like '=1+1 Lubis' must stay text, not become a formula)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append([v if v != "" else None for v in row])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    wb.save(path)


def _to_xlsx(src: Path, dst: Path) -> None:
    """Copy a data directory, re-saving the roster and every response file as XLSX."""
    shutil.copytree(src, dst)
    roster = pd.read_csv(dst / "roster.csv", dtype=str, keep_default_na=False)
    _write_xlsx(roster, dst / "roster.xlsx")
    (dst / "roster.csv").unlink()
    for path in (dst / "responses").glob("*.csv"):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        from io import StringIO
        _write_xlsx(pd.read_csv(StringIO(text), dtype=str, keep_default_na=False), path.with_suffix(".xlsx"))
        path.unlink()


def test_xlsx_data_directory_gives_the_same_tables(small_sample, rendered, tmp_path):
    _, task_dir = rendered
    xlsx_dir = tmp_path / "xlsx-data"
    _to_xlsx(small_sample, xlsx_dir)
    proc = run_cli("stage", "--task", LATEST_TASK_ID, "--data", str(xlsx_dir), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in ["participation_province", "participation_kabupaten", "participation_jabatan", "non_responders",
                 "channel_coverage"]:
        a = pd.read_csv(task_dir / "tables" / f"{name}.csv")
        b = pd.read_csv(tmp_path / "out" / LATEST_TASK_ID / "tables" / f"{name}.csv")
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)


def test_unknown_task_is_a_clear_error(small_sample, tmp_path):
    proc = run_cli("report", "--task", "no-such-task", "--data", str(small_sample), "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "no-such-task" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_required_column_is_a_clear_error(small_sample, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(small_sample, bad)
    roster = pd.read_csv(bad / "roster.csv", dtype=str).drop(columns=["Jabatan"])
    roster.to_csv(bad / "roster.csv", index=False)
    proc = run_cli("report", "--data", str(bad), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr[-1500:]
    assert "jabatan" in proc.stderr.lower() and "roster.csv" in proc.stderr and "Traceback" not in proc.stderr


# The personal-data scans (contacts, names from other provinces) are in tests/test_reports.py.


def test_nbval_reruns_the_executed_notebooks(rendered, tmp_path):
    """A reviewer's audit: rerun the kept notebooks in fresh kernels and compare every output
    (in a copy: the task notebook republishes its tables where it runs)."""
    _, published = rendered
    task_dir = tmp_path / published.name
    shutil.copytree(published, task_dir)
    notebooks = [task_dir / "task.ipynb", task_dir / "gorontalo" / "report.ipynb", task_dir / "national" / "report.ipynb"]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-sanitize-with",
         str(SANITIZE_CONFIG), *map(str, notebooks)],
        cwd=task_dir, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert re.search(r"\d+ passed", proc.stdout)
