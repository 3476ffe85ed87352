"""The follow-up workbook `belum-respon.xlsx` per province: non-responders for the province PIC.

Layout (one decision, see `write_workbook`): a summary sheet per kabupaten, ONE filterable
Excel table of every non-responder (filter/sort by kabupaten, streak, flags), and the contact
details in a separate sheet marked restricted (UU PDP 27/2022). Contacts appear nowhere else.
Every text cell is written as text (no formula/URL/number conversion) and neutralised with
`publish.neutralise`; the bytes are deterministic for the same inputs.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import xlsxwriter

from pipeline import config
from pipeline.publish import atomic_write_bytes, neutralise
from pipeline.reports import fmt
from pipeline.rules import contract
from pipeline.rules.contract import province_slug

FILENAME = "belum-respon.xlsx"
SHEET_SUMMARY = "Ringkasan"
SHEET_LIST = "Belum merespons"
# Excel sheet names: at most 31 characters, none of []:*?/\
SHEET_RESTRICTED = "TERBATAS - data pribadi"
RESTRICTED_BANNER = "TERBATAS - data pribadi (UU PDP 27/2022)"
RESTRICTED_NOTE = ("Hanya untuk PIC provinsi dalam rangka tindak lanjut absensi. Jangan diteruskan, diunggah, "
                   "atau dicetak untuk umum. Hapus setelah tindak lanjut selesai.")
YA, TIDAK = "Ya", "Tidak"
# Excel cannot hold more than this many characters in one cell.
EXCEL_MAX_CHARS = 32767

LIST_COLUMNS = ["Kabupaten/Kota", "No. absen", "Nama", "Jabatan", "Tugas berturut-turut tanpa kiriman",
                f"Pembinaan ({config.PEMBINAAN_STREAK}+ berturut-turut)",
                f"Mungkin tidak aktif lagi (diam di {config.TREND_TASKS} tugas terakhir)", "Tindak lanjut"]
CONTACT_COLUMNS = ["Kabupaten/Kota", "No. absen", "Nama", *[contract.CHANNEL_LABEL[c] for c in contract.CHANNELS]]


def province_frame(tabs: dict[str, pd.DataFrame], provinsi: str) -> pd.DataFrame:
    """This province's non-responders with their published follow-up columns (`pembinaan`, `action`:
    pipeline.figures.tables.follow_up), by kabupaten, longest streak first."""
    nr = tabs["non_responders"]
    nr = nr[nr["provinsi"] == provinsi].copy()
    fu = tabs["follow_up"].drop_duplicates("nomor_absen").set_index("nomor_absen")
    nr["pembinaan"] = nr["nomor_absen"].map(fu["pembinaan"]).fillna(False).astype(bool)
    nr["action"] = nr["nomor_absen"].map(fu["action"]).fillna("")
    nr["silent_latest"] = nr["silent_latest"].fillna(False).astype(bool)
    nr["streak"] = nr["streak"].fillna(0).astype("int64")
    nr["kabupaten"] = nr["kabupaten"].fillna("").astype(str)
    return nr.sort_values(["kabupaten", "streak", "nomor_absen"], ascending=[True, False, True],
                          kind="stable").reset_index(drop=True)


def roster_contacts(roster: pd.DataFrame) -> pd.DataFrame:
    """The roster's contact columns by nomor_absen (first row of an id), read once per task."""
    cols = [c for c in contract.CHANNELS if c in roster.columns]
    r = roster[roster["nomor_absen"].notna()][["nomor_absen", *cols]].copy()
    r["nomor_absen"] = r["nomor_absen"].astype("int64")
    return r.drop_duplicates("nomor_absen", keep="first").set_index("nomor_absen")


def contact_frame(nr: pd.DataFrame, roster: pd.DataFrame, *, contacts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Valid contacts on record (per the contract) of these non-responders, joined on nomor_absen.
    `contacts` is `roster_contacts(roster)` when the caller already has it."""
    r = roster_contacts(roster) if contacts is None else contacts
    out = pd.DataFrame({"kabupaten": nr["kabupaten"], "nomor_absen": nr["nomor_absen"], "nama": nr["nama"]})
    ids = nr["nomor_absen"].astype("int64").to_numpy()
    for ch in contract.CHANNELS:
        raw = r[ch].reindex(ids).to_numpy() if ch in r else [None] * len(nr)
        shown = []
        for value in raw:
            if not contract.contact_present(ch, value):
                shown.append("")
            elif ch == "whatsapp":
                shown.append(contract.normalize_whatsapp(str(value)) or "")
            else:
                shown.append(str(value).strip())
        out[ch] = shown
    return out.reset_index(drop=True)


def _text(value: object) -> str:
    """A cell's text: missing -> empty, neutralised, at most Excel's cell limit."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(neutralise(str(value)))
    return text if len(text) <= EXCEL_MAX_CHARS else text[: EXCEL_MAX_CHARS - 1] + "…"


def _created(task_info: dict) -> dt.datetime:
    """A fixed 'created' date (the task's start, UTC) so two runs give identical bytes."""
    ts = pd.Timestamp(task_info.get("mulai") or "2000-01-01T00:00:00+00:00")
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return ts.tz_convert("UTC").tz_localize(None).to_pydatetime()


def _write_table(ws, first_row: int, header: list[str], rows: list[list[object]], name: str, fmts: dict,
                 widths: list[float]) -> None:
    """An Excel table (autofilter, banded rows, header repeated when printed) from first_row."""
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    last_row = first_row + max(len(rows), 1)
    ws.add_table(first_row, 0, last_row, len(header) - 1, {
        "name": name, "style": "Table Style Light 9", "autofilter": True,
        "columns": [{"header": h, "header_format": fmts["head"]} for h in header],
    })
    for r, row in enumerate(rows, start=first_row + 1):
        for c, value in enumerate(row):
            if isinstance(value, (int,)) and not isinstance(value, bool):
                ws.write_number(r, c, value, fmts["int"])
            elif (text := _text(value)) == "":
                ws.write_blank(r, c, None, fmts["text"])
            else:
                ws.write_string(r, c, text, fmts["text"])
    ws.freeze_panes(first_row + 1, 0)
    ws.repeat_rows(first_row)


def workbook_bytes(provinsi: str, nr: pd.DataFrame, contacts: pd.DataFrame, task_info: dict,
                   counts: dict[str, pd.DataFrame]) -> bytes:
    """The workbook for one province, as bytes (deterministic for the same inputs). `nr` is
    `province_frame`; `counts` holds the published streak_counts and streak_counts_kabupaten."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    judul = str(task_info.get("judul", ""))
    task_id = str(task_info.get("task_id", ""))
    wb.set_properties({
        "title": _text(f"Belum merespons: {provinsi}, {judul}"), "subject": "Tindak lanjut absensi tugas media sosial",
        "author": "absensi-medsos", "company": "TAPM", "created": _created(task_info),
        "comments": "Berisi data pribadi (UU PDP 27/2022) di lembar TERBATAS.",
    })
    wb.set_custom_property("Klasifikasi", "TERBATAS - data pribadi")
    fmts = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "bold": wb.add_format({"bold": True}),
        "int_bold": wb.add_format({"bold": True, "num_format": "#,##0"}),
        "head": wb.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
        "text": wb.add_format({"valign": "top"}),
        "int": wb.add_format({"num_format": "#,##0", "valign": "top"}),
        "note": wb.add_format({"italic": True, "font_color": "#444444", "text_wrap": True, "valign": "top"}),
        "banner": wb.add_format({"bold": True, "font_size": 14, "font_color": "#FFFFFF", "bg_color": "#C00000"}),
        "banner_note": wb.add_format({"bold": True, "font_color": "#C00000", "text_wrap": True, "valign": "top"}),
    }
    tz = task_info.get("timezone") or config.DEFAULT_TIMEZONE
    mulai = fmt.tanggal_jam(pd.Timestamp(task_info["mulai"]), tz) if task_info.get("mulai") else fmt.NA
    batas = fmt.tanggal_jam(pd.Timestamp(task_info["batas"]), tz) if task_info.get("batas") else fmt.NA

    # 1. Summary per kabupaten
    ws = wb.add_worksheet(SHEET_SUMMARY)
    ws.write_string(0, 0, _text(f"TPP yang belum merespons: Provinsi {provinsi}"), fmts["title"])
    ws.write_string(1, 0, _text(f"Tugas: {judul} ({task_id})"))
    ws.write_string(2, 0, _text(f"Mulai {mulai}; batas {batas}."))
    ws.set_row(3, 45)
    ws.merge_range(3, 0, 3, 3, _text(
        f"Pembinaan: tidak merespons {config.PEMBINAAN_STREAK} tugas berturut-turut atau lebih. Mungkin tidak aktif "
        f"lagi: tidak merespons di semua {config.TREND_TASKS} tugas terakhir, periksa Data TPP. Daftar lengkap di "
        f"lembar '{SHEET_LIST}'; kontak hanya di lembar '{SHEET_RESTRICTED}'."), fmts["note"])
    k = counts["streak_counts_kabupaten"]
    k = k[k["provinsi"] == provinsi].assign(kabupaten=lambda d: d["kabupaten"].fillna("").astype(str))
    k = k.sort_values("kabupaten", kind="stable")
    summary = [[kab, int(n), int(p), int(s)] for kab, n, p, s in
               k[["kabupaten", "non_responders", "streak_pembinaan", "silent_latest"]].itertuples(index=False)]
    _write_table(ws, 5, ["Kabupaten/Kota", "Belum merespons", f"Pembinaan ({config.PEMBINAAN_STREAK}+)",
                         "Mungkin tidak aktif lagi"], summary, "Ringkasan", fmts, [40, 16, 16, 18])
    total_row = 5 + max(len(summary), 1) + 1
    ws.write_string(total_row, 0, "Jumlah provinsi", fmts["bold"])
    p = counts["streak_counts"]
    p = p[p["provinsi"] == provinsi]
    for c, col in enumerate(["non_responders", "streak_pembinaan", "silent_latest"], 1):
        ws.write_number(total_row, c, int(p[col].sum()), fmts["int_bold"])

    # 2. Every non-responder in one filterable table
    ws = wb.add_worksheet(SHEET_LIST)
    rows = [[r.kabupaten, int(r.nomor_absen), r.nama, r.jabatan, int(r.streak),
             YA if r.pembinaan else TIDAK, YA if r.silent_latest else TIDAK, r.action]
            for r in nr.itertuples(index=False)]
    _write_table(ws, 0, LIST_COLUMNS, rows, "BelumMerespons", fmts, [32, 10, 32, 9, 14, 14, 18, 34])

    # 3. Contacts: restricted
    ws = wb.add_worksheet(SHEET_RESTRICTED)
    ws.set_tab_color("#C00000")
    ws.merge_range(0, 0, 0, len(CONTACT_COLUMNS) - 1, RESTRICTED_BANNER, fmts["banner"])
    ws.merge_range(1, 0, 1, len(CONTACT_COLUMNS) - 1, RESTRICTED_NOTE, fmts["banner_note"])
    ws.set_row(1, 30)
    crow = [[kab, int(nomor), nama, *channels]
            for kab, nomor, nama, *channels in contacts[["kabupaten", "nomor_absen", "nama", *contract.CHANNELS]]
            .itertuples(index=False, name=None)]
    _write_table(ws, 3, CONTACT_COLUMNS, crow, "KontakTerbatas", fmts, [28, 10, 28] + [22] * len(contract.CHANNELS))
    ws.set_header(f"&L&\"-,Bold\"&KC00000{RESTRICTED_BANNER}")
    wb.close()
    return buf.getvalue()


def write_workbooks(task_dir: Path, tabs: dict[str, pd.DataFrame], roster: pd.DataFrame, task_info: dict) -> list[Path]:
    """Write `<task_dir>/<province-slug>/belum-respon.xlsx` for every province in task_info["provinces"],
    from the published tables (pipeline.figures.tables.non_responder_tables: non_responders, follow_up,
    streak_counts, streak_counts_kabupaten)."""
    task_dir = Path(task_dir)
    written = []
    contacts = roster_contacts(roster)
    for provinsi in task_info["provinces"]:
        nr = province_frame(tabs, provinsi)
        data = workbook_bytes(provinsi, nr, contact_frame(nr, roster, contacts=contacts), task_info, tabs)
        path = task_dir / province_slug(provinsi) / FILENAME
        atomic_write_bytes(path, data)
        written.append(path)
    return written
