"""`python -m pipeline watch`: live pages during a task's window, then the final reports.

From the task's `mulai` (or at once, if later) until `batas` + a grace period, every `every`
seconds: read the task's source (its file, or the Google Sheets CSV export URL of `sumber`).
Same bytes as the last good refresh: only OUT/live/status.json is rewritten (when the source
was checked). Other bytes: the rows are read by `load.load_responses`, resolved by
`resolve.resolve_responses` (the task stage's code), turned into page models by `state.build`
and every page whose content changed is rewritten atomically. A refresh that fails (network,
a login page instead of CSV, a truncated or malformed export) keeps the last good pages and
says on them when and why. At the end the normal report run (`run_batch`) renders the final
reports, and the national and province pages link to them.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import config
from pipeline.errors import InputError, PipelineError
from pipeline.figures.history import HistoryStore
from pipeline.inputs import load
from pipeline.inputs.download import download
from pipeline.live import DEFAULT_EVERY, DEFAULT_GRACE, pages, state, tokens
from pipeline.publish import atomic_write_text
from pipeline.rules.resolve import resolve_responses
from pipeline.runs import stage

_VERSION = re.compile(r'data-version="([0-9a-f]+)"')


@dataclass
class Refresh:
    """What one refresh did (one terminal line)."""

    at: pd.Timestamp
    rows: int = 0
    new_rows: int = 0
    rewritten: int = 0
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds of this process (wall time on a busy machine counts others' work too)
    changed: bool = False
    failure: str | None = None

    def line(self, task_id: str) -> str:
        head = f"{self.at.tz_convert('Asia/Jakarta'):%H:%M:%S} WIB {task_id}:"
        if self.failure:
            return f"{head} FAILED ({self.failure}); last good pages kept, {self.seconds:.2f} s"
        what = f"{self.new_rows:+d} new rows ({self.rows} in all)" if self.changed else "source unchanged"
        return f"{head} {what}, {self.rewritten} pages rewritten, {self.seconds:.2f} s (CPU {self.cpu:.2f} s)"


class SourceFailure(Exception):
    """A refresh that cannot use the source; the message is shown on the pages (Bahasa Indonesia)."""


def _fetch_reason(exc: Exception) -> str:
    text = str(exc)
    if "web page" in text:
        return "sumber mengembalikan halaman web (misalnya halaman login), bukan data CSV"
    if "cannot download" in text:
        return "sumber data tidak dapat diunduh (jaringan atau alamat bermasalah)"
    if isinstance(exc, (FileNotFoundError, InputError)) and "missing" in text:
        return "berkas sumber tidak ditemukan"
    return "sumber data tidak dapat dibaca"


def now_utc() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC")


class Watcher:
    """The live pages of one task in OUT/live/, refreshed from the task's source."""

    def __init__(self, data_dir: Path, task_id: str | None, out: Path, *, every: int = DEFAULT_EVERY,
                 clock: Callable[[], pd.Timestamp] = now_utc, log=print) -> None:
        self.data_dir, self.out, self.clock, self.log = Path(data_dir), Path(out), clock, log
        tasks = load.load_tasks(self.data_dir)
        self.task = load.get_task(tasks, task_id or str(tasks.iloc[-1]["task_id"]))
        self.task_id = str(self.task["task_id"])
        self.poll_seconds = int(min(max(every // 2, 1), 30))
        # the roster exactly as the task stage prepares it (quarantine, one spelling per kabupaten)
        store = HistoryStore(self.out / config.HISTORY_DIRNAME)
        self.roster, _ = stage.prepare_roster(stage.read_input(self.data_dir, "roster", store), store=store)
        self.work = self.out / tokens.STATE_DIR / self.task_id
        self.digest: str | None = None  # of the last good source bytes
        self.failed_digest: str | None = None
        self.failed_reason = ""
        self.data: state.LiveData | None = None
        self.failure: dict | None = None
        self.final_reports: dict[str, str] | None = None
        self.written: dict[Path, str] = {}  # page path -> version on disk
        self.fingerprints: dict[Path, str | None] = {}  # page path -> fingerprint of its model
        self.version = ""

    # --- source ------------------------------------------------------------------------------
    def _fetch(self) -> tuple[Path, str]:
        """The source's bytes in a snapshot file (work/source.csv|xlsx) and their sha256."""
        source = load.response_source(self.data_dir, self.task)
        self.work.mkdir(parents=True, exist_ok=True)
        if isinstance(source, str):
            path = download(source, self.work / "download.csv")
            body = path.read_bytes()
        else:
            if not Path(source).is_file():
                raise InputError(f"missing source file {source}")
            body = Path(source).read_bytes()
            path = self.work / f"download{Path(source).suffix.lower()}"
        digest = hashlib.sha256(body).hexdigest()
        if digest not in (self.digest, self.failed_digest):
            snapshot = self.work / f"source{path.suffix}"
            snapshot.write_bytes(body)
            path = snapshot
        return path, digest

    def _read(self, snapshot: Path) -> pd.DataFrame:
        task = self.task.copy()
        task["sumber"] = snapshot.name  # the snapshot, read exactly as the task stage reads the source
        try:
            responses = load.load_responses(snapshot.parent, task)
        except PipelineError as exc:
            self.log(f"  {exc}")
            raise SourceFailure("berkas ekspor rusak, tidak lengkap atau bukan ekspor formulir") from exc
        if self.data is not None and len(responses) < self.data.rows:
            raise SourceFailure(f"ekspor berisi {len(responses)} baris, lebih sedikit dari sebelumnya "
                                f"({self.data.rows}): mungkin terpotong")
        return responses

    # --- one refresh -------------------------------------------------------------------------
    def refresh(self) -> Refresh:
        t0, c0 = time.perf_counter(), time.process_time()
        result = Refresh(self.clock())
        try:
            try:
                snapshot, digest = self._fetch()
            except (PipelineError, OSError) as exc:
                self.log(f"  {exc}")
                raise SourceFailure(_fetch_reason(exc)) from exc
            if digest == self.failed_digest:  # the same broken bytes as last time
                raise SourceFailure(self.failed_reason)
            if digest == self.digest:  # the last good bytes: the pages show them already
                self.failure = None
                result.rows = self.data.rows
            else:
                try:
                    responses = self._read(snapshot)
                except SourceFailure as exc:
                    self.failed_digest, self.failed_reason = digest, str(exc)
                    raise
                checked = resolve_responses(responses, self.roster, self.task)
                data = state.build(self.roster, self.task, checked)
                result.new_rows = data.rows - (self.data.rows if self.data else 0)
                result.rows, result.changed = data.rows, True
                self.data, self.digest, self.failed_digest, self.failure = data, digest, None, None
                result.rewritten = self.write_pages()
        except SourceFailure as exc:
            result.failure = str(exc)
        except Exception as exc:  # noqa: BLE001 - a bug or a full disk must not stop the watch: say it, go on
            self.log("".join(traceback.format_exception(exc)).rstrip())
            result.failure = "kesalahan saat memproses data (lihat catatan pemantau)"
        if result.failure:
            self.failure = {"at": result.at, "reason": result.failure}
        try:
            self.write_status(result.at)
        except OSError as exc:
            self.log(f"  cannot write the status file: {exc}")
        result.seconds, result.cpu = time.perf_counter() - t0, time.process_time() - c0
        self.log(result.line(self.task_id))
        return result

    # --- writing -----------------------------------------------------------------------------
    def _write_if_changed(self, path: Path, version: str, html: str) -> bool:
        if path not in self.written and path.exists():
            found = _VERSION.search(path.read_text(encoding="utf-8"))
            self.written[path] = found[1] if found else hashlib.sha256(path.read_bytes()).hexdigest()
        if self.written.get(path) == version:
            return False
        atomic_write_text(path, html)
        self.written[path] = version
        return True

    def write_pages(self) -> int:
        """Rewrite every page whose content changed; returns how many were written."""
        data = self.data
        live = self.out / tokens.LIVE_DIR
        rewritten = 0
        with tokens.live_lock(self.out):
            toks = tokens.ensure_tokens(self.out, [p.key for p in data.pages])
            versions = []
            for model in data.pages:
                path = live / toks[model.key] / "index.html"
                if model.fingerprint is not None and self.fingerprints.get(path) == model.fingerprint:
                    versions.append(self.written[path])  # same content as the page on disk: not rendered
                    continue
                version, html = pages.render_page(model, data, toks, final_reports=self.final_reports,
                                                  poll_seconds=self.poll_seconds)
                versions.append(version)
                rewritten += self._write_if_changed(path, version, html)
                self.fingerprints[path] = model.fingerprint
            shown = {toks[p.key] for p in data.pages}
            idle = pages.idle_page(self.task)
            idle_version = hashlib.sha256(idle.encode("utf-8")).hexdigest()
            for token in sorted(set(toks.values()) - shown):  # bookmarks of scopes outside this task
                rewritten += self._write_if_changed(live / token / "index.html", idle_version, idle)
            for folder in live.iterdir():  # folders of tokens no longer issued (the store was replaced)
                if folder.is_dir() and folder.name not in toks.values():
                    shutil.rmtree(folder, ignore_errors=True)
            for path in pages.placeholder_paths(self.out):
                if path.parent == live or not path.exists():
                    self._write_if_changed(path, "placeholder", pages.PLACEHOLDER)
        self.version = hashlib.sha256("".join(versions).encode()).hexdigest()
        return rewritten

    def write_status(self, at: pd.Timestamp) -> None:
        task = self.task
        text = pages.status_json(task, checked_at=at, data_per=self.data.data_per if self.data else None,
                                 version=self.version, failure=self.failure, finished=self.final_reports is not None)
        atomic_write_text(self.out / tokens.LIVE_DIR / "status.json", text)

    def finish(self, final_reports: dict[str, str]) -> int:
        """Link the national and province pages to the final reports; a kabupaten page keeps its final state."""
        self.final_reports = final_reports
        self.fingerprints.clear()  # the national and province pages get their links
        rewritten = self.write_pages() if self.data is not None else 0
        self.write_status(self.clock())
        return rewritten


def run_final_reports(task_id: str, data_dir: Path, out: Path, log=print) -> dict[str, str]:
    """The normal report run; returns the final reports that exist ({provinsi or "" for national: path})."""
    from pipeline.runs.batch import main_summary, run_batch

    try:
        log(main_summary(run_batch(task_id, data_dir, out, log=log)))
    except PipelineError as exc:  # a failed province report: link the others
        log(f"final reports: {exc}")
    info_path = Path(out) / task_id / "task.json"
    provinces = []
    if info_path.exists():
        import json

        provinces = json.loads(info_path.read_text(encoding="utf-8")).get("provinces", [])
    found = {}
    for prov in ["", *provinces]:
        rel = pages.final_report_path(task_id, prov)
        if (Path(out) / rel).exists():
            found[prov] = rel
    return found


def watch(data_dir: Path, task_id: str | None, out: Path, *, every: int = DEFAULT_EVERY, grace: int = DEFAULT_GRACE,
          once: bool = False, final: Callable = run_final_reports, clock: Callable[[], pd.Timestamp] = now_utc,
          sleep: Callable[[float], None] = time.sleep, log=print) -> Watcher:
    """Refresh the live pages through the task's window, then run the final reports."""
    w = Watcher(data_dir, task_id, out, every=every, clock=clock, log=log)
    start = pd.Timestamp(w.task["mulai"])
    end = pd.Timestamp(w.task["batas"]) + pd.Timedelta(seconds=grace)
    now = clock()
    if not once and now < start:
        log(f"{w.task_id}: waiting until the task starts ({start.isoformat()})")
        sleep((start - now).total_seconds())
    while True:
        t = time.monotonic()
        w.refresh()
        if once or clock() >= end:
            break
        sleep(max(0.0, every - (time.monotonic() - t)))
    if clock() >= end:
        log(f"{w.task_id}: the window closed at {end.isoformat()}; rendering the final reports")
        w.finish(final(w.task_id, w.data_dir, w.out, log=log))
    return w
