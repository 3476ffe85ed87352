"""pipeline/reports/attention.py on hand-made published tables: late and resigned TPP listed for
their own province only, in the province's time zone, and village media against the national rates."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.reports import attention
from pipeline.reports.display import CONTACT_MASK
from pipeline.reports.published import TaskTables

INFO = {"timezone": "Asia/Jakarta", "mulai": "2025-11-10T08:00:00+07:00", "batas": "2025-11-11T23:59:00+07:00"}


def _tt(**tables) -> TaskTables:
    return TaskTables(Path("."), INFO, dict(tables))


LATE = pd.DataFrame({
    "provinsi": ["Gorontalo", "Gorontalo", "Aceh"], "kabupaten": ["Kabupaten Boalemo", "Kota Gorontalo", "Pidie"],
    "nomor_absen": pd.array([12, 1040, 7], dtype="Int64"), "nama": ["Rahmat 0812-3456-7890", "Sri", "Andi"],
    "timestamp": ["2025-11-12T00:29:00+07:00", "2025-11-12T02:00:00+07:00", "2025-11-12T01:00:00+07:00"],
    "minutes_late": [30.0, 121.0, 61.0],
})
RESIGNED = pd.DataFrame({
    "provinsi": ["Gorontalo", "Aceh"], "kabupaten": ["Kabupaten Boalemo", "Pidie"],
    "nomor_absen": pd.array([33, 8], dtype="Int64"), "nama": ["Yusuf", "Fajar"],
    "tanggal_resign": ["2025-06-30", None], "rows": [2, 1],
})


def test_late_responders_of_the_province_in_its_own_time_zone():
    tt = _tt(late_responders=LATE)
    t = attention.late_table(tt, "Gorontalo")
    assert t.df.values.tolist() == [
        ["12", f"Rahmat {CONTACT_MASK}", "Kabupaten Boalemo", "12 November 2025, 01.29 WITA", "30 menit"],
        ["1040", "Sri", "Kota Gorontalo", "12 November 2025, 03.00 WITA", "2 jam 1 menit"],
    ]
    assert "Andi" not in t._repr_html_()  # another province's TPP
    intro = repr(attention.late_intro(tt, "Gorontalo"))
    assert intro.startswith("2 TPP terhitung mengirim setelah batas (11 November 2025, 23.59 WIB (12 November 2025, ")
    assert attention.late_table(tt, "Bali") is None
    assert repr(attention.late_intro(tt, "Bali")).startswith("Semua kiriman terhitung masuk sebelum batas")


def test_resigned_senders_are_named_for_their_province():
    tt = _tt(resigned_tpp=RESIGNED)
    t = attention.resigned_table(tt, "Gorontalo")
    assert t.df.values.tolist() == [["33", "Yusuf", "Kabupaten Boalemo", "30 Juni 2025", "2"]]
    assert attention.resigned_table(tt, "Aceh").df["Tanggal resign"].tolist() == ["–"]
    assert "Perbarui Data TPP" in repr(attention.resigned_intro(tt, "Gorontalo"))
    assert attention.resigned_table(tt, "Bali") is None
    assert repr(attention.resigned_intro(tt, "Bali")) == "Tidak ada kiriman dari TPP yang tercatat sudah resign."


def test_media_context_sets_the_province_against_the_national_rates():
    media = ["konvensional", "website", "facebook", "instagram", "twitter", "youtube", "tiktok"]
    per = pd.DataFrame({"provinsi": ["Gorontalo"], "desa": [1200],
                        **{f"with_{m}": [0] for m in media}, **{f"rate_{m}": [0.0] for m in media}})
    per["rate_website"] = 0.125
    nat = pd.DataFrame({"desa": [80000], **{f"with_{m}": [0] for m in media}, **{f"rate_{m}": [0.5] for m in media}})
    tt = _tt(village_media=per, village_media_national=nat)
    text = repr(attention.media_context(tt, "Gorontalo"))
    assert text.startswith("Dari 1.200 desa di provinsi ini, yang punya: media konvensional 0,00% (nasional 50,00%)")
    assert "Website 12,50% (nasional 50,00%)" in text
    assert attention.media_context(tt, "Bali") is None
    empty = _tt(village_media=pd.DataFrame(columns=["provinsi", "desa"]), village_media_national=pd.DataFrame())
    assert attention.media_context(empty, "Gorontalo") is None
