"""One task's responses (the Google Form export): where they are, and the canonical frame."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.inputs.download import download
from pipeline.inputs.files import find_input, inside
from pipeline.inputs.table import read_table
from pipeline.inputs.timestamps import parse_timestamps
from pipeline.inputs.values import _attrs, _empty, _map_unique, _strip, note
from pipeline.rules import contract

RESPONSE_COLUMNS = ("source_row", "timestamp_raw", "timestamp", "provinsi_raw", "provinsi",
                    "nomor_absen_input", "nama", "link")


def _is_url(text: str) -> bool:
    return bool(re.match(r"^https?://", text.strip(), re.I))


def response_source(data_dir: Path, task: pd.Series) -> Path | str:
    """Where a task's responses come from: its `sumber` (a path relative to the data directory,
    or an http(s) URL), else responses/<task_id>.csv or .xlsx. A path must stay inside the data
    directory once symbolic links are followed; nothing is read from one that does not."""
    sumber = task.get("sumber")
    if not _empty(sumber):
        sumber = str(sumber).strip()
        if _is_url(sumber):
            return sumber
        rel = Path(sumber.replace("\\", "/"))
        if rel.is_absolute() or ".." in rel.parts or re.match(r"^[A-Za-z]:", sumber):
            raise InputError(
                f"task {task['task_id']}: sumber {sumber!r} must be a path inside the data directory "
                "(like responses/file.csv) or an http(s) URL"
            )
        path = Path(data_dir) / rel
        if not inside(path, data_dir):
            raise InputError(
                f"task {task['task_id']}: sumber {sumber!r} leads outside the data directory (a symbolic "
                "link); copy the file into the data directory instead"
            )
        return path
    try:
        return find_input(Path(data_dir), f"responses/{task['task_id']}")
    except InputError as exc:
        if "leads outside" in str(exc):
            raise
        raise InputError(str(exc) + _form_export_hint(Path(data_dir) / "responses", str(task["task_id"]))) from None


# File names Google Forms gives a response sheet's export, in English and in Indonesian.
_FORM_EXPORT = re.compile(r"\((responses|respons|jawaban|tanggapan)\)|(form responses|jawaban formulir|"
                          r"respons formulir|tanggapan formulir)", re.I)


def _form_export_hint(folder: Path, task_id: str) -> str:
    """'; responses/ holds '<name>', a Google Forms export: rename it ...' when such a file is there."""
    try:
        names = sorted(p.name for p in folder.iterdir()
                       if p.suffix.lower() in (".csv", ".xlsx") and _FORM_EXPORT.search(p.name))
    except OSError:
        return ""
    if not names:
        return ""
    shown = ", ".join(repr(n) for n in names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    first = names[0]
    return (f"; responses/ holds {shown}, a Google Forms export: rename it to {task_id}{Path(first).suffix.lower()} "
            f"or set sumber to 'responses/{first}' in this task's row of tasks.csv")


def load_responses(data_dir: Path, task: pd.Series, *, download_dir: Path | None = None) -> pd.DataFrame:
    """The canonical responses frame of one task (downloading `sumber` when it is a URL)."""
    source = response_source(data_dir, task)
    url = None
    if isinstance(source, str):
        url = source
        if download_dir is None:
            raise InputError(f"task {task['task_id']}: sumber is a URL ({url}) but no download folder was given")
        source = download(url, Path(download_dir) / f"{task['task_id']}.csv")
    raw = read_table(source, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED,
                     patterns=contract.RESPONSE_PATTERNS)
    fmt = task.get("timestamp_format")
    fmt = None if _empty(fmt) else fmt
    out = pd.DataFrame({"source_row": raw["source_row"].astype("int64")})
    out["timestamp_raw"] = _strip(raw["timestamp"])
    out["timestamp"] = parse_timestamps(
        raw["timestamp"], tz=task["timezone"], mulai=task["mulai"], batas=task["batas"], fmt=fmt,
        source=f"{source} (task {task['task_id']})",
    )
    out["provinsi_raw"] = _strip(raw["provinsi"])
    out["provinsi"] = _map_unique(out["provinsi_raw"], contract.normalize_province)
    out["nomor_absen_input"] = _strip(raw["nomor_absen"])
    out["nama"] = _strip(raw["nama"])
    out["link"] = _strip(raw["link"])
    out = _attrs(out[list(RESPONSE_COLUMNS)].reset_index(drop=True), raw)
    _check_window(out["timestamp"], task, str(source), out.attrs["warnings"])
    if url:
        out.attrs["url"] = url
    return out


# Responses more than this long after batas are "long after" it (the window of the day/month reading).
LATE_DAYS = 7
# Warn when at least this share of the responses come long after batas.
LATE_SHARE = 0.1


def _check_window(timestamps: pd.Series, task: pd.Series, source: str, warnings: list[str]) -> None:
    """Wrong task dates (a mistyped year) show in the timestamps: none in the task's window is an
    InputError, many long after batas a warning."""
    ts = timestamps.dropna()
    if ts.empty:
        return
    mulai, batas = task["mulai"], task["batas"]
    after = batas + pd.Timedelta(days=LATE_DAYS)
    shown = "%Y-%m-%d %H:%M"
    if not ts.between(mulai - pd.Timedelta(days=1), after).any():
        raise InputError(
            f"{source}: task {task['task_id']!r}: none of the {len(ts)} response timestamps falls between "
            f"mulai {mulai:{shown}} and batas {batas:{shown}} (or in the {LATE_DAYS} days after); they run "
            f"from {ts.min():{shown}} to {ts.max():{shown}}; check the task's mulai and batas in the task "
            "schedule (a mistyped year?) and that the file holds this task's responses"
        )
    late = int((ts > after).sum())
    if late >= 2 and late >= LATE_SHARE * len(ts):
        note(warnings, f"{source}: task {task['task_id']!r}: {late} of {len(ts)} responses "
                       f"({late / len(ts):.0%}) come more than {LATE_DAYS} days after batas {batas:{shown}}; "
                       "check the task's batas in the task schedule")
