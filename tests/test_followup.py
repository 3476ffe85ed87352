"""The follow-up workbooks: forwardable belum-respon.xlsx (no contacts) and restricted kontak-terbatas.xlsx
(clickable contacts): layout, inert text cells without apostrophes, proof flags, determinism."""

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
NON_RESPONDERS = tables.non_responders(pd.DataFrame({
    "provinsi": ["Gorontalo", "Gorontalo", "Gorontalo", "Gorontalo", "Bali"],
    "kabupaten": ["Kabupaten Boalemo", "Kabupaten Boalemo", "+Kabupaten Pohuwato", "Kabupaten Pohuwato",
                  "Kabupaten Badung"],
    "nomor_absen": pd.array([101, 102, 103, 104, 201], dtype="Int64"),
    "nama": ["Siti Aminah", HOSTILE_NAME, "-2+3 Lubis", "Made Wirawan", "Orang Lain Provinsi"],
    "jabatan": ["PD", "PLD", "TA", "PD", "PD"],
    "streak": [1, config.PEMBINAAN_STREAK, 9, config.PEMBINAAN_STREAK - 1, 4],
}), pd.Series({101: "invalid_link", 201: "before_start"}))
# Counted rows of 105 (Gorontalo) and 201's neighbour flagged by the proof checks (contract schema).
PROOF_FLAGS = pd.DataFrame({
    "source_row": [7, 7, 9], "nomor_absen": pd.array([105, 105, 301], dtype="Int64"),
    "provinsi": ["Gorontalo", "Gorontalo", "Bali"], "kabupaten": ["Kabupaten Pohuwato"] * 2 + ["Kabupaten Badung"],
    "flag": ["shared_link", "reused_link", "task_material"], "link_normalised": ["facebook.com/x"] * 3,
    "other": ["301", "2025-10-28-hari-sumpah-pemuda:77", ""],
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


def _tables(with_proof: bool) -> dict[str, pd.DataFrame]:
    tabs = tables.non_responder_tables(NON_RESPONDERS)
    return {**tabs, "proof_flags": PROOF_FLAGS} if with_proof else tabs


@pytest.fixture(scope="module")
def written(roster, tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("task")
    return out, followup.write_workbooks(out, _tables(True), roster, TASK_INFO)


def _cells(ws):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                yield cell


def _rows(path: Path) -> dict[int, dict]:
    ws = openpyxl.load_workbook(path)[followup.SHEET_LIST]
    header = [c.value for c in ws[1]]
    return {r[header.index("No. absen")]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)
            if r[header.index("No. absen")] is not None}


def test_two_workbooks_per_province_in_scope(written):
    out, paths = written
    assert sorted(p.relative_to(out).as_posix() for p in paths) == sorted(
        f"{slug}/{name}" for slug in ("bali", "gorontalo", "papua")
        for name in (followup.FILENAME, followup.RESTRICTED_FILENAME))


def test_forwardable_list_has_reason_action_proof_and_notes(written):
    out, _ = written
    wb = openpyxl.load_workbook(out / "gorontalo" / followup.FILENAME)
    assert wb.sheetnames == [followup.SHEET_SUMMARY, followup.SHEET_LIST]
    (table,) = wb[followup.SHEET_LIST].tables.values()
    assert table.autoFilter is not None
    rows = _rows(out / "gorontalo" / followup.FILENAME)
    assert sorted(rows) == [101, 102, 103, 104, 105]  # Gorontalo only; 105 responded but its proof is flagged
    assert rows[101]["Kiriman ditolak"] == "Sudah mengirim, tetapi tautannya tidak valid"
    assert rows[101]["Tindak lanjut"] == tables.ACTION_REMIND and rows[101]["Catatan"] is None
    assert rows[102]["Tugas berturut-turut tanpa kiriman"] == config.PEMBINAAN_STREAK
    assert rows[102]["Tindak lanjut"] == tables.ACTION_PEMBINAAN and rows[102]["Kiriman ditolak"] is None
    assert rows[103]["Tindak lanjut"] == tables.ACTION_INACTIVE
    assert rows[103][f"Mungkin tidak aktif lagi ({config.INACTIVE_STREAK}+)"] == "Ya"
    assert rows[105]["Bukti perlu diperiksa"] == ("Tautan sama dengan kiriman TPP lain; "
                                                 "Tautan sudah dipakai pada tugas sebelumnya")
    assert rows[105]["Tindak lanjut"] == followup.ACTION_PROOF and rows[105]["Nama"] == "Aktif Sekali"
    summary = wb[followup.SHEET_SUMMARY]
    srows = {r[0]: r[1:5] for r in summary.iter_rows(min_row=7, values_only=True) if r[0]}
    assert srows["Kabupaten Boalemo"] == (2, 1, 1, 0)  # non-responders, rejected, pembinaan, possibly inactive
    assert srows["Jumlah provinsi"] == (4, 1, 2, 1)
    assert "Orang Lain Provinsi" not in {c.value for s in wb for c in _cells(s)}


def test_without_proof_flags_the_proof_column_stays_empty(roster, tmp_path):
    followup.write_workbooks(tmp_path, _tables(False), roster, TASK_INFO)
    rows = _rows(tmp_path / "gorontalo" / followup.FILENAME)
    assert sorted(rows) == [101, 102, 103, 104] and {r["Bukti perlu diperiksa"] for r in rows.values()} == {None}


def test_text_cells_are_inert_strings_without_apostrophes(written):
    out, paths = written
    texts = []
    for path in paths:
        for ws in openpyxl.load_workbook(path):
            for cell in _cells(ws):
                assert cell.data_type != "f", (path.name, ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s" and not cell.value.startswith("'"), (path.name, cell.coordinate)
                    texts.append(cell.value)
    # the hostile values are still there, exactly as typed, as text
    assert HOSTILE_NAME in texts and "-2+3 Lubis" in texts and "+Kabupaten Pohuwato" in texts and "@siti" in texts


def test_forwardable_workbook_has_no_contact(written):
    out, _ = written
    for slug in ("gorontalo", "bali"):
        wb = openpyxl.load_workbook(out / slug / followup.FILENAME)
        text = "\n".join(str(c.value) for ws in wb for c in _cells(ws))
        assert not EMAIL_RE.search(text) and not PHONE_RE.search(text) and "@siti" not in text
        assert not [c for ws in wb for c in _cells(ws) if c.hyperlink is not None]


def test_restricted_workbook_has_clickable_contacts_of_the_province_only(written):
    out, _ = written
    wb = openpyxl.load_workbook(out / "gorontalo" / followup.RESTRICTED_FILENAME)
    ws = wb[followup.SHEET_RESTRICTED]
    assert ws["A1"].value == "TERBATAS - data pribadi (UU PDP 27/2022)"
    header = [c.value for c in ws[4]]
    cells = {(r[1].value, header[i]): c for r in ws.iter_rows(min_row=5) for i, c in enumerate(r)}
    assert cells[(101, "Email")].value == "siti.aminah@example.id"
    assert cells[(101, "Email")].hyperlink.target == "mailto:siti.aminah@example.id"
    assert cells[(101, "WhatsApp")].hyperlink.target == "https://wa.me/6281234567890"
    assert cells[(102, "WhatsApp")].hyperlink.target == "https://wa.me/6281311112222"
    assert cells[(103, "Email")].value is None and cells[(103, "WhatsApp")].value is None  # "tidak ada", "0"
    assert cells[(101, "Instagram")].value == "@siti" and cells[(101, "Instagram")].hyperlink is None
    assert {k[0] for k in cells} == {101, 102, 103, 104}  # only this province's non-responders
    assert "lain@example.id" not in "\n".join(str(c.value) for c in _cells(ws))


def test_province_without_non_responders_gets_an_empty_list(written):
    out, _ = written
    assert _rows(out / "papua" / followup.FILENAME) == {}


def test_bytes_are_deterministic(roster, written, tmp_path):
    out, _ = written
    again = followup.write_workbooks(tmp_path, _tables(True), roster, TASK_INFO)
    for path in again:
        assert path.read_bytes() == (out / path.relative_to(tmp_path)).read_bytes(), path
