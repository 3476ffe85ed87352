"""Frames in, page models out: what every live page shows, by the contract's rules.

Nothing here defines a figure twice: eligibility is `compute.eligible_roster`, participation,
on-time and response time are `compute.participation_frame` / `compute.participation_tables`,
the rank is `tables.province_rank`, outcomes come from `rules.resolve.resolve_responses` (the task
stage's code). This module only adds what a live page needs on top:

- a TPP's live status: ``sudah`` (a counted row), ``belum`` (no counted row and no rejected row
  resolved to them), ``ditolak`` (no counted row, but a rejected row that resolved to them: the
  contract's "submitted but rejected", `tables.submitted_outcomes`, the reports' definition);
- the reader's time zone by province (WIB/WITA/WIT).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.figures import compute, tables
from pipeline.rules.contract import PROVINCE_TIMEZONE
from pipeline.rules.eligibility import task_timezone

SUDAH, BELUM, DITOLAK = "sudah", "belum", "ditolak"
STATUS_ORDER = (BELUM, DITOLAK, SUDAH)  # who needs chasing first



def reader_timezone(provinsi: str | None, task) -> str:
    """The time zone a page's reader lives in: the province's, or the task's for the national page."""
    if provinsi:
        return PROVINCE_TIMEZONE.get(provinsi, "Asia/Jakarta")
    return task_timezone(task)


def tpp_statuses(frame: pd.DataFrame, checked: pd.DataFrame) -> pd.DataFrame:
    """One row per eligible TPP of `frame` (compute.participation_frame) with its live status and,
    for `sudah`, the counted row's time, on_time, platform and link; for `ditolak` the outcome."""
    counted = checked[checked["outcome"].isin(compute.COUNTED)]
    ids = frame["nomor_absen"].astype("int64").to_numpy()
    # each TPP's counted row (one at most: the gate), by position; -1 for nobody's
    at = pd.Index(counted["nomor_absen"].astype("int64").to_numpy()).get_indexer(ids)
    has_row = at >= 0

    def counted_value(column: str) -> np.ndarray:
        values = np.full(len(ids), None, dtype=object)
        values[has_row] = counted[column].astype(object).to_numpy()[at[has_row]]
        return values

    rejected = tables.submitted_outcomes(checked)  # the contract's "submitted but rejected"
    out = frame[["provinsi", "kabupaten", "nomor_absen", "nama", "jabatan", "on_time"]].copy()
    out["kabupaten"] = out["kabupaten"].fillna("")
    responded = frame["responded"].to_numpy(dtype=bool)
    has_rejection = np.isin(ids, rejected.index.to_numpy())
    out["status"] = np.select([responded, has_rejection], [SUDAH, DITOLAK], BELUM)
    stamps = counted["timestamp"]  # kept as datetimes (30,000 Timestamp objects cost ~0.4 s a refresh)
    out["timestamp"] = stamps.iloc[np.where(has_row, at, 0)].where(has_row).array if len(stamps) else pd.NaT
    out["platform"] = counted_value("platform")
    out["link"] = counted_value("link")
    out["rejection"] = np.where(out["status"] == DITOLAK, rejected.reindex(ids).to_numpy(), None)
    out["status_order"] = out["status"].map({s: i for i, s in enumerate(STATUS_ORDER)})
    return out.reset_index(drop=True)


@dataclass
class PageModel:
    """One live page: its scope key, reader time zone, headline figures and rows (raw values).

    `fingerprint` (province and kabupaten pages) changes whenever a figure or row the page shows
    changes, so that an unchanged page is not even rendered again (the watcher forgets them when
    the links to the final reports appear)."""

    scope: str  # "nasional" | "provinsi" | "kabupaten"
    provinsi: str
    kabupaten: str
    timezone: str
    summary: dict
    table: pd.DataFrame | Columns  # the rows shown (kabupaten page: every TPP as Columns, sliced by `positions`)
    positions: np.ndarray | None = None
    fingerprint: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.scope, self.provinsi, self.kabupaten)

    @property
    def rows(self) -> list[dict]:
        if self.positions is None:
            return records(self.table)
        return self.table.rows(self.positions)


@dataclass
class LiveData:
    """Everything the live pages of one refresh show."""

    task: pd.Series
    pages: list[PageModel]
    data_per: pd.Timestamp | None  # the latest response time in the source
    rows: int  # response rows read
    statuses: pd.DataFrame  # tpp_statuses of every eligible TPP


class Columns:
    """A frame's columns as object arrays (missing values None), made once when a page first needs
    them: a kabupaten page's rows are a few positions of the TPP table, cheap to pick from arrays."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._arrays: dict[str, np.ndarray] | None = None

    def rows(self, positions: np.ndarray) -> list[dict]:
        if self._arrays is None:
            self._arrays = {c: _objects(self.frame[c]) if self.frame[c].dtype.kind != "M" else self.frame[c].array
                            for c in self.frame.columns}
        picked = [a[positions] if isinstance(a, np.ndarray) else [None if v is pd.NaT else v for v in a[positions]]
                  for a in self._arrays.values()]  # datetimes become Timestamps only for the page's rows
        return [dict(zip(self._arrays, values)) for values in zip(*picked)]


def _objects(column: pd.Series) -> np.ndarray:
    """A column's values as Python objects, missing ones None."""
    return column.astype(object).where(column.notna(), None).to_numpy()


def _value(v):
    return None if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) else v


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts, missing values as None."""
    return [{k: _value(v) for k, v in r.items()} for r in df.to_dict("records")]


_SHOWN = ["nomor_absen", "nama", "jabatan", "status", "timestamp", "on_time", "platform", "link", "rejection"]


def build(roster: pd.DataFrame, task: pd.Series, checked: pd.DataFrame) -> LiveData:
    """Page models of every live page: national, each province and each kabupaten with eligible TPP.

    `roster` is the validated roster (with quarantine_reason), `checked` the responses resolved by
    `resolve_responses` for `task`."""
    frame = compute.participation_frame(compute.eligible_roster(roster, task), compute.counted_rows(checked))
    frame["kabupaten"] = frame["kabupaten"].fillna("")
    tabs = compute.participation_tables(frame)
    province = tabs["participation_province"].copy()
    province["rank"] = tables.province_rank(province["participation_rate"])  # the reports' rank
    province = province.sort_values(["rank", "provinsi"], kind="stable").reset_index(drop=True)
    kabupaten = tabs["participation_kabupaten"].sort_values(
        ["participation_rate", "on_time_rate", "median_response_minutes", "kabupaten"],
        ascending=[True, True, False, True], na_position="first", kind="stable")
    statuses = tpp_statuses(frame, checked)
    statuses = statuses.sort_values(["provinsi", "kabupaten", "status_order", "nama", "nomor_absen"],
                                    kind="stable").reset_index(drop=True)
    row_hash = pd.util.hash_pandas_object(statuses[_SHOWN], index=False).to_numpy()
    positions = statuses.groupby(["provinsi", "kabupaten"], sort=False).indices
    national = tabs["participation_national"].iloc[0].to_dict()
    pages = [PageModel("nasional", "", "", reader_timezone(None, task), national, province)]
    kab_by_prov = {p: g for p, g in kabupaten.groupby("provinsi", sort=False)}
    kab_rows: dict[str, list[dict]] = {}
    for krow in records(kabupaten):  # once: the province pages' rows and fingerprints, the kabupaten pages' figures
        kab_rows.setdefault(krow["provinsi"], []).append(krow)
    tpp = Columns(statuses)
    for prow in records(province):
        prov = prow["provinsi"]
        tz = reader_timezone(prov, task)
        kabs = kab_by_prov.get(prov, kabupaten.iloc[:0])
        pages.append(PageModel("provinsi", prov, "", tz, prow, kabs, fingerprint=repr((prow, kab_rows.get(prov, [])))))
        for krow in kab_rows.get(prov, []):
            pos = positions.get((prov, krow["kabupaten"]), np.array([], dtype=np.int64))
            fingerprint = f"{int(row_hash[pos].sum(dtype=np.uint64))}-{len(pos)}-{sorted(krow.items())}"
            pages.append(PageModel("kabupaten", prov, krow["kabupaten"], tz, krow, tpp, pos, fingerprint))
    stamps = checked["timestamp"].dropna()
    data_per = stamps.max() if len(stamps) else None
    return LiveData(task, pages, data_per, int(len(checked)), statuses)
