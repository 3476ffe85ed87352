"""The validation page (`validation/index.html`): the Great Expectations results of a task in plain
Indonesian, like GX Data Docs but escaped and readable on a phone. The results come from
`pipeline.rules.validate`; the suite, expectation and reason codes stay in tables/validation_*.csv."""

from __future__ import annotations

import html

import pandas as pd

from pipeline.figures.proof import FLAG_LABELS, FLAGS
from pipeline.reports import fmt
from pipeline.reports.display import clip
from pipeline.rules.validate import SuiteResult


def _proof_section(proof_flags: pd.DataFrame) -> str:
    """Counts of the proof flags (pipeline/figures/proof.py): flags for verification, never rejections."""
    rows = "".join(f"<tr><td>{html.escape(FLAG_LABELS[f])}</td>"
                   f"<td class=\"num\">{fmt.angka(int((proof_flags['flag'] == f).sum()))}</td></tr>" for f in FLAGS)
    return ("<h2>Bukti perlu diperiksa</h2><p>Kiriman terhitung yang tautannya tidak mungkin bukti unggahan "
            "sendiri: tautan yang sama dikirim TPP lain, tautan dari tugas sebelumnya, atau materi tugas itu sendiri. "
            "Kiriman ini tetap dihitung; tandanya hanya untuk diperiksa.</p>"
            "<table><thead><tr><th>Tanda</th><th>Baris</th></tr></thead><tbody>" + rows
            + f"<tr><td>TPP yang ditandai</td><td class=\"num\">{fmt.angka(proof_flags['nomor_absen'].nunique())}</td></tr>"
            "</tbody></table>")


# What readers see instead of suite names, severities and reason codes (the codes stay in tables/).
SUITE_LABEL = {
    "roster": ("Data TPP", "Setiap baris Data TPP."),
    "responses": ("Jawaban formulir", "Setiap baris formulir apa adanya, sebelum dikaitkan ke TPP. Hasil akhir "
                  "sebuah baris di laporan (misalnya \u201cTautan tidak valid\u201d) bisa berbeda: baris yang sudah "
                  "ditolak karena alasan lain (nomor absen, kelayakan, waktu) tidak dihitung lagi untuk tautannya, "
                  "dan alamat tanpa http(s) yang jelas (www.facebook.com/...) tetap diterima."),
    "responses_checked": ("Kelengkapan hasil pemeriksaan", "Pemeriksaan internal sebelum angka diterbitkan: "
                          "setiap baris formulir mendapat tepat satu hasil dan setiap TPP paling banyak satu kiriman "
                          "terhitung. Jika gagal, laporan tidak diterbitkan."),
    "village_media": ("Data media desa", "Setiap baris data media desa."),
}
SEVERITY_LABEL = {"critical": "wajib", "warning": "peringatan"}
_COLUMN_LABEL = {"nomor_absen_input": "Nomor absen", "timestamp": "Cap waktu", "source_row": "Baris",
                 "counted_id": "Nomor absen terhitung", "counted_on_time": "Tepat waktu", "outcome": "Hasil"}


def column_label(column: object) -> str:
    """A column as readers know it: "nomor_absen" -> "Nomor absen"."""
    text = _COLUMN_LABEL.get(str(column), str(column).replace("_", " "))
    return text[:1].upper() + text[1:]
_PAGE_STYLE = (
    "body{font-family:'DejaVu Sans',sans-serif;font-size:13px;line-height:1.4;margin:2em auto;max-width:1100px;"
    "padding:0 1em}table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 6px;"
    "text-align:left;vertical-align:top}th{background:#e9eef3}.num{text-align:right;white-space:nowrap}"
    ".ok{color:#1a7f37}.fail{color:#b42318;font-weight:bold}.warn{color:#9a6700;font-weight:bold}"
    ".gulir{max-width:100%;overflow-x:auto}"
    "h1{overflow-wrap:anywhere}@media (max-width:640px){body{margin:1em auto;padding:0 3mm}td,th{padding:3px 4px}"
    "td{overflow-wrap:break-word}td.nilai{overflow-wrap:anywhere}}"
)


def _consequence(severity: str, suite: str) -> str:
    if severity != "critical":
        return "hanya dilaporkan"
    if suite == "responses_checked":
        return "laporan tidak diterbitkan"
    return "baris dikarantina"


def _checks_table(res: SuiteResult) -> str:
    e = html.escape
    rows = []
    for r in res.checks.itertuples():
        cls = "ok" if r.success else ("fail" if r.severity == "critical" else "warn")
        rows.append(f"<tr><td>{e(str(r.description))}</td><td>{e(column_label(r.column))}</td>"
                    f"<td>{e(SEVERITY_LABEL.get(r.severity, str(r.severity)))}</td>"
                    f"<td>{e(_consequence(r.severity, res.suite))}</td>"
                    f"<td class=\"{cls}\">{'lulus' if r.success else 'gagal'}</td>"
                    f"<td class=\"num\">{fmt.angka(r.unexpected_count)}</td>"
                    f"<td class=\"num\">{fmt.angka(r.element_count)}</td></tr>")
    return ("<div class=\"gulir\"><table><thead><tr><th>Pemeriksaan</th><th>Kolom</th><th>Jenis</th>"
            "<th>Jika gagal</th><th>Hasil</th><th>Baris gagal</th><th>Baris diperiksa</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")


def _failures_table(res: SuiteResult, max_rows: int) -> str:
    e = html.escape
    described = {(r.expectation, str(r.column)): str(r.description) for r in res.checks.itertuples()}
    shown = res.failures.head(max_rows)
    rows = "".join(f"<tr><td class=\"num\">{r.source_row}</td>"
                   f"<td>{e(described.get((r.expectation, str(r.column)), str(r.expectation)))}</td>"
                   f"<td>{e(column_label(r.column))}</td><td class=\"nilai\">{e(clip(str(r.value)))}</td></tr>"
                   for r in shown.itertuples())
    return (f"<h3>Baris yang gagal ({fmt.angka(len(res.failures))}; {fmt.angka(len(shown))} pertama)</h3><div class=\"gulir\"><table><thead>"
            "<tr><th>Baris di berkas</th><th>Pemeriksaan</th><th>Kolom</th><th>Nilai</th></tr></thead><tbody>"
            f"{rows}</tbody></table></div>")


def validation_page(results: list[SuiteResult], *, task_id: str, max_rows: int = 200,
                    proof_flags: pd.DataFrame | None = None) -> str:
    """A standalone, escaped HTML page of the validation results, in plain Indonesian (the suite,
    expectation and reason codes stay in tables/validation_checks.csv)."""
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">",
        f"<title>Pemeriksaan data: {e(task_id)}</title><style>{_PAGE_STYLE}</style></head><body>",
        f"<h1>Hasil pemeriksaan data: {e(task_id)}</h1>",
        "<p><a href=\"../index.html\">Kembali ke daftar laporan</a></p>",
        "<p>Setiap berkas masukan diperiksa dengan aturan di bawah ini. Pemeriksaan <b>wajib</b> yang gagal membuat "
        "baris itu dikarantina: baris tidak dipakai sampai diperbaiki di sumbernya. Pemeriksaan <b>peringatan</b> "
        "hanya dilaporkan agar datanya dapat dirapikan. Tidak ada baris yang dibuang. \u201cBaris di berkas\u201d "
        "adalah nomor baris data di berkas aslinya (tanpa baris judul).</p>",
    ]
    for res in results:
        title, intro = SUITE_LABEL.get(res.suite, (res.suite, ""))
        parts.append(f"<h2>{e(title)}</h2>" + (f"<p>{e(intro)}</p>" if intro else "") + _checks_table(res))
        if len(res.failures):
            parts.append(_failures_table(res, max_rows))
    if proof_flags is not None:
        parts.append(_proof_section(proof_flags))
    parts.append("</body></html>")
    return "\n".join(parts)
