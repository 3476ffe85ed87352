"""Period recap: every TPP's, kabupaten's, jabatan's and province's figures over the tasks of a period.

Pure computation (frames in, named tables out). The inputs are what every task already has in
the history store (pipeline/figures/history.py): its counted rows (nomor_absen, on_time,
response_minutes) and its trend rows, so the figures of a task are those of its task report.
Definitions follow the section "Period recap" of ../shared/data-contract.md:

- per TPP (usable roster rows) eligible for at least one task of the period: eligible_tasks,
  responded_tasks, on_time_tasks, participation_rate = responded / eligible, on_time_rate =
  on time / eligible, median_response_minutes over their counted rows, longest_streak (the
  longest run of consecutive tasks they were eligible for without a counted row) and category;
- per province, kabupaten and jabatan: tpp, the sums over those TPP, rates from the sums and the
  median of all their counted rows' response times.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.figures import compute, tables
from pipeline.rules.eligibility import Eligibility

BAIK, CUKUP, PEMBINAAN = "baik", "cukup", "perlu_pembinaan"
CATEGORIES = (BAIK, CUKUP, PEMBINAAN)
KEY_COLUMNS = ["provinsi", "kabupaten", "nomor_absen", "nama", "jabatan"]
COUNTS = ["eligible_tasks", "responded_tasks", "on_time_tasks"]
RATES = ["participation_rate", "on_time_rate", "median_response_minutes"]
TPP_COLUMNS = KEY_COLUMNS + COUNTS + RATES + ["longest_streak", "category"]
GROUP_FIGURES = ["tpp"] + COUNTS + RATES
TASK_COLUMNS = ["task_id", "judul", "mulai", "cakupan"]

TABLES = {
    # The contract's tables
    "recap_tpp": "every TPP eligible for a task of the period, with their figures and category",
    "recap_province": "provinsi + tpp, summed task counts, rates, median minutes",
    "recap_kabupaten": "provinsi, kabupaten + the same figures",
    "recap_jabatan": "provinsi, jabatan + the same figures",
    "recap_tasks": "the tasks of the period",
    # Extra tables the recap reports read
    "recap_national": "national figures over the national tasks of the period: all TPP ('Semua') and per jabatan",
    "recap_categories": "per province: TPP in each category and their share",
    "recap_categories_national": "TPP in each category over every province, and their share",
    "recap_trend_province": "each task's participation per province (the task reports' figures)",
    "recap_trend_national": "each national task's participation (the task reports' figures)",
    "recap_province_summary": "rank among provinces and change against the previous period of the same length",
}


@dataclass
class PeriodMatrices:
    """TPP x task of a period: the usable roster rows and, per task (columns in schedule order),
    whether each was eligible, responded (a counted row), on time, and their response minutes."""

    people: pd.DataFrame  # usable roster rows (KEY_COLUMNS), one per row of the matrices
    tasks: pd.DataFrame
    eligible: np.ndarray  # bool n x m
    responded: np.ndarray  # bool n x m (only where eligible)
    on_time: np.ndarray  # bool n x m
    minutes: np.ndarray  # float n x m, NaN without a counted row

    def columns(self, national_only: bool) -> PeriodMatrices:
        """The same matrices restricted to the national tasks (a provincial task is in no national figure)."""
        if not national_only:
            return self
        keep = (self.tasks["cakupan"].astype(str).str.strip().str.lower() == "nasional").to_numpy()
        return PeriodMatrices(self.people, self.tasks[keep].reset_index(drop=True), self.eligible[:, keep],
                              self.responded[:, keep], self.on_time[:, keep], self.minutes[:, keep])


def period_matrices(roster: pd.DataFrame, tasks: pd.DataFrame, counted: dict[str, pd.DataFrame]) -> PeriodMatrices:
    """Eligibility from `eligibility.Eligibility` (the one definition), counted rows from each task's
    history entry (`counted[task_id]`: nomor_absen, on_time, response_minutes)."""
    usable = roster[roster["quarantine_reason"].isna()].reset_index(drop=True)
    eligibility = Eligibility(usable)
    ids = usable["nomor_absen"].to_numpy(dtype="int64")
    n, m = len(usable), len(tasks)
    eligible = np.zeros((n, m), dtype=bool)
    responded = np.zeros((n, m), dtype=bool)
    on_time = np.zeros((n, m), dtype=bool)
    minutes = np.full((n, m), np.nan)
    for j, task in enumerate(tasks.itertuples(index=False)):
        eligible[:, j] = eligibility.codes(task._asdict()) == 0
        rows = counted[task.task_id]
        pos = pd.Index(rows["nomor_absen"].astype("int64").to_numpy()).get_indexer(ids)
        hit = (pos >= 0) & eligible[:, j]
        responded[:, j] = hit
        on_time[hit, j] = rows["on_time"].astype(bool).to_numpy()[pos[hit]]
        minutes[hit, j] = rows["response_minutes"].astype("float64").to_numpy()[pos[hit]]
    people = usable[KEY_COLUMNS].copy()
    people["nomor_absen"] = ids
    return PeriodMatrices(people, tasks.reset_index(drop=True), eligible, responded, on_time, minutes)


def longest_streaks(eligible: np.ndarray, responded: np.ndarray) -> np.ndarray:
    """Per row: the longest run of consecutive eligible tasks without a counted row (tasks the
    TPP was not eligible for are skipped: they neither extend nor break a run)."""
    run = np.zeros(eligible.shape[0], dtype=np.int64)
    best = run.copy()
    for j in range(eligible.shape[1]):
        silent = eligible[:, j] & ~responded[:, j]
        run = np.where(silent, run + 1, np.where(eligible[:, j], 0, run))
        np.maximum(best, run, out=best)
    return best


def category(participation_rate: pd.Series, baik: float, cukup: float) -> pd.Series:
    """baik at `baik` or more, cukup at `cukup` or more, else perlu_pembinaan."""
    rate = participation_rate.to_numpy(dtype="float64")
    return pd.Series(np.select([rate >= baik, rate >= cukup], [BAIK, CUKUP], PEMBINAAN), index=participation_rate.index)


def _rates(out: pd.DataFrame) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        eligible = out["eligible_tasks"].to_numpy(dtype="float64")
        out["participation_rate"] = np.where(eligible > 0, out["responded_tasks"] / eligible, np.nan)
        out["on_time_rate"] = np.where(eligible > 0, out["on_time_tasks"] / eligible, np.nan)
    return out


def tpp_table(mat: PeriodMatrices, baik: float, cukup: float) -> pd.DataFrame:
    """recap_tpp: one row per TPP eligible for at least one task (by provinsi, kabupaten, nomor_absen)."""
    out = mat.people.copy()
    out["eligible_tasks"] = mat.eligible.sum(axis=1).astype("int64")
    out["responded_tasks"] = mat.responded.sum(axis=1).astype("int64")
    out["on_time_tasks"] = (mat.on_time & mat.responded).sum(axis=1).astype("int64")
    out = _rates(out)
    with warnings.catch_warnings():  # a TPP without a counted row: NaN, no warning
        warnings.simplefilter("ignore", RuntimeWarning)
        out["median_response_minutes"] = np.nanmedian(mat.minutes, axis=1) if mat.minutes.shape[1] else np.nan
    out["longest_streak"] = longest_streaks(mat.eligible, mat.responded)
    out["category"] = category(out["participation_rate"], baik, cukup)
    out = out[out["eligible_tasks"] > 0]
    return out.sort_values(["provinsi", "kabupaten", "nomor_absen"], kind="stable")[TPP_COLUMNS].reset_index(drop=True)


def counted_minutes(mat: PeriodMatrices) -> pd.DataFrame:
    """Every counted row of the period: the TPP's group keys and the row's response minutes."""
    rows, cols = np.nonzero(mat.responded)
    out = mat.people.iloc[rows][["provinsi", "kabupaten", "jabatan", "nomor_absen"]].reset_index(drop=True)
    out["response_minutes"] = mat.minutes[rows, cols]
    return out


def group_table(tpp: pd.DataFrame, minutes: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The group figures: tpp, summed counts, rates from the sums, median of all counted rows."""
    if by:
        out = tpp.groupby(by, sort=True, observed=True, dropna=False).agg(
            tpp=("nomor_absen", "size"), **{c: (c, "sum") for c in COUNTS}).reset_index()
        med = minutes.groupby(by, sort=True, observed=True, dropna=False)["response_minutes"].median()
        out = out.merge(med.rename("median_response_minutes").reset_index(), on=by, how="left")
    else:
        out = pd.DataFrame({"tpp": [len(tpp)], **{c: [int(tpp[c].sum())] for c in COUNTS},
                            "median_response_minutes": [minutes["response_minutes"].median()]})
    for c in ["tpp", *COUNTS]:
        out[c] = out[c].astype("int64")
    out["median_response_minutes"] = out["median_response_minutes"].astype("float64")
    return _rates(out)[by + GROUP_FIGURES]


def national_table(mat: PeriodMatrices, baik: float, cukup: float) -> pd.DataFrame:
    """recap_national: over the national tasks only, all TPP (jabatan 'Semua') then per jabatan."""
    nat = mat.columns(national_only=True)
    tpp = tpp_table(nat, baik, cukup)
    minutes = counted_minutes(nat)
    overall = group_table(tpp, minutes, [])
    overall.insert(0, "jabatan", "Semua")
    return pd.concat([overall, group_table(tpp, minutes, ["jabatan"])], ignore_index=True)


def category_tables(tpp: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """TPP per category (every category listed, also at 0) per province and over all provinces."""
    cat = pd.Categorical(tpp["category"], categories=CATEGORIES)
    counts = pd.crosstab(tpp["provinsi"], cat, dropna=False).reindex(columns=list(CATEGORIES), fill_value=0)
    per = counts.stack().rename("tpp").reset_index()
    per.columns = ["provinsi", "category", "tpp"]
    per["category"] = per["category"].astype(str)
    per["tpp"] = per["tpp"].astype("int64")
    per["share"] = per["tpp"] / per.groupby("provinsi")["tpp"].transform("sum")
    nat = pd.DataFrame({"category": list(CATEGORIES),
                        "tpp": [int((tpp["category"] == c).sum()) for c in CATEGORIES]})
    nat["share"] = nat["tpp"] / nat["tpp"].sum() if len(tpp) else np.nan
    return per, nat


def tasks_table(tasks: pd.DataFrame) -> pd.DataFrame:
    """recap_tasks: the tasks of the period in schedule order."""
    return pd.DataFrame({"task_id": tasks["task_id"].astype(str).to_numpy(), "judul": tasks["judul"].to_numpy(),
                         "mulai": [m.isoformat() for m in tasks["mulai"]],
                         "cakupan": tasks["cakupan"].astype(str).to_numpy()})


def trend(tasks: pd.DataFrame,
          per_task: dict[str, tuple[pd.DataFrame, pd.DataFrame]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each task's participation per province and nationally: the task reports' own rows
    (`compute.trend_tables`); the national rows of national tasks only."""
    province, national = compute.trend_tables(tasks.reset_index(drop=True), per_task)  # national tasks only
    return province, national.reset_index(drop=True)


def province_summary(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Rank among provinces by participation (1 = best, ties share the better rank) and the change
    against the previous period's participation (empty when the province had no task then)."""
    out = current[["provinsi"]].copy()
    out["rank"] = tables.province_rank(current["participation_rate"])
    out["participation_rate"] = current["participation_rate"]
    prev = (previous.set_index("provinsi")["participation_rate"] if previous is not None and len(previous)
            else pd.Series(dtype="float64"))
    out["previous_participation_rate"] = out["provinsi"].map(prev).astype("float64")
    out["change"] = out["participation_rate"] - out["previous_participation_rate"]
    out["provinces_ranked"] = int(current["participation_rate"].notna().sum())
    return out.sort_values(["rank", "provinsi"], kind="stable").reset_index(drop=True)


def recap_tables(roster: pd.DataFrame, tasks: pd.DataFrame, counted: dict[str, pd.DataFrame],
                 per_task_trend: dict[str, tuple[pd.DataFrame, pd.DataFrame]], *, baik: float, cukup: float,
                 previous_province: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every table of a recap folder (see TABLES), from the period's tasks in schedule order."""
    mat = period_matrices(roster, tasks, counted)
    tpp = tpp_table(mat, baik, cukup)
    minutes = counted_minutes(mat)
    tabs = {
        "recap_tpp": tpp,
        "recap_province": group_table(tpp, minutes, ["provinsi"]),
        "recap_kabupaten": group_table(tpp, minutes, ["provinsi", "kabupaten"]),
        "recap_jabatan": group_table(tpp, minutes, ["provinsi", "jabatan"]),
        "recap_tasks": tasks_table(tasks),
        "recap_national": national_table(mat, baik, cukup),
    }
    tabs["recap_categories"], tabs["recap_categories_national"] = category_tables(tpp)
    tabs["recap_trend_province"], tabs["recap_trend_national"] = trend(tasks, per_task_trend)
    tabs["recap_province_summary"] = province_summary(tabs["recap_province"], previous_province)
    return tabs
