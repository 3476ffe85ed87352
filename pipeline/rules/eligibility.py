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

from pipeline.config import DEFAULT_TIMEZONE
from pipeline.errors import InputError

__all__ = ["Eligibility", "eligible_mask", "ineligible_reason", "require_eligible", "start_day", "task_timezone",
           "REASONS"]

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


class Eligibility:
    """A roster's eligibility facts, read once, for any number of tasks.

    `codes(task)` is the one definition of eligibility: 0 where a row is eligible, else the
    1-based position of its first applicable reason in REASONS. `ineligible_reason` and
    `eligible_mask` are built on it; `compute.status_matrix` calls it once per task of a long
    history, so the roster's columns are converted once, not once per task."""

    def __init__(self, roster: pd.DataFrame) -> None:
        n = len(roster)
        self.index = roster.index
        if "quarantine_reason" in roster:
            self.quarantined = roster["quarantine_reason"].notna().to_numpy(dtype=bool)
        else:
            self.quarantined = np.zeros(n, dtype=bool)
        if "provinsi" in roster:
            codes, self._provinces = pd.factorize(roster["provinsi"], use_na_sentinel=True)
            self._province_code = np.asarray(codes)
        else:
            self._province_code, self._provinces = np.full(n, -1), pd.Index([])
        if "status" in roster:
            status = roster["status"].astype("string").str.strip().str.casefold()
            self.status_resign = status.str.startswith("resign").fillna(False).to_numpy(dtype=bool)
        else:
            self.status_resign = np.zeros(n, dtype=bool)
        self._dates = {col: roster[col] for col in ("tanggal_resign", "tanggal_bergabung") if col in roster}
        self._days: dict[tuple[str, str], np.ndarray] = {}

    def _day(self, column: str, tz: str) -> np.ndarray:
        """Calendar days of a date column in `tz` (datetime64[ns], NaT when empty), cached."""
        key = (column, tz)
        if key not in self._days:
            if column in self._dates:
                days = _to_day(self._dates[column], tz).to_numpy(dtype="datetime64[ns]")
            else:
                days = np.full(len(self.index), np.datetime64("NaT"), dtype="datetime64[ns]")
            self._days[key] = days
        return self._days[key]

    def codes(self, task: Mapping | pd.Series) -> np.ndarray:
        """int8 per row: 0 eligible, i + 1 for REASONS[i] (the first that applies)."""
        tz = task_timezone(task)
        day = start_day(task).to_datetime64()
        scope = tuple(_get(task, "scope", ()) or ())
        if scope:
            in_scope = self._provinces.get_indexer(pd.Index(scope, dtype=object))
            out_of_scope = ~np.isin(self._province_code, in_scope[in_scope >= 0])
        else:
            out_of_scope = np.zeros(len(self.index), dtype=bool)
        resign_day = self._day("tanggal_resign", tz)
        # NaT compares False, so an unknown resign date is "not before the start" and an
        # unknown join date is "already joined".
        resigned = self.status_resign & (np.isnat(resign_day) | (resign_day <= day))
        not_joined = self._day("tanggal_bergabung", tz) > day
        return np.select([self.quarantined, out_of_scope, resigned, not_joined], [1, 2, 3, 4], 0).astype(np.int8)

    def reasons(self, task: Mapping | pd.Series) -> pd.Series:
        """Why each row is not eligible (string codes, see REASONS); NA when eligible."""
        labels = np.array([None, *REASONS], dtype=object)[self.codes(task)]
        return pd.Series(pd.array(labels, dtype="string"), index=self.index)

    def mask(self, task: Mapping | pd.Series) -> pd.Series:
        """True where the row is eligible for `task`."""
        return pd.Series(self.codes(task) == 0, index=self.index)


def ineligible_reason(roster: pd.DataFrame, task: Mapping | pd.Series) -> pd.Series:
    """Why each roster row is not eligible (string codes, see REASONS); NA when eligible."""
    return Eligibility(roster).reasons(task)


def eligible_mask(roster: pd.DataFrame, task: Mapping | pd.Series) -> pd.Series:
    """Boolean Series aligned with `roster`: True where the row is eligible for `task`."""
    return Eligibility(roster).mask(task)


def require_eligible(roster: pd.DataFrame, task: Mapping | pd.Series) -> None:
    """An InputError when nobody in the roster is eligible for `task`, naming the task's scope, why
    the rows are out (counts per reason) and the provinces the roster has; a task without any
    eligible TPP has no figure to compute (every rate would divide by zero)."""
    reasons = ineligible_reason(roster, task)
    if reasons.isna().any():
        return
    counts = reasons.value_counts()
    why = ", ".join(f"{reason} {int(counts[reason])}" for reason in REASONS if reason in counts) or "empty roster"
    usable = roster["quarantine_reason"].isna() if "quarantine_reason" in roster else pd.Series(True, roster.index)
    has = sorted(roster.loc[usable, "provinsi"].dropna().astype(str).unique()) if "provinsi" in roster else []
    listed = ", ".join(has[:12]) + (f" and {len(has) - 12} more" if len(has) > 12 else "") if has else "none"
    raise InputError(
        f"task {_get(task, 'task_id', '?')}: nobody in the roster is eligible (cakupan "
        f"{str(_get(task, 'cakupan', 'nasional'))!r}; roster rows: {why}); the roster has TPP in: {listed}. "
        "Fix the task's cakupan in the schedule or update the roster"
    )
