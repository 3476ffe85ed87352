"""nbval reruns of executed notebooks in fresh kernels, in parallel pytest processes, with every difference recorded."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.runs.compare import Difference, _clip, cell_label, first_difference, report_name
from pipeline.runs.sanitize import SANITIZE_CONFIG

Log = Callable[[str], None]


# --------------------------------------------------------------------------- nbval runs


class NbvalRecorder:
    """pytest plugin (in the nbval subprocess): one JSON line per finished notebook with its differences."""

    def __init__(self, record: Path, root: Path):
        self.record, self.root = Path(record), Path(root)
        self.failures: dict[str, list[dict]] = {}
        self.cells: dict[str, int] = {}

    def _rel(self, path: Any) -> str:
        try:
            return Path(str(path)).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def _write(self, rec: dict) -> None:
        with open(self.record, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def pytest_collectreport(self, report):
        if report.failed:
            self._write({"notebook": self._rel(report.fspath), "collect_error": _clip(str(report.longrepr), 600)})

    def pytest_runtest_makereport(self, item, call):
        if call.when != "call" or not hasattr(item, "cell_num"):
            return
        rel = self._rel(item.fspath)
        self.cells[rel] = self.cells.get(rel, 0) + 1
        if call.excinfo is None:
            return
        nb = getattr(item.parent, "nb", {}) or {}
        rules = list(getattr(item.parent, "sanitize_patterns", {}).items())
        rerun = [dict(o) for o in (item.test_outputs or [])]
        message = " ".join(str(call.excinfo.value).split())
        diff = None
        if message == "Cell outputs differ":
            diff = first_difference(item.cell.get("outputs", []), rerun, rules)
        if diff is None:  # the cell itself failed, timed out or the kernel died
            errs = [o for o in rerun if o.get("output_type") == "error"]
            detail = f"{errs[0].get('ename')}: {errs[0].get('evalue')}" if errs else message[:300]
            diff = ("error", "(no error)", detail)
        self.failures.setdefault(rel, []).append(
            {"cell": cell_label(nb, item.cell_num), "kind": diff[0], "published": diff[1], "rerun": diff[2]})

    def pytest_runtest_teardown(self, item, nextitem):
        if not hasattr(item, "cell_num"):
            return
        if nextitem is None or nextitem.fspath != item.fspath:
            rel = self._rel(item.fspath)
            self._write({"notebook": rel, "cells": self.cells.get(rel, 0), "failures": self.failures.get(rel, [])})


def _nbval_args(notebooks: list[Path], rules_file: Path, ini: Path) -> list[str]:
    return ["-q", "-c", str(ini), "-p", "no:cacheprovider", "-p", "no:randomly", "--color=no",
            "--nbval", "--nbval-current-env", "--nbval-cell-timeout", "900",
            "--nbval-sanitize-with", str(rules_file), *map(str, notebooks)]


def _start_nbval(notebooks: list[Path], root: Path, record: Path, rules_file: Path) -> subprocess.Popen:
    ini = root / ".audit-pytest.ini"  # an empty configuration: no project conftest or addopts in the rerun
    if not ini.exists():
        ini.write_text("[pytest]\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "pipeline.runs.nbval", "--record", str(record), "--root", str(root), "--",
           *_nbval_args(notebooks, rules_file, ini)]
    return subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _read_records(path: Path) -> list[dict]:
    """Complete lines only: the nbval process may be appending the next one."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.endswith("\n") and line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                break
    return records


def run_nbval(notebooks: list[Path], root: Path, *, processes: int = 2, rules_file: Path = SANITIZE_CONFIG,
              log: Log = print, label: str = "") -> list[Difference]:
    """Rerun `notebooks` (paths inside `root`) with nbval in fresh kernels, in up to `processes` pytest
    processes over disjoint lists; print one progress line per notebook; return every difference."""
    notebooks = list(notebooks)
    lanes = _lanes(notebooks, processes)
    records = [root / f".audit-{label or 'nbval'}-{i}.jsonl" for i in range(len(lanes))]
    for r in records:
        r.unlink(missing_ok=True)
    procs = [_start_nbval(lane, root, rec, rules_file) for lane, rec in zip(lanes, records)]
    outputs, readers = _drain_outputs(procs)
    progress = _Progress(records, len(notebooks), log)
    try:
        while any(p.poll() is None for p in procs):
            progress.report_new()
            time.sleep(0.5)
    except BaseException:  # interrupted: stop the nbval processes (they shut their kernels down)
        _stop(procs)
        raise
    for t in readers:
        t.join(timeout=10)
    progress.report_new()
    differences = progress.differences
    differences += _lost_notebooks(procs, lanes, outputs, records, root, any_difference=bool(differences))
    for r in records:
        r.unlink(missing_ok=True)
    return differences


def _lanes(notebooks: list[Path], processes: int) -> list[list[Path]]:
    """Disjoint lists of notebooks, one per process: biggest first, each to the lightest lane."""
    lanes: list[list[Path]] = [[] for _ in range(max(1, min(processes, len(notebooks))))]
    loads = [0] * len(lanes)
    for nb in sorted(notebooks, key=lambda p: (-p.stat().st_size, str(p))):
        i = loads.index(min(loads))
        lanes[i].append(nb)
        loads[i] += nb.stat().st_size
    return lanes


def _drain_outputs(procs: list[subprocess.Popen]) -> tuple[list[str], list[threading.Thread]]:
    """Read each process's output in a thread (a full pipe would block it); filled in when it ends."""
    outputs = [""] * len(procs)
    readers = []

    def drain(i: int) -> None:
        outputs[i] = procs[i].stdout.read()

    for i in range(len(procs)):
        t = threading.Thread(target=drain, args=(i,), daemon=True)
        t.start()
        readers.append(t)
    return outputs, readers


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


class _Progress:
    """One log line per notebook as its record appears; the differences collected on the way."""

    def __init__(self, records: list[Path], total: int, log: Log) -> None:
        self.records, self.total, self.log = records, total, log
        self.seen: set[str] = set()
        self.differences: list[Difference] = []
        self.t0 = time.perf_counter()

    def report_new(self) -> None:
        for rec in (r for path in self.records for r in _read_records(path)):
            nb = rec["notebook"]
            key = nb + ("#collect" if "collect_error" in rec else "")
            if key in self.seen:
                continue
            self.seen.add(key)
            name, n = report_name(nb), len(self.seen)
            if "collect_error" in rec:
                self.differences.append(Difference(name, "notebook", "error", "(readable notebook)",
                                                   rec["collect_error"]))
                self.log(f"[{n:>2}/{self.total}] {name:<28} NOT READABLE: {_clip(rec['collect_error'], 160)}")
                continue
            status = "ok" if not rec["failures"] else f"DIFFERS ({len(rec['failures'])} cell(s))"
            self.log(f"[{n:>2}/{self.total}] {name:<28} {status:<12} {rec['cells']} cells, "
                     f"{time.perf_counter() - self.t0:5.1f} s elapsed")
            for f in rec["failures"]:
                self.differences.append(Difference(name, f["cell"], f["kind"], f["published"], f["rerun"]))
                self.log("        " + _clip(self.differences[-1].describe(), 400))


def _lost_notebooks(procs, lanes, outputs, records, root: Path, *, any_difference: bool) -> list[Difference]:
    """A notebook whose process ended without recording it (crash, kernel lost) is a difference too."""
    done = {r["notebook"] for path in records for r in _read_records(path)}
    lost_diffs = []
    for proc, lane, out in zip(procs, lanes, outputs):
        lost = [nb for nb in lane if nb.relative_to(root).as_posix() not in done]
        if lost or (proc.returncode not in (0, 1) and not any_difference):
            tail = " ".join(out.strip().splitlines()[-3:])[-400:]
            for nb in lost or lane[:1]:
                lost_diffs.append(Difference(report_name(nb.relative_to(root).as_posix()), "notebook", "error",
                                             "(no error)", f"nbval exited with code {proc.returncode}: {tail}"))
    return lost_diffs


# --------------------------------------------------------------------------- nbval subprocess entry point


def _nbval_main(argv: list[str]) -> int:
    """`python -m pipeline.runs.nbval --record F --root D -- <pytest args>`: pytest with the recorder plugin."""
    import pytest

    sep = argv.index("--")
    opts, args = argv[:sep], argv[sep + 1:]
    record, root = Path(opts[opts.index("--record") + 1]), Path(opts[opts.index("--root") + 1])
    return int(pytest.main(args, plugins=[NbvalRecorder(record, root)]))


if __name__ == "__main__":
    sys.exit(_nbval_main(sys.argv[1:]))
