"""The top of every report: when the data is from, in the reader's own time zone, links back to
the index, the PDF and the workbook, and (national report) what Pusat should act on first; and
the sentences that tell a reader what a section is for.

Formats only: the latest response time and the national change are published in task.json by
the task stage, the below-national flag and the change per province in province_summary.csv
(pipeline/figures/headline.py defines them).
"""

from __future__ import annotations

import html

import pandas as pd

from pipeline.figures import headline
from pipeline.reports import fmt, labels
from pipeline.reports.display import Text, clip
from pipeline.reports.published import TaskTables
from pipeline.rules import contract

FALLS_SHOWN = 5
BELOW_SHOWN = 8  # the lowest provinces named on the first page; the ranking lists them all


def local_zone(provinsi: str | None) -> str | None:
    """The province's own time zone (WIB/WITA/WIT), None for the national report."""
    return contract.PROVINCE_TIMEZONE.get(provinsi) if provinsi else None


def data_per(tt: TaskTables, provinsi: str | None = None) -> Text:
    """"Data per <latest form row>", in the task's zone and, when different, the province's."""
    latest = tt.info.get("latest_response")
    if not latest:
        return Text("Data per: belum ada kiriman formulir dengan cap waktu yang terbaca.", css="data-per")
    when = fmt.tanggal_jam_lokal(pd.Timestamp(latest), tt.tz, local_zone(provinsi))
    return Text(f"Data per {when} (kiriman formulir terakhir yang diterima).", css="data-per")


class Links:
    """Links from a report to the task's index, its own PDF and (province) its follow-up workbook.
    Screen only: on paper (the PDF) they are hidden. Paths are fixed, never from the inputs."""

    def __init__(self, items: list[tuple[str, str]]):
        self.items = items

    def _repr_html_(self) -> str:
        links = " · ".join(f'<a href="{html.escape(h, quote=True)}">{html.escape(t)}</a>' for h, t in self.items)
        return f'<p class="hanya-layar">{links}</p>'

    def __repr__(self) -> str:
        return " · ".join(f"{t}: {h}" for h, t in self.items)


def report_links(provinsi: str | None) -> Links:
    from pipeline.reports.followup import FILENAME

    items = [("../index.html", "Semua laporan tugas ini"), ("report.pdf", "Laporan ini dalam PDF")]
    if provinsi:
        items.append((FILENAME, "Daftar tindak lanjut (XLSX)"))
    return Links(items)


def _names(frame: pd.DataFrame, value) -> str:
    return "; ".join(f"{clip(r.provinsi, 60)} ({value(r)})" for r in frame.itertuples())


def pusat_actions(tt: TaskTables) -> list[Text]:
    """National first page: the national change, the provinces below the national rate (lowest
    first) and the largest falls since each province's previous task."""
    nat = tt["participation_national"]
    rate = float(nat[nat["jabatan"] == "Semua"].iloc[0]["participation_rate"])
    change = tt.info.get("national_change")
    overall = labels.overall_label(tt.info)
    if overall != labels.NATIONAL:  # a provincial task: no national figure, no national change
        compared = "."
    elif change is not None:
        compared = f", {fmt.poin(change)} dibanding tugas nasional sebelumnya."
    else:
        compared = "; belum ada tugas nasional sebelumnya untuk dibandingkan."
    out = [Text(f"{overall} {fmt.persen(rate)}{compared}")]
    s = tt["province_summary"].merge(tt["participation_province"][["provinsi", "eligible"]], on="provinsi")
    s = s[s["eligible"] > 0]
    below = s[s["below_national"].astype(bool)].sort_values(["participation_rate", "provinsi"])
    if below.empty:
        out.append(Text(f"Tidak ada provinsi di bawah {overall.lower()}."))
    else:
        rest = len(below) - BELOW_SHOWN
        more = f" dan {fmt.angka(rest)} lainnya (lihat peringkat)" if rest > 0 else ""
        out.append(Text(f"Perlu perhatian: {fmt.angka(len(below))} dari {fmt.angka(len(s))} provinsi di bawah "
                        f"{overall.lower()}, terendah lebih dulu: "
                        f"{_names(below.head(BELOW_SHOWN), lambda r: fmt.persen(r.participation_rate))}{more}."))
    falls = headline.largest_falls(s, FALLS_SHOWN)
    if not falls.empty:
        out.append(Text(f"Penurunan terbesar sejak tugas sebelumnya: {_names(falls, lambda r: fmt.poin(r.change))}."))
    return out


def provenance_intro() -> Text:
    return Text("Bagian ini untuk pemeriksa: data, kode dan parameter yang menghasilkan laporan ini, dengan sidik "
                "(sha256) setiap berkas masukan, dan perintah untuk membuat ulang serta mengaudit laporan ini.",
                css="catatan")


def validation_note() -> Text:
    """Why a validation check and an outcome of the same name can count differently."""
    return Text("Pemeriksaan validasi melihat setiap baris formulir apa adanya; hasil pemeriksaan di atas memberi "
                "setiap baris satu hasil menurut urutan aturan. Karena itu \u201cTautan bukan URL http(s)\u201d "
                "bisa berbeda dari \u201cTautan tidak valid\u201d: baris yang sudah ditolak karena alasan lain "
                "(nomor absen, kelayakan, waktu) tidak dihitung lagi untuk tautannya, dan alamat tanpa http(s) "
                "yang jelas (www.facebook.com/...) tetap diterima.", css="catatan")


def village_media_note(provinsi: str | None) -> Text:
    """What the village-media section shows and where its comparison is."""
    where = ("desa di provinsi ini" if provinsi else "desa per provinsi")
    compare = " Angka provinsi lain ada di laporan nasional." if provinsi else ""
    return Text(f"Berapa banyak {where} yang punya media sendiri (media konvensional, situs web, akun media sosial), "
                "menurut data inventaris media desa: saluran yang dapat ikut menyebarkan konten tugas." + compare)
