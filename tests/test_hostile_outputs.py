"""Issue 7, output side: hostile text in the roster, the schedule and the form export is shown as
text in HTML and PDF, never run; links are clickable only for http(s); CSV and XLSX outputs
neutralise formulas; a 10,000-character field does not break the layout.

One small data directory (two provinces, two tasks) full of hostile values goes through
`python -m pipeline report` once (module fixture); each test checks one promise.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
import pytest
from bs4 import BeautifulSoup
from conftest import run_cli
from pypdf import PdfReader

from pipeline.reports import display

pytestmark = pytest.mark.slow

SCRIPT_NAME = "<script>alert('nama')</script> Siti"
IMG_NAME = '<img src=x onerror="alert(1)"> Budi'
FORMULA_NAME = '=HYPERLINK("http://evil.example/x","klik") Ani'
PLUS_NAME = "+62 812 3456 7890 Rudi"
MINUS_NAME = "-1+1 Lubis"
AT_NAME = "@SUM(1+1) Made"
CONTROL_NAME = "Budi\x07Santoso\x1b[31m Merah"
RTL_NAME = "مريم العربية \u202eLIVE\u202c Putri"
LONG_NAME = "Panjang" * 1429  # 10,003 characters, no space to break at
JS_KAB = "javascript:alert('kab') Kabupaten"
EVENT_KAB = '$x^{2$ <b onmouseover="alert(1)">Kabupaten Jahat</b>'  # "$": matplotlib mathtext
LONG_KAB = "Kabupaten " + "Sangat Panjang " * 666  # ~10,000 characters with spaces
HOSTILE_TITLE = 'Hari <script>alert("judul")</script> $100 & $ =1+1'
TASK_ID = "2025-11-04-hari-jahat"
EMAIL = "rahasia.sekali@contoh.id"
PHONE = "0812-9999-8888"

# (nomor, nama, provinsi, kabupaten, responds to the latest task?)
ROSTER = [
    (1, SCRIPT_NAME, "Gorontalo", "Kabupaten Boalemo", False),
    (2, IMG_NAME, "Gorontalo", "Kabupaten Boalemo", False),
    (3, FORMULA_NAME, "Gorontalo", JS_KAB, False),
    (4, PLUS_NAME, "Gorontalo", JS_KAB, False),
    (5, MINUS_NAME, "Gorontalo", EVENT_KAB, False),
    (6, AT_NAME, "Gorontalo", EVENT_KAB, False),
    (7, CONTROL_NAME, "Gorontalo", LONG_KAB, False),
    (8, RTL_NAME, "Gorontalo", LONG_KAB, False),
    (9, LONG_NAME, "Gorontalo", "Kabupaten Boalemo", False),
    *[(n, f"Responden Gorontalo {n}", "Gorontalo", kab, True)
      for n, kab in zip(range(10, 22), ["Kabupaten Boalemo", JS_KAB, EVENT_KAB, LONG_KAB] * 3)],
    *[(n, f"Tetangga Bali Nomor {n}", "Bali", "Kabupaten Badung", n % 3 != 0) for n in range(30, 42)],
]


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def hostile_data(root: Path) -> Path:
    _write_csv(root / "roster.csv",
               ["Nomor Absen", "Nama Lengkap", "Jabatan", "Provinsi", "Kabupaten/Kota", "Status", "Email", "No WA",
                "Instagram"],
               [[n, nama, "PD", prov, kab, "Aktif", EMAIL if n == 1 else f"tpp{n}@contoh.id", PHONE, "@" + str(n)]
                for n, nama, prov, kab, _ in ROSTER])
    _write_csv(root / "tasks.csv", ["task_id", "judul", "mulai", "batas", "cakupan"],
               [["2025-10-28-sumpah", "Hari Sumpah Pemuda 2025", "2025-10-28 08:00", "2025-10-29 23:59", "nasional"],
                [TASK_ID, HOSTILE_TITLE, "2025-11-04 08:00", "2025-11-05 23:59", "nasional"]])
    header = ["Timestamp", "Provinsi", "Nomor Absen", "Nama", "Link"]
    _write_csv(root / "responses" / "2025-10-28-sumpah.csv", header,
               [["2025-10-28 09:00:00", prov, n, nama, f"https://facebook.com/p/{n}"]
                for n, nama, prov, _, responds in ROSTER if responds])
    latest = [[f"2025-11-04 {9 + i % 8:02d}:{i % 60:02d}:00", prov, n, nama, f"https://instagram.com/p/{n}"]
              for i, (n, nama, prov, _, responds) in enumerate(ROSTER) if responds]
    latest += [
        ["2025-11-04 10:00:00", "Gorontalo", "1", SCRIPT_NAME, "javascript:alert(document.cookie)"],
        ["2025-11-04 10:01:00", "Gorontalo", "@SUM(1+1)", '=cmd|" /C calc"!A0', "=HYPERLINK(\"http://evil.example\")"],
        ["2025-11-04 10:02:00", "<b>Gorontalo</b>", "-2", "+tambah", 'https://evil.example/"><script>alert(1)</script>'],
        ["2025-11-04 10:03:00", "Gorontalo", "2", IMG_NAME, "data:text/html,<script>alert(1)</script>"],
    ]
    _write_csv(root / "responses" / f"{TASK_ID}.csv", header, latest)
    return root


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    data = hostile_data(root / "data")
    proc = run_cli("report", "--data", str(data), "--out", str(root / "out"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    return root / "out" / TASK_ID


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


HTML_FILES = ["gorontalo/report.html", "bali/report.html", "national/report.html", "index.html", "validation/index.html"]


@pytest.mark.parametrize("name", HTML_FILES)
def test_html_has_no_active_content(hostile_run, name):
    soup = _soup(hostile_run / name)
    assert soup.find_all("script") == []
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            assert not attr.lower().startswith("on"), (tag.name, attr)
            if attr.lower() in ("href", "src", "action", "formaction", "xlink:href"):
                v = " ".join(value) if isinstance(value, list) else value
                scheme = urlsplit(v.strip()).scheme.lower()
                if attr.lower() == "src":
                    assert tag.name == "img" and v.startswith("data:image/png;base64,"), (tag.name, v[:60])
                else:
                    assert scheme in ("", "http", "https"), (tag.name, attr, v[:80])
    assert soup.find_all(["iframe", "object", "embed", "form", "svg", "math", "base"]) == []
    assert all(m.get("charset") or m.get("name") == "viewport" for m in soup.find_all("meta"))  # no refresh


def test_province_html_shows_hostile_names_as_text(hostile_run):
    soup = _soup(hostile_run / "gorontalo" / "report.html")
    text = soup.get_text()
    for literal in (SCRIPT_NAME, IMG_NAME, FORMULA_NAME, MINUS_NAME, AT_NAME, EVENT_KAB,
                    "javascript:alert('kab') Kabupaten", '<script>alert("judul")</script>'):
        assert literal in text, literal
    # a name that is a phone number and a formula ("+62 812 ..."): shown as text, the number masked
    assert display.mask_contacts(PLUS_NAME) in text and "3456 7890" not in text
    assert "Budi Santoso [31m Merah" in text  # control characters shown as spaces
    assert "\u202eLIVE" in text and "مريم العربية" in text
    # a 10,000-character value is clipped, with its length said
    assert LONG_NAME[:160] + "… (10.003 karakter)" in text and LONG_NAME not in text
    # the task title went into the title and the running header as text, not markup
    assert soup.title.get_text().count("<script>") == 1
    # links: only the report's own relative links; no link built from a form's link
    hrefs = [a["href"] for a in soup.find_all("a", href=True)]
    assert not any("evil.example" in h or h.lower().startswith(("javascript", "data")) for h in hrefs)


def test_province_pdf_renders_hostile_text_literally(hostile_run):
    pdf = hostile_run / "gorontalo" / "report.pdf"
    reader = PdfReader(pdf)
    assert 2 <= len(reader.pages) <= 15, len(reader.pages)  # the long fields did not blow up the layout
    text = _pdf_text(pdf)
    flat = re.sub(r"\s+", "", text)
    for literal in ("<script>alert('nama')</script>", '=HYPERLINK("http://evil.example/x","klik")', "@SUM(1+1)Made",
                    "-1+1Lubis", "javascript:alert('kab')", '<bonmouseover="alert(1)">'):
        assert literal in flat, literal
    assert "(10.003karakter)" in flat
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                assert urlsplit(str(action["/URI"])).scheme in ("", "http", "https", "file"), action["/URI"]


def test_no_contacts_and_no_other_province_in_hostile_reports(hostile_run):
    for path in [hostile_run / n for n in HTML_FILES] + list(hostile_run.glob("*/report.pdf")):
        text = path.read_text(encoding="utf-8") if path.suffix == ".html" else _pdf_text(path)
        text = re.sub(r'src="data:image/[^"]+"', "", text)
        assert EMAIL not in text and "tpp1@contoh.id" not in text, path
        assert re.sub(r"\D", "", PHONE) not in re.sub(r"\D", "", text.replace("2025", "")), path
    gorontalo = _soup(hostile_run / "gorontalo" / "report.html").get_text()
    assert "Tetangga Bali" not in gorontalo
    bali = _soup(hostile_run / "bali" / "report.html").get_text()
    assert SCRIPT_NAME not in bali and "Responden Gorontalo" not in bali


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_csv_tables_neutralise_formulas(hostile_run):
    seen = set()
    for path in sorted((hostile_run / "tables").glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell.startswith(FORMULA_START):
                        assert _is_number(cell), (path.name, cell[:80])
                    seen.add(cell)
    for literal in ("'" + FORMULA_NAME, "'" + MINUS_NAME, "'" + AT_NAME, "'" + PLUS_NAME,
                    "'=HYPERLINK(\"http://evil.example\")", "'@SUM(1+1)"):
        assert literal in seen, literal


def test_followup_workbooks_keep_formulas_inert_without_apostrophes(hostile_run):
    names = set()
    for name in ("belum-respon.xlsx", "kontak-terbatas.xlsx"):
        wb = openpyxl.load_workbook(hostile_run / "gorontalo" / name)
        for ws in wb:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (name, ws.title, cell.coordinate)
                    if isinstance(cell.value, str):  # a string cell: never run, shown exactly as typed
                        assert cell.data_type == "s" and not cell.value.startswith("'"), (name, cell.coordinate)
                        names.add(cell.value)
    assert {FORMULA_NAME, AT_NAME, MINUS_NAME, SCRIPT_NAME} <= names
    assert len([n for n in names if n.startswith("Panjang")]) >= 1  # the long name is kept (Excel holds 32,767)


def test_index_lists_failures_as_text(hostile_run):
    import json

    from pipeline.reports.index import index_page

    info = json.loads((hostile_run / "task.json").read_text(encoding="utf-8"))
    error = "ValueError: <img src=x onerror=alert(1)> javascript:alert(2)"
    page = index_page(hostile_run, info, [{"name": "gorontalo"}], [{"name": "bali", "error": error},
                                                                    {"name": "national", "error": "<script>x</script>"}])
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find_all(["script", "img"]) == []
    text = soup.get_text(" ")
    assert error in text and "<script>x</script>" in text and "Laporan nasional gagal dibuat" in text
    hrefs = [a["href"] for a in soup.find_all("a", href=True)]
    assert "gorontalo/report.html" in hrefs and "bali/report.html" not in hrefs and "national/report.html" not in hrefs
    assert "bali/belum-respon.xlsx" in hrefs  # the follow-up list exists even when the report failed
