"""The `make report` run: the task notebook once, then every province report and the national one."""

from __future__ import annotations

import errno
import gc
import json
import multiprocessing as mp
import os
import shlex
import shutil
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import config, publish
from pipeline.errors import FileSystemError, InputError, NotebookCellError, ReportError, ValidationFailed
from pipeline.reports import fmt
from pipeline.rules.contract import province_slug
from pipeline.runs import manifest
from pipeline.runs.prepare import (
    disk_full_hint,
    failed_dir,
    force_hint,
    keep_diagnosis,
    prepare_run,
    published_path,
)
from pipeline.runs.sidecar import exit_with_parent, sigint_ignored


@dataclass
class Job:
    """One report to render: a notebook template into a folder of the task's output."""

    name: str  # folder name: a province slug or "national"
    template: Path
    out_dir: Path
    parameters: dict
    title: str
    header_left: str
    header_right: str
    before: Callable[[], object] | None = None  # run on the worker first (a recap's province workbook)


@dataclass
class BatchResult:
    task_id: str
    out_dir: Path
    rendered: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    skipped: bool = False


def ensure_sample(data_dir: Path, log=print) -> None:
    """Generate the embedded sample data on first use (deterministic, no network)."""
    if Path(data_dir).resolve() == config.SAMPLE_DATA_DIR.resolve() and not (Path(data_dir) / "tasks.csv").exists():
        from pipeline.runs.sample import generate_sample

        log(f"generating the sample data in {data_dir} ...")
        generate_sample(Path(data_dir))


def plan_jobs(task_dir: Path, info: dict) -> list[Job]:
    header_right = f"Tugas: {info['judul']} ({fmt.tanggal(pd.Timestamp(info['mulai']))})"
    jobs = []
    for prov in info["provinces"]:
        slug = province_slug(prov)
        jobs.append(Job(slug, config.PROVINCE_NOTEBOOK, task_dir / slug, {"task_dir": "..", "provinsi": prov},
                        title=f"Absensi Medsos TPP {prov}: {info['judul']}",
                        header_left=f"Provinsi {prov}", header_right=header_right))
    jobs.append(Job("national", config.NATIONAL_NOTEBOOK, task_dir / "national", {"task_dir": ".."},
                    title=f"Absensi Medsos TPP Nasional: {info['judul']}",
                    header_left="Nasional", header_right=header_right))
    return jobs


def order_jobs(jobs: list[Job], province: pd.DataFrame) -> list[Job]:
    """Largest reports first (national, then provinces by eligible TPP), so no worker idles at the end."""
    size = dict(zip(province["provinsi"].map(province_slug), province["eligible"]))
    return sorted(jobs, key=lambda j: (-(float("inf") if j.name == "national" else size.get(j.name, 0)), j.name))


# --------------------------------------------------------------------------- worker processes
# Each worker keeps one warm kernel (pipeline/reports/workers.py) and the HTML exporter and WeasyPrint
# loaded, so a report pays only for its own analysis, export and layout.

_KERNEL = None


def _worker_kernel():
    """This worker's warm kernel, started on first use and restarted if it died."""
    global _KERNEL
    if not config.WARM_KERNELS:
        return None
    from multiprocessing import util

    from pipeline.reports.workers import WarmKernel

    if _KERNEL is None or not _KERNEL.alive():
        if _KERNEL is not None:
            _KERNEL.shutdown()
        _KERNEL = WarmKernel().start()
        util.Finalize(None, _KERNEL.shutdown, exitpriority=10)
    return _KERNEL


_WARM_UP_LOCK = None


def _init_worker(lock, parent: int) -> None:
    global _WARM_UP_LOCK
    _WARM_UP_LOCK = lock
    # A run killed outright leaves no worker behind; its warm kernel exits with it (ipykernel
    # watches its parent), and the kernel's socket folder is removed here.
    exit_with_parent(parent, cleanup=_remove_kernel_sockets)
    # Ctrl-C reaches every process of the terminal's group: the main process stops the workers
    # itself, so a worker ignores it instead of printing a KeyboardInterrupt traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _remove_kernel_sockets() -> None:
    if _KERNEL is not None:
        _KERNEL.remove_sockets()


def _warm_up() -> int:
    """Run in each worker while the task notebook runs: kernel, exporter, WeasyPrint.

    One worker warms up at a time, so the task notebook (which every report waits for) keeps a
    core to itself on a two-core machine; both are warm long before it ends."""
    with _WARM_UP_LOCK if _WARM_UP_LOCK is not None else nullcontext():
        import weasyprint  # noqa: F401

        from pipeline.reports.render import _get_exporter

        _get_exporter()
        _worker_kernel()
    gc.freeze()  # the imported modules live as long as the worker: later collections skip them
    return os.getpid()


def _render_job(job: Job) -> dict:
    """Run in a worker process: execute the notebook, export HTML and PDF."""
    from pipeline.reports.render import render_report

    t = time.perf_counter()
    if job.before is not None:
        job.before()
    info = render_report(job.template, job.out_dir, job.parameters, title=job.title,
                         header_left=job.header_left, header_right=job.header_right,
                         kernel=_worker_kernel(), record_path=f"{job.name}/report.ipynb")
    steps = info.get("seconds", {})
    return {"name": job.name, "pages": info.get("pages"), "seconds": round(time.perf_counter() - t, 2),
            "steps": {k: round(steps[k], 2) for k in ("execute", "html", "pdf") if k in steps}}


@contextmanager
def worker_pool(workers: int):
    """Processes started (spawn: no inherited threads or sockets) and warming up right away."""
    context = mp.get_context("spawn")
    # The workers start with Ctrl-C ignored (an ignored signal stays ignored across exec): a Ctrl-C
    # while they are still starting up would otherwise print a traceback from each of them.
    with sigint_ignored():
        pool = ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context, initializer=_init_worker,
                                   initargs=(context.Lock(), os.getpid()))
        warm = [pool.submit(_warm_up) for _ in range(max(1, workers))]  # spawn starts every worker here
    try:
        yield pool
    except KeyboardInterrupt:  # Ctrl-C: stop the workers now instead of waiting for their reports
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.terminate()
        raise
    finally:
        for f in warm:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------- the run


def _run_task_notebook(data_dir: Path, task_id: str, staging: Path, strict: bool,
                       history_dir: Path) -> tuple[dict, dict]:
    from pipeline.reports.render import execute_notebook

    params = {"data_dir": str(data_dir.resolve()), "task_id": task_id, "out_dir": ".", "strict": strict,
              "history_dir": str(Path(history_dir).resolve())}
    try:
        execute_notebook(config.TASK_NOTEBOOK, staging / "task.ipynb", params, cwd=staging,
                         record_path="task.ipynb")
    except NotebookCellError as exc:
        # Bad input found inside the task notebook: report it as the input error it is.
        kind = {"InputError": InputError, "ValidationFailed": ValidationFailed}.get(exc.ename)
        if kind is not None:
            raise kind(exc.evalue) from None
        if exc.ename in ("OSError", "IOError") and exc.evalue.startswith(f"[Errno {errno.ENOSPC}]"):
            raise FileSystemError(f"disk full while the task notebook wrote its outputs ({exc.summary or exc.evalue}); "
                                  "free some space and run again; earlier outputs are unchanged") from None
        raise
    return params, json.loads((staging / "task.json").read_text(encoding="utf-8"))


def run_batch(task_id: str | None = None, data_dir: Path = config.SAMPLE_DATA_DIR, out_root: Path = config.REPORTS_DIR,
              *, strict: bool = False, workers: int = config.WORKERS, force: bool = False, log=print) -> BatchResult:
    """Render every report of one task into OUT/<task_id>/, published whole when complete.

    Skips everything when the published outputs come from the same inputs, code and parameters
    (unless `force`). Raises ReportError (after finishing and publishing the others) if any
    report failed; on an input error nothing is published and earlier outputs stay as they were.
    """
    from pipeline.runs.stage import input_files

    t0 = time.perf_counter()
    data_dir, out_root = Path(data_dir), Path(out_root)
    ensure_sample(data_dir, log)
    tasks, task_id = prepare_run(data_dir, out_root, task_id)
    final = out_root / task_id
    with publish.task_lock(out_root, task_id):  # TaskBusy (a ReportError) if another run holds it
        for line in publish.recover(out_root, task_id):
            log(f"[recover] {line}")
        inputs = input_files(data_dir, tasks, task_id, out_root / config.HISTORY_DIRNAME)
        key = manifest.run_key(inputs, {"task_id": task_id, "strict": strict})
        if not force and manifest.up_to_date(final, key):
            log(f"{task_id}: inputs, code and parameters unchanged since the published run; nothing to do "
                f"({force_hint()} renders again)")
            return BatchResult(task_id, final, skipped=True, seconds=time.perf_counter() - t0)
        staging = publish.new_staging(out_root, task_id)
        try:
            result = _render_all(task_id, data_dir, out_root, staging, final, strict=strict, workers=workers,
                                 key=key, t0=t0, log=log)
        except (NotebookCellError, ValidationFailed) as exc:
            raise keep_diagnosis(exc, staging, out_root, task_id, data_dir) from None
        finally:
            publish.remove_tree(staging)  # gone already when it was swapped in
    shutil.rmtree(failed_dir(out_root, task_id), ignore_errors=True)  # an earlier failure is no longer current
    if result.failed:
        names = ", ".join(f["name"] for f in result.failed)
        raise ReportError(f"{len(result.failed)} of {len(result.failed) + len(result.rendered)} reports failed "
                          f"({names}); the other reports are in {final}" + disk_full_hint(result.failed, out_root))
    return result


def _render_all(task_id: str, data_dir: Path, out_root: Path, staging: Path, final: Path, *, strict: bool,
                workers: int, key: str | None, t0: float, log) -> BatchResult:
    from pipeline.reports.index import index_page

    with worker_pool(workers) as pool:
        log(f"[task] {task_id}: validate, resolve, compute (notebooks/task.ipynb) ...")
        t = time.perf_counter()
        params, info = _run_task_notebook(data_dir, task_id, staging, strict, out_root / config.HISTORY_DIRNAME)
        log(f"[task] done in {time.perf_counter() - t:.1f} s; {_provinces(len(info['provinces']))} in scope")
        province = pd.read_csv(config.tables_dir(staging) / "participation_province.csv")
        jobs = order_jobs(plan_jobs(staging, info), province)
        result = render_jobs(pool, jobs, BatchResult(task_id, final), staging, log)
    publish.atomic_write_text(staging / "index.html", index_page(staging, info, result.rendered, result.failed))
    result.seconds = time.perf_counter() - t0
    command = "python -m pipeline report " + " ".join(
        shlex.quote(a) for a in ["--task", task_id, "--data", str(data_dir), "--out", str(out_root)])
    manifest.write_manifest(staging, task_id=task_id, inputs=info["inputs"], parameters=params, command=command,
                            reports=result.rendered + [dict(f, failed=True) for f in result.failed],
                            seconds=result.seconds, key=None if result.failed else key)
    publish.swap_in(staging, final)
    return result


def render_jobs(pool, jobs: list, result: BatchResult, staging: Path, log) -> BatchResult:
    """Render `jobs` on the worker pool into `result` (rendered and failed, sorted by name), one
    line each. One failing report never stops the others; a failure names where its notebook will
    be once `staging` is published as `result.out_dir` (task runs and recaps alike)."""
    futures = {pool.submit(_render_job, job): job for job in jobs}
    for done, fut in enumerate(as_completed(futures), start=1):
        job = futures[fut]
        try:
            rec = fut.result()
            result.rendered.append(rec)
            steps = rec["steps"]
            log(f"[{done:>2}/{len(jobs)}] {job.name:<28} ok   {rec['seconds']:5.1f} s, {rec['pages']} halaman "
                f"(notebook {steps.get('execute', 0):.1f} s, HTML {steps.get('html', 0):.1f} s, "
                f"PDF {steps.get('pdf', 0):.1f} s)")
        except Exception as exc:  # one failing report never stops the others
            published_path(exc, staging, result.out_dir)  # where its failed notebook is once published
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            result.failed.append({"name": job.name, "error": msg})
            log(f"[{done:>2}/{len(jobs)}] {job.name:<28} GAGAL: {msg}")
    result.rendered.sort(key=lambda r: r["name"])
    result.failed.sort(key=lambda r: r["name"])
    return result


def run_stage(task_id: str | None = None, data_dir: Path = config.SAMPLE_DATA_DIR,
              out_root: Path = config.REPORTS_DIR, *, strict: bool = False, log=print) -> Path:
    """`python -m pipeline stage`: only the task stage (tables/, validation/, task.json), published
    whole into OUT/<task_id>/ like a report run. A folder holding a report run is left alone: its
    tables are current when the run is up to date, and otherwise the reports would no longer
    match the tables (FileSystemError: write the tables elsewhere, or render the reports)."""
    from pipeline.runs.stage import input_files, run_task

    data_dir, out_root = Path(data_dir), Path(out_root)
    ensure_sample(data_dir, log)
    tasks, task_id = prepare_run(data_dir, out_root, task_id)
    final = out_root / task_id
    with publish.task_lock(out_root, task_id):
        for line in publish.recover(out_root, task_id):
            log(f"[recover] {line}")
        if (final / "manifest.json").is_file():
            key = manifest.run_key(input_files(data_dir, tasks, task_id, out_root / config.HISTORY_DIRNAME),
                                   {"task_id": task_id, "strict": strict})
            if manifest.up_to_date(final, key):
                log(f"{task_id}: the tables of the published report run are up to date; nothing to do")
                return final
            raise FileSystemError(
                f"{final} holds a published report run: a stage run would replace it with tables only; "
                "give another output folder (OUT=... or --out) or render the reports again (make report)")
        staging = publish.new_staging(out_root, task_id)
        try:
            run_task(data_dir, task_id, staging, strict=strict, history_dir=out_root / config.HISTORY_DIRNAME,
                     log=log, tasks=tasks)
            publish.swap_in(staging, final)
        except ValidationFailed as exc:
            raise keep_diagnosis(exc, staging, out_root, task_id, data_dir) from None
        finally:
            publish.remove_tree(staging)
    shutil.rmtree(failed_dir(out_root, task_id), ignore_errors=True)
    return final


def _provinces(n: int) -> str:
    return f"{n} province" if n == 1 else f"{n} provinces"


def main_summary(result: BatchResult) -> str:
    if result.skipped:
        return f"{result.task_id}: up to date ({result.seconds:.1f} s) -> {result.out_dir}"
    return (f"{len(result.rendered)} reports (HTML + PDF + notebook) for {result.task_id} in "
            f"{result.seconds:.0f} s -> {result.out_dir}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: python -m pipeline report")
