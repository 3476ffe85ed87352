"""The rendered sample reports say what tables/ says, carry no personal data, and name only their own TPP.

Uses the session `rendered` fixture (conftest.py: `python -m pipeline report` on the small
sample). Figures are read back from the report HTML (as a reader sees it) and from the
executed notebook's text outputs (what nbval audits), and compared with tables/*.csv.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from pipeline import config
from pipeline.figures import tables as tables_mod
from pipeline.reports import fmt, followup, labels
from pipeline.rules import contract

pytestmark = pytest.mark.slow

# Best, a big one, the weakest in the sample, and the one with its own extra task.
PROVINCES = ["Gorontalo", "Jawa Timur", "Papua Selatan", "Sulawesi Selatan"]
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE_RE = re.compile(r"(?:\+?62|\b0)[\s.-]?8[\d\s.()-]{7,16}\d")


def tables(task_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(task_dir / "tables" / f"{name}.csv", dtype={"nomor_absen": "Int64"})


def html_tables(soup: BeautifulSoup) -> list[dict]:
    """Every table: caption, header cells, body rows (cell texts)."""
    out = []
    for t in soup.find_all("table"):
        head = [th.get_text(" ", strip=True) for th in t.select("thead th")]
        rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in t.select("tbody tr")]
        cap = t.find("caption")
        out.append({"caption": cap.get_text(" ", strip=True) if cap else "", "head": head, "rows": rows})
    return out


def table_with(soup: BeautifulSoup, *headers: str) -> list[dict]:
    return [t for t in html_tables(soup) if all(h in t["head"] for h in headers)]


def facts(soup: BeautifulSoup) -> dict[str, str]:
    """The headline boxes: label -> value (the first box with that label)."""
    out: dict[str, str] = {}
    for box in soup.select("div.fact"):
        label = box.select_one(".fact-label").get_text(" ", strip=True)
        out.setdefault(label, box.select_one(".fact-value").get_text(" ", strip=True))
    return out


def notebook_text(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            text = o.get("data", {}).get("text/plain") or o.get("text") or ""
            parts.append("".join(text) if isinstance(text, list) else text)
    return "\n".join(parts)


def soup_of(task_dir: Path, folder: str) -> BeautifulSoup:
    return BeautifulSoup((task_dir / folder / "report.html").read_text(encoding="utf-8"), "html.parser")


def figures_row(r) -> list[str]:
    return [fmt.angka(r.eligible), fmt.angka(r.responded), fmt.persen(r.participation_rate),
            fmt.persen(r.on_time_rate), fmt.menit(r.median_response_minutes)]


@pytest.mark.parametrize("provinsi", PROVINCES)
def test_province_headline_figures_match_the_tables(rendered, provinsi):
    _, task_dir = rendered
    slug = contract.province_slug(provinsi)
    row = tables(task_dir, "participation_province").set_index("provinsi").loc[provinsi]
    summ = tables(task_dir, "province_summary").set_index("provinsi").loc[provinsi]
    nat = tables(task_dir, "participation_national").set_index("jabatan").loc["Semua"]
    streaks = tables(task_dir, "streak_counts").set_index("provinsi")
    belum = int(streaks.loc[provinsi, "non_responders"]) if provinsi in streaks.index else 0
    expected = {
        "Partisipasi": fmt.persen(row["participation_rate"]),
        "Merespons / wajib lapor": f"{fmt.angka(row['responded'])} / {fmt.angka(row['eligible'])}",
        "Tepat waktu": fmt.persen(row["on_time_rate"]),
        "Median waktu respons": fmt.menit(row["median_response_minutes"]),
        "Peringkat nasional": f"{int(summ['rank'])} dari {int(summ['provinces_ranked'])}",
        "Partisipasi nasional": fmt.persen(nat["participation_rate"]),
        "Belum merespons": fmt.angka(belum),
    }
    shown = facts(soup_of(task_dir, slug))
    for label, value in expected.items():
        assert shown[label] == value, (provinsi, label)
    change = next(v for k, v in shown.items() if k.startswith("Perubahan dari tugas sebelumnya"))
    assert change == (fmt.poin(summ["change"]) if pd.notna(summ["change"]) else "– (tidak ada tugas sebelumnya)")
    # the same lines in the executed notebook's text output (what nbval compares on a rerun)
    text = notebook_text(task_dir / slug / "report.ipynb")
    for label, value in expected.items():
        assert f"{label}: {value}" in text, (provinsi, label)
    # the rank is consistent with the province table itself (1 = best participation)
    prov = tables(task_dir, "participation_province")
    assert int(summ["rank"]) == 1 + int((prov["participation_rate"] > row["participation_rate"]).sum())


@pytest.mark.parametrize("provinsi", PROVINCES)
def test_province_kabupaten_jabatan_and_trend_tables_match(rendered, provinsi):
    _, task_dir = rendered
    soup = soup_of(task_dir, contract.province_slug(provinsi))
    kab = tables(task_dir, "participation_kabupaten")
    kab = kab[kab["provinsi"] == provinsi].sort_values(["participation_rate", "kabupaten"], kind="stable")
    (shown,) = table_with(soup, "Kabupaten/Kota", "Wajib lapor")
    assert shown["rows"] == [[r.kabupaten, *figures_row(r)] for r in kab.itertuples()]  # lowest first
    # the kabupaten add up to the province
    prov = tables(task_dir, "participation_province").set_index("provinsi").loc[provinsi]
    assert kab["eligible"].sum() == prov["eligible"] and kab["responded"].sum() == prov["responded"]

    jab = tables(task_dir, "participation_jabatan")
    jab = jab[jab["provinsi"] == provinsi]
    (shown,) = table_with(soup, "Jabatan", "Wajib lapor")
    assert {r[0]: r[1:] for r in shown["rows"]} == {
        f"{contract.JABATAN_LABEL[r.jabatan]} ({r.jabatan})": figures_row(r) for r in jab.itertuples()}

    trend = tables(task_dir, "trend_province")
    trend = trend[trend["provinsi"] == provinsi].sort_values("task_order").tail(config.TREND_TASKS)
    nat = tables(task_dir, "trend_national").set_index("task_id")["participation_rate"]
    (shown,) = table_with(soup, "Tanggal", "Tugas", "Nasional")
    assert shown["rows"] == [[fmt.tanggal(pd.Timestamp(r.mulai)), r.judul, fmt.persen(r.participation_rate),
                              fmt.persen(nat.get(r.task_id))] for r in trend.itertuples()]  # none for a provincial task


@pytest.mark.parametrize("provinsi", PROVINCES)
def test_province_non_responders_match_the_table(rendered, provinsi):
    _, task_dir = rendered
    soup = soup_of(task_dir, contract.province_slug(provinsi))
    nr = tables(task_dir, "non_responders")
    nr = nr[nr["provinsi"] == provinsi]
    shown = table_with(soup, "No. absen", "Nama", "Berturut-turut", "Kiriman ditolak", "Tindak lanjut")
    rows = {(int(r[0]), r[1], int(r[3].replace(".", ""))) for t in shown for r in t["rows"]}
    assert rows == {(int(r.nomor_absen), r.nama, int(r.streak)) for r in nr.itertuples()}
    # one table per kabupaten, its caption counting its rows; pembinaan marked from the configured streak
    assert sorted(t["caption"].split(":")[0] for t in shown) == sorted(nr["kabupaten"].unique())
    for t in shown:
        assert f": {fmt.angka(len(t['rows']))} belum merespons" in t["caption"]
        for r in t["rows"]:
            streak = int(r[3].replace(".", ""))
            assert r[5] == (tables_mod.ACTION_INACTIVE if streak >= config.INACTIVE_STREAK else
                            tables_mod.ACTION_PEMBINAAN if streak >= config.PEMBINAAN_STREAK else tables_mod.ACTION_REMIND)
    # the reason a rejected row was not counted, in plain words
    reason = {int(r[0]): r[4] for t in shown for r in t["rows"]}
    assert reason == {int(r.nomor_absen): labels.submitted_text(r.submitted) for r in nr.itertuples()}
    # possibly inactive: listed apart
    inactive = nr[nr["possibly_inactive"]]
    apart = table_with(soup, "No. absen", "Kabupaten/Kota", "Berturut-turut")
    assert {int(r[0]) for t in apart for r in t["rows"]} == set(inactive["nomor_absen"].astype(int))
    # the streak counts box agrees
    counts = tables(task_dir, "streak_counts").set_index("provinsi")
    n = int(counts.loc[provinsi, "streak_pembinaan"]) if provinsi in counts.index else 0
    assert facts(soup)[f"Tidak merespons {config.PEMBINAAN_STREAK}+ tugas berturut-turut (pembinaan)"] == fmt.angka(n)
    n = int(counts.loc[provinsi, "possibly_inactive"]) if provinsi in counts.index else 0
    assert n == len(inactive)
    assert facts(soup)[f"Mungkin tidak aktif lagi ({config.INACTIVE_STREAK}+ tugas berturut-turut, cek Data TPP)"] \
        == fmt.angka(n)
    n = int(counts.loc[provinsi, "submitted"]) if provinsi in counts.index else 0
    assert facts(soup)["Sudah mengirim tetapi kirimannya ditolak"] == fmt.angka(n)


def test_national_report_matches_the_tables(rendered):
    _, task_dir = rendered
    soup = soup_of(task_dir, "national")
    nat = tables(task_dir, "participation_national").set_index("jabatan").loc["Semua"]
    shown = facts(soup)
    assert shown["Partisipasi nasional"] == fmt.persen(nat["participation_rate"])
    assert shown["Merespons / wajib lapor"] == f"{fmt.angka(nat['responded'])} / {fmt.angka(nat['eligible'])}"
    assert shown["Tepat waktu"] == fmt.persen(nat["on_time_rate"])
    assert shown["Median waktu respons"] == fmt.menit(nat["median_response_minutes"])

    prov = tables(task_dir, "participation_province").merge(tables(task_dir, "province_summary")[
        ["provinsi", "rank", "change"]], on="provinsi").sort_values(["rank", "provinsi"], kind="stable")
    (ranking,) = table_with(soup, "Peringkat", "Provinsi", "Perubahan")
    assert ranking["rows"] == [[str(int(r.rank)), r.provinsi, *figures_row(r), fmt.poin(r.change)]
                               for r in prov.itertuples()]
    assert shown["Provinsi tertinggi"] == f"{prov.iloc[0]['provinsi']} ({fmt.persen(prov.iloc[0]['participation_rate'])})"

    streaks = tables(task_dir, "streak_counts")
    (shown_streaks,) = table_with(soup, "Provinsi", "Belum merespons")
    assert shown_streaks["rows"] == [[r.provinsi, fmt.angka(r.non_responders), fmt.angka(r.submitted),
                                      fmt.angka(r.streak_pembinaan), fmt.angka(r.possibly_inactive)]
                                     for r in streaks.itertuples()]
    # the national trend: national tasks only
    trend = tables(task_dir, "trend_national").sort_values("task_order").tail(config.TREND_TASKS)
    (shown_trend,) = table_with(soup, "Tanggal", "Tugas", "Nasional")
    assert shown_trend["rows"] == [[fmt.tanggal(pd.Timestamp(r.mulai)), r.judul, fmt.persen(r.participation_rate)]
                                   for r in trend.itertuples()]
    assert all(c.strip().lower() == "nasional" for c in trend["cakupan"])
    text = notebook_text(task_dir / "national" / "report.ipynb")
    assert f"Partisipasi nasional: {fmt.persen(nat['participation_rate'])}" in text
    # the national report names nobody
    names = tables(task_dir, "non_responders")["nama"]
    page = soup.get_text()
    assert not [n for n in names if len(n) > 12 and n in page]
    # links: the validation page, relative
    assert "../validation/index.html" in [a["href"] for a in soup.find_all("a", href=True)]


def test_index_links_every_report_with_headline_figures(rendered):
    _, task_dir = rendered
    soup = BeautifulSoup((task_dir / "index.html").read_text(encoding="utf-8"), "html.parser")
    hrefs = {a["href"] for a in soup.find_all("a", href=True)}
    info = json.loads((task_dir / "task.json").read_text(encoding="utf-8"))
    for p in info["provinces"]:
        slug = contract.province_slug(p)
        assert {f"{slug}/report.html", f"{slug}/report.pdf", f"{slug}/{followup.FILENAME}"} <= hrefs
    assert {"national/report.html", "national/report.pdf", "validation/index.html"} <= hrefs
    ids = {el["id"] for el in soup.find_all(id=True)}
    for href in hrefs:  # a file of the task, or a place on the page itself (the sort links)
        assert (href[1:] in ids) if href.startswith("#") else (task_dir / href).is_file(), href
    # the restricted contacts workbook exists but nothing points at it
    assert not [h for h in hrefs if followup.RESTRICTED_FILENAME in h]
    assert followup.RESTRICTED_FILENAME not in (task_dir / "index.html").read_text(encoding="utf-8")
    assert all((task_dir / contract.province_slug(p) / followup.RESTRICTED_FILENAME).is_file()
               for p in info["provinces"])
    prov = tables(task_dir, "participation_province").set_index("provinsi")
    summ = tables(task_dir, "province_summary").set_index("provinsi")
    nr = tables(task_dir, "streak_counts").set_index("provinsi")["non_responders"]
    nat = tables(task_dir, "participation_national").set_index("jabatan").loc["Semua", "participation_rate"]
    (t,) = table_with(soup, "Wajib lapor", "Partisipasi", "Perubahan", "Belum merespons", "Peringkat")
    rows = {r[0].split(" (")[0]: r for r in t["rows"]}
    for p in PROVINCES:
        r, s = prov.loc[p], summ.loc[p]
        below = r["participation_rate"] < nat
        assert bool(s["below_national"]) == below
        rate = fmt.persen(r["participation_rate"]) + (" ▼" if below else "")
        assert rows[p][1:7] == [fmt.angka(r["eligible"]), fmt.angka(r["responded"]), rate, fmt.poin(s["change"]),
                                fmt.angka(nr.get(p, 0)), f"{int(s['rank'])} dari {int(s['provinces_ranked'])}"]
    assert "Data per " in soup.get_text(" ")


def test_forwardable_workbooks_hold_no_contact_and_no_apostrophe(rendered):
    _, task_dir = rendered
    paths = sorted(task_dir.glob(f"*/{followup.FILENAME}"))
    assert len(paths) == len(json.loads((task_dir / "task.json").read_text(encoding="utf-8"))["provinces"])
    for path in paths:
        for ws in openpyxl.load_workbook(path):
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        assert not EMAIL_RE.search(cell.value) and not PHONE_RE.search(cell.value), (path, cell.value)
                        assert not cell.value.startswith("'") and cell.hyperlink is None, (path, cell.coordinate)


def test_followup_workbooks_list_each_province_non_responders(rendered):
    _, task_dir = rendered
    nr = tables(task_dir, "non_responders")
    for provinsi in PROVINCES:
        wb = openpyxl.load_workbook(task_dir / contract.province_slug(provinsi) / followup.FILENAME, read_only=True)
        rows = list(wb[followup.SHEET_LIST].iter_rows(values_only=True))
        head, rows = rows[0], [dict(zip(rows[0], r)) for r in rows[1:] if r[rows[0].index("No. absen")] is not None]
        own = nr[nr["provinsi"] == provinsi]
        assert "Bukti perlu diperiksa" in head and "Catatan" in head
        listed = {r["No. absen"]: r for r in rows if r["Tindak lanjut"] != followup.ACTION_PROOF}
        assert sorted(listed) == sorted(own["nomor_absen"].astype(int))
        for r in own.itertuples():
            row = listed[int(r.nomor_absen)]
            assert row["Tugas berturut-turut tanpa kiriman"] == r.streak and row["Tindak lanjut"] == r.action
            assert (row["Kiriman ditolak"] or "") == labels.submitted_text(r.submitted)
            assert (row[f"Mungkin tidak aktif lagi ({config.INACTIVE_STREAK}+)"] == "Ya") == bool(r.possibly_inactive)


def _distributed(task_dir: Path) -> list[Path]:
    """Every HTML and PDF a run publishes (reports, index, validation page)."""
    return sorted([*task_dir.rglob("*.html"), *task_dir.rglob("*.pdf")])


def test_no_phone_number_or_email_in_any_html_or_pdf(rendered, small_sample):
    _, task_dir = rendered
    roster = pd.read_csv(small_sample / "roster.csv", dtype=str)
    emails = [e.strip() for e in roster["Email"].dropna() if "@" in e]
    phones = {re.sub(r"\D", "", p) for p in roster["No WA"].dropna() if len(re.sub(r"\D", "", p)) >= 10}
    files = _distributed(task_dir)
    assert len([f for f in files if f.suffix == ".pdf"]) == 38
    for path in files:
        if path.suffix == ".pdf":
            text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
        else:
            text = re.sub(r'src="data:image/[^"]+"', "", path.read_text(encoding="utf-8"))
        assert not EMAIL_RE.search(text), (path, EMAIL_RE.search(text))
        assert not PHONE_RE.search(text), (path, PHONE_RE.search(text))
        assert not any(e in text for e in emails), path
        digits = re.sub(r"\D", "", text)
        assert not any(p in digits for p in phones if len(p) >= 11), path


def test_pdf_links_are_web_links_or_relative_never_local_paths(rendered):
    """A PDF is read away from the machine that made it: no file:// link, no staging folder."""
    _, task_dir = rendered
    uris = []
    for pdf in sorted(task_dir.rglob("report.pdf")):
        for page in PdfReader(pdf).pages:
            for annot in page.get("/Annots") or []:
                uri = annot.get_object().get("/A", {}).get("/URI")
                if uri is not None:
                    uris.append((pdf.parent.name, str(uri)))
    assert ("national", "../validation/index.html") in uris
    bad = [(name, uri) for name, uri in uris if not re.match(r"(https?://|mailto:|\.\./|[\w-]+\.html)", uri)
           or ".staging" in uri or str(task_dir.parent) in uri]
    assert bad == []


@pytest.mark.parametrize("provinsi", PROVINCES)
def test_province_report_names_only_its_own_tpp(rendered, small_sample, provinsi):
    _, task_dir = rendered
    roster = pd.read_csv(small_sample / "roster.csv", dtype=str)
    roster["prov"] = roster["Provinsi"].map(contract.normalize_province)
    own_names = set(roster.loc[roster["prov"] == provinsi, "Nama Lengkap"].dropna())
    soup = soup_of(task_dir, contract.province_slug(provinsi))
    # every nomor absen the report lists is this province's
    ids = {int(r[0]) for t in table_with(soup, "No. absen", "Nama") for r in t["rows"]}
    own_ids = set(pd.to_numeric(roster.loc[roster["prov"] == provinsi, "Nomor Absen"], errors="coerce").dropna().astype(int))
    assert ids <= own_ids
    # no other province's TPP by name (names shared with an own TPP are not a leak)
    page = soup.get_text(" ")
    pdf = " ".join(p.extract_text() for p in PdfReader(task_dir / contract.province_slug(provinsi) / "report.pdf").pages)
    pdf = " ".join(pdf.split())
    others = set(roster.loc[roster["prov"] != provinsi, "Nama Lengkap"].dropna()) - own_names
    leaked = [n for n in others if len(n) > 12 and (n in page or n in pdf)]
    assert leaked == []
    listed = {r[1] for t in table_with(soup, "No. absen", "Nama") for r in t["rows"]}
    assert listed <= own_names


# --- present.py on crafted tables (cases the sample does not have) -----------------------------------

def _crafted_tables(tmp_path: Path):
    from pipeline.reports import present

    nr = pd.DataFrame({"provinsi": ["Bali"] * 4 + ["Aceh"], "kabupaten": ["Kab B", "Kab B", "Kab A", "Kab A", "Kab X"],
                       "nomor_absen": pd.array([1, 2, 3, 4, 5], dtype="Int64"),
                       "nama": ["Satu", "Dua", "Tiga", "Empat", "Lima Aceh"], "jabatan": ["PD"] * 5,
                       "streak": [config.INACTIVE_STREAK, config.PEMBINAAN_STREAK, 1, config.PEMBINAAN_STREAK - 1, 9]})
    from pipeline.figures import tables

    nr = tables.non_responders(nr, pd.Series({3: "invalid_link"}))
    return present.TaskTables(tmp_path, {"timezone": "Asia/Jakarta"}, tables.non_responder_tables(nr))


def test_inactive_tpp_are_listed_apart_and_marked(tmp_path):
    from pipeline.reports import present

    tt = _crafted_tables(tmp_path)
    apart = present.inactive_table(tt, "Bali")
    assert list(apart.df["No. absen"]) == ["1"] and "1 TPP" in apart.caption
    by_kab = {t.caption.split(":")[0]: t.df for t in present.non_responder_tables(tt, "Bali")}
    assert list(by_kab) == ["Kab A", "Kab B"]
    b = by_kab["Kab B"].set_index("No. absen")["Tindak lanjut"]
    assert b["1"] == present.ACTION_INACTIVE and b["2"] == present.ACTION_PEMBINAAN
    a = by_kab["Kab A"].set_index("No. absen")
    assert a.loc["3", "Tindak lanjut"] == a.loc["4", "Tindak lanjut"] == "Ingatkan"  # below the pembinaan streak
    assert a.loc["3", "Kiriman ditolak"] == "Sudah mengirim, tetapi tautannya tidak valid"
    assert a.loc["4", "Kiriman ditolak"] == ""
    assert "Lima Aceh" not in repr(present.non_responder_tables(tt, "Bali"))
    assert isinstance(present.inactive_table(tt, "Papua"), present.Text)


def test_task_labels_stay_readable():
    from pipeline.reports import present

    assert present.task_label("Hari Pendidikan Nasional 2025", "2025-05-02T08:00:00+07:00") == \
        "2 Mei 2025\nHari\nPendidikan\nNasional"
    label = present.task_label("HUT ke-356 Provinsi Sulawesi Selatan yang sangat meriah", "2025-10-19T08:00:00+08:00")
    lines = label.split("\n")
    assert lines[0] == "19 Okt 2025" and len(lines) == 4 and lines[-1].endswith("…")
    assert all(len(line) <= 14 for line in lines[1:])


def test_table_html_escapes_and_clips_untrusted_text():
    from pipeline.reports import present

    long = "x" * 10_000
    t = present.Table(pd.DataFrame({"Nama": ["<script>alert(1)</script>", long, "a\x07b"]}), widths=(100.0,))
    html = t._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert long not in html and "(10.000 karakter)" in html and "\x07" not in html
    assert '<col style="width: 100%">' in html and 'class="report-table tetap"' in html
    assert "(10.000 karakter)" in repr(t)


def test_kabupaten_extremes_read_the_ranking_and_say_when_none_is_big_enough(tmp_path):
    from pipeline.figures import tables
    from pipeline.reports import present

    m = config.KABUPATEN_RANK_MIN_ELIGIBLE
    k = pd.DataFrame({"provinsi": ["A"] * 3, "kabupaten": ["big", "mid", "small"], "eligible": [m + 5, m, m - 1],
                      "responded": [m, m, 1], "on_time": [m, m, 1], "participation_rate": [m / (m + 5), 1.0, 1 / (m - 1)],
                      "on_time_rate": [m / (m + 5), 1.0, 1 / (m - 1)], "median_response_minutes": [5.0, 6.0, 7.0]})
    tt = present.TaskTables(tmp_path, {}, {"kabupaten_ranking": tables.kabupaten_ranking(k)})
    best, worst = present.kabupaten_extremes(tt, n=1)
    assert best.df["Kabupaten/Kota"].tolist() == ["mid"] and worst.df["Kabupaten/Kota"].tolist() == ["big"]
    empty = present.TaskTables(tmp_path, {}, {"kabupaten_ranking": tables.kabupaten_ranking(k[k["eligible"] < m])})
    best, worst = present.kabupaten_extremes(empty)
    assert isinstance(best, present.Text) and f"sedikitnya {m} TPP" in best.text


# --- Contacts typed into a name or a link (hostile sample) --------------------------------------------

HOSTILE_NAME = "Budi 0812-3456-7890 budi.tpp@gmail.com"
HOSTILE_DIGITS = "81234567890"
SILENT_NAME = "Sari +62 857-1111-2222"  # a non-responder: listed by name in the report and the workbook


@pytest.fixture(scope="module")
def hostile_rendered(small_sample, tmp_path_factory):
    """The small sample with one Gorontalo TPP of the latest task whose roster name and typed name carry
    a phone number and an e-mail, and whose counted link carries both too (sent late, so that the
    late list names them), and a silent Jawa Timur TPP with a phone number in their name; rendered with `python -m pipeline report`: (data, task folder, nomor_absen)."""
    import shutil

    from tests.conftest import run_cli

    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(small_sample, data)
    roster = pd.read_csv(data / "roster.csv", dtype=str, keep_default_na=False)
    path = sorted((data / "responses").glob("2025-11-10-*.csv"))[-1]
    resp = pd.read_csv(path, dtype=str, keep_default_na=False)
    ID, LINK = "Nomor Urut Absen", "Tautan"  # the sample's headers for this task's form
    own = roster[roster["Provinsi"].map(contract.normalize_province).eq("Gorontalo") & roster["Status"].eq("Aktif")]
    i = resp.index[resp[ID].isin(own["Nomor Absen"]) & resp[LINK].str.startswith(
        "https://www.facebook.com/")][0]
    nomor = resp.at[i, ID]
    roster.loc[roster["Nomor Absen"] == nomor, "Nama Lengkap"] = HOSTILE_NAME
    jatim = roster[roster["Provinsi"].map(contract.normalize_province).eq("Jawa Timur") & roster["Status"].eq("Aktif")
                   & roster["Tanggal Bergabung"].eq("")]  # Gorontalo has no non-responder in the sample
    silent = jatim.loc[~jatim["Nomor Absen"].isin(resp[ID]) & ~jatim["Nama Lengkap"].isin(resp["Nama Lengkap"]),
                       "Nomor Absen"].iloc[0]
    roster.loc[roster["Nomor Absen"] == silent, "Nama Lengkap"] = SILENT_NAME
    resp.loc[resp[ID] == nomor, "Nama Lengkap"] = HOSTILE_NAME
    resp.at[i, LINK] += "?wa=6281234567890&mail=budi.tpp@gmail.com"
    resp.at[i, "Cap waktu"] = "12/11/2025 0.30.00"
    roster.to_csv(data / "roster.csv", index=False)
    resp.to_csv(path, index=False)
    out = tmp_path_factory.mktemp("hostile-out")
    proc = run_cli("report", "--data", str(data), "--out", str(out))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    task_dir = next(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
    return data, task_dir, int(nomor)


# PHONE_RE standing alone: live pages hold post ids and hex versions with "62 8..." inside a longer run.
PHONE_ALONE_RE = re.compile(r"(?<![0-9A-Za-z])(?:\+?62|0)[\s.-]?8[\d\s.()-]{7,16}\d(?![0-9A-Za-z])")


def _leaks(text: str) -> list[str]:
    found = [m.group(0) for m in (EMAIL_RE.search(text), PHONE_ALONE_RE.search(text)) if m]
    digits = re.sub(r"\D", "", text)
    return found + [d for d in (HOSTILE_DIGITS, "85711112222") if d in digits]


def test_contacts_typed_into_a_name_or_link_never_reach_a_page(hostile_rendered):
    data, task_dir, nomor = hostile_rendered
    checked = tables(task_dir, "responses_checked")
    row = checked[checked["nomor_absen"] == nomor].iloc[0]
    assert row["outcome"] == "counted" and "6281234567890" in row["link"]  # the tables keep the raw text
    assert nomor in set(tables(task_dir, "late_responders")["nomor_absen"])
    soup = soup_of(task_dir, "gorontalo")
    late = table_with(soup, "No. absen", "Nama", "Waktu kirim")
    assert [str(nomor), "Budi [kontak disembunyikan] [kontak disembunyikan]"] in [r[:2] for t in late for r in t["rows"]]
    assert "Sari [kontak disembunyikan]" in soup_of(task_dir, "jawa-timur").get_text(" ")  # a non-responder
    book = openpyxl.load_workbook(task_dir / "jawa-timur" / followup.FILENAME)
    cells = [c.value for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Sari [kontak disembunyikan]" in cells and all(_leaks(c) == [] for c in cells)
    files = _distributed(task_dir)
    assert len([f for f in files if f.suffix == ".pdf"]) == 38
    for path in files:
        if path.suffix == ".pdf":
            text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
        else:
            text = re.sub(r'src="data:image/[^"]+"', "", path.read_text(encoding="utf-8"))
        assert _leaks(text) == [], path


def test_live_pages_of_the_hostile_sample_show_no_contact(hostile_rendered, tmp_path):
    from pipeline.live.watch import Watcher

    data, _, nomor = hostile_rendered
    clock = pd.Timestamp("2025-11-12 01:00", tz="Asia/Jakarta")
    w = Watcher(data, "2025-11-10-hari-pahlawan", tmp_path, every=2, clock=lambda: clock, log=lambda *_: None)
    assert w.refresh().failure is None
    pages = sorted((tmp_path / "live").rglob("*.html"))
    assert sum(f'data-nomor-absen="{nomor}"' in p.read_text(encoding="utf-8") for p in pages) == 1
    for p in pages:
        assert _leaks(p.read_text(encoding="utf-8")) == [], p
