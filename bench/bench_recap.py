"""Times the period recap at national scale: recap tables of a quarter and a year, cold and warm, and
the whole `make recap` of a quarter with its 38 reports (issue 16).

    .venv/bin/python bench/bench_recap.py                           # 52 weekly tasks x 25,000 rows
    .venv/bin/python bench/bench_recap.py --rows 3000 --skip-reports  # quick check
    .venv/bin/python bench/bench_recap.py --keep /tmp/recapbench    # keep (and next time reuse) the data

1. Data (bench_history.py's generator): the national sample's roster (scale 1.0) and 52 weekly
   national tasks ending on 2025-11-10 (so 2025-Q3 holds 13 of them and the 365 days
   2024-11-11..2025-11-10 all 52), about `--rows` responses each.
2. Recap tables (`pipeline.runs.recap.run_recap_tables`, what notebooks/recap.ipynb runs: load
   and validate the roster (its suite outcome read from the store when stored), each task from
   the history store or resolved and stored, the figures and the tables; the province workbooks
   are written later by the report workers), each in a new process:
   - quarter cold: empty history store (13 tasks + the 13 of Q2 for the change, resolved);
   - quarter warm: the same again (every task read from the store);
   - year: the 52 tasks, the quarter's already stored (the others resolved), then warm.
3. `python -m pipeline recap --period 2025-Q3` (what `make recap PERIOD=2025-Q3` runs), history
   warm: the recap notebook, 37 province reports and the national one, HTML + PDF.
4. For comparison, `python -m pipeline report --task <the quarter's last task>` on the same data
   and output folder (the history store warm for every earlier task).
Targets: quarter warm < 10 s, year warm < 20 s, the whole quarter recap in no more than a task's
report run (step 4). The code run is a snapshot of the working tree (see bench_batch.py); `--live`
runs the working tree itself.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_batch import (
    GIB,
    MIB,
    PY,
    TreeMeter,
    busy_warning,
    code_env,
    code_hash,
    load_average,
    machine,
    prepare_code,
    tree_changed_note,
)
from bench_history import SEED, people_from_roster, tasks_frame, write_task

N_TASKS = 52
QUARTER = ("2025-07-01", "2025-09-30")  # 13 weekly tasks
YEAR = ("2024-11-11", "2025-11-10")  # all 52
TABLES = ("import sys; from pipeline.runs.recap import run_recap_tables; "
          "run_recap_tables(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], history_dir=sys.argv[5])")


def make_data(work: Path, rows: int, seed: int, code: Path) -> tuple[Path, float]:
    data = work / "data"
    params = {"tasks": N_TASKS, "rows": rows, "seed": seed, "version": 1}
    marker = work / "params.json"
    t = time.perf_counter()
    if marker.exists() and json.loads(marker.read_text()) == params and (data / "tasks.csv").exists():
        print(f"reusing the data in {data}")
        return data, time.perf_counter() - t
    shutil.rmtree(data, ignore_errors=True)
    sample = work / "sample"
    if not (sample / "roster.csv").exists():
        subprocess.run([PY, "-m", "pipeline", "sample", str(sample)], cwd=code, env=code_env(code), check=True,
                       capture_output=True)
    (data / "responses").mkdir(parents=True)
    shutil.copy(sample / "roster.csv", data / "roster.csv")
    people = people_from_roster(data / "roster.csv", seed)
    tasks = tasks_frame(N_TASKS)
    for i in range(N_TASKS):
        write_task(data, people, tasks, i, rows, seed)
    tasks.to_csv(data / "tasks.csv", index=False, encoding="utf-8", lineterminator="\n")
    marker.write_text(json.dumps(params))
    return data, time.perf_counter() - t


def run(cmd: list[str], log: Path, code: Path):
    with open(log, "a", encoding="utf-8") as f, TreeMeter() as meter:
        f.write(f"$ {' '.join(cmd)}\n")
        f.flush()
        rc = subprocess.run(cmd, cwd=code, env=code_env(code), stdout=f, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        print("FAILED; end of its log:\n" + "\n".join(log.read_text(encoding="utf-8").splitlines()[-20:]))
    return meter.result, rc == 0


def tables(data: Path, out: Path, period: tuple[str, str], log: Path, code: Path):
    folder = out / f"recap_{period[0]}_{period[1]}"
    return run([PY, "-c", TABLES, str(data), *period, str(folder), str(out / ".history")], log, code)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=25_000, help="responses per task (default 25,000)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--keep", type=Path, default=None, help="generate into this folder and keep it (reused)")
    ap.add_argument("--skip-reports", action="store_true", help="only the recap tables, not the 38 reports")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    ap.add_argument("--live", action="store_true", help="run the working tree itself, not a snapshot of it")
    args = ap.parse_args(argv)
    print(machine(), flush=True)
    print("reproduce: .venv/bin/python bench/bench_recap.py " + " ".join(sys.argv[1:] if argv is None else argv))
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_recap_"))
    work.mkdir(parents=True, exist_ok=True)
    start_hash = code_hash()
    try:
        code, what = prepare_code(work, args.live)
        print(what, flush=True)
        print(f"\ndata: {N_TASKS} weekly tasks x ~{args.rows:,} rows into {work / 'data'} ...", flush=True)
        data, gen_s = make_data(work, args.rows, args.seed, code)
        out = work / "out"  # always fresh: the cold runs start from an empty history store
        shutil.rmtree(out, ignore_errors=True)
        log = work / "recap.log"
        log.unlink(missing_ok=True)
        steps = [("tables, quarter (13 tasks), history cold", QUARTER), ("tables, quarter, history warm", QUARTER),
                 ("tables, year (52 tasks), quarter's tasks stored", YEAR), ("tables, year, history warm", YEAR)]
        results = []
        for label, period in steps:
            print(f"{label} ...", flush=True)
            m, ok = tables(data, out, period, log, code)
            results.append((label, m, ok))
            print(f"  {m.wall:.1f} s", flush=True)
        if not args.skip_reports:
            label = "make recap PERIOD=2025-Q3: notebook + 38 reports, warm"
            print(f"{label} ...", flush=True)
            m, ok = run([PY, "-m", "pipeline", "recap", "--period", "2025-Q3", "--data", str(data), "--out", str(out)],
                        log, code)
            results.append((label, m, ok))
            print(f"  {m.wall:.1f} s", flush=True)
            # what the recap is compared with: the report run of the period's last task, same data and store
            schedule = tasks_frame(N_TASKS)
            last = str(schedule.loc[schedule["mulai"] <= f"{QUARTER[1]} 23:59", "task_id"].iloc[-1])
            label = f"make report TASK={last}: task stage + 38 reports"
            print(f"{label} ...", flush=True)
            m, ok = run([PY, "-m", "pipeline", "report", "--task", last, "--data", str(data), "--out", str(out)],
                        log, code)
            results.append((label, m, ok))
            print(f"  {m.wall:.1f} s", flush=True)

        print(f"\n{'step':<58} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9}")
        print("-" * 86)
        print(f"{f'generate data ({N_TASKS} tasks x ~{args.rows:,} rows)':<58} {gen_s:8.1f}")
        for label, m, ok in results:
            print(f"{label:<58} {m.wall:8.1f} {m.cpu:8.1f} {m.peak_rss / MIB:9.0f}{'' if ok else '  FAILED'}")
        wall = {label: m.wall for label, m, _ in results}
        print("\nacceptance (issue 16; targets for --rows 25000 on 2 idle cores)")
        q, y = wall[steps[1][0]], wall[steps[3][0]]
        print(f"  quarter recap tables, history warm, under 10 s: {q:.1f} s {'ok' if q < 10 else 'NOT MET'}")
        print(f"  year recap tables, history warm, under 20 s: {y:.1f} s {'ok' if y < 20 else 'NOT MET'}")
        if not args.skip_reports:
            r, t = results[-2][1].wall, results[-1][1].wall
            print(f"  whole quarter recap (38 reports) in no more than a task's report run ({t:.1f} s): {r:.1f} s "
                  f"{'ok' if r <= t else 'NOT MET'}")
        peak = max(m.peak_rss for _, m, _ in results)
        print(f"  peak memory {peak / GIB:.2f} GiB")
        print(f"\nload average at end: {load_average()}{busy_warning()}{tree_changed_note(start_hash)}"
              + (f"\ndata, outputs and recap.log kept in {work}" if args.keep else ""))
        if args.json:
            args.json.write_text(json.dumps({"rows": args.rows, "generate_s": gen_s, "steps": [
                {"step": label, "wall": m.wall, "cpu": m.cpu, "peak_rss_bytes": m.peak_rss, "ok": ok}
                for label, m, ok in results]}, indent=2) + "\n", encoding="utf-8")
        return 0 if all(ok for _, _, ok in results) else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
