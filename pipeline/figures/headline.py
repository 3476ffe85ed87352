"""Headline figures for the first page of a report and for the index: when the data was last
fed, which provinces are below the national rate, which fell the most since their previous task.

Each is defined once here; the task stage (pipeline/runs/stage.py) publishes them in
task.json and tables/province_summary.csv, and the reports only format what was published.
"""

from __future__ import annotations

import pandas as pd


def latest_response(checked: pd.DataFrame) -> str | None:
    """The latest readable timestamp of any form row of the task (ISO 8601 in the task's zone):
    what "Data per ..." reports, i.e. how fresh the export was. None when no row has one."""
    if "timestamp" not in checked or checked.empty:
        return None
    ts = pd.to_datetime(checked["timestamp"], errors="coerce")
    ts = ts.dropna()
    return None if ts.empty else ts.max().isoformat()


def below_national(rates: pd.Series, national_rate: float) -> pd.Series:
    """True where a rate is strictly below the national rate; False (never NA) for a group
    without a rate or when the national rate itself is unknown."""
    if pd.isna(national_rate):
        return pd.Series(False, index=rates.index, dtype=bool)
    return (rates < national_rate).fillna(False).astype(bool)


def largest_falls(summary: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The provinces whose participation fell the most since their previous task (change < 0),
    largest fall first, ties by province name; at most n rows."""
    falls = summary[summary["change"] < 0]
    return falls.sort_values(["change", "provinsi"], kind="stable").head(n).reset_index(drop=True)


def national_change(trend_national: pd.DataFrame, task_id: str) -> float | None:
    """National participation of the task minus that of the previous national task of the schedule;
    None when the task is not national or no national task came before it."""
    t = trend_national.sort_values("task_order").reset_index(drop=True)
    here = t.index[t["task_id"] == task_id]
    if len(here) == 0 or here[0] == 0:
        return None
    change = t.loc[here[0], "participation_rate"] - t.loc[here[0] - 1, "participation_rate"]
    return None if pd.isna(change) else float(change)
