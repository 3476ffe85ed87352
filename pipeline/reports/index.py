"""The task's `index.html`: every report (HTML, PDF, belum-respon.xlsx) with each province's headline figures.

The province table is sortable without any script: each sort order is a `:target` link
(`#urut-partisipasi` ...) and the rows are placed by CSS `order` from their position in that
order (custom properties on each row, see templates/index/index.css). Without CSS the rows
read alphabetically. The page carries no script at all, so nothing from the inputs can run.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from pipeline import config
from pipeline.reports import fmt, present
from pipeline.reports.followup import FILENAME as FOLLOWUP_FILENAME
from pipeline.rules.contract import province_slug

STYLE_FILE = config.TEMPLATES_DIR / "index" / "index.css"
HEADLINE_TABLES = ("participation_province", "participation_national", "province_summary", "streak_counts")
# Sort orders of the province table: (anchor, link text, key columns, ascending).
SORTS = (
    ("urut-provinsi", "provinsi", ["provinsi"], [True]),
    ("urut-partisipasi", "partisipasi terendah", ["participation_rate", "provinsi"], [True, True]),
    ("urut-perubahan", "penurunan terbesar", ["change", "provinsi"], [True, True]),
    ("urut-belum", "belum merespons terbanyak", ["non_responders", "provinsi"], [False, True]),
    ("urut-wajib", "wajib lapor terbanyak", ["eligible", "provinsi"], [False, True]),
)
COLUMNS = ("Provinsi", "Wajib lapor", "Merespons", "Partisipasi", "Perubahan", "Belum merespons", "Peringkat", "Berkas")
BELOW_MARK = "▼"


def _link(href: str, text: str) -> str:
    """A link to one of the task's own files (relative path built from slugs, never from input text)."""
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'


def province_frame(tt: present.TaskTables, provinces: list[str]) -> pd.DataFrame:
    """One row per province of the task: the published figures the index shows, unformatted."""
    p = tt["participation_province"].set_index("provinsi")
    s = tt["province_summary"].set_index("provinsi")
    nr = tt["streak_counts"].set_index("provinsi")["non_responders"]
    out = pd.DataFrame({"provinsi": list(provinces)})
    for col in ("eligible", "responded", "participation_rate"):
        out[col] = out["provinsi"].map(p[col])
    for col in ("change", "rank", "provinces_ranked", "below_national"):
        out[col] = out["provinsi"].map(s[col]) if col in s else pd.NA
    out["non_responders"] = out["provinsi"].map(nr).fillna(0).astype(int)
    return out


def _positions(frame: pd.DataFrame) -> dict[str, list[int]]:
    """For each sort order, every row's 1-based position (missing values last)."""
    pos = {}
    for anchor, _, keys, ascending in SORTS:
        order = frame.sort_values(keys, ascending=ascending, kind="stable", na_position="last").index
        ranks = pd.Series(range(1, len(order) + 1), index=order)
        pos[anchor] = ranks.reindex(frame.index).tolist()
    return pos


def _row(r, positions: dict[str, list[int]], i: int, task_dir: Path, ok: set[str]) -> str:
    e = html.escape
    slug = province_slug(r.provinsi)
    below = bool(r.below_national) if pd.notna(r.below_national) else False
    if slug in ok:
        name = _link(f"{slug}/report.html", r.provinsi)
        files = [_link(f"{slug}/report.pdf", "PDF")]
    else:
        name = f'{e(r.provinsi)} <span class="gagal">(laporan gagal dibuat)</span>'
        files = []
    if (task_dir / slug / FOLLOWUP_FILENAME).is_file():
        files.append(_link(f"{slug}/{FOLLOWUP_FILENAME}", "XLSX"))
    rate = e(fmt.persen(r.participation_rate))
    if below:
        rate += f' <span class="tanda" title="di bawah partisipasi nasional">{BELOW_MARK}</span>'
    rank = f"{int(r.rank)} dari {int(r.provinces_ranked)}" if pd.notna(r.rank) else fmt.NA
    style = ";".join(f"--{anchor}:{positions[anchor][i]}" for anchor, *_ in SORTS)
    cells = [f'<td class="prov">{name}</td>', f'<td class="num">{e(fmt.angka(r.eligible))}</td>',
             f'<td class="num">{e(fmt.angka(r.responded))}</td>', f'<td class="num">{rate}</td>',
             f'<td class="num">{e(fmt.poin(r.change))}</td>', f'<td class="num">{e(fmt.angka(r.non_responders))}</td>',
             f'<td class="num">{e(rank)}</td>', f'<td class="berkas">{" · ".join(files) or "–"}</td>']
    return f'<tr class="{"bawah" if below else ""}" style="{style}">' + "".join(cells) + "</tr>"


def province_table(tt: present.TaskTables, provinces: list[str], task_dir: Path, ok: set[str]) -> str:
    """The sortable province table with its sort links and legend."""
    frame = province_frame(tt, provinces)
    positions = _positions(frame)
    rows = [_row(r, positions, i, task_dir, ok) for i, r in enumerate(frame.itertuples(index=False))]
    head = "".join(f'<th{" class=num" if 0 < i < len(COLUMNS) - 1 else ""}>{html.escape(c)}</th>'
                   for i, c in enumerate(COLUMNS))
    targets = "".join(f'<span class="sasaran" id="{anchor}"></span>' for anchor, *_ in SORTS)
    links = " · ".join(_link(f"#{anchor}", text) for anchor, text, *_ in SORTS)
    nat = present.national_rate(tt)
    return (f'<p class="urutkan">Urutkan menurut: {links}</p>{targets}'
            f'<div class="gulir"><table class="provinsi"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>'
            f'<p class="catatan"><span class="tanda">{BELOW_MARK}</span> di bawah partisipasi nasional '
            f'({html.escape(fmt.persen(nat))}). {html.escape(present.HEADLINE_NOTE)}</p>')


def index_page(task_dir: Path, info: dict, rendered: list[dict], failed: list[dict]) -> str:
    """`index.html`: every report of the task with its province's headline figures."""
    e = html.escape
    task_dir = Path(task_dir)
    tt = present.load_task_tables(task_dir, names=HEADLINE_TABLES)
    ok = {r["name"] for r in rendered}
    failed_by_name = {f["name"]: f.get("error", "") for f in failed}
    validation = _link("validation/index.html", "Hasil validasi data")
    if "national" in ok:
        national = (f'<p>{_link("national/report.html", "Laporan nasional")} '
                    f'({_link("national/report.pdf", "PDF")}) · {validation}</p>')
    else:
        national = f'<p><span class="gagal">Laporan nasional gagal dibuat.</span> · {validation}</p>'
    fails = "".join(f"<li>{e(str(name))}: {e(str(err))}</li>" for name, err in sorted(failed_by_name.items()))
    facts = present.national_facts(tt, with_extremes=False)._repr_html_()
    heading = " ".join(t._repr_html_() for t in present.task_heading(tt))
    style = STYLE_FILE.read_text(encoding="utf-8")
    return (
        '<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f"<title>Laporan absensi medsos: {e(str(info['judul']))}</title><style>{style}</style></head><body>"
        "<h1>Laporan absensi tugas media sosial</h1>" + heading
        + national
        + (f'<h2 class="gagal">Gagal dibuat</h2><ul>{fails}</ul>' if fails else "")
        + "<h2>Nasional</h2>" + facts
        + "<h2>Provinsi</h2>" + province_table(tt, info["provinces"], task_dir, ok)
        + "</body></html>\n"
    )
