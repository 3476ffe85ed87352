"""Command line: `python -m pipeline report|stage|sample` (what the Makefile calls)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from pipeline import config
from pipeline.errors import FileSystemError, PipelineError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipeline",
                                description="absensi-medsos: TPP social-media attendance reports")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("report", help="render every province report and the national one for a task")
    r.add_argument("--task", default=None, help="task_id (default: the latest task that has started)")
    r.add_argument("--data", type=Path, default=config.SAMPLE_DATA_DIR,
                   help="data directory (default: the embedded sample)")
    r.add_argument("--out", type=Path, default=config.REPORTS_DIR, help="output folder (default: reports/)")
    r.add_argument("--strict", action="store_true", help="fail when any roster row is quarantined")
    r.add_argument("--workers", type=int, default=config.WORKERS, help="reports rendered in parallel")
    r.add_argument("--force", action="store_true",
                   help="render again even when nothing changed since the published run")

    s = sub.add_parser("stage", help="only validate, resolve and compute a task (publishes OUT/<task_id>/tables/)")
    s.add_argument("--task", default=None, help="task_id (default: the latest task that has started)")
    s.add_argument("--data", type=Path, default=config.SAMPLE_DATA_DIR,
                   help="data directory (default: the embedded sample)")
    s.add_argument("--out", type=Path, default=config.REPORTS_DIR, help="output folder (default: reports/)")
    s.add_argument("--strict", action="store_true", help="fail when any roster row is quarantined")

    g = sub.add_parser("sample", help="write the deterministic sample data directory")
    g.add_argument("out", type=Path, nargs="?", default=config.SAMPLE_DATA_DIR,
                   help="folder to write (default: data/sample)")
    g.add_argument("--scale", type=float, default=1.0,
                   help="fraction of the national roster (default 1.0, about 30,000 TPP; 0.05 is a quick one)")
    g.add_argument("--seed", type=int, default=None, help="random seed (default: the sample's fixed seed)")

    a = sub.add_parser("audit",
                       help="check the inputs' hashes, rerun a task's notebooks with nbval and compare every output")
    a.add_argument("--task", default=None, help="task_id (default: the only task folder in --out)")
    a.add_argument("--out", type=Path, default=config.REPORTS_DIR,
                   help="output folder holding <task_id>/ (default: reports/)")
    a.add_argument("--data", type=Path, default=None,
                   help="data directory (default: the one recorded in manifest.json)")
    a.add_argument("--reports", default=None, help="only these reports, comma-separated (e.g. jawa-timur,national)")
    a.add_argument("--workers", type=int, default=2, help="nbval processes in parallel for the reports")

    b = sub.add_parser("bundle", help="one zip per province (and one national) with a manifest of sha256")
    b.add_argument("--task", default=None, help="task_id (default: the only task folder in --out)")
    b.add_argument("--out", type=Path, default=config.REPORTS_DIR,
                   help="output folder holding <task_id>/ (default: reports/)")

    rc = sub.add_parser("recap", help="the recap of a period (a month, a quarter or FROM..TO): tables and reports")
    rc.add_argument("--period", default=None, help="a month (2025-11) or a quarter (2025-Q4)")
    rc.add_argument("--from", dest="date_from", default=None, help="first day, YYYY-MM-DD (with --to)")
    rc.add_argument("--to", dest="date_to", default=None, help="last day, YYYY-MM-DD (included)")
    rc.add_argument("--data", type=Path, default=config.SAMPLE_DATA_DIR, help="data directory (default: the sample)")
    rc.add_argument("--out", type=Path, default=config.REPORTS_DIR, help="output folder (default: reports/)")
    rc.add_argument("--strict", action="store_true", help="fail when any roster row is quarantined")
    rc.add_argument("--workers", type=int, default=config.WORKERS, help="reports rendered in parallel")
    rc.add_argument("--force", action="store_true", help="render again even when nothing changed")

    v = sub.add_parser("verify",
                       help="check every file of a task folder, unpacked bundle or bundle zip against its manifest")
    v.add_argument("target", type=Path, nargs="?", default=None, help="folder or .zip (default: --out[/--task])")
    v.add_argument("--out", type=Path, default=config.REPORTS_DIR,
                   help="folder to check when no target is given (default: reports/)")
    v.add_argument("--task", default=None, help="check --out/<task_id>")
    _live_parsers(sub)
    return p


def _live_parsers(sub) -> None:
    """watch, live-rotate, serve (pipeline/live/)."""
    from pipeline.live import DEFAULT_EVERY, DEFAULT_GRACE

    w = sub.add_parser("watch", help="live pages during a task's window, then the final reports")
    w.add_argument("--task", default=None, help="task_id (default: the latest task of the schedule)")
    w.add_argument("--data", type=Path, default=config.SAMPLE_DATA_DIR, help="data directory (default: the sample)")
    w.add_argument("--out", type=Path, default=config.REPORTS_DIR, help="output folder (default: reports/)")
    w.add_argument("--every", type=int, default=DEFAULT_EVERY, help="seconds between two reads of the source")
    w.add_argument("--grace", type=int, default=DEFAULT_GRACE, help="seconds after batas the watch goes on")
    w.add_argument("--once", action="store_true", help="one refresh, then exit (final reports if the window closed)")
    r = sub.add_parser("live-rotate", help="new tokens (paths) for live pages: a scope and everything below it")
    r.add_argument("--out", type=Path, default=config.REPORTS_DIR, help="output folder (default: reports/)")
    r.add_argument("--provinsi", default="", help="a province (default: the national page, i.e. every page)")
    r.add_argument("--kabupaten", default="", help="a kabupaten of --provinsi")
    s = sub.add_parser("serve", help="serve an output folder on localhost without folder listings")
    s.add_argument("--out", type=Path, default=config.REPORTS_DIR, help="folder to serve (default: reports/)")
    s.add_argument("--port", type=int, default=8000, help="port on localhost (default: 8000)")


def _live_command(args) -> None:
    if args.command == "watch":
        from pipeline.live.watch import watch
        from pipeline.runs.batch import ensure_sample

        ensure_sample(args.data)
        if args.every < 1 or args.grace < 0:
            raise PipelineError("--every must be at least 1 second and --grace not negative")
        watch(args.data, args.task, args.out, every=args.every, grace=args.grace, once=args.once)
    elif args.command == "live-rotate":
        from pipeline.live.tokens import LINKS_FILE, rotate

        scope = "kabupaten" if args.kabupaten else "provinsi" if args.provinsi else "nasional"
        try:
            keys = rotate(args.out, scope, args.provinsi, args.kabupaten)
        except KeyError as exc:
            raise PipelineError(exc.args[0]) from None
        print(f"{len(keys)} pages have new paths; send the new links from {args.out / LINKS_FILE}")
    elif args.command == "serve":
        from pipeline.live.serve import serve

        serve(args.out, args.port)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    interrupt = _interrupt_once() if threading.current_thread() is threading.main_thread() else None
    try:
        _run(args)
    except PipelineError as exc:
        return _fail(exc, exc.exit_code)
    except OSError as exc:  # disk full, read-only, permission, name too long ... where nothing else caught it
        return _fail(FileSystemError.from_os_error(exc), FileSystemError.exit_code)
    except KeyboardInterrupt:
        from pipeline.runs import sidecar

        sidecar.shutdown(kill=True)  # what the sidecar process was computing is not wanted any more
        print("interrupted: nothing was published; earlier outputs are unchanged", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, the traceback only on request
        if os.environ.get("ABSENSI_DEBUG"):
            raise
        return _fail(f"unexpected {type(exc).__name__}: {' '.join(str(exc).split())[:300]} (a bug: please "
                     "report it with the command you ran; ABSENSI_DEBUG=1 shows the traceback)", 1)
    finally:
        if interrupt is not None:
            signal.signal(signal.SIGINT, interrupt)
    return 0


def _fail(message, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)  # the Makefile adds errors.exit_meaning(code)
    return code


def _interrupt_once():
    """SIGINT raises KeyboardInterrupt once; a second Ctrl-C while the run cleans up is ignored
    (it would otherwise interrupt the cleanup with a traceback). Returns the previous handler."""
    def handler(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    return signal.signal(signal.SIGINT, handler)


def _run(args: argparse.Namespace) -> None:
    if args.command == "report":
        from pipeline.runs.batch import main_summary, run_batch

        result = run_batch(args.task, args.data, args.out, strict=args.strict, workers=args.workers,
                           force=args.force)
        print(main_summary(result))
    elif args.command == "stage":
        from pipeline.runs.batch import run_stage

        final = run_stage(args.task, args.data, args.out, strict=args.strict)
        print(f"tables for {final.name} -> {final / 'tables'}")
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
        result = run_recap(period, args.data, args.out, strict=args.strict, workers=args.workers, force=args.force)
        print(main_summary(result))
    elif args.command == "verify":
        from pipeline.runs.verify import verify

        verify(args.target or (args.out / args.task if args.task else args.out))
    elif args.command in ("watch", "live-rotate", "serve"):
        _live_command(args)
