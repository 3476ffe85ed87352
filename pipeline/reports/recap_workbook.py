"""The per-province recap workbook `rekap-tpp.xlsx`: every TPP's row of recap_tpp.csv, filterable.

Forwardable: no contact detail (the recap table has none). One Excel table with autofilter, the
period's tasks on a second sheet. Text cells are written as text (no formula, URL or number
conversion, no apostrophe prefix: a cell starting with `=` is a string cell, which Excel never
evaluates) and the bytes are deterministic for the same inputs.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import xlsxwriter

from pipeline.publish import atomic_write_bytes
from pipeline.rules.contract import province_slug

FILENAME = "rekap-tpp.xlsx"
STASH = Path(".work") / "recap_tpp.parquet"  # the rows the workers read, removed before publishing
SHEET_LIST = "Rekap TPP"
SHEET_TASKS = "Tugas periode ini"
EXCEL_MAX_CHARS = 32767
CATEGORY_LABEL = {"baik": "Baik", "cukup": "Cukup", "perlu_pembinaan": "Perlu pembinaan"}
# recap_tpp column -> header, kind (text, int, rate, minutes)
COLUMNS = [
    ("kabupaten", "Kabupaten/Kota", "text", 30), ("nomor_absen", "No. absen", "int", 10), ("nama", "Nama", "text", 30),
    ("jabatan", "Jabatan", "text", 9), ("eligible_tasks", "Tugas wajib", "int", 10),
    ("responded_tasks", "Tugas dikerjakan", "int", 11), ("on_time_tasks", "Tepat waktu", "int", 10),
    ("participation_rate", "Partisipasi", "rate", 11), ("on_time_rate", "Tepat waktu (%)", "rate", 12),
    ("median_response_minutes", "Median waktu respons (menit)", "minutes", 14),
    ("longest_streak", "Terpanjang berturut-turut tanpa kiriman", "int", 16), ("category", "Kategori", "text", 16),
]


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value)
    return text if len(text) <= EXCEL_MAX_CHARS else text[: EXCEL_MAX_CHARS - 1] + "…"


def _created(info: dict) -> dt.datetime:
    """A fixed 'created' date (the period's first day) so two runs give identical bytes."""
    return dt.datetime.combine(dt.date.fromisoformat(info["from"]), dt.time())


def workbook_bytes(provinsi: str, rows: pd.DataFrame, info: dict) -> bytes:
    """The workbook of one province's recap_tpp rows, as bytes."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    wb.set_properties({"title": _text(f"Rekap TPP {provinsi}: {info['label']}"), "author": "absensi-medsos",
                       "company": "TAPM", "created": _created(info)})
    f = {"head": wb.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
         "text": wb.add_format({"valign": "top"}), "int": wb.add_format({"num_format": "#,##0", "valign": "top"}),
         "rate": wb.add_format({"num_format": "0.00%", "valign": "top"}),
         "minutes": wb.add_format({"num_format": "#,##0.0", "valign": "top"}),
         "title": wb.add_format({"bold": True, "font_size": 14})}
    ws = wb.add_worksheet(SHEET_LIST)
    for c, (_, _, _, width) in enumerate(COLUMNS):
        ws.set_column(c, c, width)
    ws.add_table(0, 0, max(len(rows), 1), len(COLUMNS) - 1, {
        "name": "RekapTPP", "style": "Table Style Light 9", "autofilter": True,
        "columns": [{"header": head, "header_format": f["head"]} for _, head, _, _ in COLUMNS]})
    for r, rec in enumerate(rows.to_dict("records"), start=1):
        for c, (col, _, kind, _) in enumerate(COLUMNS):
            value = rec[col]
            if col == "category":
                value = CATEGORY_LABEL.get(value, value)
            if kind != "text" and not pd.isna(value):
                ws.write_number(r, c, float(value) if kind != "int" else int(value), f[kind])
            elif (text := _text(value)) == "":
                ws.write_blank(r, c, None, f["text"])
            else:
                ws.write_string(r, c, text, f["text"])
    ws.freeze_panes(1, 0)
    ws.repeat_rows(0)
    ts = wb.add_worksheet(SHEET_TASKS)
    ts.write_string(0, 0, _text(f"Rekap {info['label']}: Provinsi {provinsi}"), f["title"])
    ts.set_column(0, 0, 34)
    ts.set_column(1, 1, 44)
    ts.set_column(2, 2, 20)
    for c, head in enumerate(["Tugas (task_id)", "Judul", "Mulai"]):
        ts.write_string(2, c, head, f["head"])
    for r, task in enumerate(info["tasks"], start=3):
        for c, value in enumerate([task["task_id"], task["judul"], task["mulai"]]):
            ts.write_string(r, c, _text(value), f["text"])
    wb.close()
    return buf.getvalue()


def stash_rows(recap_dir: Path, recap_tpp: pd.DataFrame) -> Path:
    """Keep the recap_tpp rows as computed (not the formula-neutralised CSV) in `<recap_dir>/.work/`
    for the workbooks, which the report workers write (`write_province_workbook`); the recap run
    removes the folder before publishing (`remove_stash`)."""
    path = Path(recap_dir) / STASH
    path.parent.mkdir(parents=True, exist_ok=True)
    recap_tpp.to_parquet(path, index=False)
    return path


def remove_stash(recap_dir: Path) -> None:
    shutil.rmtree(Path(recap_dir) / STASH.parent, ignore_errors=True)


def write_province_workbook(recap_dir: Path, provinsi: str) -> Path:
    """`<recap_dir>/<province-slug>/rekap-tpp.xlsx` from the stashed rows and recap.json (run on a
    report worker, next to the province's recap report)."""
    recap_dir = Path(recap_dir)
    info = json.loads((recap_dir / "recap.json").read_text(encoding="utf-8"))
    rows = pd.read_parquet(recap_dir / STASH, filters=[("provinsi", "==", provinsi)])
    path = recap_dir / province_slug(provinsi) / FILENAME
    atomic_write_bytes(path, workbook_bytes(provinsi, rows, info))
    return path


def write_workbooks(recap_dir: Path) -> list[Path]:
    """The workbook of every province of recap.json, one after another (`stash_rows` first)."""
    info = json.loads((Path(recap_dir) / "recap.json").read_text(encoding="utf-8"))
    return [write_province_workbook(recap_dir, provinsi) for provinsi in info["provinces"]]
