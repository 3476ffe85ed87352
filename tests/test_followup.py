"""The follow-up workbook belum-respon.xlsx: layout, restricted contacts, neutralised cells, determinism."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import config
from pipeline.figures import tables
from pipeline.inputs import load
from pipeline.reports import followup

HOSTILE_NAME = '=HYPERLINK("http://evil.example/x","klik")'
FORMULA_START = ("=", "+", "-", "@")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE_RE = re.compile(r"(?:\+?62|0)8[\d\s.-]{8,14}")

ROSTER = [
    # nomor, nama, jabatan, provinsi, kabupaten, email, wa, instagram, facebook
    ("101", "Siti Aminah", "PD", "Gorontalo", "Kabupaten Boalemo", "siti.aminah@example.id", "0812-3456-7890", "@siti", "-"),
    ("102", HOSTILE_NAME, "PLD", "Gorontalo", "Kabupaten Boalemo", "x@evil.example", "+62 813 1111 2222", "", "=1+1"),
    ("103", "-2+3 Lubis", "TA", "Gorontalo", "+Kabupaten Pohuwato", "tidak ada", "0", "", ""),
    ("104", "Made Wirawan", "PD", "Gorontalo", "Kabupaten Pohuwato", "made@example.id", "081299998888", "", "fb.com/made"),
    ("105", "Aktif Sekali", "PD", "Gorontalo", "Kabupaten Pohuwato", "aktif@example.id", "081200001111", "", ""),
    ("201", "Orang Lain Provinsi", "PD", "Bali", "Kabupaten Badung", "lain@example.id", "081377776666", "", ""),
]
NON_RESPONDERS = pd.DataFrame({
    "provinsi": ["Gorontalo", "Gorontalo", "Gorontalo", "Gorontalo", "Bali"],
    "kabupaten": ["Kabupaten Boalemo", "Kabupaten Boalemo", "+Kabupaten Pohuwato", "Kabupaten Pohuwato",
                  "Kabupaten Badung"],
    "nomor_absen": pd.array([101, 102, 103, 104, 201], dtype="Int64"),
    "nama": ["Siti Aminah", HOSTILE_NAME, "-2+3 Lubis", "Made Wirawan", "Orang Lain Provinsi"],
    "jabatan": ["PD", "PLD", "TA", "PD", "PD"],
    "streak": [1, config.PEMBINAAN_STREAK, 9, config.PEMBINAAN_STREAK - 1, 4],
    "silent_latest": [False, False, True, False, False],
})
TASK_INFO = {"task_id": "2025-11-10-hari-pahlawan", "judul": "Hari Pahlawan 2025", "mulai": "2025-11-10T08:00:00+07:00",
             "batas": "2025-11-11T23:59:00+07:00", "timezone": "Asia/Jakarta", "cakupan": "nasional",
             "provinces": ["Bali", "Gorontalo", "Papua"]}


@pytest.fixture(scope="module")
def roster(tmp_path_factory) -> pd.DataFrame:
    d = tmp_path_factory.mktemp("roster")
    with open(d / "roster.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Nomor Absen", "Nama", "Jabatan", "Provinsi", "Kabupaten/Kota", "Email", "No WA", "Instagram",
                    "Facebook"])
        w.writerows(ROSTER)
    return load.load_roster(d)


@pytest.fixture(scope="module")
def written(roster, tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("task")
    return out, followup.write_workbooks(out, tables.non_responder_tables(NON_RESPONDERS), roster, TASK_INFO)


def _cells(ws):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                yield cell


def test_one_workbook_per_province_in_scope(written):
    out, paths = written
    assert sorted(p.relative_to(out).as_posix() for p in paths) == [
        "bali/belum-respon.xlsx", "gorontalo/belum-respon.xlsx", "papua/belum-respon.xlsx"]


def test_sheets_and_one_filterable_table_of_the_province_own_tpp(written):
    out, _ = written
    wb = openpyxl.load_workbook(out / "gorontalo" / "belum-respon.xlsx")
    assert wb.sheetnames == [followup.SHEET_SUMMARY, followup.SHEET_LIST, followup.SHEET_RESTRICTED]
    ws = wb[followup.SHEET_LIST]
    (table,) = ws.tables.values()
    assert table.autoFilter is not None and table.ref == f"A1:H{1 + 4}"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    ids = [r[1] for r in rows]
    assert sorted(ids) == [101, 102, 103, 104]  # Gorontalo only; 105 responded, 201 is Bali
    by_id = {r[1]: r for r in rows}
    assert by_id[101][4:7] == (1, "Tidak", "Tidak")
    assert by_id[102][4:6] == (config.PEMBINAAN_STREAK, "Ya")  # pembinaan from the configured streak
    assert by_id[104][5] == "Tidak"
    assert by_id[103][4:8] == (9, "Ya", "Ya", "Mungkin tidak aktif lagi: cek Data TPP")
    # kabupaten column lets the PIC filter; the summary counts per kabupaten add up
    summary = wb[followup.SHEET_SUMMARY]
    srows = {r[0]: r[1:4] for r in summary.iter_rows(min_row=7, values_only=True) if r[0]}
    assert srows["Kabupaten Boalemo"] == (2, 1, 0)
    assert srows["Jumlah provinsi"] == (4, 2, 1)
    assert "Orang Lain Provinsi" not in {c.value for s in wb for c in _cells(s)}


def test_no_cell_runs_as_a_formula(written):
    out, _ = written
    wb = openpyxl.load_workbook(out / "gorontalo" / "belum-respon.xlsx")
    texts = []
    for ws in wb:
        for cell in _cells(ws):
            assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                assert not cell.value.startswith(FORMULA_START), (ws.title, cell.coordinate, cell.value)
                texts.append(cell.value)
    # the hostile values are still there, as inert text
    assert "'" + HOSTILE_NAME in texts and "'-2+3 Lubis" in texts and "'+Kabupaten Pohuwato" in texts
    assert "'=1+1" in texts and "'@siti" in texts


def test_contacts_only_in_the_restricted_sheet(written):
    out, _ = written
    wb = openpyxl.load_workbook(out / "gorontalo" / "belum-respon.xlsx")
    for ws in wb:
        text = "\n".join(str(c.value) for c in _cells(ws))
        has_contacts = bool(EMAIL_RE.search(text) or PHONE_RE.search(text))
        assert has_contacts == (ws.title == followup.SHEET_RESTRICTED), ws.title
    ws = wb[followup.SHEET_RESTRICTED]
    assert ws["A1"].value == "TERBATAS - data pribadi (UU PDP 27/2022)"
    header = [c.value for c in ws[4]]
    rows = {r[1]: dict(zip(header, r)) for r in ws.iter_rows(min_row=5, values_only=True)}
    assert rows[101]["Email"] == "siti.aminah@example.id" and rows[101]["WhatsApp"] == "6281234567890"
    assert rows[102]["WhatsApp"] == "6281311112222"
    assert rows[103]["Email"] is None and rows[103]["WhatsApp"] is None  # "tidak ada" and "0" mean empty
    assert set(rows) == {101, 102, 103, 104}  # only this province's non-responders
    assert "lain@example.id" not in "\n".join(str(c.value) for c in _cells(ws))


def test_province_without_non_responders_gets_an_empty_list(written):
    out, _ = written
    wb = openpyxl.load_workbook(out / "papua" / "belum-respon.xlsx")
    assert list(wb[followup.SHEET_LIST].iter_rows(min_row=2, values_only=True)) in ([], [(None,) * 8])


def test_bytes_are_deterministic(roster, written, tmp_path):
    out, _ = written
    again = followup.write_workbooks(tmp_path, tables.non_responder_tables(NON_RESPONDERS), roster, TASK_INFO)
    for path in again:
        assert path.read_bytes() == (out / path.relative_to(tmp_path)).read_bytes(), path
