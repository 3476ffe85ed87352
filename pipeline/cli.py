"""Command line: `python -m pipeline report|stage|sample` (what the Makefile calls)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import config
from .errors import PipelineError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipeline", description="absensi-medsos: TPP social-media attendance reports")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("report", help="render every province report and the national one for a task")
    r.add_argument("--task", default=None, help="task_id (default: the latest task of the schedule)")
    r.add_argument("--data", type=Path, default=config.SAMPLE_DATA_DIR, help="data directory (default: the embedded sample)")
    r.add_argument("--out", type=Path, default=config.REPORTS_DIR, help="output folder (default: reports/)")
    r.add_argument("--strict", action="store_true", help="fail when any roster row is quarantined")
    r.add_argument("--workers", type=int, default=config.WORKERS, help="reports rendered in parallel")

    s = sub.add_parser("stage", help="only validate, resolve and compute a task (writes tables/)")
    s.add_argument("--task", default=None)
    s.add_argument("--data", type=Path, default=config.SAMPLE_DATA_DIR)
    s.add_argument("--out", type=Path, default=config.REPORTS_DIR)
    s.add_argument("--strict", action="store_true")

    g = sub.add_parser("sample", help="write the deterministic sample data directory")
    g.add_argument("out", type=Path, nargs="?", default=config.SAMPLE_DATA_DIR)
    g.add_argument("--scale", type=float, default=1.0)
    g.add_argument("--seed", type=int, default=None)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "report":
            from .batch import main_summary, run_batch

            result = run_batch(args.task, args.data, args.out, strict=args.strict, workers=args.workers)
            print(main_summary(result))
        elif args.command == "stage":
            from .batch import ensure_sample
            from .stage import run_task

            ensure_sample(args.data)
            res = run_task(args.data, args.task, out_root=args.out, strict=args.strict)
            print(f"tables for {res.task_id} -> {res.out_dir / 'tables'}")
        elif args.command == "sample":
            from .sample import generate_sample

            kwargs = {"scale": args.scale}
            if args.seed is not None:
                kwargs["seed"] = args.seed
            print(f"sample data -> {generate_sample(args.out, **kwargs)}")
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
