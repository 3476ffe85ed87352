"""Hostile and broken input files (issue 7, input side): each case gets its expected outcome.

The corpus is tests/hostile/ (README.md lists every case): small text files written for the
purpose, plus generators (tests/hostile/generate.py) for the binary, huge and generated ones.
Each case ends in one of three ways at the load / validate / resolve level: a clear InputError
(and, through the command line, exit code 2 with one line on stderr and no traceback), a
quarantine reason, or the row kept with its outcome. Output escaping is tested elsewhere
(tests/test_hostile_outputs.py)."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hostile import generate

from pipeline import config
from pipeline.errors import InputError
from pipeline.inputs import load
from pipeline.rules import validate
from pipeline.rules.eligibility import eligible_mask
from pipeline.rules.resolve import resolve_responses
from pipeline.runs import cli

HOSTILE = Path(__file__).resolve().parent / "hostile"
TASK = "t-hostile"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data(tmp_path) -> Path:
    """A fresh copy of the hostile data directory (roster, tasks, one response file)."""
    return Path(shutil.copytree(HOSTILE / "data", tmp_path / "data"))


def run(data_dir: Path, task_id: str = TASK) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(validated roster, checked responses) of one task, as the task stage computes them."""
    task = load.get_task(load.load_tasks(data_dir), task_id)
    roster, _ = validate.validate_roster(load.load_roster(data_dir))
    responses = load.load_responses(data_dir, task)
    validate.validate_responses(responses)  # the warning suite runs on hostile text too
    checked = resolve_responses(responses, roster, task)
    validate.gate_checked_responses(checked, len(responses))
    return roster, checked


def expected(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [row["Harapan"] for row in csv.DictReader(fh)]


ROSTER_QUARANTINE = {11: "missing_id", 12: "unknown_jabatan", 13: "unknown_province"}


# --- Rows: kept, with their outcome ---------------------------------------------------------------


def test_hostile_rows_keep_their_text_and_get_their_outcome(data):
    roster, checked = run(data)
    assert dict(zip(roster["source_row"], roster["quarantine_reason"].fillna(""))) == {
        **{r: "" for r in range(1, 17)}, **ROSTER_QUARANTINE}
    raw_roster = generate.csv_rows(data / "roster.csv")
    # Text is read as typed: nothing evaluated, stripped of markup or "fixed" on the way in.
    assert roster["nama"].tolist()[:10] == [r[1].strip() for r in raw_roster[1:11]]
    assert roster.loc[13, "provinsi"] == "Bali"  # "=Bali": the formula sign is punctuation
    assert roster.loc[15, "nomor_absen"] == 1016  # a zero-width space inside the id is noise
    want = expected(data / "responses" / f"{TASK}.csv")
    assert checked["source_row"].tolist() == list(range(1, len(want) + 1))  # count in = count out
    assert checked["outcome"].tolist() == want
    row = checked.set_index("source_row")
    assert row.loc[18, "platform"] == "Website/Blog"  # markup inside a valid URL: counted, shown escaped
    assert row.loc[16, "warnings"] == "province_unrecognised"
    assert row.loc[1, "nama"] == "<script>alert('x')</script> Budi Santoso"


def test_the_same_rows_from_xlsx_text_cells_and_a_formula_cell(data):
    """An XLSX export of the same rows: cells that start with '=' are text, not formulas; a real
    formula cell reads as its last computed value and is never evaluated."""
    rows = generate.csv_rows(data / "responses" / f"{TASK}.csv")
    rows.append(["2025-11-04 09:40:00", "Bali", "1004", "", "https://fb.com/formula", "duplicate",
                 "formula cell: its cached name matches 1004, counted earlier"])
    (data / "responses" / f"{TASK}.csv").unlink()
    generate.xlsx_from_rows(data / "responses" / f"{TASK}.xlsx", rows,
                            formula=(len(rows) - 1, 3, '=HYPERLINK("http://evil.example","Rina Marlina")',
                                     "Rina Marlina"))
    roster_rows = generate.csv_rows(data / "roster.csv")
    (data / "roster.csv").unlink()
    generate.xlsx_from_rows(data / "roster.xlsx", roster_rows)
    roster, checked = run(data)
    assert roster["quarantine_reason"].fillna("").tolist() == [ROSTER_QUARANTINE.get(r, "") for r in range(1, 17)]
    assert roster.loc[1, "nama"] == roster_rows[2][1]  # '=HYPERLINK(...)' kept as text
    assert checked["outcome"].tolist() == [r[5] for r in rows[1:]]
    assert checked["nama"].iloc[-1] == "Rina Marlina"  # the formula's cached value


def test_ten_thousand_character_fields(data):
    long_name = "Panjang " + "a" * 10_000
    long_link = "https://www.facebook.com/" + "x" * 10_000
    with open(data / "roster.csv", "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(["1017", long_name, "PD", "Bali", "Badung", "", "", "long"])
    rows = [
        ["2025-11-04 09:30:00", "Bali", "1017", long_name, long_link, "counted", "10,000-character name and link"],
        ["2025-11-04 09:31:00", "Bali", "1" * 10_000, "Budi", "https://fb.com/b", "unknown_id", "10,000-digit id"],
        ["9" * 10_000, "Bali", "1004", "Rina Marlina", "https://fb.com/r", "invalid_timestamp", "10,000-char time"],
        ["2025-11-04 09:33:00", "B" * 10_000, "1005", "Andi Pane " * 1_000, "https://fb.com/a2", "duplicate",
         "10,000-char province and name"],
    ]
    path = data / "responses" / f"{TASK}.csv"
    with open(path, "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    t = time.perf_counter()
    roster, checked = run(data)
    assert time.perf_counter() - t < 30
    assert roster.loc[16, "nama"] == long_name and pd.isna(roster.loc[16, "quarantine_reason"])
    assert checked["outcome"].tolist() == expected(path)
    assert checked["link"].iloc[-4] == long_link
    assert checked["warnings"].iloc[-1] == "province_unrecognised"


def test_headers_only_response_file_is_a_task_without_responses(data):
    shutil.copy(HOSTILE / "headers_only.csv", data / "responses" / f"{TASK}.csv")
    roster, checked = run(data)
    assert len(checked) == 0 and "outcome" in checked.columns


def test_roster_with_every_nomor_absen_duplicated(data):
    shutil.copy(HOSTILE / "roster_all_duplicates.csv", data / "roster.csv")
    task = load.get_task(load.load_tasks(data), TASK)
    roster, checked = run(data)
    assert roster["quarantine_reason"].tolist() == ["duplicate_id"] * 7
    assert not eligible_mask(roster, task).any()
    by_id = dict(zip(checked["nomor_absen_input"], checked["outcome"]))
    assert by_id["1003"] == "roster_conflict"  # a TPP on a duplicated id is never counted
    assert not checked["outcome"].isin(["counted", "recovered"]).any()


# --- Files: a clear error, never a traceback --------------------------------------------------------


def _roster(data: Path, make) -> None:
    (data / "roster.csv").unlink()
    make(data)


def _responses(data: Path, make) -> None:
    (data / "responses" / f"{TASK}.csv").unlink()
    make(data / "responses")


FILE_CASES = {
    "ragged row": (lambda d: shutil.copy(HOSTILE / "ragged.csv", d / "responses" / f"{TASK}.csv"),
                   r"t-hostile\.csv: line 4 has 6 fields but the header has 5"),
    "binary file named .csv": (lambda d: generate.binary_file(d / "roster.csv"),
                               r"roster\.csv is not a CSV file: it contains binary data"),
    "empty roster": (lambda d: shutil.copy(HOSTILE / "empty.csv", d / "roster.csv"), r"roster\.csv is empty \(0 bytes\)"),
    "empty response file": (lambda d: shutil.copy(HOSTILE / "empty.csv", d / "responses" / f"{TASK}.csv"),
                            r"t-hostile\.csv is empty \(0 bytes\)"),
    "headers-only roster": (lambda d: shutil.copy(HOSTILE / "headers_only.csv", d / "roster.csv"),
                            r"roster\.csv: required column 'jabatan' not found"),
    "truncated xlsx": (lambda d: _roster(d, lambda d: generate.truncated_xlsx(d / "roster.xlsx")),
                       r"roster\.xlsx is not a valid XLSX workbook: it is a truncated or damaged zip archive"),
    "damaged xlsx": (lambda d: _roster(d, lambda d: generate.corrupt_xlsx(d / "roster.xlsx")),
                     r"roster\.xlsx is not a valid XLSX workbook \("),
    "zip bomb as xlsx": (lambda d: _roster(d, lambda d: generate.zip_bomb(d / "roster.xlsx")),
                         r"roster\.xlsx is not read: its part xl/worksheets/sheet1\.xml unpacks [\d,]+ times larger"
                         r".*looks like a zip bomb"),
    "zip bomb lying about its size": (
        lambda d: _roster(d, lambda d: generate.zip_bomb(d / "roster.xlsx", unpacked_mib=64, declared=4096)),
        r"roster\.xlsx is not a valid XLSX workbook \(.*larger than its declared"),
    "xlsx response that is a zip bomb": (
        lambda d: _responses(d, lambda r: generate.zip_bomb(r / f"{TASK}.xlsx")), r"looks like a zip bomb"),
    "missing roster": (lambda d: (d / "roster.csv").unlink(), r"missing input file: .*roster\.csv or \.xlsx"),
}


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_broken_file_is_a_clear_error(data, case):
    make, message = FILE_CASES[case]
    make(data)
    with pytest.raises(InputError, match=message):
        run(data)


@pytest.mark.parametrize("case", ["ragged row", "binary file named .csv", "zip bomb as xlsx", "truncated xlsx"])
def test_command_line_exits_2_with_one_line_and_no_traceback(data, tmp_path, capsys, case):
    make, message = FILE_CASES[case]
    make(data)
    code = cli.main(["stage", "--data", str(data), "--out", str(tmp_path / "out"), "--task", TASK])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert re.search(message, err)


def test_xlsx_unpacked_size_limit(data, monkeypatch):
    rows = generate.csv_rows(data / "roster.csv")
    (data / "roster.csv").unlink()
    generate.xlsx_from_rows(data / "roster.xlsx", rows)
    monkeypatch.setattr(config, "MAX_XLSX_UNCOMPRESSED_BYTES", 2000)
    with pytest.raises(InputError, match=r"roster\.xlsx is not read: it unpacks to [\d,]+ bytes, over the limit of "
                                         r"2,000 bytes \(set ABSENSI_MAX_XLSX_UNCOMPRESSED_BYTES"):
        load.load_roster(data)


# --- A 200 MB response file: rejected by size before reading; bounded when streamed -------------------

_MEASURE = """
import json, sys, time
from pathlib import Path
from pipeline.inputs import load
from pipeline.rules import contract
from pipeline.rules.eligibility import eligible_mask
from pipeline.errors import InputError
t = time.perf_counter()
try:
    frame = load.read_table(Path(sys.argv[1]), contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED,
                            patterns=contract.RESPONSE_PATTERNS)
    result = {"rows": len(frame)}
except InputError as exc:
    result = {"error": str(exc)}
result["seconds"] = time.perf_counter() - t
# VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec.
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
result["peak_mib"] = int(hwm.split()[1]) / 1024
print(json.dumps(result))
"""


def _measure(path: Path, **env: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **env}, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_200_mb_response_file(tmp_path):
    path = generate.big_response_csv(tmp_path / "t-big.csv")
    size = path.stat().st_size
    assert size >= 200 * 1024 * 1024 and size > config.MAX_INPUT_BYTES
    rejected = _measure(path)
    assert rejected["error"].startswith(f"{path} is {size:,} bytes, over the limit of {config.MAX_INPUT_BYTES:,} bytes")
    assert rejected["peak_mib"] < 300 and rejected["seconds"] < 1  # rejected before reading: no growth
    # With the limit raised the file is streamed: memory follows the kept columns, not the file.
    streamed = _measure(path, ABSENSI_MAX_INPUT_BYTES=str(size + 1))
    assert streamed["rows"] > 1_400_000
    assert streamed["peak_mib"] < 1024, streamed
    print(f"\n200 MB response file: rejected in {rejected['seconds']:.2f} s at {rejected['peak_mib']:.0f} MiB peak; "
          f"streamed {streamed['rows']:,} rows in {streamed['seconds']:.1f} s at {streamed['peak_mib']:.0f} MiB peak")
