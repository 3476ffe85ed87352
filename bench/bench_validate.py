"""Times the validate-and-resolve stage of one national-scale task in a fresh interpreter.

    .venv/bin/python bench/bench_validate.py [--data DIR] [--runs N]

Builds (deterministically, in a temporary folder unless --data names one to keep) the sample at
a scale giving a 30,000-row roster, saved as XLSX with numeric nomor absen and real date cells,
and the latest national task's ~25,000 responses (CSV). Then, in a fresh `python` process,
imports included, it runs the stage the task notebook runs before computing figures:

    load roster (XLSX) -> validate roster (Great Expectations) -> load responses
    -> validate responses (GX) -> resolve -> gate (GX, count in = count out)

and prints wall time, CPU time and peak RSS (VmHWM, reset before each step) per step, and
the whole process's wall time from launch to exit. Target: under 15 s wall on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROSTER_ROWS = 30_000
SCALE = 1.0097  # the sample's roster at this scale has just over 30,000 rows

CHILD = r"""
import time
T0, C0 = time.perf_counter(), time.process_time()
import json, os, sys

def peak_mib():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:")) / 1024

def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass

rows = []
last = [T0, C0]

def step(name):
    t, c = time.perf_counter(), time.process_time()
    rows.append({"step": name, "wall": t - last[0], "cpu": c - last[1], "peak_mib": peak_mib()})
    last[:] = [time.perf_counter(), time.process_time()]
    reset_peak()

from pathlib import Path
import pandas
from pipeline.inputs import load
from pipeline.rules import validate
from pipeline.rules.resolve import resolve_responses
step("import pandas + pipeline")
import great_expectations
step("import Great Expectations")
data, task_id = Path(sys.argv[1]), sys.argv[2]
task = load.get_task(load.load_tasks(data), task_id)
roster_raw = load.load_roster(data)
step(f"load roster (XLSX, {len(roster_raw):,} rows)")
roster, _ = validate.validate_roster(roster_raw)
step(f"validate roster (GX, {int(roster['quarantine_reason'].notna().sum())} quarantined)")
responses = load.load_responses(data, task)
step(f"load responses (CSV, {len(responses):,} rows)")
validate.validate_responses(responses)
step("validate responses (GX)")
checked = resolve_responses(responses, roster, task)
step(f"resolve ({int(checked['outcome'].isin(['counted', 'recovered']).sum()):,} counted)")
gate = validate.gate_checked_responses(checked, len(responses))
assert gate.critical_ok
step("gate checked responses (GX)")
print(json.dumps({"rows": rows, "wall": time.perf_counter() - T0, "cpu": time.process_time() - C0}))
"""


def roster_to_xlsx(csv_path: Path, xlsx_path: Path) -> int:
    """The sample roster as an XLSX a person would keep: numeric ids and date cells."""
    import pandas as pd
    import xlsxwriter

    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    wb = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True, "strings_to_numbers": False,
                                              "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("Data TPP")
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    iso = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
    columns = list(df.columns)
    ws.write_row(0, 0, columns)
    for i, row in enumerate(df.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            if value == "":
                continue
            if columns[j] == "Nomor Absen" and value.isdigit():
                ws.write_number(i, j, int(value))
            elif columns[j].startswith("Tanggal") and (m := iso.match(value)):
                ws.write_datetime(i, j, dt.datetime(int(m[1]), int(m[2]), int(m[3])), date_fmt)
            else:
                ws.write_string(i, j, value)
    wb.close()
    return len(df)


def build(data: Path) -> str:
    from pipeline.runs.sample import LATEST_TASK_ID, generate_sample

    if not (data / "roster.xlsx").exists():
        generate_sample(data, scale=SCALE)
        n = roster_to_xlsx(data / "roster.csv", data / "roster.xlsx")
        (data / "roster.csv").unlink()
        assert n >= ROSTER_ROWS, n
    return LATEST_TASK_ID


def run_once(data: Path, task_id: str) -> dict:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(data), task_id], cwd=ROOT, capture_output=True,
                          text=True)
    launch_to_exit = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(proc.stderr[-3000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["launch_to_exit"] = launch_to_exit
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None, help="build (or reuse) the data here and keep it")
    ap.add_argument("--runs", type=int, default=1, help="repeat the timed process; the fastest run is shown")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp) / "data"
        t = time.perf_counter()
        task_id = build(data)
        print(f"data: {data} (built in {time.perf_counter() - t:.1f} s), task {task_id}")
        runs = [run_once(data, task_id) for _ in range(max(1, args.runs))]
    best = min(runs, key=lambda r: r["launch_to_exit"])
    print(f"\n{'step':<46} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9}")
    for r in best["rows"]:
        print(f"{r['step']:<46} {r['wall']:7.2f} {r['cpu']:7.2f} {r['peak_mib']:9.0f}")
    peak = max(r["peak_mib"] for r in best["rows"])
    print(f"{'total in the process':<46} {best['wall']:7.2f} {best['cpu']:7.2f} {peak:9.0f}")
    print(f"{'launch to exit (interpreter start included)':<46} {best['launch_to_exit']:7.2f}")
    if len(runs) > 1:
        print("launch to exit, every run: " + ", ".join(f"{r['launch_to_exit']:.2f}" for r in runs))
    print("(peak MiB: VmHWM, reset before each step; target: under 15 s launch to exit)")


if __name__ == "__main__":
    main()
