"""`make audit`: a published task's inputs against their hashes, then its notebooks rerun with nbval in
fresh kernels and every output and re-published table compared with the published one.

The pieces live in their own modules: `verify` (files against a manifest), `compare` (outputs and
tables), `nbval` (the reruns) and `sanitize` (the volatile-output rules); their public names are
importable from here too.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import AuditFailed
from pipeline.runs.compare import (  # noqa: F401 - re-exported
    REPUBLISHED,
    Difference,
    _clip,
    _text,
    cell_label,
    compare_republished,
    first_difference,
    notebook_text_outputs,
    output_texts,
    report_name,
    table_difference,
)
from pipeline.runs.nbval import NbvalRecorder, run_nbval  # noqa: F401 - re-exported
from pipeline.runs.sanitize import SANITIZE_CONFIG, sanitize, sanitize_rules  # noqa: F401 - re-exported
from pipeline.runs.verify import (  # noqa: F401 - re-exported
    DERIVED_DIRS,
    Log,
    VerifyResult,
    _listing,
    check_inputs,
    load_manifest,
    manifest_files,
    verify,
    verify_folder,
    verify_zip,
)

# --------------------------------------------------------------------------- audit


@dataclass
class AuditResult:
    task_id: str
    task_dir: Path
    notebooks: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def resolve_task_dir(out: Path, task_id: str | None) -> Path:
    out = Path(out)
    if task_id:
        folder = out / task_id
    elif (out / "manifest.json").is_file():
        folder = out
    else:
        found = sorted(p for p in out.iterdir()
                       if not p.name.startswith(".") and (p / "manifest.json").is_file()) if out.is_dir() else []
        if len(found) != 1:
            names = ", ".join(p.name for p in found) or "none"
            raise AuditFailed(f"give the task (--task / TASK=); task folders in {out}: {names}")
        folder = found[0]
    if not (folder / "manifest.json").is_file():
        raise AuditFailed(f"{folder / 'manifest.json'} not found: render the task first (make report) "
                          "or point OUT at the folder that holds <task_id>/manifest.json")
    return folder


def report_notebooks(task_dir: Path) -> dict[str, Path]:
    """{report name: executed notebook} of a task folder: every province and 'national'."""
    return {p.parent.name: p for p in sorted(Path(task_dir).glob("*/report.ipynb"))}


def _set_parameters(notebook: Path, values: dict[str, str]) -> None:
    """Rewrite injected parameters of a copied notebook: {name: Python literal}, only those present."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            src = _text(cell["source"])
            for name, literal in values.items():
                src = re.sub(rf"(?m)^{re.escape(name)} = .*$", lambda _, n=name, v=literal: f"{n} = {v}", src)
            cell["source"] = src
    notebook.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def audit(task_dir: Path, *, data_dir: Path | None = None, reports: list[str] | None = None,
          processes: int = 2, workdir: Path | None = None, log: Log = print) -> AuditResult:
    """`make audit`: inputs against manifest.json, then task.ipynb and the report notebooks rerun with nbval.

    Raises AuditFailed naming the changed input, or every report, cell and figure that differs."""
    t0 = time.perf_counter()
    task_dir = Path(task_dir).resolve()
    manifest = load_manifest(task_dir)
    task_id = str(manifest.get("task_id") or task_dir.name)
    result = AuditResult(task_id, task_dir)
    log(f"[audit] {task_id}: {task_dir}")
    data_dir = _check_inputs_unchanged(manifest, data_dir, log)  # 1. other inputs would prove nothing: stop
    files = verify_folder(task_dir)  # 2. noted; the rerun still shows which figures moved
    result.problems += files.problems()
    log(f"[files] {files.checked} published files checked against manifest.json: "
        + ("ok" if files.ok else f"{len(files.problems())} MISMATCH(ES)"))
    chosen = _chosen_reports(task_dir, reports)
    tables, diffs = _rerun(task_dir, task_id, data_dir, chosen, processes=processes, workdir=workdir, log=log)
    result.notebooks = 1 + len(chosen)
    result.seconds = time.perf_counter() - t0
    result.problems = [f"tables: {t}" for t in tables] + [d.describe() for d in diffs] + result.problems
    if result.problems:
        raise AuditFailed(_listing(f"audit of {task_id} failed", result.problems))
    names = ", ".join(["task", *chosen]) if len(chosen) < 6 else f"task + {len(chosen)} reports"
    log(f"audit passed: {result.notebooks} notebooks rerun ({names}), every output and table identical, "
        f"{result.seconds:.0f} s")
    return result


def _check_inputs_unchanged(manifest: dict, data_dir: Path | None, log: Log) -> Path:
    """The data directory (given, or recorded in the manifest) whose inputs all match manifest.json."""
    if data_dir is None:
        recorded = (manifest.get("parameters") or {}).get("data_dir")
        if not recorded:
            raise AuditFailed("manifest.json does not record the data directory: give it with --data (DATA=)")
        data_dir = Path(recorded)
    data_dir = Path(data_dir).resolve()
    if not data_dir.is_dir():
        raise AuditFailed(f"data directory {data_dir} not found: give the data you were sent with --data (DATA=)")
    changed = check_inputs(manifest, data_dir)
    if changed:
        raise AuditFailed(_listing(f"inputs in {data_dir} are not the ones of manifest.json", changed)
                          + "\nthe published figures were computed from other inputs; audit stopped")
    log(f"[inputs] {len(manifest.get('inputs', []))} input files match manifest.json ({data_dir})")
    return data_dir


# The notebook that publishes tables/: a task folder's, or a period recap folder's (pipeline/runs/recap.py).
STAGE_NOTEBOOKS = ("task.ipynb", "recap.ipynb")


def stage_notebook(task_dir: Path) -> str:
    """The folder's notebook that publishes tables/ (task.ipynb, or recap.ipynb for a recap folder)."""
    return next((n for n in STAGE_NOTEBOOKS if (Path(task_dir) / n).is_file()), STAGE_NOTEBOOKS[0])


def _chosen_reports(task_dir: Path, reports: list[str] | None) -> list[str]:
    """The report folders to rerun: all, or those named ("task" alone: only the task notebook)."""
    available = report_notebooks(task_dir)
    if reports:
        unknown = [r for r in reports if r not in available and r != "task"]
        if unknown:
            raise AuditFailed(f"no report {', '.join(unknown)} in {task_dir}; reports: task, {', '.join(available)}")
        chosen = [r for r in available if r in set(reports)]
    else:
        chosen = list(available)
    if not (task_dir / stage_notebook(task_dir)).is_file():
        raise AuditFailed(f"{task_dir / 'task.ipynb'} not found: the task notebook is what publishes tables/")
    return chosen


def _rerun(task_dir: Path, task_id: str, data_dir: Path, chosen: list[str], *, processes: int,
           workdir: Path | None, log: Log) -> tuple[list[str], list[Difference]]:
    """The task notebook, then the chosen reports, rerun in a temporary copy of the task folder.

    Returns the re-published tables that differ and every notebook difference."""
    base = Path(tempfile.mkdtemp(prefix=f"audit-{task_id}-", dir=workdir))
    try:
        copy = base / task_id
        shutil.copytree(task_dir, copy, ignore=shutil.ignore_patterns(*DERIVED_DIRS, "*.pdf", ".*"))
        # The rerun reads the inputs (given or recorded) and recomputes every earlier task of the
        # schedule from them: no cache of the published run (history_dir) is trusted or touched.
        stage_nb = stage_notebook(task_dir)
        _set_parameters(copy / stage_nb, {"data_dir": json.dumps(str(data_dir)), "history_dir": "None"})

        # 3. the task notebook first: it re-publishes tables/ in the copy
        log(f"[task] rerunning {stage_nb} in a fresh kernel (validate, resolve, compute) ...")
        diffs = run_nbval([copy / stage_nb], copy, processes=1, log=log, label="task")
        tables = compare_republished(task_dir, copy)
        log("[tables] re-published tables/, validation/, task.json: "
            + ("byte-identical" if not tables else f"{len(tables)} DIFFER"))
        for t in tables:
            log("        " + _clip(t, 400))

        # 4. the reports, which read the re-published tables
        if chosen:
            log(f"[reports] rerunning {len(chosen)} report notebook(s) in fresh kernels, {processes} at a time ...")
            diffs += run_nbval([copy / name / "report.ipynb" for name in chosen], copy, processes=processes,
                               log=log, label="reports")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return tables, diffs
