"""Who in a province needs attention, named: TPP counted although late, TPP the roster marks as
resigned who still send, and the village-media figures set against the national ones.

Each figure is built by pipeline/figures/tables.py (late_responders, resigned_tpp,
village_media_national); this module only selects a province's rows and formats them.
"""

from __future__ import annotations

import pandas as pd

from pipeline.reports import fmt, heading
from pipeline.reports.display import Table, Text, clip
from pipeline.reports.published import TaskTables
from pipeline.rules import contract


def _own(df: pd.DataFrame, provinsi: str) -> pd.DataFrame:
    return df[df["provinsi"] == provinsi] if len(df) else df


def late_intro(tt: TaskTables, provinsi: str) -> Text:
    """One sentence: how many counted TPP responded after the deadline."""
    n = len(_own(tt["late_responders"], provinsi))
    batas = fmt.tanggal_jam_lokal(tt.batas, tt.tz, heading.local_zone(provinsi))
    if n == 0:
        return Text(f"Semua kiriman terhitung masuk sebelum batas ({batas}).")
    return Text(f"{fmt.angka(n)} TPP terhitung mengirim setelah batas ({batas}). Kiriman mereka tetap dihitung "
                "untuk partisipasi, tetapi tidak tepat waktu.")


def late_table(tt: TaskTables, provinsi: str) -> Table | None:
    """The province's late but counted TPP: nomor absen, name, kabupaten, time in the province's zone, how late."""
    own = _own(tt["late_responders"], provinsi)
    if own.empty:
        return None
    zone = heading.local_zone(provinsi) or tt.tz
    out = pd.DataFrame({
        "No. absen": own["nomor_absen"].astype(str),  # an identifier, as in the other lists
        "Nama": own["nama"].map(clip),
        "Kabupaten/kota": own["kabupaten"].map(clip),
        "Waktu kirim": own["timestamp"].map(lambda t: fmt.tanggal_jam(pd.Timestamp(t), zone)),
        "Terlambat": own["minutes_late"].map(fmt.menit),
    })
    return Table(out, numeric=("No. absen", "Terlambat"), widths=(11.0, 27.0, 23.0, 25.0, 14.0), css="kecil")


def resigned_intro(tt: TaskTables, provinsi: str) -> Text:
    """One sentence: how many TPP marked as resigned still send (the roster needs updating)."""
    n = len(_own(tt["resigned_tpp"], provinsi))
    if n == 0:
        return Text("Tidak ada kiriman dari TPP yang tercatat sudah resign.")
    return Text(f"{fmt.angka(n)} TPP yang di Data TPP tercatat sudah resign masih mengirim. Kiriman mereka tidak "
                "dihitung. Perbarui Data TPP bila mereka masih bertugas.")


def resigned_table(tt: TaskTables, provinsi: str) -> Table | None:
    """The province's resigned TPP who still send: nomor absen, name, kabupaten, resignation date, rows."""
    own = _own(tt["resigned_tpp"], provinsi)
    if own.empty:
        return None
    out = pd.DataFrame({
        "No. absen": own["nomor_absen"].astype(str),  # an identifier, as in the other lists
        "Nama": own["nama"].map(clip),
        "Kabupaten/kota": own["kabupaten"].map(clip),
        "Tanggal resign": own["tanggal_resign"].map(lambda d: fmt.tanggal(d) if isinstance(d, str) and d else "–"),
        "Kiriman": own["rows"].map(fmt.angka),
    })
    return Table(out, numeric=("No. absen", "Kiriman"), widths=(12.0, 32.0, 26.0, 18.0, 12.0), css="kecil")


def media_context(tt: TaskTables, provinsi: str) -> Text | None:
    """The province's village-media coverage next to the national one, e.g. "12,50% desa punya
    website (nasional 20,00%)", for every medium; None without village-media data."""
    v, nat = tt["village_media"], tt["village_media_national"]
    if v.empty or nat.empty or "with_konvensional" not in v:
        return None
    own = _own(v, provinsi)
    if own.empty:
        return None
    r, n = own.iloc[0], nat.iloc[0]
    label = {"konvensional": "media konvensional",
             **{m: contract.CHANNEL_LABEL[m] for m in contract.VILLAGE_MEDIA_MEDIA}}
    parts = [f"{label[m]} {fmt.persen(r[f'rate_{m}'])} (nasional {fmt.persen(n[f'rate_{m}'])})"
             for m in ("konvensional", *contract.VILLAGE_MEDIA_MEDIA)]
    return Text(f"Dari {fmt.angka(r['desa'])} desa di provinsi ini, yang punya: " + "; ".join(parts) + ".")
