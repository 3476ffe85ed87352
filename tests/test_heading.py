"""The top of a report (pipeline/reports/heading.py) on small published tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.reports import heading, present
from pipeline.reports.published import TaskTables


def _tt(**info) -> TaskTables:
    base = {"task_id": "t", "judul": "Hari Uji", "mulai": "2025-11-10T08:00:00+07:00",
            "batas": "2025-11-11T23:59:00+07:00", "timezone": "Asia/Jakarta", "cakupan": "nasional"}
    summary = pd.DataFrame({"provinsi": ["Aceh", "Bali", "Papua", "Gorontalo"], "rank": [1, 2, 3, 4],
                            "participation_rate": [0.95, 0.9, 0.5, 0.4], "change": [0.1, -0.2, -0.05, None],
                            "provinces_ranked": 4, "below_national": [False, False, True, True]})
    tables = {
        "province_summary": summary,
        "participation_province": pd.DataFrame({"provinsi": summary["provinsi"], "eligible": [10, 10, 10, 10]}),
        "participation_national": pd.DataFrame({"jabatan": ["Semua"], "participation_rate": [0.69]}),
    }
    return TaskTables(Path("."), {**base, **info}, tables)


def test_data_per_in_the_provinces_own_zone():
    tt = _tt(latest_response="2025-11-12T23:58:00+07:00")
    expected = "Data per 12 November 2025, 23.58 WIB (kiriman formulir terakhir yang diterima)."
    assert heading.data_per(tt).text == expected
    assert heading.data_per(tt, "Gorontalo").text.startswith(
        "Data per 12 November 2025, 23.58 WIB (13 November 2025, 00.58 WITA)")
    assert "(13 November 2025, 01.58 WIT)" in heading.data_per(tt, "Papua").text
    assert "belum ada kiriman" in heading.data_per(_tt(latest_response=None)).text


def test_task_heading_shows_start_and_deadline_in_local_time_too():
    texts = [t.text for t in present.task_heading(_tt(latest_response="2025-11-10T09:00:00+07:00"), "Gorontalo")]
    assert "Mulai 10 November 2025, 08.00 WIB (09.00 WITA); batas 11 November 2025, 23.59 WIB " \
           "(12 November 2025, 00.59 WITA)." in texts[1]
    assert texts[2].startswith("Data per 10 November 2025, 09.00 WIB (10.00 WITA)")


def test_report_links_point_back_to_the_index_pdf_and_workbook():
    assert [h for h, _ in heading.report_links("Aceh").items] == ["../index.html", "report.pdf", "belum-respon.xlsx"]
    assert [h for h, _ in heading.report_links(None).items] == ["../index.html", "report.pdf"]
    assert 'class="hanya-layar"' in heading.report_links(None)._repr_html_()


def test_pusat_first_page_names_what_to_act_on():
    texts = [t.text for t in heading.pusat_actions(_tt(national_change=-0.021))]
    assert texts[0] == "Partisipasi nasional 69,00%, \u22122,10 poin dibanding tugas nasional sebelumnya."
    assert texts[1] == ("Perlu perhatian: 2 dari 4 provinsi di bawah partisipasi nasional, terendah lebih dulu: "
                        "Gorontalo (40,00%); Papua (50,00%).")
    assert texts[2] == "Penurunan terbesar sejak tugas sebelumnya: Bali (\u221220,00 poin); Papua (\u22125,00 poin)."
    first = heading.pusat_actions(_tt(national_change=None))[0].text
    assert first.endswith("belum ada tugas nasional sebelumnya untuk dibandingkan.")


def test_pusat_first_page_names_at_most_the_lowest_eight(monkeypatch):
    monkeypatch.setattr(heading, "BELOW_SHOWN", 1)
    texts = [t.text for t in heading.pusat_actions(_tt(national_change=None))]
    assert texts[1].endswith("terendah lebih dulu: Gorontalo (40,00%) dan 1 lainnya (lihat peringkat).")
