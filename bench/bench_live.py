"""Times a running live watcher (`python -m pipeline watch`) at national scale (issue 13).

    .venv/bin/python bench/bench_live.py                        # generates the scale-1.0 sample (~1 min) first
    .venv/bin/python bench/bench_live.py --data /tmp/national   # reuse a `python -m pipeline sample` directory

Copies the data directory into a work folder, keeps back the last `--held` rows of the task's
response file and moves the task's `batas` far into the future (so that the window is open
and the watcher polls instead of rendering the final reports), then starts the watcher as a
subprocess, `--every 1`, and measures from the outside:

- the first refresh (every row of the source, every page written);
- unchanged source: the watcher's own time for a refresh that finds the same bytes;
- changed source: `--rounds` times, `--batch` held-back rows are appended to the source; the
  watcher's time for that refresh (read, resolve, compute, render, write) and the end-to-end
  latency from the append to the watcher's line saying every affected page was written
  (which includes up to one poll interval, 1 s here);
- peak memory: the largest RSS of the watcher process, sampled every 50 ms.

Targets: changed -> every affected page rewritten <= 5 s; unchanged <= 0.5 s; under 1 GiB.
Prints the machine, load average, a table and PASS/FAIL per target; exit status 1 on a FAIL.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_batch import load_average, machine  # noqa: E402

TASK = "2025-11-10-hari-pahlawan"
GIB = 1024 ** 3
_LINE = re.compile(r"(?P<what>[+-]\d+ new rows \((?P<rows>\d+) in all\)|source unchanged), "
                   r"(?P<pages>\d+) pages rewritten, (?P<s>[\d.]+) s \(CPU (?P<cpu>[\d.]+) s\)")


def prepare(data: Path, work: Path, held: int) -> tuple[Path, list[str]]:
    """A copy of `data` with the task's last `held` rows kept back and its window open; the held rows."""
    copy = work / "data"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.rmtree(work / "out", ignore_errors=True)  # every page written by the first refresh
    shutil.copytree(data, copy)
    tasks = (copy / "tasks.csv").read_text(encoding="utf-8").splitlines(True)
    for i, line in enumerate(tasks):
        if line.startswith(TASK + ","):
            cells = line.split(",")
            cells[3] = "2099-12-31 23:59"
            tasks[i] = ",".join(cells)
    (copy / "tasks.csv").write_text("".join(tasks), encoding="utf-8")
    source = copy / "responses" / f"{TASK}.csv"
    lines = source.read_text(encoding="utf-8").splitlines(True)
    source.write_text("".join(lines[:-held]), encoding="utf-8")
    return copy, lines[-held:]


class Watcher:
    """The watcher subprocess: its terminal lines on a queue, its RSS sampled every 50 ms."""

    def __init__(self, data: Path, out: Path):
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")  # each line as it is printed
        self.proc = subprocess.Popen([sys.executable, "-m", "pipeline", "watch", "--task", TASK, "--data", str(data),
                                      "--out", str(out), "--every", "1"], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
        self.lines: list[tuple[float, str]] = []
        self.peak_rss = 0
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._sample, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append((time.perf_counter(), line.rstrip()))
                self.cond.notify_all()

    def _sample(self) -> None:
        p = psutil.Process(self.proc.pid)
        while self.proc.poll() is None:
            try:
                self.peak_rss = max(self.peak_rss, p.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.05)

    def next_refresh(self, after: int, timeout: float = 600) -> tuple[int, float, re.Match]:
        """The first refresh line at index >= after: (index, arrival time, match)."""
        end = time.perf_counter() + timeout
        with self.cond:
            while True:
                for i in range(after, len(self.lines)):
                    m = _LINE.search(self.lines[i][1])
                    if m:
                        return i, self.lines[i][0], m
                    if "FAILED" in self.lines[i][1] or "error" in self.lines[i][1].lower():
                        raise RuntimeError(self.lines[i][1])
                after = len(self.lines)
                if self.proc.poll() is not None or not self.cond.wait(max(0.0, end - time.perf_counter())):
                    tail = "\n".join(x for _, x in self.lines[-20:])
                    raise RuntimeError(f"the watcher stopped or timed out:\n{tail}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None, help="a scale-1.0 sample directory (default: generate one)")
    ap.add_argument("--work", type=Path, default=None, help="work folder (default: a temporary one, removed)")
    ap.add_argument("--held", type=int, default=1000, help="rows kept back from the source and appended later")
    ap.add_argument("--batch", type=int, default=50, help="rows appended per changed refresh")
    ap.add_argument("--rounds", type=int, default=10, help="changed refreshes measured")
    ap.add_argument("--unchanged", type=int, default=10, help="unchanged refreshes measured")
    args = ap.parse_args()
    print(machine())
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_live."))
    work.mkdir(parents=True, exist_ok=True)
    try:
        data = args.data
        if data is None:
            from pipeline.runs.sample import generate_sample

            data = generate_sample(work / "national", scale=1.0)
        copy, held = prepare(data, work, args.held)
        source = copy / "responses" / f"{TASK}.csv"
        w = Watcher(copy, work / "out")
        t0 = time.perf_counter()
        i, _, first = w.next_refresh(0)
        start_line = f"first refresh: {first['rows']} rows, {first['pages']} pages in {first['s']} s " \
                     f"(watcher started {time.perf_counter() - t0:.1f} s before it ended, roster validation included)"
        unchanged, unchanged_cpu = [], []
        while len(unchanged) < args.unchanged:
            i, _, m = w.next_refresh(i + 1)
            if m["what"] == "source unchanged":
                unchanged.append(float(m["s"]))
                unchanged_cpu.append(float(m["cpu"]))
        changed, changed_cpu, latency, pages = [], [], [], []
        for r in range(args.rounds):
            chunk = held[r * args.batch:(r + 1) * args.batch]
            if not chunk:
                break
            mark = len(w.lines)
            t = time.perf_counter()
            with open(source, "a", encoding="utf-8") as fh:
                fh.write("".join(chunk))
            while True:
                i, arrived, m = w.next_refresh(mark)
                if m["what"] != "source unchanged":
                    break
                mark = i + 1
            changed.append(float(m["s"]))
            changed_cpu.append(float(m["cpu"]))
            latency.append(arrived - t)
            pages.append(int(m["pages"]))
        w.stop()
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"load average at end: {load_average()}")
    print(start_line)
    rows = [
        ("unchanged source: refresh, wall", unchanged, 0.5),
        ("unchanged source: refresh, CPU", unchanged_cpu, 0.5),
        (f"changed source (+{args.batch} rows): refresh, wall", changed, 5.0),
        (f"changed source (+{args.batch} rows): refresh, CPU", changed_cpu, 5.0),
        ("changed source: append -> pages written, wall", latency, None),
    ]
    print(f"\n{'seconds':50} {'median':>8} {'max':>8}  target")
    failed = False
    for label, values, target in rows:
        ok = target is None or max(values) <= target
        failed |= not ok
        verdict = "" if target is None else f"<= {target} s  {'PASS' if ok else 'FAIL'}"
        print(f"{label:50} {statistics.median(values):8.2f} {max(values):8.2f}  {verdict}")
    print(f"pages rewritten per changed refresh: median {statistics.median(pages):.0f}, max {max(pages)}")
    ok = w.peak_rss < GIB
    failed |= not ok
    print(f"peak RSS of the watcher: {w.peak_rss / 2**20:.0f} MiB  (target < 1024 MiB  {'PASS' if ok else 'FAIL'})")
    print(f"\nreproduce: {Path(sys.executable).name} bench/bench_live.py"
          f"{' --data ' + str(args.data) if args.data else ''} --held {args.held} --batch {args.batch} "
          f"--rounds {args.rounds}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
