"""Which roster rows are eligible for a task.

A roster row is eligible when it is not quarantined, in the task's scope, still active on
the start day and already joined by it. Dates compare by calendar day in the task's
timezone (``task["timezone"]``, default Asia/Jakarta); the start day is ``mulai`` converted
to that timezone.

Decisions where the contract is silent:

* No ``quarantine_reason`` column means no row is quarantined.
* ``status`` is compared case-insensitively; anything starting with ``resign`` is Resign,
  anything else (``Aktif``, empty, NA) is Aktif.
* The status decides, as the contract says ("Aktif or resigned after the task's start"): an
  ``Aktif`` row is eligible whatever its ``tanggal_resign`` says (the roster validation warns
  about such rows); a ``Resign`` row is eligible only when its date is after the start day, and
  ``Resign`` with no date left before every task.
* ``tanggal_resign``/``tanggal_bergabung`` may hold ``datetime.date``, Timestamps (tz-aware
  ones are converted to the task's timezone first), ISO strings or None; an unreadable value
  counts as no date.
* A row with no canonical province is only in scope of a national task (such rows are
  quarantined as ``unknown_province`` anyway).
* Reasons, first that applies: ``quarantined``, ``out_of_scope``, ``resigned``,
  ``not_joined``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .config import DEFAULT_TIMEZONE

__all__ = ["eligible_mask", "ineligible_reason", "start_day", "task_timezone", "REASONS"]

REASONS = ("quarantined", "out_of_scope", "resigned", "not_joined")


def _get(task: Mapping | pd.Series, key: str, default=None):
    try:
        value = task[key]
    except (KeyError, IndexError):
        return default
    if value is None or (not isinstance(value, (tuple, list)) and pd.isna(value)):
        return default
    return value


def task_timezone(task: Mapping | pd.Series) -> str:
    """The task's timezone name (default Asia/Jakarta)."""
    return str(_get(task, "timezone", DEFAULT_TIMEZONE) or DEFAULT_TIMEZONE)


def start_day(task: Mapping | pd.Series) -> pd.Timestamp:
    """Calendar day of the task's start in its timezone, as a naive midnight Timestamp."""
    mulai = pd.Timestamp(task["mulai"])
    tz = task_timezone(task)
    mulai = mulai.tz_localize(tz) if mulai.tzinfo is None else mulai.tz_convert(tz)
    return mulai.tz_localize(None).normalize()


def _to_day(values: pd.Series, tz: str) -> pd.Series:
    """Naive datetime64 calendar days (NaT when empty or unreadable), same index."""
    if values.dtype.kind == "M":
        converted = values
    else:
        try:
            converted = pd.to_datetime(values, errors="coerce")
        except (TypeError, ValueError):
            converted = pd.Series([_one_day(v, tz) for v in values], index=values.index, dtype="datetime64[ns]")
    if getattr(converted.dtype, "tz", None) is not None:
        converted = converted.dt.tz_convert(tz).dt.tz_localize(None)
    return converted.dt.normalize()


def _one_day(value: object, tz: str) -> pd.Timestamp:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return pd.NaT
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        return pd.NaT
    if ts is pd.NaT:
        return pd.NaT
    if ts.tzinfo is not None:
        ts = ts.tz_convert(tz).tz_localize(None)
    return ts.normalize()


def ineligible_reason(roster: pd.DataFrame, task: Mapping | pd.Series) -> pd.Series:
    """Why each roster row is not eligible (string codes, see REASONS); NA when eligible."""
    tz = task_timezone(task)
    day = start_day(task)
    index = roster.index

    if "quarantine_reason" in roster:
        quarantined = roster["quarantine_reason"].notna().to_numpy()
    else:
        quarantined = np.zeros(len(index), dtype=bool)

    scope = tuple(_get(task, "scope", ()) or ())
    if scope:
        out_of_scope = ~roster["provinsi"].isin(scope).fillna(False).to_numpy(dtype=bool)
    else:
        out_of_scope = np.zeros(len(index), dtype=bool)

    if "status" in roster:
        status = roster["status"].astype("string").str.strip().str.casefold()
        status_resign = status.str.startswith("resign").fillna(False).to_numpy(dtype=bool)
    else:
        status_resign = np.zeros(len(index), dtype=bool)
    if "tanggal_resign" in roster:
        resign_day = _to_day(roster["tanggal_resign"], tz)
    else:
        resign_day = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    resign_known = resign_day.notna().to_numpy()
    left_by_start = (resign_day <= day).fillna(False).to_numpy(dtype=bool)
    resigned = status_resign & (~resign_known | left_by_start)

    if "tanggal_bergabung" in roster:
        join_day = _to_day(roster["tanggal_bergabung"], tz)
        not_joined = (join_day > day).fillna(False).to_numpy(dtype=bool)
    else:
        not_joined = np.zeros(len(index), dtype=bool)

    reason = pd.Series(pd.NA, index=index, dtype="string")
    # Assign in reverse priority so the first applicable reason wins.
    for code, hit in (("not_joined", not_joined), ("resigned", resigned),
                      ("out_of_scope", out_of_scope), ("quarantined", quarantined)):
        reason = reason.mask(hit, code)
    return reason


def eligible_mask(roster: pd.DataFrame, task: Mapping | pd.Series) -> pd.Series:
    """Boolean Series aligned with `roster`: True where the row is eligible for `task`."""
    return ineligible_reason(roster, task).isna().astype(bool)
