"""Times loading and resolving each task's form responses in one process (the per-task cost a
cold history store pays for every earlier task).

    .venv/bin/python bench/bench_resolve.py --data /tmp/bw/data
    .venv/bin/python bench/bench_resolve.py --data DIR --runs 5 --task 2025-11-10-hari-pahlawan

Loads the roster once (`load.load_roster` + `validate.validate_roster`, not in the figures),
then for each task of the schedule times `load.load_responses` and `resolve.resolve_responses`
separately: best of `--runs` runs each, process CPU time (`time.process_time`) and wall time.
Before every timed run the pipeline's in-process memo caches (every `functools` cache defined
in pipeline.rules.contract, names, load and resolve, e.g. the name normalisation cache) are emptied,
so each figure is what one task costs on its own (`--keep-caches` leaves them warm, as a
process resolving task after task would). A last line times one pass over all tasks in
schedule order with the caches carried from task to task, which is what `stage.run_task`
with a cold history store does.

Runs the working tree's `pipeline/` in this process (only `git`, for the header, runs as a subprocess) and
writes nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_batch import busy_warning, load_average, machine  # noqa: E402


def clear_caches(modules) -> None:
    """Empty every functools cache defined at module level in `modules`."""
    for mod in modules:
        for obj in vars(mod).values():
            clear = getattr(obj, "cache_clear", None)
            if callable(clear) and getattr(obj, "__module__", None) == mod.__name__:
                clear()


def timed(fn, runs: int, reset) -> tuple[float, float, object]:
    """(best CPU s, best wall s, last result) of `runs` calls of fn(), reset() before each."""
    best_cpu = best_wall = float("inf")
    result = None
    for _ in range(runs):
        reset()
        c, t = time.process_time(), time.perf_counter()
        result = fn()
        best_cpu = min(best_cpu, time.process_time() - c)
        best_wall = min(best_wall, time.perf_counter() - t)
    return best_cpu, best_wall, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "sample",
                    help="data directory (default: data/sample; e.g. a full-scale `python -m pipeline sample`)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per task and step; the best is shown")
    ap.add_argument("--task", action="append", default=None, help="only this task id (repeatable)")
    ap.add_argument("--keep-caches", action="store_true", help="do not empty the memo caches between runs")
    args = ap.parse_args()


    from pipeline.inputs import load
    from pipeline.rules import contract, names, resolve, validate

    modules = (contract, names, load, resolve)
    reset = (lambda: None) if args.keep_caches else (lambda: clear_caches(modules))
    print(machine())  # cores, memory, Python, commit, load average at start
    data = args.data
    tasks = load.load_tasks(data)
    t = time.perf_counter()
    roster, _ = validate.validate_roster(load.load_roster(data))
    print(f"data: {data}; roster {len(roster):,} rows (loaded and validated in {time.perf_counter() - t:.1f} s); "
          f"{len(tasks)} tasks; best of {args.runs}, caches {'kept' if args.keep_caches else 'emptied'} "
          "before each run\n")

    chosen = [task for _, task in tasks.iterrows() if not args.task or task["task_id"] in args.task]
    head = (f"{'task':<34} {'rows':>7} {'load cpu':>9} {'load wall':>9} {'resolve cpu':>11} {'resolve wall':>12} "
            f"{'sum cpu':>8}")
    print(head)
    print("-" * len(head))
    tot = [0.0, 0.0, 0.0, 0.0]
    for task in chosen:
        lc, lw, responses = timed(partial(load.load_responses, data, task), args.runs, reset)
        rc, rw, checked = timed(partial(resolve.resolve_responses, responses, roster, task), args.runs, reset)
        assert len(checked) == len(responses)
        for k, v in enumerate((lc, lw, rc, rw)):
            tot[k] += v
        print(f"{task['task_id']:<34} {len(responses):>7,} {lc:9.3f} {lw:9.3f} {rc:11.3f} {rw:12.3f} {lc + rc:8.3f}")
    print("-" * len(head))
    print(f"{'total (sum of best runs)':<34} {'':>7} {tot[0]:9.3f} {tot[1]:9.3f} {tot[2]:11.3f} {tot[3]:12.3f} "
          f"{tot[0] + tot[2]:8.3f}")

    # One pass in schedule order, caches carried from task to task (stage.run_task, cold history).
    reset()
    c, t = time.process_time(), time.perf_counter()
    for task in chosen:
        resolve.resolve_responses(load.load_responses(data, task), roster, task)
    print(f"\none pass over {len(chosen)} tasks, caches carried over: {time.process_time() - c:.3f} s CPU, "
          f"{time.perf_counter() - t:.3f} s wall")
    print(f"load average at end: {load_average()}{busy_warning()}")


if __name__ == "__main__":
    main()
