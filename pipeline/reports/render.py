"""Executes notebooks with papermill, exports HTML and PDF (WeasyPrint)."""

from __future__ import annotations

import gc
import os
import re
import signal
import tempfile
import threading
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import bleach
import nbformat
from bleach.css_sanitizer import CSSSanitizer
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from traitlets.config import Config

from pipeline import config
from pipeline.errors import NotebookCellError, ReportError
from pipeline.publish import FILE_MODE, atomic_write

__all__ = [
    "execute_notebook",
    "notebook_html",
    "html_to_pdf",
    "render_report",
    "css_string",
    "page_css",
]

TEMPLATE_NAME = "laporan"
# Cell tags notebook authors can use (Jupyter Book convention).
REMOVE_CELL_TAG = "remove-cell"
REMOVE_OUTPUT_TAG = "remove-output"

PAGE_MARGINS = "18mm 15mm 16mm 15mm"  # top right bottom left; the headers sit in the top margin

# --------------------------------------------------------------------------- execute


def _template_cell_number(template: Path, source: str, fallback: int) -> int:
    """1-based position of the failing cell in the template (papermill adds an injected cell)."""
    try:
        nb = nbformat.read(template, as_version=4)
    except Exception:  # noqa: BLE001 - only used to improve a message
        return fallback
    for i, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code" and cell.source == source:
            return i
    return fallback


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _one_line(text: Any, limit: int = 500) -> str:
    """An exception text as one line for the operator: no colours, no line breaks, bounded."""
    lines = [" ".join(line.split()) for line in _ANSI.sub("", str(text)).splitlines()]
    joined = " | ".join(line for line in lines if line)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def execute_notebook(
    template: Path,
    output: Path,
    parameters: dict,
    *,
    cwd: Path | None = None,
    kernel_name: str = config.KERNEL_NAME,
    log_output: bool = False,
    kernel=None,
    record_path: str | None = None,
) -> nbformat.NotebookNode:
    """Run `template` with `parameters` injected after its `parameters`-tagged cell.

    With `kernel` (a `workers.WarmKernel`) the notebook runs in a fresh session of that kernel,
    working in `cwd`; otherwise papermill starts a new kernel in `cwd`. `record_path` is the
    output path recorded in the notebook's papermill metadata (default: `output`).

    The executed notebook is written (atomically) to `output` and returned. When a cell raises,
    the partly executed notebook is kept as `<output stem>.failed.ipynb` and a NotebookCellError
    (a ReportError) names the notebook, the cell (1-based position in the template, and its
    In [n]) and the exception; any other failure to execute is a ReportError.
    """
    template, output = Path(template), Path(output)
    if not template.is_file():
        raise ReportError(f"notebook template not found: {template}")
    output.parent.mkdir(parents=True, exist_ok=True)
    failed = output.with_name(f"{output.stem}.failed.ipynb")
    tmp = _temp_notebook(output)
    try:
        nb = _papermill_run(template, tmp, failed, parameters, _engine_options(kernel, cwd, output),
                            kernel_name=kernel_name, log_output=log_output)
        _record_paths(nb, template, record_path or str(output))
        _fixed_injected_id(nb)
        nbformat.write(nb, str(tmp))
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, output)
        failed.unlink(missing_ok=True)  # a previous failure is no longer current
    finally:
        tmp.unlink(missing_ok=True)
    return nb


def _temp_notebook(output: Path) -> Path:
    """An empty temp file next to `output` that papermill writes the executing notebook to."""
    fd, tmp_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.stem}.", suffix=".ipynb")
    os.close(fd)
    return Path(tmp_name)


def _engine_options(kernel, cwd: Path | None, output: Path) -> dict:
    """papermill's engine arguments: a fresh session of a warm kernel, or a new kernel in `cwd`."""
    if kernel is not None:
        from pipeline.reports import workers  # noqa: F401 - registers the "warm" papermill engine

        kernel.session(Path(cwd).resolve() if cwd is not None else output.parent.resolve())
        return {"engine_name": "warm", "warm_kernel": kernel}
    # The kernel is stopped at once when the last cell has finished: every output and file it
    # wrote is complete by then, and a graceful shutdown sometimes waited ~3 s for the process
    # to exit (the task notebook is on the batch's critical path).
    return {"cwd": str(cwd) if cwd is not None else None, "kernel_manager_class": _ipc_kernel_manager(),
            "extra_arguments": list(config.KERNEL_ARGUMENTS), "shutdown_kernel": "immediate"}


def _ipc_kernel_manager() -> type:
    """nbclient's kernel manager talking to the kernel over IPC sockets instead of TCP ports.

    ipykernel warns on every start that a TCP kernel without CurveZMQ keys sends everything in
    plain text; IPC sockets are local files (next to the connection file in the Jupyter runtime
    folder, removed at shutdown), so nothing listens on a port and there is nothing to warn about.
    The warm kernels (workers.WarmKernel) use IPC too."""
    global _IPC_MANAGER
    if _IPC_MANAGER is None:
        from jupyter_client.manager import AsyncKernelManager
        from traitlets import default

        class IPCKernelManager(AsyncKernelManager):
            @default("transport")
            def _default_transport(self) -> str:
                return "ipc"

            async def _async_launch_kernel(self, kernel_cmd, **kw):
                _STARTED.add(self)  # before the launch: a Ctrl-C during it must still find the kernel
                await super()._async_launch_kernel(kernel_cmd, **kw)

            def client(self, **kwargs):
                kc = super().client(**kwargs)
                manager, wait = self, kc.wait_for_ready

                async def wait_for_ready(timeout=None):
                    await wait(timeout=timeout)
                    _STARTED.discard(manager)  # up and running: from now on it exits with its parent

                kc.wait_for_ready = wait_for_ready
                return kc

        _IPC_MANAGER = IPCKernelManager
    return _IPC_MANAGER


_IPC_MANAGER: type | None = None
# Kernel managers whose kernel papermill launched in this process and that has not answered yet
# (papermill's own kernels, not warm ones).
_STARTED: weakref.WeakSet = weakref.WeakSet()


def kill_started_kernels() -> int:
    """Kill, at once, every kernel papermill launched in this process that has not answered yet;
    returns how many. A Ctrl-C can land while papermill starts a kernel: nbclient cleans up only
    after an Exception, so that kernel (in a session of its own, out of reach of the terminal's
    Ctrl-C) would go on starting up in a folder the run is about to remove, and print a traceback.
    A kernel that is up notices its parent has gone and exits by itself: killing it under a
    running cell would make nbclient report a dead kernel instead."""
    killed = 0
    for manager in list(_STARTED):
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if process is None or process.poll() is not None:
            continue
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the kernel leads its own process group
        except OSError:
            process.kill()
        process.wait(timeout=10)
        killed += 1
    _STARTED.clear()
    return killed


def _papermill_run(template: Path, tmp: Path, failed: Path, parameters: dict, engine: dict, *, kernel_name: str,
                   log_output: bool) -> nbformat.NotebookNode:
    """papermill.execute_notebook into `tmp`; its failures as our typed errors."""
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel
    from papermill.exceptions import PapermillException, PapermillExecutionError

    try:
        return papermill.execute_notebook(str(template), str(tmp), parameters=dict(parameters),
                                          kernel_name=kernel_name, progress_bar=False, log_output=log_output,
                                          **engine)
    except KeyboardInterrupt:
        kill_started_kernels()
        raise
    except PapermillExecutionError as exc:
        raise _cell_error(exc, template, tmp, failed) from None
    except (PapermillException, NoSuchKernel, RuntimeError, TimeoutError) as exc:
        # Missing kernel, dead kernel, cell timeout, bad parameters ...
        raise ReportError(
            f"notebook {template.name} could not be executed: {type(exc).__name__}: {_one_line(exc)}"
        ) from None


def _cell_error(exc, template: Path, tmp: Path, failed: Path) -> NotebookCellError:
    """The NotebookCellError of a PapermillExecutionError; the partly executed notebook is kept."""
    kept = None
    if tmp.exists() and tmp.stat().st_size:
        os.replace(tmp, failed)
        kept = str(failed)
    cell = _template_cell_number(template, exc.source, exc.cell_index + 1)
    return NotebookCellError(template.name, cell, exc.exec_count, exc.source, exc.ename, str(exc.evalue),
                             kept=kept, summary=_one_line(exc.evalue))


def _fixed_injected_id(nb: nbformat.NotebookNode) -> None:
    """papermill gives its injected-parameters cell a random id; a fixed one keeps reruns identical."""
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"


def _record_paths(nb: nbformat.NotebookNode, template: Path, output: str) -> None:
    """Record the template relative to the project and the published path (not a temp file)."""
    meta = nb.metadata.setdefault("papermill", {})
    try:
        meta["input_path"] = Path(template).resolve().relative_to(config.PROJECT_ROOT).as_posix()
    except ValueError:
        meta["input_path"] = str(template)
    meta["output_path"] = output


# --------------------------------------------------------------------------- HTML

_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
# Characters kept as they are inside a CSS string; everything else becomes a \HHHHHH escape,
# which also keeps "</style>", quotes and backslashes from breaking out of the string/element.
_CSS_SAFE = re.compile(r"[\w ,.:;()/+%#@!?=-]", re.UNICODE)


def css_string(text: str) -> str:
    """`text` as a quoted CSS string that is safe inside a <style> element.

    Whitespace runs (newlines, tabs) collapse to one space: a running header is one line.
    """
    text = " ".join(str(text).split())
    out = []
    for ch in text:
        if _CSS_SAFE.fullmatch(ch) and ch.isprintable():
            out.append(ch)
        else:
            # The space ends the escape and is consumed by the CSS parser, so a real space
            # that follows is kept ("a \\ b" stays "a \ b").
            out.append(f"\\{ord(ch):x} ")
    return '"' + "".join(out) + '"'


def page_css(header_left: str, header_right: str) -> str:
    """The per-report @page rule: A4, running headers, "Halaman x dari y" footer."""
    margin_box = "font-size: 8pt; color: #555;"
    return (
        "@page {\n"
        f"  size: A4;\n  margin: {PAGE_MARGINS};\n"
        f"  @top-left {{ content: {css_string(header_left)}; {margin_box} }}\n"
        f"  @top-right {{ content: {css_string(header_right)}; {margin_box} }}\n"
        '  @bottom-center { content: "Halaman " counter(page) " dari " counter(pages); '
        f"{margin_box} }}\n"
        "}\n"
    )


# Defence in depth for text/html and Markdown outputs (names in tables are untrusted): an
# allow-list that keeps what reports use (tables, charts, headings, links, simple markup).
# Anything else (script, style, iframe, form, on* handlers ...) is escaped, so it shows as text.
_ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd",
        "del", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
        "h6", "hr", "i", "img", "ins", "li", "mark", "ol", "p", "pre", "s", "small", "span",
        "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)
_COMMON_ATTRS = {"class", "id", "title", "lang", "style"}
_TABLE_ATTRS = {"colspan", "rowspan", "align", "valign", "border", "scope"}
_ALLOWED_CSS = [
    "text-align", "vertical-align", "color", "background-color", "font-weight", "font-style",
    "white-space", "width", "min-width", "max-width",
]
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name in _COMMON_ATTRS:
        return True
    if tag in {"table", "td", "th", "tr", "thead", "tbody", "tfoot", "col", "colgroup"}:
        return name in _TABLE_ATTRS
    if tag == "a":
        if name == "href":
            scheme = urlsplit(value.strip()).scheme.lower()
            return scheme in {"", "http", "https", "mailto"}
        return False
    if tag == "img":
        if name == "src":
            return bool(_DATA_IMAGE.match(value.strip()))  # embedded images only
        return name in {"alt", "width", "height"}
    return False


_CSS_SANITIZER = CSSSanitizer(allowed_css_properties=_ALLOWED_CSS)


def clean_html(html: Any) -> str:
    """Sanitise an HTML fragment from a notebook (used as nbconvert's `clean_html` filter).

    <script> and <style> elements are dropped with their content (pandas' DataFrame HTML carries
    a <style scoped> block; our stylesheet styles tables instead); other markup outside the
    allow-list is escaped and shows as text.
    """
    text = html.decode() if isinstance(html, bytes) else str(html)
    if re.search(r"<\s*(script|style)", text, re.IGNORECASE):
        soup = BeautifulSoup(text, "html.parser")
        for element in soup(["script", "style"]):
            element.decompose()
        text = str(soup)
    return bleach.clean(
        text,
        tags=_ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols={"http", "https", "mailto", "data"},
        css_sanitizer=_CSS_SANITIZER,
        strip=False,
        strip_comments=True,
    )


class _ReportExporter(HTMLExporter):
    """HTMLExporter with our template and our (wider) sanitiser allow-list."""

    def default_filters(self):
        yield from super().default_filters()
        yield ("clean_html", clean_html)


_exporter: _ReportExporter | None = None
_exporter_lock = threading.Lock()


def _get_exporter() -> _ReportExporter:
    """One exporter per process: building it (Jinja env, template lookup) is the slow part."""
    global _exporter
    if _exporter is None:
        c = Config()
        c.TagRemovePreprocessor.enabled = True
        c.TagRemovePreprocessor.remove_cell_tags = {REMOVE_CELL_TAG}
        c.TagRemovePreprocessor.remove_all_outputs_tags = {REMOVE_OUTPUT_TAG}
        c.CoalesceStreamsPreprocessor.enabled = True
        _exporter = _ReportExporter(
            config=c,
            template_name=TEMPLATE_NAME,
            extra_template_basedirs=[str(config.TEMPLATES_DIR)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            exclude_anchor_links=True,
            embed_images=True,
            sanitize_html=True,
        )
    return _exporter


def notebook_html(
    nb: nbformat.NotebookNode,
    *,
    title: str,
    header_left: str,
    header_right: str,
    lang: str = "id",
) -> str:
    """A complete standalone HTML page of the notebook's outputs; the same page goes to PDF."""
    if not _LANG_RE.match(lang):
        raise ValueError(f"not a language tag: {lang!r}")
    resources = {
        "laporan": {
            "lang": lang,
            "title": " ".join(str(title).split()),
            "page_css": page_css(header_left, header_right),
        }
    }
    with _exporter_lock:
        exporter = _get_exporter()
        # The exporter's preprocessors edit cells in place: give them a copy.
        body, _ = exporter.from_notebook_node(nbformat.from_dict(nb), resources=resources)
    return body


# --------------------------------------------------------------------------- PDF


def _url_fetcher(base_url: Path | None):
    """WeasyPrint fetcher: data: URLs always; file: URLs only inside `base_url`; no network."""
    from weasyprint.urls import URLFetcher

    root = Path(base_url).resolve() if base_url is not None else None

    class _Fetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file" and root is not None:
                target = Path(unquote(parts.path)).resolve()
                if target.is_relative_to(root):
                    return super().fetch(url, headers)
            raise ValueError(f"resource not allowed in reports: {url[:80]}")

    return _Fetcher(allowed_protocols={"data", "file"}, allow_redirects=False)


def render_document(html: str, *, base_url: Path | None = None):
    """Lay the page out with WeasyPrint (print media); returns the weasyprint Document."""
    import weasyprint

    base = Path(base_url).resolve() if base_url is not None else None
    doc = weasyprint.HTML(
        string=html,
        base_url=(base.as_uri() + "/") if base is not None else None,
        url_fetcher=_url_fetcher(base),
        media_type="print",
    )
    return doc.render()


def html_to_pdf(html: str, pdf_path: Path, *, base_url: Path | None = None) -> int:
    """Write the PDF of `html` atomically to `pdf_path`; return its number of pages."""
    # fontTools stamps embedded font subsets with the current time unless this is set: a fixed
    # value makes the same HTML give the same PDF bytes.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    document = render_document(html, base_url=base_url)
    atomic_write(Path(pdf_path), lambda f: document.write_pdf(target=f))
    return len(document.pages)


# --------------------------------------------------------------------------- one report


@contextmanager
def gc_paused():
    """Python's cyclic garbage collector off for one export, then one collection.

    WeasyPrint builds a large graph of boxes and the collector rescans it again and again while
    it lays out and writes a document: about a fifth of a report's PDF time (measured on the
    full sample: 14.1-14.6 s against 11.1-11.2 s for eight PDFs). The export's garbage is
    collected once at the end, so memory stays bounded by one report."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect()


def render_report(
    template: Path,
    out_dir: Path,
    parameters: dict,
    *,
    title: str,
    header_left: str,
    header_right: str,
    kernel=None,
    record_path: str | None = None,
) -> dict:
    """Execute `template` into out_dir/report.ipynb, then write report.html and report.pdf.

    `kernel` (a `workers.WarmKernel`) runs the notebook in a fresh session of a warm kernel
    instead of a new kernel; `record_path` is the notebook path recorded in its metadata.

    The notebook runs with `out_dir` as its working directory (relative paths in `parameters`
    are relative to the report's folder); the same HTML is written and turned into the PDF.

    Returns {"ipynb", "html", "pdf": Path, "pages": int, "seconds": {"execute", "html", "pdf",
    "total"}}. Raises ReportError when the notebook fails.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / f"report.{name}" for name in ("ipynb", "html", "pdf")}
    seconds: dict[str, float] = {}
    start = time.perf_counter()

    t = time.perf_counter()
    nb = execute_notebook(Path(template), paths["ipynb"], parameters, cwd=out_dir, kernel=kernel,
                          record_path=record_path)
    seconds["execute"] = time.perf_counter() - t

    with gc_paused():
        t = time.perf_counter()
        html = notebook_html(nb, title=title, header_left=header_left, header_right=header_right)
        atomic_write(paths["html"], lambda f: f.write(html), binary=False)
        seconds["html"] = time.perf_counter() - t

        t = time.perf_counter()
        # No base URL: a report embeds its images and styles, and a relative link (the national
        # report's "../validation/index.html") stays relative in the PDF instead of becoming a
        # file:// URI of the staging folder, which would not exist once published.
        pages = html_to_pdf(html, paths["pdf"])
        seconds["pdf"] = time.perf_counter() - t

    seconds["total"] = time.perf_counter() - start
    return {**paths, "pages": pages, "seconds": {k: round(v, 3) for k, v in seconds.items()}}
