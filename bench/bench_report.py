"""Times the project's paths on the national-scale sample and prints a table.

    .venv/bin/python bench/bench_report.py [--data data/sample] [--skip-batch]

Rows: the validate-and-resolve stage of one task in a fresh interpreter (imports included),
the whole task stage, and the full `python -m pipeline report` batch (38 reports, HTML + PDF
+ executed notebooks), each with wall time, CPU time of the process and its children, and
peak memory (max RSS of the largest process).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STAGE_SNIPPET = """
import time, sys
t0 = time.perf_counter()
from pathlib import Path
from pipeline.inputs import load
from pipeline.rules import validate
from pipeline.rules.resolve import resolve_responses
data = Path(sys.argv[1])
tasks = load.load_tasks(data)
task = tasks.iloc[-1]
roster, _ = validate.validate_roster(load.load_roster(data))
responses = load.load_responses(data, task)
validate.validate_responses(responses)
checked = resolve_responses(responses, roster, task)
validate.gate_checked_responses(checked, len(responses))
print(f"{len(roster)} roster rows, {len(checked)} responses in {time.perf_counter() - t0:.2f} s")
"""


def timed(cmd: list[str]) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "peak_mib": after.ru_maxrss / 1024, "out": proc.stdout.strip().splitlines()[-1:]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    ap.add_argument("--skip-batch", action="store_true")
    args = ap.parse_args()
    py = sys.executable
    if not (args.data / "tasks.csv").exists():
        subprocess.run([py, "-m", "pipeline", "sample", str(args.data)], cwd=ROOT, check=True)
    rows = [("validate + resolve, one task (fresh interpreter)", timed([py, "-c", STAGE_SNIPPET, str(args.data)]))]
    with tempfile.TemporaryDirectory() as out:
        rows.append(("task stage: all tables (python -m pipeline stage)",
                     timed([py, "-m", "pipeline", "stage", "--data", str(args.data), "--out", out])))
    if not args.skip_batch:
        with tempfile.TemporaryDirectory() as out:
            rows.append(("national batch, cold: 38 reports (python -m pipeline report)",
                         timed([py, "-m", "pipeline", "report", "--data", str(args.data), "--out", out])))
    print(f"\n{'path':<62} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9}")
    for name, r in rows:
        print(f"{name:<62} {r['wall']:8.1f} {r['cpu']:8.1f} {r['peak_mib']:9.0f}")
    print("(peak MiB: the largest single process so far; CPU includes child processes)")


if __name__ == "__main__":
    main()
