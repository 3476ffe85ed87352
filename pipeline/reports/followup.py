"""The province PIC's follow-up workbooks, two per province:

* `belum-respon.xlsx` (FILENAME), forwardable: no phone number, no e-mail. A summary per kabupaten
  and ONE filterable Excel table: every non-responder (kabupaten, kecamatan/desa when the roster
  has them, jabatan, streak, why a row they sent was rejected, the follow-up action, an empty
  notes column) and, when tables/proof_flags.csv exists, the TPP whose proof needs checking
  ("Bukti perlu diperiksa"). The index page and the bundles carry this file.
* `kontak-terbatas.xlsx` (RESTRICTED_FILENAME), restricted (UU PDP 27/2022): the same
  non-responders' valid contacts, WhatsApp and e-mail as clickable `wa.me` / `mailto:` links.
  Nothing links to it; it is sent to the PIC alone.

Every figure comes from the published tables (pipeline.figures.tables: non_responders with its
`submitted`, `pembinaan`, `possibly_inactive`, `action`; streak_counts per kabupaten); this module
selects and formats. Every text cell is written with `write_string` (a string cell is never run as
a formula, and shows no apostrophe); the bytes are deterministic for the same inputs.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import xlsxwriter

from pipeline import config
from pipeline.publish import atomic_write_bytes
from pipeline.reports import fmt
from pipeline.reports.display import mask_contacts
from pipeline.reports.labels import proof_text, submitted_text
from pipeline.rules import contract
from pipeline.rules.contract import province_slug

FILENAME = "belum-respon.xlsx"
RESTRICTED_FILENAME = "kontak-terbatas.xlsx"
SHEET_SUMMARY = "Ringkasan"
SHEET_LIST = "Tindak lanjut"
# Excel sheet names: at most 31 characters, none of []:*?/\
SHEET_RESTRICTED = "TERBATAS - data pribadi"
RESTRICTED_BANNER = "TERBATAS - data pribadi (UU PDP 27/2022)"
RESTRICTED_NOTE = ("Hanya untuk PIC provinsi dalam rangka tindak lanjut absensi. Jangan diteruskan, diunggah, "
                   "atau dicetak untuk umum. Hapus setelah tindak lanjut selesai.")
YA, TIDAK = "Ya", "Tidak"
ACTION_PROOF = "Periksa bukti kiriman"
# Excel cannot hold more than this many characters in one cell (nor a link more than 2,079).
EXCEL_MAX_CHARS = 32767
EXCEL_MAX_URL = 2079
# Optional roster columns shown when the roster has them.
PLACE_COLUMNS = {"kecamatan": "Kecamatan", "desa": "Desa"}
CONTACT_COLUMNS = ["Kabupaten/Kota", "No. absen", "Nama", *[contract.CHANNEL_LABEL[c] for c in contract.CHANNELS]]


def list_columns(places: list[str]) -> list[str]:
    return ["Kabupaten/Kota", *[PLACE_COLUMNS[p] for p in places], "No. absen", "Nama", "Jabatan",
            "Tugas berturut-turut tanpa kiriman", "Kiriman ditolak", f"Pembinaan ({config.PEMBINAAN_STREAK}+)",
            f"Mungkin tidak aktif lagi ({config.INACTIVE_STREAK}+)", "Tindak lanjut", "Bukti perlu diperiksa",
            "Catatan"]


def province_frame(tabs: dict[str, pd.DataFrame], provinsi: str) -> pd.DataFrame:
    """This province's rows of non_responders.csv (pipeline.figures.tables.non_responders), by kabupaten,
    longest streak first."""
    nr = tabs["non_responders"]
    nr = nr[nr["provinsi"] == provinsi].copy()
    for col in ("possibly_inactive", "pembinaan"):
        nr[col] = nr[col].fillna(False).astype(bool)
    nr["submitted"] = nr["submitted"].fillna("").astype(str)
    nr["action"] = nr["action"].fillna("").astype(str)
    nr["streak"] = nr["streak"].fillna(0).astype("int64")
    nr["kabupaten"] = nr["kabupaten"].fillna("").astype(str)
    return nr.sort_values(["kabupaten", "streak", "nomor_absen"], ascending=[True, False, True],
                          kind="stable").reset_index(drop=True)


def roster_people(roster: pd.DataFrame) -> dict[str, dict[int, object]]:
    """The roster by nomor_absen (first row of an id): names, places and contact columns, as
    column -> {nomor_absen: value} (a dict look-up per cell: the workbooks read ~60,000 of them)."""
    cols = ["nama", "jabatan", "kabupaten", *[c for c in PLACE_COLUMNS if c in roster.columns],
            *[c for c in contract.CHANNELS if c in roster.columns]]
    r = roster[roster["nomor_absen"].notna()][["nomor_absen", *cols]].copy()
    r["nomor_absen"] = r["nomor_absen"].astype("int64")
    r = r.drop_duplicates("nomor_absen", keep="first").set_index("nomor_absen")
    ids = r.index.tolist()
    return {col: dict(zip(ids, r[col].astype(object).tolist())) for col in cols}


def proof_rows(proof_flags: pd.DataFrame | None, provinsi: str) -> dict[int, list[str]]:
    """nomor_absen -> the proof flags of this province's counted rows (tables/proof_flags.csv), if any."""
    if proof_flags is None or proof_flags.empty:
        return {}
    p = proof_flags[(proof_flags["provinsi"] == provinsi) & proof_flags["nomor_absen"].notna()]
    out: dict[int, list[str]] = {}
    for nomor, flag in zip(p["nomor_absen"].astype("int64"), p["flag"].astype(str)):
        out.setdefault(int(nomor), []).append(flag)
    return out


def list_rows(nr: pd.DataFrame, people: dict[str, dict[int, object]], flags: dict[int, list[str]],
              places: list[str]) -> list[list]:
    """The forwardable list: every non-responder, then every TPP with a flagged proof who responded."""
    def place(nomor: int) -> list[str]:
        return [people[p].get(nomor, "") if p in people else "" for p in places]

    def masked(v: object) -> object:  # the list is forwarded: no contact typed into a name
        return mask_contacts(v) if isinstance(v, str) else v

    rows = []
    for r in nr.itertuples(index=False):
        nomor = int(r.nomor_absen)
        rows.append([r.kabupaten, *place(nomor), nomor, masked(r.nama), r.jabatan, int(r.streak),
                     submitted_text(r.submitted), YA if r.pembinaan else TIDAK,
                     YA if r.possibly_inactive else TIDAK, r.action, proof_text(flags.get(nomor, [])), ""])
    listed = set(nr["nomor_absen"].astype("int64"))
    for nomor in sorted(set(flags) - listed, key=lambda n: (str(people["kabupaten"].get(n, "") or ""), n)):
        rows.append([people["kabupaten"].get(nomor, ""), *place(nomor), nomor, masked(people["nama"].get(nomor, "")),
                     people["jabatan"].get(nomor, ""), 0, "", TIDAK, TIDAK, ACTION_PROOF, proof_text(flags[nomor]), ""])
    return rows


def _text(value: object) -> str:
    """A cell's text: missing -> empty, at most Excel's cell limit (written as a string, never a formula)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value)
    return text if len(text) <= EXCEL_MAX_CHARS else text[: EXCEL_MAX_CHARS - 1] + "…"


def _created(task_info: dict) -> dt.datetime:
    """A fixed 'created' date (the task's start, UTC) so two runs give identical bytes."""
    ts = pd.Timestamp(task_info.get("mulai") or "2000-01-01T00:00:00+00:00")
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return ts.tz_convert("UTC").tz_localize(None).to_pydatetime()


def _new_workbook(buf: io.BytesIO, title: str, task_info: dict, restricted: bool):
    wb = xlsxwriter.Workbook(buf, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    wb.set_properties({
        "title": _text(title), "subject": "Tindak lanjut absensi tugas media sosial", "author": "absensi-medsos",
        "company": "TAPM", "created": _created(task_info),
        "comments": "Berisi data pribadi (UU PDP 27/2022)." if restricted else "Tanpa kontak pribadi: boleh diteruskan.",
    })
    if restricted:
        wb.set_custom_property("Klasifikasi", "TERBATAS - data pribadi")
    fmts = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "bold": wb.add_format({"bold": True}),
        "int_bold": wb.add_format({"bold": True, "num_format": "#,##0"}),
        "head": wb.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
        "text": wb.add_format({"valign": "top", "text_wrap": True}),
        "int": wb.add_format({"num_format": "#,##0", "valign": "top"}),
        "link": wb.add_format({"valign": "top", "font_color": "#0563C1", "underline": 1}),
        "note": wb.add_format({"italic": True, "font_color": "#444444", "text_wrap": True, "valign": "top"}),
        "banner": wb.add_format({"bold": True, "font_size": 14, "font_color": "#FFFFFF", "bg_color": "#C00000"}),
        "banner_note": wb.add_format({"bold": True, "font_color": "#C00000", "text_wrap": True, "valign": "top"}),
    }
    return wb, fmts


def _write_table(ws, first_row: int, header: list[str], rows: list[list[object]], name: str, fmts: dict,
                 widths: list[float]) -> None:
    """An Excel table (autofilter, banded rows, header repeated when printed) from first_row. A cell given
    as ("url", link, text) becomes a clickable link."""
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    last_row = first_row + max(len(rows), 1)
    ws.add_table(first_row, 0, last_row, len(header) - 1, {
        "name": name, "style": "Table Style Light 9", "autofilter": True,
        "columns": [{"header": h, "header_format": fmts["head"]} for h in header],
    })
    for r, row in enumerate(rows, start=first_row + 1):
        for c, value in enumerate(row):
            if isinstance(value, tuple) and value[0] == "url":
                ws.write_url(r, c, value[1], fmts["link"], _text(value[2]))
            elif isinstance(value, int) and not isinstance(value, bool):
                ws.write_number(r, c, value, fmts["int"])
            elif (text := _text(value)) == "":
                ws.write_blank(r, c, None, fmts["text"])
            else:
                ws.write_string(r, c, text, fmts["text"])
    ws.freeze_panes(first_row + 1, 0)
    ws.repeat_rows(first_row)


def _heading(ws, fmts: dict, title: str, task_info: dict) -> None:
    tz = task_info.get("timezone") or config.DEFAULT_TIMEZONE
    mulai = fmt.tanggal_jam(pd.Timestamp(task_info["mulai"]), tz) if task_info.get("mulai") else fmt.NA
    batas = fmt.tanggal_jam(pd.Timestamp(task_info["batas"]), tz) if task_info.get("batas") else fmt.NA
    ws.write_string(0, 0, _text(title), fmts["title"])
    ws.write_string(1, 0, _text(f"Tugas: {task_info.get('judul', '')} ({task_info.get('task_id', '')})"))
    ws.write_string(2, 0, _text(f"Mulai {mulai}; batas {batas}."))


def workbook_bytes(provinsi: str, rows: list[list], places: list[str], counts: pd.DataFrame, task_info: dict) -> bytes:
    """The forwardable workbook of one province (no contact details), as bytes. `rows` is list_rows;
    `counts` the province's rows of streak_counts per kabupaten."""
    buf = io.BytesIO()
    wb, fmts = _new_workbook(buf, f"Tindak lanjut: {provinsi}, {task_info.get('judul', '')}", task_info, False)
    ws = wb.add_worksheet(SHEET_SUMMARY)
    _heading(ws, fmts, f"Tindak lanjut absensi: Provinsi {provinsi}", task_info)
    ws.set_row(3, 60)
    ws.merge_range(3, 0, 3, 4, _text(
        f"Pembinaan: tidak merespons {config.PEMBINAAN_STREAK} tugas berturut-turut atau lebih. Mungkin tidak aktif "
        f"lagi: tidak merespons {config.INACTIVE_STREAK} tugas berturut-turut atau lebih, periksa Data TPP. Kiriman "
        f"ditolak: TPP sudah mengirim, tetapi kirimannya ditolak (alasannya di daftar). Daftar lengkap di lembar "
        f"'{SHEET_LIST}'. Berkas ini tidak memuat kontak pribadi dan boleh diteruskan."), fmts["note"])
    counts = counts.assign(kabupaten=counts["kabupaten"].fillna("").astype(str)).sort_values("kabupaten", kind="stable")
    cols = ["non_responders", "submitted", "streak_pembinaan", "possibly_inactive"]
    summary = [[kab, *[int(v) for v in vals]] for kab, *vals in counts[["kabupaten", *cols]].itertuples(index=False)]
    _write_table(ws, 5, ["Kabupaten/Kota", "Belum merespons", "Kiriman ditolak", f"Pembinaan ({config.PEMBINAAN_STREAK}+)",
                         f"Mungkin tidak aktif lagi ({config.INACTIVE_STREAK}+)"], summary, "Ringkasan", fmts,
                 [40, 16, 16, 16, 20])
    total_row = 5 + max(len(summary), 1) + 1
    ws.write_string(total_row, 0, "Jumlah provinsi", fmts["bold"])
    for c, col in enumerate(cols, 1):
        ws.write_number(total_row, c, int(counts[col].sum()), fmts["int_bold"])

    ws = wb.add_worksheet(SHEET_LIST)
    _write_table(ws, 0, list_columns(places), rows, "TindakLanjut", fmts,
                 [28, *[22] * len(places), 10, 28, 9, 12, 30, 12, 14, 30, 30, 30])
    wb.close()
    return buf.getvalue()


def contact_cells(channel: str, value: object) -> object:
    """A valid contact as shown: WhatsApp and e-mail as links (wa.me, mailto:), the others as text."""
    if not contract.contact_present(channel, value):
        return ""
    text = str(value).strip()
    if channel == "whatsapp":
        digits = contract.normalize_whatsapp(text) or ""
        return ("url", f"https://wa.me/{digits}", f"+{digits}") if digits else ""
    if channel == "email":
        url = "mailto:" + quote(text, safe="@.+-_")
        return ("url", url, text) if len(url) <= EXCEL_MAX_URL else text
    return text


def restricted_bytes(provinsi: str, nr: pd.DataFrame, people: dict[str, dict[int, object]], task_info: dict) -> bytes:
    """The restricted contacts workbook of one province: its non-responders' valid contacts."""
    buf = io.BytesIO()
    wb, fmts = _new_workbook(buf, f"Kontak TERBATAS: {provinsi}, {task_info.get('judul', '')}", task_info, True)
    ws = wb.add_worksheet(SHEET_RESTRICTED)
    ws.set_tab_color("#C00000")
    ws.merge_range(0, 0, 0, len(CONTACT_COLUMNS) - 1, RESTRICTED_BANNER, fmts["banner"])
    ws.merge_range(1, 0, 1, len(CONTACT_COLUMNS) - 1, RESTRICTED_NOTE, fmts["banner_note"])
    ws.set_row(1, 30)
    rows = []
    for r in nr.itertuples(index=False):
        nomor = int(r.nomor_absen)
        rows.append([r.kabupaten, nomor, r.nama,
                     *[contact_cells(ch, people[ch].get(nomor)) if ch in people else "" for ch in contract.CHANNELS]])
    _write_table(ws, 3, CONTACT_COLUMNS, rows, "KontakTerbatas", fmts, [28, 10, 28] + [24] * len(contract.CHANNELS))
    ws.set_header(f"&L&\"-,Bold\"&KC00000{RESTRICTED_BANNER}")
    wb.close()
    return buf.getvalue()


WORKBOOK_TABLES = ("non_responders", "streak_counts_kabupaten", "proof_flags")  # what write_workbooks reads


def write_workbooks(task_dir: Path, tabs: dict[str, pd.DataFrame], roster: pd.DataFrame, task_info: dict,
                    provinces: list[str] | None = None) -> list[Path]:
    """Write `<task_dir>/<province-slug>/belum-respon.xlsx` (forwardable) and `kontak-terbatas.xlsx`
    (restricted) for every province in `provinces` (default: task_info["provinces"]), from the
    published tables (non_responders, streak_counts_kabupaten, and proof_flags when present)."""
    task_dir = Path(task_dir)
    people = roster_people(roster)
    places = [p for p in PLACE_COLUMNS if p in people]
    counts = tabs["streak_counts_kabupaten"]
    written = []
    for provinsi in task_info["provinces"] if provinces is None else provinces:
        nr = province_frame(tabs, provinsi)
        rows = list_rows(nr, people, proof_rows(tabs.get("proof_flags"), provinsi), places)
        folder = task_dir / province_slug(provinsi)
        atomic_write_bytes(folder / FILENAME, workbook_bytes(provinsi, rows, places,
                                                             counts[counts["provinsi"] == provinsi], task_info))
        atomic_write_bytes(folder / RESTRICTED_FILENAME, restricted_bytes(provinsi, nr, people, task_info))
        written += [folder / FILENAME, folder / RESTRICTED_FILENAME]
    return written
