"""Times a task's national batch: the obvious approach against the project's `make report` path.

    .venv/bin/python bench/bench_batch.py                  # full measurement, ~8-12 min on 2 cores
    .venv/bin/python bench/bench_batch.py --reports 3      # obvious approach on 3 reports, extrapolated
    .venv/bin/python bench/bench_batch.py --skip-obvious   # only the project's path, cold and warm

In one run, on the same national-scale sample (`python -m pipeline sample`, scale 1.0, latest
task 2025-11-10-hari-pahlawan, 37 provinces + national = 38 reports):

  (a) the obvious approach (bench/obvious/obvious.py): the task notebook once with the papermill
      CLI, then per report papermill in a fresh kernel, `jupyter nbconvert --to html` and the
      `weasyprint` CLI, each in a new process, one report after another;
  (b) the project's path, `python -m pipeline report --data D --out O` (what `make report` runs),
      cold (fresh output folder) and warm (the same command again, nothing changed).

For each: wall time; CPU time (user + sys of the whole process tree: getrusage(RUSAGE_CHILDREN)
deltas, which count every descendant that was waited for, checked against psutil's view of the
live tree); peak memory (largest sum of RSS over the process tree, sampled every 50 ms; shared
pages count once per process, so this overstates a forked pool; the PSS column, sampled every
0.5 s because reading it costs the kernel a page-table walk per process, splits shared pages
between the processes that share them). The meter's own CPU time is printed under the table. Everything runs as
subprocesses: nothing of `pipeline` is imported here.

The code measured is a snapshot of the working tree taken at the start (pipeline/, notebooks/,
expectations/, the lock), run with PYTHONPATH pointing at it: others editing the shared tree
during a run would otherwise change the code halfway, and with it every cache keyed on the
code's hash (the warm rerun and the history store would recompute). `--live` runs the working
tree itself.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent / "obvious"))
import obvious  # noqa: E402  (bench/obvious/obvious.py)

PY = os.path.abspath(sys.executable)  # normalised, not resolved: the venv symlink matters
DEFAULT_TASK = "2025-11-10-hari-pahlawan"
GIB = 1024**3
MIB = 1024**2


# --------------------------------------------------------------------------- the code measured

CODE_ITEMS = ("pipeline", "notebooks", "expectations", "requirements.lock", "pyproject.toml", "Makefile")


def code_hash(root: Path = ROOT) -> str:
    """sha256 over the paths and bytes of CODE_ITEMS under root (what a snapshot copies)."""
    h = hashlib.sha256()
    for item in CODE_ITEMS:
        path = root / item
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path] if path.is_file() else []
        for f in files:
            if "__pycache__" in f.parts or ".ipynb_checkpoints" in f.parts:
                continue
            h.update(f.relative_to(root).as_posix().encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:12]


def snapshot(dest: Path) -> Path:
    """Copy the code the CLI runs into dest (a fixed state of the shared working tree)."""
    shutil.rmtree(dest, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for item in CODE_ITEMS:
        src = ROOT / item
        (dest / item).parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest / item, ignore=ignore)
        elif src.is_file():
            shutil.copy2(src, dest / item)
    return dest


def code_env(code: Path) -> dict[str, str]:
    """Environment for a CLI run: `pipeline` (and every kernel's) imported from `code`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(x for x in (str(code), env.get("PYTHONPATH", "")) if x)
    return env


def prepare_code(work: Path, live: bool) -> tuple[Path, str]:
    """The code root to run and a line saying what it is."""
    if live:
        return ROOT, f"code:    the live working tree {ROOT} (hash {code_hash()})"
    code = snapshot(work / "code")
    return code, f"code:    snapshot of the working tree at start (hash {code_hash(code)}) in {code}"


def tree_changed_note(start_hash: str) -> str:
    now = code_hash()
    return "" if now == start_hash else (
        f"\nnote: the working tree's code changed during the run ({start_hash} -> {now}); "
        "the figures are those of the code at start")


# --------------------------------------------------------------------------- measuring


@dataclass
class Measure:
    wall: float = 0.0
    cpu: float = 0.0  # user + sys of every descendant during the block
    peak_rss: int = 0  # largest sum of RSS over the process tree (bytes)
    peak_procs: int = 0  # processes in the tree at that moment
    peak_pss: int = 0  # largest sum of PSS (shared pages split between the processes sharing them)
    rusage_cpu: float = 0.0
    psutil_cpu: float = 0.0
    meter_cpu: float = 0.0  # CPU time the meter's own sampling took (not part of `cpu`)


class TreeMeter:
    """Wall, CPU and peak tree RSS of everything this process starts inside the `with` block.

    RSS is read every `interval` (/proc/<pid>/statm: microseconds); PSS only every `pss_every`
    samples, because /proc/<pid>/smaps_rollup makes the kernel walk the process's page tables:
    ~1.2 ms for a 200 MiB process here, so reading it for 7 processes every 50 ms took ~20% of a
    core from the run being measured (and more from the parallel path than from the serial
    one). The meter's own CPU time is kept in `meter_cpu`."""

    def __init__(self, interval: float = 0.05, pss_every: int = 10):
        self.interval = interval
        self.pss_every = pss_every
        self.result = Measure()
        self._stop = threading.Event()
        self._cpu_seen: dict[tuple[int, float], float] = {}

    def _sample(self) -> None:
        me = psutil.Process()
        tick = 0
        start = time.thread_time()
        while not self._stop.is_set():
            total, pss, procs = 0, 0, 0
            try:
                children = me.children(recursive=True)
            except psutil.Error:
                children = []
            # PSS on the first samples too, so a run shorter than pss_every samples gets one.
            with_pss = bool(children) and (tick < 4 or tick % self.pss_every == 0)
            tick += 1 if children else 0
            for p in children:
                try:
                    with p.oneshot():
                        if with_pss:
                            mem = p.memory_full_info()  # smaps_rollup: rss and pss
                            pss += getattr(mem, "pss", mem.rss)
                        else:
                            mem = p.memory_info()
                        total += mem.rss
                        t = p.cpu_times()
                        self._cpu_seen[(p.pid, p.create_time())] = t.user + t.system
                    procs += 1
                except psutil.Error:
                    pass
            if total > self.result.peak_rss:
                self.result.peak_rss, self.result.peak_procs = total, procs
            if with_pss:
                self.result.peak_pss = max(self.result.peak_pss, pss)
            self._stop.wait(self.interval)
        self.result.meter_cpu = time.thread_time() - start

    def __enter__(self) -> TreeMeter:
        self._ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._t = time.perf_counter()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.result.wall = time.perf_counter() - self._t
        self._stop.set()
        self._thread.join()
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.result.rusage_cpu = (ru.ru_utime - self._ru.ru_utime) + (ru.ru_stime - self._ru.ru_stime)
        self.result.psutil_cpu = sum(self._cpu_seen.values())
        # rusage misses descendants nobody waited for; psutil misses processes shorter than a sample.
        self.result.cpu = max(self.result.rusage_cpu, self.result.psutil_cpu)


@dataclass
class Row:
    label: str
    reports: int
    m: Measure
    note: str = ""
    extrapolated: dict = field(default_factory=dict)  # {"wall", "cpu"} for all reports when only some ran
    ok: bool = True


# --------------------------------------------------------------------------- the runs


def _count(task_dir: Path) -> dict[str, int]:
    return {ext: len(list(task_dir.glob(f"*/report.{ext}"))) for ext in ("ipynb", "html", "pdf")}


def project_report(data: Path, out: Path, task: str, log_path: Path, code: Path) -> tuple[Measure, bool, str]:
    cmd = [PY, "-m", "pipeline", "report", "--data", str(data), "--out", str(out), "--task", task]
    with open(log_path, "a", encoding="utf-8") as log, TreeMeter() as meter:
        log.write(f"$ {' '.join(cmd)}\n")
        log.flush()
        rc = subprocess.run(cmd, cwd=code, env=code_env(code), stdout=log, stderr=subprocess.STDOUT).returncode
    last = log_path.read_text(encoding="utf-8").strip().splitlines()[-1:]
    return meter.result, rc == 0, (last[0] if last else "")


def warm_page_cache() -> None:
    """Import the heavy packages once, unmeasured, so neither side pays cold disk reads."""
    subprocess.run([PY, "-c", "import pandas, matplotlib.pyplot, seaborn, nbconvert, papermill, weasyprint, "
                    "great_expectations, ipykernel"], cwd=ROOT, capture_output=True)


def latest_task(data: Path) -> str:
    with open(data / "tasks.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return max(rows, key=lambda r: (r["mulai"], r["task_id"]))["task_id"]


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> str:
    def git(*args: str) -> str:
        p = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return p.stdout.strip()

    dirty = git("status", "--porcelain", "--", "pipeline", "notebooks", "bench")
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    return (f"machine: {cores} cores ({usable} usable), {psutil.virtual_memory().total / GIB:.1f} GiB RAM, "
            f"{platform.platform()}\npython:  {platform.python_version()} ({PY})\n"
            f"commit:  {git('rev-parse', '--short', 'HEAD')} {git('log', '-1', '--format=%s')}"
            f"{' (+ uncommitted changes in pipeline/, notebooks/ or bench/)' if dirty else ''}\n"
            f"load average at start: {load_average()}" + busy_warning())


def busy_warning() -> str:
    """A warning when other work competes for the cores: wall times then mean little, CPU times still do."""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load <= 0.5 * cores:
        return ""
    return (f"\nWARNING: the machine is busy (1-min load {load:.1f} on {cores} cores): wall times are inflated "
            "by other processes; compare CPU times, or rerun on an idle machine")


# --------------------------------------------------------------------------- report


def _fmt_ratio(a: float, b: float) -> str:
    return f"{a / b:6.1f}x" if b > 0 else "     -"


def print_table(rows: list[Row], steps: list[obvious.Step]) -> dict:
    obv = next((r for r in rows if r.label.startswith("(a)")), None)
    cold = next((r for r in rows if "cold" in r.label), None)
    warm = next((r for r in rows if "warm" in r.label), None)

    def wall(r: Row) -> float:
        return r.extrapolated.get("wall", r.m.wall)

    def cpu(r: Row) -> float:
        return r.extrapolated.get("cpu", r.m.cpu)

    print(f"\n{'path':<58} {'reports':>7} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'PSS MiB':>8} {'procs':>5} "
          f"{'a/row wall':>10} {'a/row cpu':>9}")
    print("-" * 129)
    for r in rows:
        rw = _fmt_ratio(wall(obv), wall(r)) if obv and r is not obv and r.ok else ""
        rc = _fmt_ratio(cpu(obv), cpu(r)) if obv and r is not obv and r.ok else ""
        status = "" if r.ok else "  FAILED"
        print(f"{r.label:<58} {r.reports:>7} {wall(r):8.1f} {cpu(r):8.1f} {r.m.peak_rss / MIB:9.0f} "
              f"{r.m.peak_pss / MIB:8.0f} {r.m.peak_procs:>5} {rw:>10} {rc:>9}{status}")
        if r.extrapolated:
            print(f"{'':<4}measured on {r.note}: {r.m.wall:.1f} s wall, {r.m.cpu:.1f} s cpu; the row above is "
                  f"EXTRAPOLATED to {r.reports} reports")
        elif r.note:
            print(f"{'':<4}{r.note}")
    print("meter: RSS sampled every 50 ms, PSS every 0.5 s; its own CPU (not counted above): "
          + ", ".join(f"{r.label.split(':')[0].split(',')[0]} {r.m.meter_cpu:.1f} s" for r in rows))

    if steps:
        per: dict[str, list[obvious.Step]] = defaultdict(list)
        for s in steps:
            per[s.step].append(s)
        print(f"\nobvious approach, per step ({len({s.report for s in steps if s.report != 'task'})} reports measured)")
        print(f"{'step':<14} {'runs':>5} {'total wall s':>13} {'mean wall s':>12} {'mean cpu s':>11}")
        for name in ("task stage", *obvious.STEPS):
            ss = per.get(name, [])
            if ss:
                wall = sum(s.wall for s in ss)
                cpu = sum(s.cpu for s in ss)
                print(f"{name:<14} {len(ss):>5} {wall:13.1f} {wall / len(ss):12.2f} {cpu / len(ss):11.2f}")
        reports = defaultdict(float)
        for s in steps:
            if s.report != "task":
                reports[s.report] += s.wall
        if reports:
            print(f"{'per report':<14} {len(reports):>5} {sum(reports.values()):13.1f} "
                  f"{sum(reports.values()) / len(reports):12.2f}")

    results = {}
    print("\nacceptance (issue 6)")
    if obv and cold and cold.ok:
        speed = wall(obv) / cold.m.wall
        results["speedup_cold"] = speed
        print(f"  cold batch at least 6x faster than the obvious approach: {speed:.1f}x "
              f"{'ok' if speed >= 6 else 'NOT MET'}{' (obvious side extrapolated)' if obv.extrapolated else ''}")
    if warm and warm.ok:
        results["warm_wall"] = warm.m.wall
        print(f"  rerun with nothing changed under 3 s: {warm.m.wall:.2f} s {'ok' if warm.m.wall < 3 else 'NOT MET'}")
    if cold and cold.ok:
        peak = max(cold.m.peak_rss, warm.m.peak_rss if warm else 0)
        results["peak_gib"] = peak / GIB
        pss = max(cold.m.peak_pss, warm.m.peak_pss if warm else 0)
        print(f"  peak memory of the batch under 2 GiB: {peak / GIB:.2f} GiB (RSS summed over the tree; "
              f"PSS {pss / GIB:.2f} GiB) {'ok' if peak < 2 * GIB else 'NOT MET'}")
    return results


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None,
                    help="an existing data directory (default: generate the sample, scale 1.0, into the work dir)")
    ap.add_argument("--task", default=None, help=f"task_id (default: the latest of the data, {DEFAULT_TASK})")
    ap.add_argument("--work", type=Path, default=None,
                    help="keep outputs in this folder (default: a temp dir, removed)")
    ap.add_argument("--skip-obvious", action="store_true", help="only time the project's path")
    ap.add_argument("--reports", type=int, default=None,
                    help="run the obvious approach on N reports only (national + N-1 provinces) and extrapolate")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    ap.add_argument("--live", action="store_true", help="run the working tree itself, not a snapshot of it")
    args = ap.parse_args(argv)
    if args.reports is not None and args.reports < 1:
        ap.error("--reports must be at least 1")

    print(machine(), flush=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_batch_"))
    work.mkdir(parents=True, exist_ok=True)
    t_all = time.perf_counter()
    start_hash = code_hash()
    try:
        code, what = prepare_code(work, args.live)
        print(what, flush=True)
        data = args.data
        if data is None:
            data = work / "data"
            if not (data / "tasks.csv").exists():
                t = time.perf_counter()
                subprocess.run([PY, "-m", "pipeline", "sample", str(data)], cwd=code, env=code_env(code), check=True,
                               capture_output=True)
                print(f"sample data generated in {time.perf_counter() - t:.1f} s -> {data}")
        data = data.resolve()
        task = args.task or latest_task(data)
        print(f"data:    {data}, task {task}", flush=True)
        warm_page_cache()

        rows: list[Row] = []
        steps: list[obvious.Step] = []
        log = work / "project.log"

        out = work / "project"
        shutil.rmtree(out, ignore_errors=True)
        print("\n(b) project path, cold ...", flush=True)
        m, ok, last = project_report(data, out, task, log, code)
        counts = _count(out / task)
        rows.append(Row("(b) python -m pipeline report, cold (fresh output)", counts["pdf"], m,
                        f"{last}; outputs: {counts}", ok=ok))
        print(f"    {m.wall:.1f} s: {last}", flush=True)
        if not ok:
            print("    FAILED; end of its log:\n" + "\n".join(log.read_text(encoding="utf-8").splitlines()[-25:]))
        print("(b) project path, warm rerun (nothing changed) ...", flush=True)
        m, ok, last = project_report(data, out, task, log, code)
        counts = _count(out / task)
        rows.append(Row("(b) python -m pipeline report, warm (rerun, no change)", counts["pdf"], m, last, ok=ok))
        print(f"    {m.wall:.2f} s: {last}", flush=True)

        if not args.skip_obvious:
            label = "all reports" if args.reports is None else f"{args.reports} report(s), extrapolated"
            print(f"\n(a) obvious approach, {label}, one after another ...", flush=True)
            obv_out = work / "obvious"
            shutil.rmtree(obv_out, ignore_errors=True)

            def show(s: obvious.Step) -> None:
                print(f"    {s.report:<28} {s.step:<11} {s.wall:6.2f} s", flush=True)

            with TreeMeter() as meter:
                steps, total = obvious.run(data, obv_out, task, args.reports, on_step=show, code=code)
            done = len({s.report for s in steps if s.report != "task"})
            row = Row("(a) obvious: papermill + nbconvert + weasyprint CLIs", total, meter.result)
            counts = _count(obv_out / task)
            if done < total:
                row.extrapolated = obvious.extrapolate(steps, total)
                row.note = f"{done} of {total} reports (task stage + national + mean province x {total - 1})"
            else:
                row.note = f"outputs: {counts}"
            rows.insert(0, row)

        results = print_table(rows, steps)
        print(f"\nload average at end: {load_average()}{busy_warning()}{tree_changed_note(start_hash)}\n"
              f"bench total {time.perf_counter() - t_all:.0f} s"
              + (f"; outputs and the log of the project runs in {work}" if args.work else ""))
        if args.json:
            args.json.write_text(json.dumps({
                "task": task,
                "rows": [{"label": r.label, "reports": r.reports, "wall": r.extrapolated.get("wall", r.m.wall),
                          "cpu": r.extrapolated.get("cpu", r.m.cpu), "peak_rss_bytes": r.m.peak_rss,
                          "peak_pss_bytes": r.m.peak_pss, "meter_cpu": r.m.meter_cpu,
                          "extrapolated": bool(r.extrapolated), "ok": r.ok} for r in rows],
                "steps": [s.__dict__ for s in steps], **results}, indent=2) + "\n", encoding="utf-8")
        return 0 if all(r.ok for r in rows) else 1
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
