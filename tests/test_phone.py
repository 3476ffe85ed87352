"""Reports read on a phone (412 px) and on a desktop, in a real headless Chromium.

Every HTML page a run publishes (each province report, the national report, the index and the
validation page): no horizontal scrolling of the page, no text spilling out of its table cell;
a table that a phone cannot show side by side scrolls inside its own box, and only then.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

PHONE, DESKTOP = 412, 1280

# Tables with up to this many columns must fit the phone's width (reflow), not scroll in their box.
FITS_ON_A_PHONE = 4

_BOXES_JS = """
const out = [];
for (const t of document.querySelectorAll('table')) {
  const box = t.parentElement;
  const cols = t.querySelectorAll('thead th').length;
  out.push([cols, box.scrollWidth - box.clientWidth]);
}
return out;
"""

_CHART_WIDTHS_JS = "return [...document.querySelectorAll('.output_png img')].map(i => i.getBoundingClientRect().width);"


def _pages(task_dir):
    return sorted(p.relative_to(task_dir).as_posix() for p in task_dir.glob("**/*.html") if ".history" not in p.parts)


def test_every_page_reflows_on_a_phone_and_a_desktop(rendered, browser):
    _, task_dir = rendered
    pages = _pages(task_dir)
    assert {"index.html", "national/report.html", "validation/index.html", "gorontalo/report.html"} <= set(pages)
    problems = []
    for page in pages:
        for width in (PHONE, DESKTOP):
            browser.set_width(width)
            browser.open(task_dir / page)
            if (over := browser.horizontal_overflow()) > 0:
                problems.append(f"{page} @{width}px: page {over} px wider than the screen")
            if spilling := browser.spilling_cells():
                problems.append(f"{page} @{width}px: text spills out of {len(spilling)} cells, e.g. {spilling[:3]}")
            for cols, scrolls in browser.js(_BOXES_JS):
                if cols <= FITS_ON_A_PHONE and scrolls > 1:
                    problems.append(f"{page} @{width}px: a {cols}-column table scrolls instead of fitting")
                if width == DESKTOP and scrolls > 1:
                    problems.append(f"{page} @{width}px: a {cols}-column table scrolls on a desktop")
    assert not problems, "\n".join(problems)


def test_charts_stay_legible_on_a_phone_and_fit_a_desktop(rendered, browser):
    _, task_dir = rendered
    browser.set_width(PHONE)
    browser.open(task_dir / "national" / "report.html")
    phone = browser.js(_CHART_WIDTHS_JS)
    assert phone and min(phone) >= 560  # labels about 9 px or more, in a box that scrolls sideways
    assert browser.horizontal_overflow() == 0
    browser.set_width(DESKTOP)
    browser.open(task_dir / "national" / "report.html")
    assert max(browser.js(_CHART_WIDTHS_JS)) <= 700  # the A4 text width


def test_index_sorts_without_a_script(rendered, browser):
    _, task_dir = rendered
    html = (task_dir / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    prov = pd.read_csv(task_dir / "tables" / "participation_province.csv")
    browser.set_width(DESKTOP)
    order_js = ("return [...document.querySelectorAll('table.provinsi td.prov')]"
                ".map(td => [td.getBoundingClientRect().top, td.innerText.split(' (')[0]])"
                ".sort((a, b) => a[0] - b[0]).map(x => x[1]);")
    browser.open(task_dir / "index.html")
    info = json.loads((task_dir / "task.json").read_text(encoding="utf-8"))
    assert browser.js(order_js) == info["provinces"] == sorted(info["provinces"])
    browser.open((task_dir / "index.html").resolve().as_uri() + "#urut-partisipasi")
    lowest_first = prov[prov["eligible"] > 0].sort_values(["participation_rate", "provinsi"])["provinsi"].tolist()
    assert browser.js(order_js) == lowest_first
    browser.open((task_dir / "index.html").resolve().as_uri() + "#urut-belum")
    nr = pd.read_csv(task_dir / "tables" / "streak_counts.csv").set_index("provinsi")["non_responders"]
    shown = [int(nr.get(p, 0)) for p in browser.js(order_js)]
    assert shown == sorted(shown, reverse=True)


@pytest.mark.parametrize(("slug", "zone"), [("gorontalo", "WITA"), ("papua", "WIT"), ("aceh", "WIB")])
def test_every_report_says_data_per_in_the_provinces_local_time(rendered, browser, slug, zone):
    _, task_dir = rendered
    browser.set_width(PHONE)
    browser.open(task_dir / slug / "report.html")
    text = browser.js("return document.body.innerText")
    line = next((ln for ln in text.splitlines() if ln.startswith("Data per ")), "")
    assert line, f"{slug}: no 'Data per' line"
    if zone == "WIB":
        assert re.search(r"\d{2}\.\d{2} WIB", line) and "WIT" not in line, line
    else:  # the task's own time, then the province's: "23.58 WIB (00.58 WITA)" or with the date
        assert re.search(rf"\d{{2}}\.\d{{2}} WIB \(.*\d{{2}}\.\d{{2}} {zone}\)", line), line


def test_index_and_national_report_say_data_per(rendered, browser):
    _, task_dir = rendered
    for page in ("index.html", "national/report.html"):
        browser.open(task_dir / page)
        text = browser.js("return document.body.innerText")
        assert any(ln.startswith("Data per ") and "WIB" in ln for ln in text.splitlines()), page
