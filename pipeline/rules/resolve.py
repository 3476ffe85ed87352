"""Gives every response row exactly one outcome, recovering one-keystroke nomor absen typos.

`resolve_responses` applies the contract's "Rules for a task" in order, the first that applies
wins: ``missing_id``, ``invalid_timestamp``, id resolution (``unknown_id`` /
``name_mismatch``), ``roster_conflict``, ``not_eligible``, ``before_start``,
``invalid_link``, ``duplicate``; rows that pass are ``counted`` or ``recovered``.

Decisions where the contract is silent:

* ``invalid_timestamp`` (extra code): a row whose ``timestamp`` is NaT, checked right after
  ``missing_id`` and before id resolution (its time decides nothing else, so it can't count).
* Typed id: ``contract.parse_nomor_absen`` of the input; when that fails (other characters
  mixed in, e.g. ``12a34``) the typed digits read as a number. Leading zeros are noise, so
  recovery starts from the id's digits without them. An id of 0 exists nowhere, nor one of
  more than ``contract.MAX_ID_DIGITS`` digits; recovery is skipped for numbers longer than
  the longest roster id + 1 (a 10,000-digit paste costs nothing).
* "No name": the response name normalises to ``""`` (empty, ``-``, only an honorific). Such
  a row is resolved by its typed id alone when that id exists (warning ``name_missing``) and
  is ``unknown_id`` otherwise: an empty name never drives a recovery.
* A roster row with no name can't contradict a typed id: the typed id is taken. It never
  matches in recovery.
* The roster used for resolution includes quarantined rows that have a numeric id. An id on
  several rows (``duplicate_id``) matches when the name matches any of them; the response is
  resolved to the first of them (roster order) whose name matches (the first when the
  response has no name) and then, being quarantined, is ``roster_conflict``.
* Recovery: candidates are the roster ids one keystroke from the typed digits (one digit
  changed, two adjacent different digits swapped, one digit added, one dropped; a result
  with a leading zero is not an id). It is tried whenever the typed id is absent or its name
  does not match. Exactly one candidate id whose name matches -> resolved to it, outcome
  ``recovered`` (if it passes 3-7) and the extra column ``recovery`` names the typing slip
  (``changed``/``swapped``/``added``/``dropped``: a digit typed wrong, two adjacent digits
  swapped, an extra digit typed, a digit left out); NA for rows not recovered. Zero or several -> ``unknown_id`` (typed
  id absent) or ``name_mismatch`` (typed id present).
* ``nomor_absen`` and the ``roster_*`` columns are filled for every resolved row, whatever
  its later outcome (roster_conflict ... duplicate), and NA for missing_id,
  invalid_timestamp, unknown_id and name_mismatch.
* ``platform`` (and ``on_time``, ``response_minutes``) only for counted/recovered rows, so
  platform counts add up to the participation figures; NA otherwise.
* ``warnings`` (``;``-joined, ``""`` when none): ``province_mismatch`` when the form's
  canonical province differs from the resolved roster row's province (both known);
  ``province_unrecognised`` when the form province is non-empty but not a known spelling
  (any row: it is not a mismatch, nobody knows where it points); ``name_missing`` for a row
  resolved by id without a name; ``link_no_scheme`` for any row whose link is valid only as
  typed without a scheme (rule 6 as amended: read as ``https://`` + the value).
* "Earlier" for duplicates: earlier timestamp, then smaller ``source_row`` (position in the
  frame when there is no ``source_row``).
* ``on_time``: timestamp <= batas (exactly at batas is on time). ``response_minutes``:
  (timestamp - mulai) in minutes, float.
* Timestamps that are naive are taken as local time in the task's timezone; aware ones are
  compared as instants.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from pipeline.rules import contract
from pipeline.rules.eligibility import eligible_mask, task_timezone
from pipeline.rules.names import match_normalized, normalize_name

__all__ = ["resolve_responses", "one_keystroke_variants", "OUTCOMES", "PASSING", "RESOLVED_COLUMNS"]

PASSING = ("counted", "recovered")
OUTCOMES = PASSING + (
    "missing_id", "invalid_timestamp", "unknown_id", "name_mismatch", "roster_conflict",
    "not_eligible", "before_start", "invalid_link", "duplicate",
)
RESOLVED_COLUMNS = (
    "nomor_absen", "roster_provinsi", "roster_kabupaten", "roster_jabatan", "outcome",
    "on_time", "platform", "warnings", "response_minutes", "recovery",
)


def one_keystroke_variants(digits: str) -> dict[str, str]:
    """Digit strings one keystroke from `digits`, mapped to the kind of keystroke.

    Kinds name the typing slip that turns the variant into `digits`: ``changed`` (one digit
    typed wrong), ``swapped`` (two adjacent different digits exchanged), ``added`` (an extra
    digit typed: the variant has one digit fewer), ``dropped`` (a digit left out: the variant
    has one more). Results with a leading zero, empty results and `digits` itself are left
    out."""
    out: dict[str, str] = {}
    n = len(digits)
    for i in range(n):
        for d in "0123456789":
            if d != digits[i]:
                out.setdefault(digits[:i] + d + digits[i + 1:], "changed")
    for i in range(n - 1):
        if digits[i] != digits[i + 1]:
            out.setdefault(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:], "swapped")
    for i in range(n + 1):
        for d in "0123456789":
            out.setdefault(digits[:i] + d + digits[i:], "dropped")
    for i in range(n):
        out.setdefault(digits[:i] + digits[i + 1:], "added")
    out.pop(digits, None)
    return {v: k for v, k in out.items() if v and v[0] != "0"}


def _typed_id(value: object, digits: str) -> int | None:
    typed = contract.parse_nomor_absen(value)
    if typed is None:
        digits = digits.lstrip("0")
        typed = int(digits) if digits and len(digits) <= contract.MAX_ID_DIGITS else None
    return typed


def _local(values: pd.Series, tz: str) -> pd.Series:
    """Timestamps as tz-aware values in `tz` (naive ones are local time)."""
    if values.dtype.kind != "M":
        values = pd.to_datetime(values, errors="coerce")
    if getattr(values.dtype, "tz", None) is None:
        return values.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    return values.dt.tz_convert(tz)


def _task_time(task: Mapping | pd.Series, key: str, tz: str) -> pd.Timestamp:
    ts = pd.Timestamp(task[key])
    return ts.tz_localize(tz) if ts.tzinfo is None else ts.tz_convert(tz)


def _text_list(frame: pd.DataFrame, column: str) -> list:
    if column not in frame:
        return [None] * len(frame)
    return frame[column].astype(object).where(frame[column].notna(), None).tolist()


class _RosterIndex:
    """Positional look-ups into the roster: id -> first position (ids on several rows also in
    `more`, id -> every position), and each row's normalised name, computed when first asked.
    (Not a list per id: 30,000 small lists are 30,000 objects for the garbage collector.)"""

    def __init__(self, roster: pd.DataFrame) -> None:
        self.first: dict[int, int] = {}
        self.more: dict[int, list[int]] = {}
        for pos, rid in enumerate(roster["nomor_absen"].tolist()):
            if rid is not None and rid is not pd.NA and not (isinstance(rid, float) and np.isnan(rid)):
                rid = int(rid)
                if rid in self.first:
                    self.more.setdefault(rid, [self.first[rid]]).append(pos)
                else:
                    self.first[rid] = pos
        self.longest_id = max((len(str(i)) for i in self.first), default=0)
        self._names = _text_list(roster, "nama")
        self._norm: dict[int, str] = {}
        self.memo: dict[tuple, tuple] = {}  # _resolve_ids: (type, input, name, timestamp missing) -> result

    def rows(self, rid: int | None):
        """Roster positions holding `rid` (None when it is on no row)."""
        first = self.first.get(rid) if rid is not None else None
        return None if first is None else self.more.get(rid, (first,))

    def name(self, pos: int) -> str:
        name = self._norm.get(pos)
        if name is None:
            name = self._norm[pos] = normalize_name(self._names[pos])
        return name


def _recover(core: str, name: str, index: _RosterIndex) -> tuple[int, int, str] | None:
    """(id, roster position, slip) of the one roster id one keystroke from `core` whose name
    matches `name`; None when none or several do."""
    if len(core) > index.longest_id + 1:  # no roster id is one keystroke from a longer number
        return None
    found: list[tuple[int, int, str]] = []
    for variant, kind in one_keystroke_variants(core).items():
        cand_rows = index.rows(int(variant))
        if cand_rows is None:
            continue
        hit = next((p for p in cand_rows if match_normalized(name, index.name(p))), None)
        if hit is not None:
            found.append((int(variant), hit, kind))
            if len(found) > 1:
                return None
    return found[0] if found else None


def _resolve_id(raw: object, name: str, ts_missing: bool, index: _RosterIndex) -> tuple:
    """Rules 1, 1b (invalid_timestamp) and 2 for one row: (outcome or None, resolved roster position
    or -1, resolved id or None, recovery slip or None). Depends on nothing but its arguments."""
    digits = contract.id_digits(raw)
    if not digits:
        return "missing_id", -1, None, None
    if ts_missing:
        return "invalid_timestamp", -1, None, None
    typed = _typed_id(raw, digits)
    rows = index.rows(typed)
    if rows:
        if not name:
            return None, rows[0], typed, None
        hit = next((p for p in rows if not index.name(p) or match_normalized(name, index.name(p))), None)
        if hit is not None:
            return None, hit, typed, None
    core = str(typed) if typed else digits.lstrip("0") or "0"
    found = _recover(core, name, index) if name else None
    if found is not None:
        return None, found[1], found[0], found[2]
    return ("name_mismatch" if rows else "unknown_id"), -1, None, None


def _resolve_ids(inputs: list, names: list[str], ts_missing: list[bool], index: _RosterIndex):
    """`_resolve_id` of every row, each distinct (input, name, timestamp missing) computed once per
    roster (`index.memo`: the live watcher resolves the same rows again on every refresh).

    Returns (outcome, resolved roster position or -1, resolved id, recovery slip), one list each."""
    memo = index.memo
    if len(memo) > _MEMO_LIMIT:
        memo.clear()
    results = []
    for key in zip(map(type, inputs), inputs, names, ts_missing):  # the type: 12345.0 == 12345 as a key
        found = memo.get(key)
        if found is None:
            found = memo[key] = _resolve_id(key[1], key[2], key[3], index)
        results.append(found)
    if not results:
        return [], [], [], []
    outcome, resolved_pos, resolved_id, recovery = (list(c) for c in zip(*results))
    return outcome, resolved_pos, resolved_id, recovery


_MEMO_LIMIT = 200_000  # rows remembered per roster (~50 MB at most; a live task is ~25,000), then forgotten at once
_INDEX: dict[bytes, _RosterIndex] = {}  # the last roster's look-ups, by the content they are built from


def _roster_index(roster: pd.DataFrame) -> _RosterIndex:
    """The roster's look-ups, built once while the same ids and names are resolved against (every
    refresh of a live watcher, every task of a history): keyed by a hash of those columns."""
    cols = [c for c in ("nomor_absen", "nama") if c in roster.columns]
    digest = (",".join(cols) + f":{len(roster)}:").encode()
    if len(roster) and cols:
        digest += pd.util.hash_pandas_object(roster[cols], index=False).to_numpy().tobytes()
    key = hashlib.sha256(digest).digest()
    index = _INDEX.get(key)
    if index is None:
        _INDEX.clear()
        index = _INDEX[key] = _RosterIndex(roster)
    return index


def _duplicates(pending: np.ndarray, resolved_id: list, utc: np.ndarray, source_row: np.ndarray) -> np.ndarray:
    """Rule 7: pending rows whose TPP has an earlier pending row (timestamp, then source_row)."""
    ids_arr = np.array([x if x is not None else -1 for x in resolved_id], dtype=object)
    order = pd.DataFrame({
        "id": ids_arr[pending], "ts": utc[pending],
        "row": source_row[pending], "pos": np.flatnonzero(pending),
    }).sort_values(["ts", "row"], kind="stable")
    is_dup = np.zeros(len(pending), dtype=bool)
    is_dup[order["pos"].to_numpy()[order["id"].duplicated().to_numpy()]] = True
    return is_dup


def _warnings(responses: pd.DataFrame, resolved: np.ndarray, roster_prov: list, names: list[str],
              no_scheme: list[bool]) -> list[str]:
    """The ``warnings`` column: province_mismatch, province_unrecognised, name_missing, link_no_scheme."""
    n = len(responses)
    form_prov = (responses["provinsi"].astype(object).where(responses["provinsi"].notna(), None).tolist()
                 if "provinsi" in responses else [None] * n)
    form_raw = _text_list(responses, "provinsi_raw")
    out = []
    for is_resolved, form, raw_form, listed, name, bare in zip(resolved.tolist(), form_prov, form_raw, roster_prov,
                                                                names, no_scheme):
        codes = []
        if is_resolved and form is not None and listed is not pd.NA and listed is not None and form != listed:
            codes.append("province_mismatch")
        if form is None and raw_form is not None and str(raw_form).strip():
            codes.append("province_unrecognised")
        if is_resolved and not name:
            codes.append("name_missing")
        if bare:
            codes.append("link_no_scheme")
        out.append(";".join(codes))
    return out


def _roster_columns(out: pd.DataFrame, roster: pd.DataFrame, resolved: np.ndarray, safe_pos: np.ndarray) -> None:
    for col in ("provinsi", "kabupaten", "jabatan"):
        values = roster[col].astype(object).to_numpy() if col in roster else np.full(len(roster), None, dtype=object)
        picked = np.where(resolved, values[safe_pos] if len(roster) else None, None)
        out[f"roster_{col}"] = pd.array(np.where(pd.isna(picked), None, picked), dtype="string")


def resolve_responses(responses: pd.DataFrame, roster: pd.DataFrame, task: Mapping | pd.Series) -> pd.DataFrame:
    """Every response row once, same order and index, with its resolved TPP and outcome.

    `responses` is the canonical responses frame, `roster` the canonical roster plus
    ``quarantine_reason`` (NA when usable), `task` a row of the tasks frame (mulai, batas,
    scope, timezone, task_id). Adds the columns in RESOLVED_COLUMNS (see module docstring)."""
    n = len(responses)
    tz = task_timezone(task)
    mulai = _task_time(task, "mulai", tz)
    batas = _task_time(task, "batas", tz)
    timestamps = _local(responses["timestamp"], tz) if n else pd.Series([], dtype=f"datetime64[ns, {tz}]")

    # 1, 1b, 2: id resolution
    names = [normalize_name(v) for v in _text_list(responses, "nama")]
    outcome_list, resolved_pos_list, resolved_id, recovery = _resolve_ids(
        _text_list(responses, "nomor_absen_input"), names, timestamps.isna().tolist(), _roster_index(roster))
    outcome = np.empty(n, dtype=object)
    outcome[:] = outcome_list
    resolved_pos = np.array(resolved_pos_list, dtype=np.int64)

    # 3-7: vectorised checks on resolved rows, the first that applies wins
    resolved = resolved_pos >= 0
    safe_pos = np.where(resolved, resolved_pos, 0)
    pending = resolved.copy()

    def reject(mask: np.ndarray, code: str) -> None:
        nonlocal pending
        hit = pending & mask
        outcome[hit] = code
        pending = pending & ~hit

    if len(roster):
        quarantined = (roster["quarantine_reason"].notna().to_numpy(dtype=bool) if "quarantine_reason" in roster
                       else np.zeros(len(roster), dtype=bool))
        reject(quarantined[safe_pos], "roster_conflict")
        reject(~eligible_mask(roster, task).to_numpy(dtype=bool)[safe_pos], "not_eligible")
    reject((timestamps < mulai).fillna(False).to_numpy(dtype=bool), "before_start")
    reads = [contract.read_link(v) for v in _text_list(responses, "link")]
    reject(np.array([r is None for r in reads], dtype=bool), "invalid_link")
    source_row = (responses["source_row"].to_numpy() if "source_row" in responses else np.arange(1, n + 1))
    utc = timestamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    reject(_duplicates(pending, resolved_id, utc, source_row), "duplicate")
    recovered = np.array([k is not None for k in recovery], dtype=bool)
    outcome[pending & recovered] = "recovered"
    outcome[pending & ~recovered] = "counted"
    passing = pending

    # output columns
    out = responses.copy()
    out["nomor_absen"] = pd.array(resolved_id, dtype="Int64")
    _roster_columns(out, roster, resolved, safe_pos)
    out["outcome"] = pd.array(outcome, dtype="string")
    on_time = pd.array((timestamps <= batas).to_numpy(dtype=bool), dtype="boolean")
    on_time[~passing] = pd.NA
    out["on_time"] = on_time
    out["platform"] = pd.array([contract._host_platform(r[1]) if keep else None
                                for keep, r in zip(passing.tolist(), reads)], dtype="string")
    out["warnings"] = pd.array(_warnings(responses, resolved, out["roster_provinsi"].astype(object).tolist(), names,
                                         [r is not None and r[2] for r in reads]), dtype="string")
    minutes = ((timestamps - mulai).dt.total_seconds() / 60.0).to_numpy(dtype=float, na_value=np.nan)
    out["response_minutes"] = np.where(passing, minutes, np.nan)
    out["recovery"] = pd.array(recovery, dtype="string")
    return out
