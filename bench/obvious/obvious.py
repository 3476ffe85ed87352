"""The obvious approach to a task's reports, as a reference to measure the project's path against.

One new process per step, one report after another, exactly what an analyst would script:

    papermill notebooks/task.ipynb        (fresh kernel)  once per task -> tables/, task.json
    for every province, then national:
        papermill notebooks/<report>.ipynb  (fresh kernel, cwd = the report folder, task_dir="..")
        jupyter nbconvert --to html --no-input report.ipynb   (new process)
        weasyprint report.html report.pdf                     (new process)

Nothing here imports the `pipeline` package: it only calls the command-line tools of the
project's environment (the interpreter that runs this file), so it stays independent of how
the project's own path is built. Standalone:

    .venv/bin/python bench/obvious/obvious.py --data DATA --out OUT [--reports N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the code run: this repository, or `code=` a snapshot of it
BIN = Path(sys.executable).parent  # papermill, jupyter, weasyprint of the same environment
STEPS = ("papermill", "nbconvert", "weasyprint")


@dataclass
class Step:
    report: str  # "task", "national" or a province folder name
    step: str  # "task stage", "papermill", "nbconvert", "weasyprint"
    wall: float
    cpu: float  # user + sys of the step's process and the processes it waited for (its kernel)


@dataclass
class Report:
    name: str
    template: Path
    params: dict[str, str]


def _env(code: Path) -> dict[str, str]:
    """PATH finds the environment's tools; PYTHONPATH makes every kernel import `pipeline` from `code`."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(x for x in (str(code), env.get("PYTHONPATH", "")) if x)
    return env


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _run(cmd: list[str], cwd: Path, report: str, step: str, code: Path) -> Step:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=_env(code), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"obvious approach: {step} of {report} failed (exit {proc.returncode}): "
                           f"{' '.join(cmd)}\n{proc.stdout[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Step(report, step, wall, cpu)


def task_stage(data: Path, task_id: str, task_dir: Path, code: Path = ROOT) -> Step:
    """The task notebook in a fresh kernel, as the project runs it (cwd = the task folder)."""
    task_dir.mkdir(parents=True, exist_ok=True)
    cmd = [str(BIN / "papermill"), str(code / "notebooks" / "task.ipynb"), str(task_dir / "task.ipynb"),
           "-p", "data_dir", str(Path(data).resolve()), "-r", "task_id", task_id, "-r", "out_dir", ".",
           "-p", "strict", "False", "--cwd", str(task_dir), "-k", "python3", "--no-progress-bar"]
    return _run(cmd, task_dir, "task", "task stage", code)


def plan(task_dir: Path, code: Path = ROOT) -> list[Report]:
    """Every province the task stage found in scope (task.json), then the national report."""
    provinces = json.loads((task_dir / "task.json").read_text(encoding="utf-8"))["provinces"]
    nb = code / "notebooks"
    reports = [Report(_slug(p), nb / "province.ipynb", {"task_dir": "..", "provinsi": p}) for p in provinces]
    reports.append(Report("national", nb / "national.ipynb", {"task_dir": ".."}))
    return reports


def pick(reports: list[Report], n: int | None) -> list[Report]:
    """All reports, or the national one plus n-1 provinces spread evenly over the list."""
    if n is None or n >= len(reports):
        return reports
    provinces, national = reports[:-1], reports[-1]
    k = max(0, n - 1)
    chosen = [provinces[round(i * (len(provinces) - 1) / max(1, k - 1))] for i in range(k)] if k > 1 else provinces[:k]
    return chosen + [national]


def render(report: Report, task_dir: Path, code: Path = ROOT) -> list[Step]:
    """papermill, then nbconvert, then weasyprint: three new processes for one report."""
    folder = task_dir / report.name
    folder.mkdir(parents=True, exist_ok=True)
    params: list[str] = []
    for key, value in report.params.items():
        params += ["-r", key, value]
    return [
        _run([str(BIN / "papermill"), str(report.template), str(folder / "report.ipynb"), *params,
              "--cwd", str(folder), "-k", "python3", "--no-progress-bar"], folder, report.name, "papermill", code),
        _run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", "report.ipynb"], folder,
             report.name, "nbconvert", code),
        _run([str(BIN / "weasyprint"), "report.html", "report.pdf"], folder, report.name, "weasyprint", code),
    ]


def run(data: Path, out: Path, task_id: str, n: int | None = None,
        on_step: Callable[[Step], None] = lambda s: None, code: Path = ROOT) -> tuple[list[Step], int]:
    """The whole obvious run into out/<task_id> with the notebooks and `pipeline` of `code`;
    returns the steps and the number of reports of the task."""
    task_dir = Path(out) / task_id
    steps = [task_stage(data, task_id, task_dir, code)]
    on_step(steps[-1])
    reports = plan(task_dir, code)
    for report in pick(reports, n):
        for step in render(report, task_dir, code):
            steps.append(step)
            on_step(step)
    return steps, len(reports)


def extrapolate(steps: list[Step], n_reports: int) -> dict[str, float]:
    """Wall and CPU for all n_reports from the reports measured: task stage + national + mean province x count."""
    task = [s for s in steps if s.step == "task stage"]
    national = [s for s in steps if s.report == "national"]
    province = [s for s in steps if s.report not in ("task", "national")]
    n_prov_measured = len({s.report for s in province})
    out = {}
    for key in ("wall", "cpu"):
        nat = sum(getattr(s, key) for s in national)
        per_prov = sum(getattr(s, key) for s in province) / n_prov_measured if n_prov_measured else nat
        out[key] = sum(getattr(s, key) for s in task) + nat + per_prov * (n_reports - 1)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--task", default="2025-11-10-hari-pahlawan")
    ap.add_argument("--reports", type=int, default=None, help="only N reports (national + N-1 provinces)")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    steps, total = run(args.data, args.out, args.task, args.reports,
                       on_step=lambda s: print(f"{s.report:<28} {s.step:<11} {s.wall:6.2f} s wall {s.cpu:6.2f} s cpu"))
    print(f"{len({s.report for s in steps}) - 1} of {total} reports in {time.perf_counter() - t:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
