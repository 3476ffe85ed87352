"""Command line: `python -m pipeline report|stage|sample` (what the Makefile calls)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline import config
from pipeline.errors import PipelineError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipeline", description="absensi-medsos: TPP social-media attendance reports")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("report", help="render every province report and the national one for a task")
    r.add_argument("--task", default=None, help="task_id (default: the latest task of the schedule)")
    r.add_argument("--data", type=Path, default=config.SAMPLE_DATA_DIR, help="data directory (default: the embedded sample)")
    r.add_argument("--out", type=Path, default=config.REPORTS_DIR, help="output folder (default: reports/)")
    r.add_argument("--strict", action="store_true", help="fail when any roster row is quarantined")
    r.add_argument("--workers", type=int, default=config.WORKERS, help="reports rendered in parallel")
    r.add_argument("--force", action="store_true", help="render again even when nothing changed since the published run")

    s = sub.add_parser("stage", help="only validate, resolve and compute a task (writes tables/)")
    s.add_argument("--task", default=None)
    s.add_argument("--data", type=Path, default=config.SAMPLE_DATA_DIR)
    s.add_argument("--out", type=Path, default=config.REPORTS_DIR)
    s.add_argument("--strict", action="store_true")

    g = sub.add_parser("sample", help="write the deterministic sample data directory")
    g.add_argument("out", type=Path, nargs="?", default=config.SAMPLE_DATA_DIR)
    g.add_argument("--scale", type=float, default=1.0)
    g.add_argument("--seed", type=int, default=None)

    a = sub.add_parser("audit", help="check the inputs' hashes, rerun a task's notebooks with nbval and compare every output")
    a.add_argument("--task", default=None, help="task_id (default: the only task folder in --out)")
    a.add_argument("--out", type=Path, default=config.REPORTS_DIR, help="output folder holding <task_id>/ (default: reports/)")
    a.add_argument("--data", type=Path, default=None, help="data directory (default: the one recorded in manifest.json)")
    a.add_argument("--reports", default=None, help="only these reports, comma-separated (e.g. jawa-timur,national)")
    a.add_argument("--workers", type=int, default=2, help="nbval processes in parallel for the reports")

    b = sub.add_parser("bundle", help="one zip per province (and one national) with a manifest of sha256")
    b.add_argument("--task", default=None, help="task_id (default: the only task folder in --out)")
    b.add_argument("--out", type=Path, default=config.REPORTS_DIR, help="output folder holding <task_id>/ (default: reports/)")

    rc = sub.add_parser("recap", help="the recap of a period (a month, a quarter or FROM..TO): tables and reports")
    rc.add_argument("--period", default=None, help="a month (2025-11) or a quarter (2025-Q4)")
    rc.add_argument("--from", dest="date_from", default=None, help="first day, YYYY-MM-DD (with --to)")
    rc.add_argument("--to", dest="date_to", default=None, help="last day, YYYY-MM-DD (included)")
    rc.add_argument("--data", type=Path, default=config.SAMPLE_DATA_DIR, help="data directory (default: the sample)")
    rc.add_argument("--out", type=Path, default=config.REPORTS_DIR, help="output folder (default: reports/)")
    rc.add_argument("--strict", action="store_true", help="fail when any roster row is quarantined")
    rc.add_argument("--workers", type=int, default=config.WORKERS, help="reports rendered in parallel")
    rc.add_argument("--force", action="store_true", help="render again even when nothing changed")

    v = sub.add_parser("verify", help="check every file of a task folder, unpacked bundle or bundle zip against its manifest")
    v.add_argument("target", type=Path, nargs="?", default=None, help="folder or .zip (default: --out[/--task])")
    v.add_argument("--out", type=Path, default=config.REPORTS_DIR)
    v.add_argument("--task", default=None)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "report":
            from pipeline.runs.batch import main_summary, run_batch

            result = run_batch(args.task, args.data, args.out, strict=args.strict, workers=args.workers,
                               force=args.force)
            print(main_summary(result))
        elif args.command == "stage":
            from pipeline.runs.batch import ensure_sample
            from pipeline.runs.stage import run_task

            ensure_sample(args.data)
            res = run_task(args.data, args.task, out_root=args.out, strict=args.strict,
                           history_dir=Path(args.out) / config.HISTORY_DIRNAME)
            print(f"tables for {res.task_id} -> {res.out_dir / 'tables'}")
        elif args.command == "sample":
            from pipeline.runs.sample import generate_sample

            kwargs = {"scale": args.scale}
            if args.seed is not None:
                kwargs["seed"] = args.seed
            print(f"sample data -> {generate_sample(args.out, **kwargs)}")
        elif args.command == "audit":
            from pipeline.runs.audit import audit, resolve_task_dir

            reports = [r.strip() for r in args.reports.split(",") if r.strip()] if args.reports else None
            audit(resolve_task_dir(args.out, args.task), data_dir=args.data, reports=reports, processes=args.workers)
        elif args.command == "bundle":
            from pipeline.runs.audit import resolve_task_dir
            from pipeline.runs.bundle import make_bundles

            make_bundles(resolve_task_dir(args.out, args.task))
        elif args.command == "recap":
            from pipeline.runs.batch import main_summary
            from pipeline.runs.recap import parse_period, run_recap

            period = parse_period(args.period, args.date_from, args.date_to)
            result = run_recap(period, args.data, args.out, strict=args.strict, workers=args.workers,
                               force=args.force)
            print(main_summary(result))
        elif args.command == "verify":
            from pipeline.runs.audit import verify

            verify(args.target or (args.out / args.task if args.task else args.out))
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
