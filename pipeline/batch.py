"""The `make report` run: the task notebook once, then every province report and the national one."""

from __future__ import annotations

import html
import json
import shlex
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import config, fmt, load, manifest
from .contract import province_slug
from .errors import InputError, ReportError, ValidationFailed


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


@dataclass
class BatchResult:
    task_id: str
    out_dir: Path
    rendered: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    seconds: float = 0.0


def _render_job(job: Job) -> dict:
    """Run in a worker process: execute the notebook, export HTML and PDF."""
    from .render import render_report

    t = time.perf_counter()
    info = render_report(job.template, job.out_dir, job.parameters, title=job.title,
                         header_left=job.header_left, header_right=job.header_right)
    return {"name": job.name, "pages": info.get("pages"), "seconds": round(time.perf_counter() - t, 2)}


def ensure_sample(data_dir: Path, log=print) -> None:
    """Generate the embedded sample data on first use (deterministic, no network)."""
    if Path(data_dir).resolve() == config.SAMPLE_DATA_DIR.resolve() and not (Path(data_dir) / "tasks.csv").exists():
        from .sample import generate_sample

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


def index_page(task_dir: Path, info: dict, rendered: list[dict], failed: list[dict]) -> str:
    """`index.html`: every report of the task with its province's headline figures."""
    e = html.escape
    prov = pd.read_csv(config.tables_dir(task_dir) / "participation_province.csv").set_index("provinsi")
    ok = {r["name"] for r in rendered}
    rows = []
    for p in info["provinces"]:
        slug = province_slug(p)
        r = prov.loc[p]
        link = (f'<a href="{slug}/report.html">{e(p)}</a> (<a href="{slug}/report.pdf">PDF</a>)'
                if slug in ok else f"{e(p)} (gagal dibuat)")
        rows.append(f"<tr><td>{link}</td><td class=num>{fmt.angka(r['eligible'])}</td><td class=num>"
                    f"{fmt.angka(r['responded'])}</td><td class=num>{fmt.persen(r['participation_rate'])}</td>"
                    f"<td class=num>{fmt.persen(r['on_time_rate'])}</td></tr>")
    fails = "".join(f"<li>{e(f['name'])}: {e(f['error'])}</li>" for f in failed)
    return (
        "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\">"
        f"<title>Laporan absensi medsos: {e(info['judul'])}</title><style>body{{font-family:'DejaVu Sans',sans-serif;"
        "margin:2em;max-width:900px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
        ".num{text-align:right}</style></head><body>"
        f"<h1>Laporan absensi tugas media sosial</h1><p>{e(info['judul'])} ({e(info['task_id'])})</p>"
        '<p><a href="national/report.html">Laporan nasional</a> (<a href="national/report.pdf">PDF</a>) · '
        '<a href="validation/index.html">Hasil validasi data</a></p>'
        + (f"<h2>Gagal dibuat</h2><ul>{fails}</ul>" if fails else "")
        + "<table><thead><tr><th>Provinsi</th><th>Wajib lapor</th><th>Merespons</th><th>Partisipasi</th>"
        "<th>Tepat waktu</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></body></html>"
    )


def run_batch(task_id: str | None = None, data_dir: Path = config.SAMPLE_DATA_DIR, out_root: Path = config.REPORTS_DIR,
              *, strict: bool = False, workers: int = config.WORKERS, log=print) -> BatchResult:
    """Render every report of one task. Raises ReportError (after finishing the others) if any failed."""
    from .publish import atomic_write_text
    from .render import execute_notebook

    t0 = time.perf_counter()
    data_dir = Path(data_dir)
    ensure_sample(data_dir, log)
    if not data_dir.is_dir():
        raise InputError(f"data directory {data_dir} does not exist")
    tasks = load.load_tasks(data_dir)
    task_id = task_id or str(tasks.iloc[-1]["task_id"])
    load.get_task(tasks, task_id)  # unknown task id: a clear error before any work
    task_dir = Path(out_root) / task_id
    task_dir.mkdir(parents=True, exist_ok=True)
    params = {"data_dir": str(data_dir.resolve()), "task_id": task_id, "out_dir": ".", "strict": strict}
    log(f"[task] {task_id}: validate, resolve, compute (notebooks/task.ipynb) ...")
    t = time.perf_counter()
    try:
        execute_notebook(config.TASK_NOTEBOOK, task_dir / "task.ipynb", params, cwd=task_dir)
    except ReportError as exc:
        # Bad input found inside the task notebook: report it as the input error it is.
        kind = {"InputError": InputError, "ValidationFailed": ValidationFailed}.get(getattr(exc, "ename", ""))
        if kind is not None:
            raise kind(exc.evalue) from None
        raise
    info = json.loads((task_dir / "task.json").read_text(encoding="utf-8"))
    log(f"[task] done in {time.perf_counter() - t:.1f} s; {len(info['provinces'])} provinces in scope")

    jobs = plan_jobs(task_dir, info)
    result = BatchResult(task_id, task_dir)
    total = len(jobs)
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(_render_job, job): job for job in jobs}
        for done, fut in enumerate(as_completed(futures), start=1):
            job = futures[fut]
            try:
                rec = fut.result()
                result.rendered.append(rec)
                log(f"[{done:>2}/{total}] {job.name:<28} ok   {rec['seconds']:5.1f} s, {rec['pages']} halaman")
            except Exception as exc:  # one failing report never stops the others
                msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                result.failed.append({"name": job.name, "error": msg})
                log(f"[{done:>2}/{total}] {job.name:<28} GAGAL: {msg}")
    result.rendered.sort(key=lambda r: r["name"])
    result.failed.sort(key=lambda r: r["name"])
    atomic_write_text(task_dir / "index.html", index_page(task_dir, info, result.rendered, result.failed))
    result.seconds = time.perf_counter() - t0
    command = "python -m pipeline report " + " ".join(
        shlex.quote(a) for a in ["--task", task_id, "--data", str(data_dir), "--out", str(out_root)])
    manifest.write_manifest(task_dir, task_id=task_id, inputs=info["inputs"], parameters=params, command=command,
                            reports=result.rendered + [dict(f, failed=True) for f in result.failed],
                            seconds=result.seconds)
    if result.failed:
        names = ", ".join(f["name"] for f in result.failed)
        raise ReportError(f"{len(result.failed)} of {total} reports failed ({names}); the other reports are in {task_dir}")
    return result


def main_summary(result: BatchResult) -> str:
    return (f"{len(result.rendered)} reports (HTML + PDF + notebook) for {result.task_id} in "
            f"{result.seconds:.0f} s -> {result.out_dir}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: python -m pipeline report")
