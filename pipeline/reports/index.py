"""The task's `index.html`: every report (HTML, PDF, belum-respon.xlsx) with each province's headline figures."""

from __future__ import annotations

import html
from pathlib import Path

from pipeline.reports import present
from pipeline.rules.contract import province_slug
from pipeline.reports.followup import FILENAME as FOLLOWUP_FILENAME

STYLE = (
    "body{font-family:'DejaVu Sans','Noto Sans',Arial,sans-serif;font-size:10pt;line-height:1.4;color:#1a1a1a;"
    "margin:2em auto;max-width:1100px;padding:0 1em}"
    "h1{font-size:16pt}h2{font-size:13pt;border-bottom:1px solid #999;margin-top:1.4em}"
    "table{border-collapse:collapse;font-size:9pt}th,td{border-bottom:1px solid #ccc;padding:3px 6px;"
    "text-align:left;vertical-align:top}thead th{background:#e9eef3;border-bottom:1px solid #666}"
    "tbody tr:nth-child(even){background:#f6f6f6}.num{text-align:right;white-space:nowrap;"
    "font-variant-numeric:tabular-nums}.gagal{color:#b00020}.catatan{font-size:8.5pt;color:#444}"
    ".facts{display:flex;flex-wrap:wrap;gap:6px 10px}.fact{border:1px solid #ccc;border-left:3px solid #0b4f8a;"
    "padding:4px 8px;min-width:150px}.fact-value{font-size:13pt;font-weight:bold}.fact-label{font-size:8.5pt;color:#444}"
    "td.prov{white-space:nowrap}th.num{white-space:normal}"
)
HEADLINE_TABLES = ("participation_province", "participation_national", "province_summary")


def _link(href: str, text: str) -> str:
    """A link to one of the task's own files (relative path built from slugs, never from input text)."""
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'


def index_page(task_dir: Path, info: dict, rendered: list[dict], failed: list[dict]) -> str:
    """`index.html`: every report of the task with its province's headline figures."""
    e = html.escape
    task_dir = Path(task_dir)
    tt = present.load_task_tables(task_dir, names=HEADLINE_TABLES)
    ok = {r["name"] for r in rendered}
    failed_by_name = {f["name"]: f.get("error", "") for f in failed}
    headlines = present.province_headlines(tt, info["provinces"])

    rows = []
    for row in headlines.itertuples(index=False):
        slug = province_slug(row.provinsi)
        if slug in ok:
            report = f'{_link(f"{slug}/report.html", row.provinsi)} ({_link(f"{slug}/report.pdf", "PDF")})'
        else:
            report = f'{e(row.provinsi)} <span class="gagal">(laporan gagal dibuat)</span>'
        xlsx = (_link(f"{slug}/{FOLLOWUP_FILENAME}", "XLSX")
                if (task_dir / slug / FOLLOWUP_FILENAME).is_file() else "–")
        cells = [f'<td class="prov">{report}</td>', f"<td>{xlsx}</td>"]
        cells += [f'<td class="num">{e(v)}</td>' for v in row[1:]]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f'<th{" class=num" if i > 1 else ""}>{e(c)}</th>'
                   for i, c in enumerate(["Provinsi (laporan)", "Belum merespons", *headlines.columns[1:]]))

    if "national" in ok:
        national = (f'<p>{_link("national/report.html", "Laporan nasional")} '
                    f'({_link("national/report.pdf", "PDF")}) · {_link("validation/index.html", "Hasil validasi data")}</p>')
    else:
        national = (f'<p><span class="gagal">Laporan nasional gagal dibuat.</span> · '
                    f'{_link("validation/index.html", "Hasil validasi data")}</p>')
    fails = "".join(f"<li>{e(str(name))}: {e(str(err))}</li>" for name, err in sorted(failed_by_name.items()))
    facts = present.national_facts(tt, with_extremes=False)._repr_html_()
    heading = " ".join(t._repr_html_() for t in present.task_heading(tt))
    return (
        '<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f"<title>Laporan absensi medsos: {e(str(info['judul']))}</title><style>{STYLE}</style></head><body>"
        "<h1>Laporan absensi tugas media sosial</h1>" + heading + national
        + (f'<h2 class="gagal">Gagal dibuat</h2><ul>{fails}</ul>' if fails else "")
        + "<h2>Nasional</h2>" + facts
        + "<h2>Provinsi</h2>"
        + f'<p class="catatan">{e(present.HEADLINE_NOTE)}</p>'
        + f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        + "</body></html>\n"
    )
