"""Notebook execution (papermill), HTML export (nbconvert) and PDF (WeasyPrint)."""

from __future__ import annotations

import base64
import os
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from pipeline.errors import ReportError
from pipeline.reports import render

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
PARAMETERISED = FIXTURES / "parameterised.ipynb"
FAILING = FIXTURES / "failing.ipynb"

# Header strings with everything that could break out of a CSS string or the <style> element.
HOSTILE_LEFT = 'Provinsi "Jawa" \\ Barat\n</style><script>alert(1)</script>'
HOSTILE_LEFT_SHOWN = 'Provinsi "Jawa" \\ Barat </style><script>alert(1)</script>'  # newline -> space
HEADER_RIGHT = "Tugas: Unggah video (4 November 2025)"

A4_PX = (210 / 25.4 * 96, 297 / 25.4 * 96)  # CSS px


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _texts(box, out: list[str]) -> list[str]:
    if hasattr(box, "text"):
        out.append(box.text)
    for child in getattr(box, "children", []):
        _texts(child, out)
    return out


def page_texts(page) -> list[str]:
    """Laid-out text of one WeasyPrint page (pdftotext/pypdf are not available here).

    `_page_box` is WeasyPrint's layout tree; it includes the @page margin boxes.
    """
    return [t for t in _texts(page._page_box, []) if t.strip()]


def margin_texts(page) -> dict[str, str]:
    boxes = [b for b in page._page_box.children if type(b).__name__ == "MarginBox"]
    return {b.at_keyword: "".join(_texts(b, [])) for b in boxes}


# 1x1 transparent PNG
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()


def synthetic_notebook(*outputs, markdown: str = "# Judul") -> nbformat.NotebookNode:
    """An already 'executed' notebook: no kernel needed."""
    cell = new_code_cell("SECRET_CODE = 1  # never shown", outputs=list(outputs), execution_count=1)
    return new_notebook(cells=[new_markdown_cell(markdown), cell])


def html_output(html: str):
    return new_output("display_data", data={"text/html": html, "text/plain": "<HTML>"})


def html_of(nb, **kw) -> str:
    kw.setdefault("title", "Judul")
    kw.setdefault("header_left", "Kiri")
    kw.setdefault("header_right", "Kanan")
    return render.notebook_html(nb, **kw)


# --------------------------------------------------------------------------- HTML, no kernel


def test_css_string_escapes_quotes_backslashes_newlines_and_markup():
    s = render.css_string('a "b" \\ c\nd </style>')
    assert s.startswith('"') and s.endswith('"')
    inner = s[1:-1]
    assert '"' not in inner and "\n" not in inner and "<" not in inner and ">" not in inner
    assert "\\" not in inner.replace("\\22 ", "").replace("\\5c ", "").replace("\\3c ", "").replace("\\3e ", "")


def test_page_css_round_trips_through_weasyprint():
    """The escaped header text comes out of WeasyPrint exactly as given (newline -> space)."""
    html = html_of(synthetic_notebook(), header_left=HOSTILE_LEFT, header_right=HEADER_RIGHT)
    doc = render.render_document(html)
    boxes = margin_texts(doc.pages[0])
    assert boxes["@top-left"] == HOSTILE_LEFT_SHOWN
    assert boxes["@top-right"] == HEADER_RIGHT
    assert boxes["@bottom-center"] == "Halaman 1 dari 1"


def test_html_is_a_standalone_page_without_code():
    html = html_of(synthetic_notebook(new_output("stream", name="stdout", text="halo\n")))
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="id">' in html
    assert "</html>" in html
    assert "SECRET_CODE" not in html
    assert "In&nbsp;[" not in html and "Out[" not in html
    assert "halo" in html
    assert "<h1" in html and "Judul" in html
    assert "@page" in html and "size: A4" in html
    assert "<script" not in html.lower()


def test_title_is_html_escaped_and_lang_is_checked():
    html = html_of(synthetic_notebook(), title='Laporan <b>"Jawa"</b> & Bali')
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    # (nbconvert re-serialises the page: quotes in text need no escaping and come back as ")
    assert title in ('Laporan &lt;b&gt;"Jawa"&lt;/b&gt; &amp; Bali', "Laporan &lt;b&gt;&quot;Jawa&quot;&lt;/b&gt; &amp; Bali")
    assert "<b>" not in html
    with pytest.raises(ValueError):
        html_of(synthetic_notebook(), lang='id"><script>')
    assert '<html lang="en">' in html_of(synthetic_notebook(), lang="en")


def test_header_strings_are_in_the_page_css_and_cannot_break_out():
    html = html_of(synthetic_notebook(), header_left=HOSTILE_LEFT, header_right=HEADER_RIGHT)
    style = re.search(r"@page \{.*?\n\}", html, re.S).group(0)
    assert f"@top-left {{ content: {render.css_string(HOSTILE_LEFT)};" in style
    assert f'@top-right {{ content: "{HEADER_RIGHT}";' in style
    assert '@bottom-center { content: "Halaman " counter(page) " dari " counter(pages);' in style
    assert html.count("</style>") == 2  # ours only: the stylesheet and the @page rule
    assert "<script" not in html.lower()


def test_sanitiser_keeps_report_markup():
    table = (
        '<table class="report-table"><caption>Tabel 1</caption><thead><tr><th>Nama</th>'
        '<th class="num">Nilai</th></tr></thead><tbody><tr><td>Budi &amp; Ani</td>'
        '<td class="num" style="text-align: right">1.200</td></tr></tbody></table>'
    )
    markup = (
        f'<h2>Bagian</h2><p class="catatan">Lihat <a href="https://example.org/x">sumber</a>.</p>{table}'
        f'<div class="facts"><div class="fact"><div class="fact-value">94,68%</div></div></div>'
        f'<img src="data:image/png;base64,{PNG}" alt="grafik">'
    )
    html = html_of(synthetic_notebook(html_output(markup), markdown="## Ringkasan\n\n[tautan](https://example.org)"))
    for kept in [
        "<h2>Bagian</h2>",
        '<a href="https://example.org/x">sumber</a>',
        '<table class="report-table">',
        "<caption>Tabel 1</caption>",
        "<thead><tr><th>Nama</th>",
        '<td class="num" style="text-align: right;">1.200</td>',
        "Budi &amp; Ani",
        '<div class="fact-value">94,68%</div>',
        f'src="data:image/png;base64,{PNG}"',
        '<a href="https://example.org">tautan</a>',
        "Ringkasan</h2>",
    ]:
        assert kept in html, kept


def test_sanitiser_removes_active_content():
    hostile = (
        '<p>aman</p><script>alert("x")</script><style>body{display:none}</style>'
        '<img src="file:///etc/passwd" onerror="alert(2)"><a href="javascript:alert(3)">klik</a>'
        '<iframe src="https://example.org"></iframe><td onclick="x()">'
    )
    html = html_of(synthetic_notebook(html_output(hostile)))
    low = html.lower()
    assert "<p>aman</p>" in html
    assert "<script" not in low and 'alert("x")' not in html
    assert "display:none" not in html
    assert "file:///etc/passwd" not in html and "onerror" not in low and "onclick" not in low
    assert "javascript:" not in low
    assert "<iframe" not in low  # escaped: shown as text, not an element
    assert "&lt;iframe" in html


def test_plain_text_markup_is_shown_escaped():
    nb = synthetic_notebook(
        new_output("stream", name="stdout", text="<script>alert('teks')</script>\n"),
        new_output("execute_result", data={"text/plain": "<b>Budi</b>"}, execution_count=1),
    )
    html = html_of(nb)
    assert "&lt;script&gt;alert('teks')&lt;/script&gt;" in html
    assert "&lt;b&gt;Budi&lt;/b&gt;" in html
    assert "<script" not in html.lower()


def test_stderr_and_tagged_cells_are_not_shown():
    nb = synthetic_notebook(
        new_output("stream", name="stderr", text="FutureWarning: PERINGATAN\n"),
        new_output("stream", name="stdout", text="terlihat\n"),
    )
    nb.cells.append(new_code_cell("x", outputs=[new_output("stream", name="stdout", text="DIHAPUS-SEL\n")],
                                  metadata={"tags": ["remove-cell"]}))
    nb.cells.append(new_code_cell("y", outputs=[new_output("stream", name="stdout", text="DIHAPUS-OUTPUT\n")],
                                  metadata={"tags": ["remove-output"]}))
    html = html_of(nb)
    assert "terlihat" in html
    for hidden in ["PERINGATAN", "DIHAPUS-SEL", "DIHAPUS-OUTPUT"]:
        assert hidden not in html
    assert len(nb.cells) == 4  # the caller's notebook is not modified


def test_images_are_embedded_with_alt_text():
    png = new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})
    html = html_of(synthetic_notebook(png))
    assert f'<img alt="Grafik" src="data:image/png;base64,{PNG}"' in html


def test_exporter_is_created_once():
    assert render._get_exporter() is render._get_exporter()


def test_url_fetcher_allows_only_data_urls_and_files_under_base(tmp_path):
    inside = tmp_path / "gambar.png"
    inside.write_bytes(base64.b64decode(PNG))
    fetch = render._url_fetcher(tmp_path)
    assert fetch(f"data:image/png;base64,{PNG}").read()
    assert fetch(inside.as_uri()).read() == base64.b64decode(PNG)
    for url in ["file:///etc/passwd", "https://example.org/x.png", (tmp_path / ".." / "x").as_uri()]:
        with pytest.raises(ValueError):
            fetch(url)
    with pytest.raises(ValueError):
        render._url_fetcher(None)(inside.as_uri())


def test_html_to_pdf_writes_an_a4_pdf_atomically(tmp_path):
    html = html_of(synthetic_notebook(new_output("stream", name="stdout", text="isi\n")))
    pdf = tmp_path / "x.pdf"
    assert render.html_to_pdf(html, pdf) == 1
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.pdf"]  # no temp file left
    page = render.render_document(html).pages[0]
    assert (page.width, page.height) == pytest.approx(A4_PX)


# --------------------------------------------------------------------------- with a kernel


@pytest.fixture(scope="module")
def long_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    result = render.render_report(
        PARAMETERISED,
        out,
        {"provinsi": "Jawa Barat", "n_grafik": 10, "n_baris": 150},
        title="Laporan <Jawa Barat>",
        header_left=HOSTILE_LEFT,
        header_right=HEADER_RIGHT,
    )
    return out, result


@pytest.mark.slow
def test_execute_injects_parameters(tmp_path):
    output = tmp_path / "out" / "run.ipynb"
    nb = render.execute_notebook(PARAMETERISED, output, {"provinsi": "Papua Barat Daya", "n_baris": 3})
    assert output.is_file()
    saved = nbformat.read(output, as_version=4)
    injected = [c for c in saved.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "Papua Barat Daya" in injected[0].source
    stdout = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "Provinsi: Papua Barat Daya" in stdout
    assert sorted(p.name for p in output.parent.iterdir()) == ["run.ipynb"]  # no temp file left


@pytest.mark.slow
def test_failing_notebook_raises_report_error_naming_the_cell(tmp_path):
    output = tmp_path / "report.ipynb"
    with pytest.raises(ReportError) as info:
        render.execute_notebook(FAILING, output, {"x": 5})
    message = str(info.value)
    assert "failing.ipynb" in message
    assert "cell 3" in message
    assert "ValueError: data rusak x=5" in message
    assert "Traceback" not in message and "\n" not in message and "\x1b[" not in message
    assert not output.exists()
    assert (tmp_path / "report.failed.ipynb").is_file()
    assert str(tmp_path / "report.failed.ipynb") in message
    assert info.value.exit_code == 4


@pytest.mark.slow
def test_report_kernels_keep_no_ipython_history(tmp_path):
    """Fresh and warm report kernels write nothing to ~/.ipython for the cells they run."""
    from pipeline.reports.workers import WarmKernel

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print('history', get_ipython().history_manager.enabled)")]
    template = tmp_path / "history.ipynb"
    nbformat.write(nb, template)

    def printed(result) -> str:
        return "".join(o.get("text", "") for c in result.cells for o in c.get("outputs", []))

    assert printed(render.execute_notebook(template, tmp_path / "fresh.ipynb", {})).strip() == "history False"
    kernel = WarmKernel(preload="").start()
    try:
        warm = render.execute_notebook(template, tmp_path / "warm.ipynb", {}, kernel=kernel, cwd=tmp_path)
    finally:
        kernel.shutdown()
    assert printed(warm).strip() == "history False"


@pytest.mark.slow
def test_a_warm_kernel_removes_its_socket_folder():
    """The IPC sockets live in a private /tmp folder: shutdown removes it, and so does remove_sockets
    alone (what a batch worker whose parent died calls before it leaves)."""
    from pipeline.reports.workers import WarmKernel

    for stop in ("shutdown", "remove_sockets"):
        kernel = WarmKernel(preload="").start()
        try:
            folder = Path(kernel._sockets)
            assert folder.name.startswith(f"absensi-kernel-{os.getpid()}-") and any(folder.iterdir())
            getattr(kernel, stop)()
            assert not folder.exists()
        finally:
            kernel.shutdown()


def test_orphan_kernel_socket_folders_are_swept_and_living_ones_kept(tmp_path):
    """A run killed with SIGKILL leaves its kernels' socket folders behind; the next kernel start
    removes those whose owner process is gone."""
    import subprocess
    import sys

    from pipeline.reports.workers import SOCKETS_PREFIX, sweep_orphan_sockets

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = tmp_path / f"{SOCKETS_PREFIX}{gone.pid}-abc"
    living = tmp_path / f"{SOCKETS_PREFIX}{os.getpid()}-def"
    unnamed = tmp_path / f"{SOCKETS_PREFIX}xyz"  # no owner in its name: not ours to judge
    for folder in (dead, living, unnamed):
        folder.mkdir()
        (folder / "k-1").write_text("", encoding="utf-8")
    assert sweep_orphan_sockets(tmp_path) == [dead]
    assert not dead.exists() and living.exists() and unnamed.exists()


def test_missing_template_is_a_report_error(tmp_path):
    with pytest.raises(ReportError, match="not found"):
        render.execute_notebook(tmp_path / "nope.ipynb", tmp_path / "o.ipynb", {})


@pytest.mark.slow
def test_render_report_writes_the_three_files(long_report):
    out, result = long_report
    assert set(result) == {"ipynb", "html", "pdf", "pages", "seconds"}
    assert result["ipynb"] == out / "report.ipynb" and result["ipynb"].is_file()
    assert result["html"] == out / "report.html" and result["html"].is_file()
    assert result["pdf"] == out / "report.pdf" and result["pdf"].is_file()
    assert set(result["seconds"]) == {"execute", "html", "pdf", "total"}
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.ipynb", "report.pdf"]
    for name in ("ipynb", "html", "pdf"):  # not mkstemp's private 0600
        assert result[name].stat().st_mode & 0o044 == 0o044 & ~_umask()


@pytest.mark.slow
def test_report_html(long_report):
    out, _ = long_report
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="id">' in html
    assert "<title>Laporan &lt;Jawa Barat&gt;</title>" in html
    assert "Provinsi: Jawa Barat" in html  # the injected parameter, printed by the notebook
    assert "KODE-TIDAK-TAMPIL" not in html and "sns.barplot" not in html  # no code
    assert html.count('<img alt="Grafik" src="data:image/png;base64,') == 10
    assert render.css_string(HOSTILE_LEFT) in html and f'"{HEADER_RIGHT}"' in html
    # hostile text: a name in a table, a script in HTML output, a script printed as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert('teks biasa')&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert "&lt;style" not in html  # pandas' <style scoped> is dropped, not shown
    assert "PERINGATAN-OPERATOR" not in html  # stderr warning stays in the .ipynb only
    assert "Bagian akhir</h2>" in html


@pytest.mark.slow
def test_report_pdf(long_report):
    out, result = long_report
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"
    # the PDF is made from the very HTML that was written
    doc = render.render_document((out / "report.html").read_text(encoding="utf-8"), base_url=out)
    pages = len(doc.pages)
    assert result["pages"] == pages > 1
    for number, page in enumerate(doc.pages, start=1):
        assert (page.width, page.height) == pytest.approx(A4_PX)
        boxes = margin_texts(page)
        assert boxes["@top-left"] == HOSTILE_LEFT_SHOWN
        assert boxes["@top-right"] == HEADER_RIGHT
        assert boxes["@bottom-center"] == f"Halaman {number} dari {pages}"
    # the long table continues over several pages, each starting with the repeated header
    texts = [page_texts(p) for p in doc.pages]
    continued = [t for t in texts[1:] if t[:2] == ["nama", "nilai"]]
    assert len(continued) >= 2
    assert any("TPP 147" in t for t in continued)  # the last row made it


@pytest.mark.slow
def test_html_export_is_fast(long_report):
    """Warm export of a notebook with 10 PNG charts and tables (target: well under 0.5 s)."""
    out, _ = long_report
    nb = nbformat.read(out / "report.ipynb", as_version=4)
    html_of(nb)  # warm
    t = time.perf_counter()
    html_of(nb)
    assert time.perf_counter() - t < 0.5


# --------------------------------------------------------------------------- report tables in the PDF


def _boxes(box, out: list) -> list:
    if hasattr(box, "text"):
        out.append(box)
    for child in getattr(box, "children", []):
        _boxes(child, out)
    return out


def test_report_tables_keep_header_words_whole_and_long_text_inside_the_page():
    """Headers wrap between words ("Wajib / lapor", never "Merespon / s"); a 10,000-character
    name wraps inside its own column; nothing runs past the right margin."""
    import pandas as pd

    from pipeline.reports import present

    frame = pd.DataFrame({"rank": [1, 2], "provinsi": ["Kepulauan Bangka Belitung", "x" * 10_000],
                          "eligible": [28112, 5], "responded": [26617, 5], "participation_rate": [0.9468, 1.0],
                          "on_time_rate": [0.9, 1.0], "median_response_minutes": [95.0, 1500.0]})
    table = present.figures_frame(frame, {"rank": "Peringkat", "provinsi": "Provinsi"}, key_widths=(11.0, 19.0))
    table.df["Perubahan"] = ["+2,10 poin", "-0,50 poin"]
    table.numeric.add("Perubahan")
    table.widths = (11.0, 19.0, 9.0, 11.0, 12.0, 10.0, 15.0, 13.0)
    nb = synthetic_notebook(html_output(table._repr_html_()))
    doc = render.render_document(html_of(nb))
    texts = [b.text for page in doc.pages for b in _boxes(page._page_box, [])]
    for word in ("Peringkat", "Provinsi", "Merespons", "Partisipasi", "Perubahan", "Wajib", "lapor", "28.112",
                 "94,68%", "1 jam 35 menit", "1 hari 1 jam"):
        assert word in texts, word
    assert not any(t in ("Merespon", "Partisipas", "Pering", "Peringka") for t in texts)
    right_edge = A4_PX[0] - 15 / 25.4 * 96  # 15 mm right margin
    for page in doc.pages:
        for b in _boxes(page._page_box, []):
            if b.text.strip() and type(b).__name__ == "TextBox" and b.position_y < A4_PX[1] - 16 / 25.4 * 96:
                assert b.position_x + b.width <= right_edge + 1, (b.text[:20], b.position_x + b.width)
    assert "(10.000karakter)" in "".join(texts).replace(" ", "")  # clipped, and says so


@pytest.mark.slow
def test_a_ctrl_c_while_papermill_starts_the_kernel_leaves_no_kernel_running(tmp_path, monkeypatch):
    """nbclient cleans a kernel up only after an Exception: a KeyboardInterrupt landing while the kernel
    starts would leave it running (in a session of its own, out of the terminal's reach) in a folder the
    run removes next, where it prints a traceback. The run kills it before the KeyboardInterrupt goes on."""
    manager_class = render._ipc_kernel_manager()
    launched = []

    class InterruptedManager(manager_class):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            await super()._async_launch_kernel(kernel_cmd, **kw)
            launched.append(self.provisioner.process)
            raise KeyboardInterrupt  # the Ctrl-C, right after the kernel process exists

    monkeypatch.setattr(render, "_IPC_MANAGER", InterruptedManager)
    with pytest.raises(KeyboardInterrupt):
        render.execute_notebook(PARAMETERISED, tmp_path / "out.ipynb", {}, cwd=tmp_path)
    assert len(launched) == 1
    assert launched[0].poll() is not None  # killed and reaped, not left running
    assert not list(render._STARTED)
    assert not (tmp_path / "out.ipynb").exists()


@pytest.mark.slow
def test_a_kernel_that_has_answered_is_no_longer_one_a_ctrl_c_kills(tmp_path, monkeypatch):
    """Once up, a kernel exits by itself with its parent: killing it under a running cell would make
    nbclient report a dead kernel with a traceback, so only kernels still starting are killed."""
    seen = []
    manager_class = render._ipc_kernel_manager()

    class Watched(manager_class):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            await super()._async_launch_kernel(kernel_cmd, **kw)
            seen.append(self in render._STARTED)

    monkeypatch.setattr(render, "_IPC_MANAGER", Watched)
    render.execute_notebook(PARAMETERISED, tmp_path / "out.ipynb", {}, cwd=tmp_path)
    assert seen == [True]  # while it started, a Ctrl-C would have killed it
    assert not list(render._STARTED)  # after its first answer, no longer
