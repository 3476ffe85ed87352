"""Eligibility-based figures: participation, on-time, response time, non-responders, streaks, coverage, trends.

The figures are computed here, once, from the roster (with quarantine reasons) and checked
responses; `tables.py` builds every published table from them (and adds rank, change, flags
and the follow-up action), `pipeline/runs/stage.py` publishes `tables/` and the notebooks only
read those tables. Definitions follow ../shared/data-contract.md:

- participation_rate = TPP with a counted row / eligible TPP
- on_time_rate = TPP whose counted row is on time / eligible TPP
- median_response_minutes = median of (counted timestamp - mulai) in minutes, empty when
  nobody responded
- streak = counting back from a task through the schedule, skipping tasks the TPP was not
  eligible for, how many tasks in a row have no counted row from them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.rules import contract
from pipeline.rules.eligibility import Eligibility, eligible_mask

COUNTED = ("counted", "recovered")
FIGURES = ["eligible", "responded", "on_time", "participation_rate", "on_time_rate", "median_response_minutes"]


def counted_rows(checked: pd.DataFrame) -> pd.DataFrame:
    """The one counted row per TPP: nomor_absen, on_time, response_minutes, platform."""
    rows = checked[checked["outcome"].isin(COUNTED)]
    return rows[["nomor_absen", "on_time", "response_minutes", "platform"]].reset_index(drop=True)


def eligible_roster(roster: pd.DataFrame, task) -> pd.DataFrame:
    """Roster rows eligible for `task` (see eligibility.eligible_mask)."""
    return roster[eligible_mask(roster, task)]


def participation_frame(eligible: pd.DataFrame, counted: pd.DataFrame) -> pd.DataFrame:
    """One row per eligible TPP with responded / on_time / response_minutes."""
    base = eligible[["nomor_absen", "nama", "jabatan", "provinsi", "kabupaten"]].copy()
    c = counted.set_index("nomor_absen")
    base["responded"] = base["nomor_absen"].isin(c.index)
    on_time = c["on_time"].astype("boolean").reindex(base["nomor_absen"].to_numpy()).to_numpy()
    base["on_time"] = pd.array(on_time, dtype="boolean").fillna(False).astype(bool)
    base["response_minutes"] = c["response_minutes"].astype(float).reindex(base["nomor_absen"].to_numpy()).to_numpy()
    return base.reset_index(drop=True)


def rate_table(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The contract's figures for each group of `by` (sorted by the group keys)."""
    if by:
        g = frame.groupby(by, sort=True, observed=True, dropna=False)
        out = g.agg(eligible=("nomor_absen", "size"), responded=("responded", "sum"),
                    on_time=("on_time", "sum"),
                    median_response_minutes=("response_minutes", "median")).reset_index()
    else:
        out = pd.DataFrame({
            "eligible": [len(frame)], "responded": [int(frame["responded"].sum())],
            "on_time": [int(frame["on_time"].sum())],
            "median_response_minutes": [frame["response_minutes"].median()],
        })
    out["eligible"] = out["eligible"].astype("int64")
    out["responded"] = out["responded"].astype("int64")
    out["on_time"] = out["on_time"].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["participation_rate"] = np.where(out["eligible"] > 0, out["responded"] / out["eligible"], np.nan)
        out["on_time_rate"] = np.where(out["eligible"] > 0, out["on_time"] / out["eligible"], np.nan)
    return out[by + FIGURES]


def participation_tables(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Province, kabupaten, jabatan (per province) and national (overall and per jabatan) tables."""
    national = rate_table(frame, [])
    national.insert(0, "jabatan", "Semua")
    per_jab = rate_table(frame, ["jabatan"])
    return {
        "participation_province": rate_table(frame, ["provinsi"]),
        "participation_kabupaten": rate_table(frame, ["provinsi", "kabupaten"]),
        "participation_jabatan": rate_table(frame, ["provinsi", "jabatan"]),
        "participation_national": pd.concat([national, per_jab], ignore_index=True),
    }


# --- History: streaks and trends -----------------------------------------------------------------

def status_matrix(roster: pd.DataFrame, tasks: pd.DataFrame, counted_ids, *,
                  full_latest: int | None = None) -> pd.DataFrame:
    """TPP x task (schedule order): 1 counted, 0 eligible without a counted row, NaN not eligible.

    Index: nomor_absen of usable roster rows; columns: task_id in schedule order.
    `counted_ids(task_id)` (or a mapping) gives the counted nomor_absen of a task. With
    `full_latest`, only the latest `full_latest` columns are filled for everyone; older columns
    are filled only for TPP whose streak is still running (no counted row in any later task),
    and are NaN for the others, which changes neither `streaks` (nor the flags built on them) but
    keeps a long history cheap."""
    get_ids = counted_ids.__getitem__ if hasattr(counted_ids, "__getitem__") else counted_ids
    usable = roster[roster["quarantine_reason"].isna()]
    eligibility = Eligibility(usable)  # the roster's columns converted once for every task
    ids = usable["nomor_absen"].to_numpy(dtype="int64")
    task_list = list(tasks.itertuples(index=False))
    n, m = len(ids), len(task_list)
    values = np.full((n, m), np.nan, dtype=np.float32, order="F")  # filled column by column; 0, 1, NaN exact
    running = np.ones(n, dtype=bool)
    for back, j in enumerate(range(m - 1, -1, -1)):
        rows = np.arange(n) if full_latest is None or back < full_latest else np.flatnonzero(running)
        if rows.size == 0:
            break
        elig = eligibility.codes(task_list[j]._asdict())[rows] == 0
        counted = np.isin(ids[rows], np.asarray(get_ids(task_list[j].task_id), dtype="int64"))
        values[rows, j] = np.where(elig, counted.astype(float), np.nan)
        running[rows[elig & counted]] = False
    return pd.DataFrame(values, index=pd.Index(ids, name="nomor_absen"), columns=[t.task_id for t in task_list],
                        copy=False)


def streaks(matrix: pd.DataFrame) -> pd.Series:
    """Consecutive eligible tasks without a counted row, counting back from the last column."""
    values = matrix.to_numpy()[:, ::-1]  # latest first
    n, m = values.shape
    streak = np.zeros(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    for j in range(m):
        col = values[:, j]
        silent = alive & (col == 0)
        stop = alive & (col == 1)
        streak += silent
        alive &= ~stop
    return pd.Series(streak, index=matrix.index, name="streak")


def non_responders(frame: pd.DataFrame, streak: pd.Series) -> pd.DataFrame:
    """Eligible TPP with no counted row, with streak (sorted by province, kabupaten, -streak, id)."""
    nr = frame[~frame["responded"]][["provinsi", "kabupaten", "nomor_absen", "nama", "jabatan"]].copy()
    nr["streak"] = streak.reindex(nr["nomor_absen"].to_numpy()).fillna(0).astype("int64").to_numpy()
    nr = nr.sort_values(["provinsi", "kabupaten", "streak", "nomor_absen"], ascending=[True, True, False, True],
                        kind="stable")
    return nr.reset_index(drop=True)


def kabupaten_names(roster: pd.DataFrame) -> pd.Series:
    """The kabupaten each roster row is shown under: the roster's most frequent spelling of its
    kabupaten (one kabupaten = one contract.kabupaten_key) within its province, over all roster
    rows; a tie goes to the spelling found first in the file. Aligned with `roster`; empty stays empty."""
    raw = roster["kabupaten"].astype("string")
    keys = raw.map(contract.kabupaten_key, na_action="ignore").fillna("")
    prov = roster["provinsi"].astype("string").fillna("\x00")
    frame = pd.DataFrame({"prov": prov.to_numpy(), "key": keys.to_numpy(), "raw": raw.to_numpy(),
                          "order": np.arange(len(roster))})
    frame = frame[frame["key"] != ""]
    counts = frame.groupby(["prov", "key", "raw"], sort=False).agg(n=("order", "size"), first=("order", "min"))
    counts = counts.reset_index().sort_values(["prov", "key", "n", "first"], ascending=[True, True, False, True])
    best = counts.drop_duplicates(["prov", "key"]).set_index(["prov", "key"])["raw"].to_dict()  # dict: fast get
    shown = [best.get((p, k), r) if k else r for p, k, r in zip(prov.to_numpy(), keys.to_numpy(), raw.to_numpy())]
    return pd.Series(shown, index=roster.index, dtype="string")


def task_trend(roster: pd.DataFrame, task, counted: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One task's participation by province and nationally (the rows of the trend tables)."""
    frame = participation_frame(eligible_roster(roster, task), counted)
    return rate_table(frame, ["provinsi"]), rate_table(frame, [])


def trend_tables(tasks: pd.DataFrame,
                 per_task: dict[str, tuple[pd.DataFrame, pd.DataFrame]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Participation per province for every task in `tasks` (schedule order), and nationally for
    every national task (is_national), from each task's `task_trend`."""
    meta = pd.DataFrame({
        "task_order": np.arange(len(tasks), dtype="int64"), "task_id": tasks["task_id"].to_numpy(),
        "judul": tasks["judul"].to_numpy(), "mulai": [m.isoformat() for m in tasks["mulai"]],
        "cakupan": tasks["cakupan"].to_numpy(),
    })
    national = [is_national(t) for t in tasks.to_dict("records")]
    tables = []
    for level in (0, 1):  # province rows, national rows (of national tasks only)
        frames = [per_task[task_id][level] if level == 0 or national[i] else per_task[task_id][level].iloc[0:0]
                  for i, task_id in enumerate(tasks["task_id"])]
        rows = np.repeat(np.arange(len(meta)), [len(f) for f in frames])
        head = meta.iloc[rows].reset_index(drop=True)
        tables.append(pd.concat([head, pd.concat(frames, ignore_index=True)], axis=1))
    return tables[0], tables[1]


def is_national(task) -> bool:
    """A task of the national schedule: no province scope (load.load_tasks reads cakupan `nasional`
    as the empty scope). A provincial task appears in the trends of the provinces in its scope and
    in no national figure."""
    scope = task.get("scope") if hasattr(task, "get") else None
    if scope is None or (isinstance(scope, float) and np.isnan(scope)):
        return str(task.get("cakupan", "")).strip().lower() in ("nasional", "national")
    return len(tuple(scope)) == 0


# --- Coverage ------------------------------------------------------------------------------------

def channel_coverage(eligible: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Eligible TPP with a valid contact per channel: per province, and national."""
    present = contract.contact_matrix(eligible)
    present["provinsi"] = eligible["provinsi"].to_numpy()
    long = present.melt(id_vars="provinsi", var_name="channel", value_name="has")
    long["channel"] = pd.Categorical(long["channel"], categories=contract.CHANNELS, ordered=True)
    prov = long.groupby(["provinsi", "channel"], sort=True, observed=True).agg(
        eligible=("has", "size"), with_channel=("has", "sum")).reset_index()
    nat = long.groupby("channel", sort=True, observed=True).agg(
        eligible=("has", "size"), with_channel=("has", "sum")).reset_index()
    for t in (prov, nat):
        t["channel"] = t["channel"].astype(str)
        t["with_channel"] = t["with_channel"].astype("int64")
        t["eligible"] = t["eligible"].astype("int64")
        t["coverage_rate"] = t["with_channel"] / t["eligible"]
    return prov, nat


def village_media_coverage(media: pd.DataFrame) -> pd.DataFrame:
    """Per province: villages, with conventional media, and with each online medium (usable rows only)."""
    usable = media[media["quarantine_reason"].isna()].copy()
    konvensional = usable["media_konvensional"].astype("string").str.strip().str.lower()
    usable["konvensional"] = konvensional.eq("ya").fillna(False)
    cols = {"konvensional": "konvensional"}
    for m in contract.VILLAGE_MEDIA_MEDIA:
        usable[m + "_ada"] = contract.contact_present_many(m, usable[m]) if m in usable else False
        cols[m] = m + "_ada"
    g = usable.groupby("provinsi", sort=True)
    out = pd.DataFrame({"desa": g.size()})
    for label, col in cols.items():
        out["with_" + label] = g[col].sum().astype("int64")
        out["rate_" + label] = out["with_" + label] / out["desa"]
    return out.reset_index()


# --- Responses: platforms, outcomes ---------------------------------------------------------------

def platform_counts(checked: pd.DataFrame) -> pd.DataFrame:
    """Counted rows per roster province and platform."""
    rows = checked[checked["outcome"].isin(COUNTED)]
    out = rows.groupby(["roster_provinsi", "platform"], sort=True).size().rename("responses").reset_index()
    return out.rename(columns={"roster_provinsi": "provinsi"})


def resigned_responders(responses_checked: pd.DataFrame) -> pd.DataFrame:
    """Per province: rows rejected as not_eligible because the roster marks the TPP as resigned
    (they still send: the roster needs updating). Reads the published responses_checked frame."""
    c = responses_checked
    hit = c[(c["outcome"] == "not_eligible") & c["detail"].fillna("").eq("resigned")]
    return hit.groupby("provinsi", sort=True).size().rename("rows").reset_index()


def outcome_counts(checked: pd.DataFrame) -> pd.DataFrame:
    """Rows per province and outcome; the province is the roster's when resolved, else the form's."""
    prov = checked["roster_provinsi"].fillna(checked["provinsi"]).fillna("(tidak diketahui)")
    out = checked.assign(provinsi_laporan=prov).groupby(["provinsi_laporan", "outcome"], sort=True).size()
    return out.rename("rows").reset_index().rename(columns={"provinsi_laporan": "provinsi"})
