"""The task schedule: tasks.csv, tasks.xlsx, tasks.yml or tasks.yaml into the tasks frame."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import config
from pipeline.errors import InputError
from pipeline.inputs.files import _read_bytes, find_input, inside
from pipeline.inputs.table import read_table
from pipeline.inputs.timestamps import TASK_FORMAT_COLUMN, TIMESTAMP_FORMATS, _task_time, _zone
from pipeline.inputs.values import _empty
from pipeline.rules import contract

TASKS_OUTPUT = ("task_id", "judul", "mulai", "batas", "cakupan", "scope", "timezone", "sumber",
                "timestamp_format", "materi")
_TASK_ALIASES: dict[str, tuple[str, ...]] = {
    c: (c, c.replace("_", " ")) for c in contract.TASK_COLUMNS + (TASK_FORMAT_COLUMN,)
}
_TZ_SHORT = {"wib": "Asia/Jakarta", "wita": "Asia/Makassar", "wit": "Asia/Jayapura"}
_NASIONAL = {"nasional", "national"}
_TASK_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _tasks_raw(data_dir: Path) -> tuple[pd.DataFrame, Path]:
    data_dir = Path(data_dir)
    table = find_input(data_dir, "tasks", required=False)
    yamls = [p for p in (data_dir / "tasks.yml", data_dir / "tasks.yaml") if p.is_file()]
    found = ([table] if table else []) + yamls
    if len(found) > 1:
        raise InputError(f"several task files in {data_dir}: " + ", ".join(p.name for p in found)
                         + "; keep only one of them")
    if not found:
        if not data_dir.is_dir():
            raise InputError(f"data directory {data_dir} does not exist or is not a directory")
        raise InputError(f"missing input file: expected {data_dir / 'tasks'}.csv or tasks.yml")
    path = found[0]
    if not inside(path, data_dir):  # tasks.yml too (find_input checks the table files)
        raise InputError(f"{path} leads outside the data directory (a symbolic link); copy the file into "
                         "the data directory instead")
    if table:
        return read_table(path, _TASK_ALIASES, contract.TASK_REQUIRED), path
    import yaml

    data = _read_bytes(path)
    try:
        doc = yaml.safe_load(data.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid YAML: {_yaml_problem(exc)}") from None
    if isinstance(doc, dict) and "tasks" in doc:
        doc = doc["tasks"]
    if doc is None:
        raise InputError(f"{path} is empty")
    if not isinstance(doc, list) or not all(isinstance(item, dict) for item in doc):
        raise InputError(f"{path} must be a list of tasks (mappings), or a mapping with key 'tasks'")
    lookup = {contract.header_key(a): c for c, names in _TASK_ALIASES.items() for a in names}
    records = []
    for item in doc:
        rec = {}
        for key, value in item.items():
            canon = lookup.get(contract.header_key(key))
            if canon:
                if isinstance(value, (list, dict)):  # also stops an alias bomb ("billion laughs") before str()
                    kind = "a list" if isinstance(value, list) else "a mapping"
                    raise InputError(f"{path}: task {len(records) + 1}: {canon!r} is {kind}; write one value "
                                     "(cakupan: provinces separated by ';')")
                if canon in rec:
                    raise InputError(f"{path}: task entry {len(records) + 1} has {canon!r} twice")
                rec[canon] = value
        records.append(rec)
    for canon in contract.TASK_REQUIRED:
        if records and not any(canon in r for r in records):
            raise InputError(f"{path}: required field {canon!r} not found in any task")
    df = pd.DataFrame(records, columns=list(_TASK_ALIASES), dtype=object)
    df.insert(0, "source_row", np.arange(1, len(df) + 1, dtype="int64"))
    df.attrs["source"] = str(path)
    df.attrs["sha256"] = hashlib.sha256(data).hexdigest()
    return df, path


def _yaml_problem(exc: Exception) -> str:
    """A YAML error in one line: 'line L, column C: problem' (PyYAML's own text spans several lines)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + " ".join(str(problem).split())


def load_tasks(data_dir: Path) -> pd.DataFrame:
    """The task schedule from tasks.csv, tasks.xlsx, tasks.yml or tasks.yaml."""
    raw, path = _tasks_raw(data_dir)
    if raw.empty:
        raise InputError(f"{path} has no tasks")
    rows = []
    seen: dict[str, int] = {}
    for rec in raw.to_dict("records"):
        row = rec["source_row"] + raw.attrs.get("header_row", 0)  # the spreadsheet row (a YAML entry's number)
        where = f"{path}: row {row}:"

        def text(name: str, rec: dict = rec) -> str | None:
            value = rec.get(name)
            if _empty(value):
                return None
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return " ".join(str(value).split())

        for name in contract.TASK_REQUIRED:
            if _empty(rec.get(name)):
                raise InputError(f"{where} {name} is empty")
        task_id = text("task_id")
        if not _TASK_ID_RE.match(task_id):
            raise InputError(
                f"{where} task_id {task_id!r} is not a slug (letters, digits, '-', '_', '.'; "
                "it names the response file)"
            )
        if task_id in seen:
            raise InputError(f"{path}: duplicate task_id {task_id!r} (rows {seen[task_id]} and {row})")
        seen[task_id] = row
        where = f"{path}: task {task_id!r} (row {row}):"
        tz = text("timezone") or config.DEFAULT_TIMEZONE
        tz = _TZ_SHORT.get(tz.lower(), tz)
        _zone(tz, f"{where} ")
        mulai = _task_time(rec["mulai"], tz, end_of_day=False, where=f"{where} mulai")
        batas = _task_time(rec["batas"], tz, end_of_day=True, where=f"{where} batas")
        if batas < mulai:
            raise InputError(f"{where} batas {batas} is before mulai {mulai}")
        cakupan = text("cakupan")
        scope: list[str] = []
        if cakupan.lower() not in _NASIONAL:
            for part in re.split(r"[;,]", cakupan):
                if not part.strip():
                    continue
                prov = contract.normalize_province(part)
                if prov is None:
                    raise InputError(
                        f"{where} unknown province {part.strip()!r} in cakupan {cakupan!r} "
                        "(write 'nasional' or provinces separated by ';')"
                    )
                if prov not in scope:
                    scope.append(prov)
            if not scope:
                raise InputError(f"{where} cakupan {cakupan!r} names no province")
        fmt = text(TASK_FORMAT_COLUMN)
        if fmt is not None:
            fmt = fmt.lower()
            if fmt not in TIMESTAMP_FORMATS:
                raise InputError(f"{where} {TASK_FORMAT_COLUMN} {fmt!r} must be one of iso, dmy, mdy")
        rows.append({
            "task_id": task_id, "judul": text("judul"), "mulai": mulai, "batas": batas,
            "cakupan": cakupan, "scope": tuple(scope), "timezone": tz, "sumber": text("sumber"),
            "timestamp_format": fmt,
            "materi": text("materi"),  # the task's own content links (proof checks), None when absent
        })
    tasks = pd.DataFrame(rows, columns=list(TASKS_OUTPUT))
    for name in ("mulai", "batas", "scope", "sumber", "timestamp_format", "materi"):
        tasks[name] = pd.Series([r[name] for r in rows], dtype=object)
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["mulai"].value, rows[i]["task_id"]))
    tasks = tasks.iloc[order].reset_index(drop=True)
    tasks.attrs["source"] = raw.attrs.get("source")
    tasks.attrs["sha256"] = raw.attrs.get("sha256")
    return tasks


def get_task(tasks: pd.DataFrame, task_id: str) -> pd.Series:
    """The row of `task_id`; an InputError listing the known ids otherwise."""
    hit = tasks.loc[tasks["task_id"] == str(task_id)]
    if hit.empty:
        known = ", ".join(tasks["task_id"].astype(str)) or "none"
        raise InputError(f"unknown task id {task_id}; known: {known}")
    return hit.iloc[0]
