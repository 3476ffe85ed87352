"""Before and after a run: the checks that turn a newcomer's mistake into one clear line before any
work (task id, output folder, earlier exports, the default task), and what a failed run keeps
for diagnosis where its message says."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from pipeline import publish
from pipeline.errors import FileSystemError, InputError, NotebookCellError, ValidationFailed
from pipeline.inputs import load

# A task id names folders and files (OUT/<task_id>/, OUT/.staging/<task_id>.<pid>/, <task_id>.previous,
# bundles/<task_id>_<report>.zip): with room for those suffixes it must stay well under 255 bytes.
MAX_TASK_ID_BYTES = 150
FAILED_DIRNAME = ".failed"


def prepare_run(data_dir: Path, out_root: Path, task_id: str | None) -> tuple[pd.DataFrame, str]:
    """The schedule and the task to run, after every check that needs no heavy work."""
    if data_dir.exists() and not data_dir.is_dir():
        raise InputError(f"DATA {data_dir} is a file, not a data directory: give the folder that holds roster and "
                         "tasks (DATA=... or --data)")
    if not data_dir.is_dir():
        raise InputError(f"data directory {data_dir} does not exist")
    check_output_root(out_root)
    tasks = load.load_tasks(data_dir)
    task_id = task_id or default_task(tasks)
    check_task_id(task_id, tasks)
    load.get_task(tasks, task_id)  # unknown task id: a clear error before any work
    check_earlier_exports(data_dir, tasks, task_id)
    return tasks, task_id


def default_task(tasks: pd.DataFrame, now: pd.Timestamp | None = None) -> str:
    """The latest task of the schedule that has started by `now` (a task not yet started has no
    responses to report); an InputError when none has."""
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    started = [tid for tid, mulai in zip(tasks["task_id"], tasks["mulai"]) if pd.Timestamp(mulai) <= now]
    if not started:
        when = ""
        if len(tasks):
            first = tasks.iloc[0]
            when = f" (the first, {first['task_id']}, starts {pd.Timestamp(first['mulai']).isoformat()})"
        raise InputError(f"no task of the schedule has started yet{when}: give the task with --task (TASK=)")
    return str(started[-1])  # the schedule is sorted by mulai, then task_id


def check_task_id(task_id: str, tasks: pd.DataFrame) -> None:
    """A task id that can name a folder: not too long, no path separator, not '.' or '..'."""
    scheduled = task_id in set(tasks["task_id"].astype(str))
    where = "in the schedule" if scheduled else "given with --task"
    fix = "shorten it in the schedule (tasks file)" if scheduled else "give a task_id of the schedule (--task, TASK=)"
    shown = task_id if len(task_id) <= 60 else task_id[:40] + "…" + task_id[-10:]
    size = len(os.fsencode(task_id))
    if size > MAX_TASK_ID_BYTES:
        raise InputError(f"task_id {shown!r} {where} is {size} bytes long: it names the output folder and files, "
                         f"so it can have at most {MAX_TASK_ID_BYTES}; {fix}")
    if task_id in (".", "..") or any(c in task_id for c in "/\\\0") or task_id.startswith("."):
        raise InputError(f"task_id {shown!r} {where} cannot name a folder (no '/', '\\', leading '.'): "
                         + ("rename it in the schedule (tasks file)" if scheduled else fix))


def check_output_root(out_root: Path) -> None:
    """OUT must be a folder this run can write into (created when missing)."""
    out_root = Path(out_root)
    if out_root.exists() and not out_root.is_dir():
        raise FileSystemError(f"OUT {out_root} is a file, not a folder: give a folder for the reports "
                              "(OUT=... or --out)")
    try:
        root = publish.staging_root(out_root)
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as exc:
        raise FileSystemError.from_os_error(exc) from None


def check_earlier_exports(data_dir: Path, tasks: pd.DataFrame, task_id: str) -> None:
    """Every earlier task's export must be there: the reports compare with them (trends, streaks)."""
    from pipeline.runs.stage import schedule_until

    task = load.get_task(tasks, task_id)
    for prior in schedule_until(tasks, task).itertuples(index=False):
        if prior.task_id == task_id:
            continue
        try:
            source = load.response_source(data_dir, pd.Series(prior._asdict()))
        except InputError as exc:
            raise InputError(
                f"the export of the earlier task {prior.task_id} is needed and not usable ({exc}): "
                f"reports of {task_id} compare with every earlier task of the schedule (trends and streaks); "
                f"put its export in {Path(data_dir) / 'responses'} or remove {prior.task_id} from the schedule"
            ) from None
        if isinstance(source, Path) and not source.is_file():
            raise InputError(
                f"the export of the earlier task {prior.task_id} ({source}) is missing: reports of {task_id} "
                f"compare with every earlier task of the schedule (trends and streaks); put the export there or "
                f"remove {prior.task_id} from the schedule")


def force_hint() -> str:
    """How to force a rerun, in the words of the command the user typed (make or python -m)."""
    return "ARGS=--force" if os.environ.get("ABSENSI_MAKE") else "--force"  # set by the Makefile


# --------------------------------------------------------------------------- after a failure


def failed_dir(out_root: Path, task_id: str) -> Path:
    """Where a failed run of `task_id` keeps what its message points at (outside the published
    folder and the staging area, which the run removes); replaced by the next failure, removed by
    the next success."""
    return Path(out_root) / FAILED_DIRNAME / task_id


def keep_diagnosis(exc: Exception, staging: Path, out_root: Path, task_id: str, data_dir: Path) -> Exception:
    """Move what the error's message names out of the staging folder (about to be removed) into
    failed_dir, and return the error with its message pointing there."""
    dest = failed_dir(out_root, task_id)
    if isinstance(exc, NotebookCellError) and exc.kept and Path(exc.kept).is_relative_to(staging):
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        target = dest / Path(exc.kept).name
        shutil.move(exc.kept, target)
        exc.kept = str(target)
        return exc
    if isinstance(exc, ValidationFailed) and "tables/roster_quarantine.csv" in str(exc):
        from pipeline.figures import tables
        from pipeline.rules import validate

        shutil.rmtree(dest, ignore_errors=True)
        roster, _ = validate.validate_roster(load.load_roster(data_dir), strict=False)
        target = dest / "roster_quarantine.csv"
        publish.write_csv(tables.roster_quarantine(roster), target)
        return ValidationFailed(str(exc).replace("tables/roster_quarantine.csv", str(target)))
    return exc


def published_path(exc: Exception, staging: Path, final: Path) -> Exception:
    """A report's failed notebook is published with the task folder: point its message at the
    published place (the staging folder is gone once the run is swapped in)."""
    if isinstance(exc, NotebookCellError) and exc.kept and Path(exc.kept).is_relative_to(staging):
        exc.kept = str(Path(final) / Path(exc.kept).relative_to(staging))
    return exc


def disk_full_hint(failed: list[dict], out_root: Path) -> str:
    """A sentence for a batch whose reports failed because the disk filled up."""
    if any("No space left on device" in f.get("error", "") for f in failed):
        return f"; the disk is full: free some space on the disk of {out_root} and run again"
    return ""
