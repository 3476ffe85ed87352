"""A recap folder's `index.html`: every recap report (HTML, PDF, rekap-tpp.xlsx) with each province's
figures over the period, ranked as in the national recap (`recap_view.province_ranking`).

Like the task index (reports/index.py, whose style it shares) it carries no script, and every link
is built from province slugs, never from input text.
"""

from __future__ import annotations

import html
from pathlib import Path

from pipeline.reports import fmt, recap_view
from pipeline.reports.index import STYLE_FILE, _link
from pipeline.reports.recap_workbook import FILENAME as WORKBOOK
from pipeline.rules.contract import province_slug

# The province and its rate first: on a phone the table scrolls sideways after them.
COLUMNS = ("Provinsi", "Partisipasi", "Peringkat", "Perubahan", "Tepat waktu", "TPP dinilai", "Perlu pembinaan",
           "Berkas")


def _row(r, recap_dir: Path, ok: set[str], pembinaan: dict[str, int]) -> str:
    e = html.escape
    slug = province_slug(r.provinsi)
    if slug in ok:
        name, files = _link(f"{slug}/report.html", r.provinsi), [_link(f"{slug}/report.pdf", "PDF")]
    else:
        name, files = f'{e(r.provinsi)} <span class="gagal">(laporan gagal dibuat)</span>', []
    if (recap_dir / slug / WORKBOOK).is_file():
        files.append(_link(f"{slug}/{WORKBOOK}", "XLSX"))
    cells = [None, fmt.persen(r.participation_rate), fmt.angka(r.rank), fmt.poin(r.change), fmt.persen(r.on_time_rate),
             fmt.angka(r.tpp), fmt.angka(pembinaan.get(r.provinsi, 0))]
    tds = [f'<td class="num">{e(c)}</td>' if c is not None else f'<td class="prov">{name}</td>' for c in cells]
    return "<tr>" + "".join(tds) + f'<td class="berkas">{" · ".join(files) or "–"}</td></tr>'


def recap_index_page(recap_dir: Path, rendered: list[dict], failed: list[dict]) -> str:
    """`index.html` of a recap folder: the national recap, the failed reports, and every province."""
    e = html.escape
    recap_dir = Path(recap_dir)
    rt = recap_view.load_recap_tables(recap_dir)
    info = rt.info
    ok = {r["name"] for r in rendered}
    if "national" in ok:
        national = f'<p>{_link("national/report.html", "Rekap nasional")} ({_link("national/report.pdf", "PDF")})</p>'
    else:
        national = '<p><span class="gagal">Rekap nasional gagal dibuat.</span></p>'
    fails = "".join(f"<li>{e(str(f['name']))}: {e(str(f.get('error', '')))}</li>"
                    for f in sorted(failed, key=lambda f: f["name"]))
    ranked, _ = recap_view.province_ranking(rt)
    ranked = ranked[ranked["provinsi"].isin(info["provinces"])]
    cats = rt["recap_categories"]
    pembinaan = cats[cats["category"] == "perlu_pembinaan"].groupby("provinsi")["tpp"].sum().to_dict()
    rows = "".join(_row(r, recap_dir, ok, pembinaan) for r in ranked.itertuples(index=False))
    head = "".join(f'<th{"" if c in ("Provinsi", "Berkas") else " class=num"}>{e(c)}</th>' for c in COLUMNS)
    previous = info["previous"]["label"]
    style = STYLE_FILE.read_text(encoding="utf-8")
    return (
        '<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f"<title>Rekap absensi medsos: {e(info['label'])}</title><style>{style}</style></head><body>"
        f"<h1>Rekap absensi tugas media sosial: {e(info['label'])}</h1>"
        + " ".join(t._repr_html_() for t in recap_view.heading(rt))
        + national
        + (f'<h2 class="gagal">Gagal dibuat</h2><ul>{fails}</ul>' if fails else "")
        + "<h2>Nasional</h2>" + recap_view.national_facts(rt)._repr_html_()
        + "<h2>Provinsi</h2>"
        + f'<div class="gulir"><table class="provinsi"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
        + f'<p class="catatan">Peringkat 1 = partisipasi periode tertinggi. Perubahan: selisih partisipasi dengan '
        f"{e(previous)}. rekap-tpp.xlsx (semua TPP provinsi, tanpa kontak) boleh diteruskan.</p>"
        + "</body></html>\n"
    )
