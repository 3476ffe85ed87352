"""Frames in, named tables out: the ONE builder of every published table of a task.

`build_tables(resolved)` takes the resolved frames of a task (validated roster, checked
responses, the schedule's trend rows, counted ids of earlier tasks, village media, validation
results) and returns every table `tables/*.csv` holds, by name (TABLES lists them with a
one-line meaning). It reads no file and writes none: `pipeline/runs/stage.py` loads, validates
and resolves before it and publishes after it. The per-TPP figures come from `compute.py`;
this module adds every figure a report shows on top of them (rank, change, the follow-up
action, rejected counts, platform shares, the kabupaten ranking), so that presentation
(`pipeline/reports/present.py`, `followup.py`) only selects rows and formats them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline import config
from pipeline.figures import compute, headline, proof
from pipeline.rules import contract, validate
from pipeline.rules.eligibility import ineligible_reason

TABLES = {
    # The contract's tables
    "participation_province": "provinsi + figures (eligible, responded, on_time, rates, median minutes)",
    "participation_kabupaten": "provinsi, kabupaten + figures",
    "participation_jabatan": "provinsi, jabatan + figures",
    "responses_checked": "every response row once with its outcome",
    "proof_flags": "counted rows whose link is shared, reused or the task's material (flags, never rejections)",
    "non_responders": "eligible TPP with no counted row: streak, possibly_inactive, submitted, pembinaan, action",
    "channel_coverage": "provinsi, channel, eligible, with_channel, coverage_rate",
    "roster_quarantine": "unusable roster rows with their reason",
    # Extra tables the reports read
    "participation_national": "national figures, overall (jabatan 'Semua') and per jabatan",
    "province_summary": "rank among provinces, change against the previous task, below the national rate, per province",
    "channel_coverage_national": "channel coverage of all eligible TPP",
    "trend_province": "participation per province for every task of the schedule up to this one",
    "trend_national": "national participation for every task of the schedule up to this one",
    "streak_counts": "per province: non-responders, pembinaan, possibly inactive, submitted but rejected",
    "streak_counts_kabupaten": "the same counts per province and kabupaten",
    "kabupaten_ranking": "kabupaten with enough eligible TPP to rank, with their place from the top and the bottom",
    "platforms": "counted rows per province and platform",
    "platform_shares": "counted rows and share per platform, per province and nationally",
    "outcomes": "response rows per province and outcome",
    "quality_summary": "response rows checked, counted, rejected, recovered, from resigned TPP; per province, national",
    "resigned_responders": "per province: rows from TPP the roster marks as resigned (roster needs updating)",
    "resigned_tpp": "who: each TPP marked as resigned who still sends (kabupaten, name, tanggal_resign, rows)",
    "late_responders": "who: each TPP whose counted row came after batas (kabupaten, name, timestamp, minutes_late)",
    "village_media": "villages per province with conventional and online media (when the data is there)",
    "village_media_national": "the same media counts and rates over every province (one row; empty without data)",
    "validation_checks": "every expectation of every suite with its result",
    "validation_failures": "every (row, expectation) that failed",
}

RESPONSES_CHECKED_COLUMNS = [
    "source_row", "nomor_absen_input", "nomor_absen", "provinsi", "outcome", "on_time", "platform", "warnings",
    "detail", "timestamp", "response_minutes", "kabupaten", "jabatan", "provinsi_form", "nama_input", "link",
]
# `level` of a row in tables holding province rows and one national row.
PROVINCE, NATIONAL = "provinsi", "nasional"
# The follow-up action of one non-responder (follow_up_action), as readers see it.
ACTION_INACTIVE = "Mungkin tidak aktif lagi: cek Data TPP"
ACTION_PEMBINAAN = "Pembinaan"
ACTION_REMIND = "Ingatkan"


@dataclass
class Resolved:
    """What the stage hands to the builder: one task resolved, with what its history needs."""

    roster: pd.DataFrame  # validated roster (with quarantine_reason)
    task: pd.Series  # the task's row of the schedule
    schedule: pd.DataFrame  # the schedule up to and including the task
    checked: pd.DataFrame  # resolve.resolve_responses of the task
    trend_by_task: dict[str, tuple[pd.DataFrame, pd.DataFrame]]  # compute.task_trend of every scheduled task
    counted_ids: Callable[[str], np.ndarray]  # counted nomor_absen of a scheduled task
    media: pd.DataFrame | None = None  # validated village media, when the data has it
    suites: list = field(default_factory=list)  # validation results (validate.*)
    # (task_id, loader of its counted links) for every earlier task of the schedule (proof checks)
    earlier_links: list[proof.Earlier] = field(default_factory=list)
    links: pd.DataFrame | None = None  # proof.counted_links of `checked`, when already computed


def build_tables(r: Resolved) -> dict[str, pd.DataFrame]:
    """Every published table of the task, by name (see TABLES): `task_tables`, then `checked_tables`."""
    return {**task_tables(r), **checked_tables(r)}


def task_tables(r: Resolved) -> dict[str, pd.DataFrame]:
    """Every table but those built on the validation suites' outcomes (`checked_tables`): the stage
    builds these while the suites still run in its sidecar."""
    task_id = str(r.task["task_id"])
    eligible = compute.eligible_roster(r.roster, r.task)
    frame = compute.participation_frame(eligible, compute.counted_rows(r.checked))
    tabs = compute.participation_tables(frame)
    tabs["trend_province"], tabs["trend_national"] = compute.trend_tables(r.schedule, r.trend_by_task)
    tabs["province_summary"] = province_summary(tabs["participation_province"], tabs["trend_province"], task_id)
    tabs["province_summary"]["below_national"] = headline.below_national(
        tabs["province_summary"]["participation_rate"], tabs["participation_national"].iloc[0]["participation_rate"])
    tabs["kabupaten_ranking"] = kabupaten_ranking(tabs["participation_kabupaten"])
    full = max(config.TREND_TASKS, config.INACTIVE_STREAK)
    matrix = compute.status_matrix(r.roster, r.schedule, r.counted_ids, full_latest=full)
    nr = non_responders(compute.non_responders(frame, compute.streaks(matrix)), submitted_outcomes(r.checked))
    tabs.update(non_responder_tables(nr))
    tabs["channel_coverage"], tabs["channel_coverage_national"] = compute.channel_coverage(eligible)
    tabs["platforms"] = compute.platform_counts(r.checked)
    tabs["platform_shares"] = platform_shares(tabs["platforms"])
    tabs["outcomes"] = compute.outcome_counts(r.checked)
    # flags add warnings only
    tabs["proof_flags"] = proof.task_flags(r.checked, r.task.get("materi"), r.earlier_links, links=r.links)
    flagged = proof.with_flag_warnings(r.checked, tabs["proof_flags"])
    tabs["responses_checked"] = responses_checked(flagged, outcome_detail(r.checked, r.roster, r.task))
    tabs["resigned_responders"] = compute.resigned_responders(tabs["responses_checked"])
    tabs["resigned_tpp"] = resigned_tpp(tabs["responses_checked"], r.roster)
    tabs["late_responders"] = late_responders(r.checked, r.roster, r.task)
    tabs["quality_summary"] = quality_summary(tabs["outcomes"], tabs["resigned_responders"])
    tabs["roster_quarantine"] = roster_quarantine(r.roster)
    return tabs


def checked_tables(r: Resolved) -> dict[str, pd.DataFrame]:
    """The tables built on the suites' outcomes: village media (its quarantine comes from its suite)
    and the validation results; `r.suites` holds outcomes by now."""
    tabs: dict[str, pd.DataFrame] = {}
    if r.media is not None:
        tabs["village_media"] = compute.village_media_coverage(r.media)
    else:
        tabs["village_media"] = pd.DataFrame(columns=["provinsi", "desa"])
    tabs["village_media_national"] = village_media_national(tabs["village_media"])
    tabs["validation_checks"], tabs["validation_failures"] = validate.results_frames(r.suites)
    return tabs


# --- Responses ----------------------------------------------------------------------------------------

def outcome_detail(checked: pd.DataFrame, roster: pd.DataFrame, task: pd.Series) -> pd.Series:
    """Why a row got its outcome where one code hides several causes.

    not_eligible -> the eligibility reason (resigned, out_of_scope, not_joined);
    recovered -> the typing slip (changed, swapped, added, dropped)."""
    detail = pd.Series("", index=checked.index, dtype="object")
    usable = roster[roster["quarantine_reason"].isna() & roster["nomor_absen"].notna()]
    reasons = ineligible_reason(usable, task)
    by_id = pd.Series(reasons.to_numpy(), index=usable["nomor_absen"].astype("int64").to_numpy())
    by_id = by_id[~by_id.index.duplicated()]
    ne = checked["outcome"] == "not_eligible"
    detail[ne] = checked.loc[ne, "nomor_absen"].astype("int64").map(by_id).fillna("").to_numpy()
    rec = checked["outcome"] == "recovered"
    if "recovery" in checked:
        detail[rec] = checked.loc[rec, "recovery"].fillna("").to_numpy()
    return detail


def responses_checked(checked: pd.DataFrame, detail: pd.Series) -> pd.DataFrame:
    """responses_checked.csv: the contract's columns first, then audit columns."""
    out = pd.DataFrame({
        "source_row": checked["source_row"].astype("int64"),
        "nomor_absen_input": checked["nomor_absen_input"],
        "nomor_absen": checked["nomor_absen"].astype("Int64"),
        "provinsi": checked["roster_provinsi"].fillna(checked["provinsi"]),
        "outcome": checked["outcome"],
        "on_time": checked["on_time"].astype("boolean"),
        "platform": checked["platform"],
        "warnings": checked["warnings"].fillna(""),
        "detail": detail,
        "timestamp": checked["timestamp"].map(lambda t: t.isoformat() if pd.notna(t) else ""),
        "response_minutes": checked["response_minutes"],
        "kabupaten": checked["roster_kabupaten"],
        "jabatan": checked["roster_jabatan"],
        "provinsi_form": checked["provinsi_raw"],
        "nama_input": checked["nama"],
        "link": checked["link"],
    })
    return out[RESPONSES_CHECKED_COLUMNS]


def _roster_people(roster: pd.DataFrame) -> pd.DataFrame:
    """Usable roster rows by nomor_absen (first row of an id): nama, kabupaten, tanggal_resign."""
    usable = roster[roster["quarantine_reason"].isna() & roster["nomor_absen"].notna()]
    cols = [c for c in ("nama", "kabupaten", "tanggal_resign") if c in usable]
    people = usable.assign(nomor_absen=usable["nomor_absen"].astype("int64"))
    return people.drop_duplicates("nomor_absen").set_index("nomor_absen")[cols]


def resigned_tpp(checked_table: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """Who still sends although the roster marks them as resigned: one row per TPP (the rows of
    `compute.resigned_responders`, named), ordered by province, kabupaten, nomor_absen."""
    c = checked_table
    hit = c[(c["outcome"] == "not_eligible") & c["detail"].fillna("").eq("resigned")]
    cols = ["provinsi", "kabupaten", "nomor_absen", "nama", "tanggal_resign", "rows"]
    if hit.empty:
        return pd.DataFrame(columns=cols)
    g = hit.groupby(hit["nomor_absen"].astype("int64"), sort=True)
    out = pd.DataFrame({"provinsi": g["provinsi"].first(), "rows": g.size()})
    people = _roster_people(roster).reindex(out.index)
    out["kabupaten"] = people["kabupaten"]
    out["nama"] = people["nama"]
    resign = people.get("tanggal_resign", pd.Series(pd.NaT, index=people.index))
    out["tanggal_resign"] = resign.map(lambda v: pd.Timestamp(v).strftime("%Y-%m-%d") if pd.notna(v) else "")
    out = out.rename_axis("nomor_absen").reset_index()
    return out.sort_values(["provinsi", "kabupaten", "nomor_absen"], kind="stable")[cols].reset_index(drop=True)


def late_responders(checked: pd.DataFrame, roster: pd.DataFrame, task: pd.Series) -> pd.DataFrame:
    """Who responded late but is counted: the counted row of each TPP whose timestamp is after the
    task's batas (on_time False), with how late in minutes. Ordered by province, kabupaten, time."""
    cols = ["provinsi", "kabupaten", "nomor_absen", "nama", "timestamp", "minutes_late"]
    rows = checked[checked["outcome"].isin(compute.COUNTED) & checked["on_time"].eq(False)]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    ids = rows["nomor_absen"].astype("int64")
    names = pd.Series(_roster_people(roster)["nama"].reindex(ids.to_numpy()).to_numpy(), index=rows.index)
    ts = pd.to_datetime(rows["timestamp"])
    late = (ts - pd.Timestamp(task["batas"])).dt.total_seconds() / 60
    out = pd.DataFrame({
        "provinsi": rows["roster_provinsi"].to_numpy(), "kabupaten": rows["roster_kabupaten"].to_numpy(),
        "nomor_absen": ids.to_numpy(), "nama": names.fillna(rows["nama"]).to_numpy(),
        "timestamp": ts.map(lambda t: t.isoformat()).to_numpy(), "minutes_late": late.round(2).to_numpy(),
        "_ts": ts.to_numpy()})
    out = out.sort_values(["provinsi", "kabupaten", "_ts", "nomor_absen"], kind="stable")
    return out[cols].reset_index(drop=True)


def village_media_national(per_province: pd.DataFrame) -> pd.DataFrame:
    """One row over every province: villages, with each medium and its rate (empty without data)."""
    with_cols = [c for c in per_province.columns if c.startswith("with_")]
    if per_province.empty or not with_cols:
        return pd.DataFrame(columns=["desa"])
    out = {"desa": int(per_province["desa"].sum())}
    for c in with_cols:
        out[c] = int(per_province[c].sum())
        out["rate_" + c.removeprefix("with_")] = out[c] / out["desa"] if out["desa"] else float("nan")
    return pd.DataFrame([out])


def roster_quarantine(roster: pd.DataFrame) -> pd.DataFrame:
    """Unusable roster rows with the contract's reason code (and where they are, as typed)."""
    quarantine = roster[roster["quarantine_reason"].notna()]
    return pd.DataFrame({
        "source_row": quarantine["source_row"].astype("int64"),
        "nomor_absen": quarantine["nomor_absen_raw"],
        "reason": quarantine["quarantine_reason"],
        "provinsi": quarantine["provinsi_raw"],
        "kabupaten": quarantine["kabupaten"],
    })


def quality_summary(outcomes: pd.DataFrame, resigned: pd.DataFrame) -> pd.DataFrame:
    """Per province (as in `outcomes`) and national (level `nasional`, provinsi empty): response rows
    checked, counted (recovered included), rejected (every other outcome), of those the repeat
    submissions of a TPP already counted (`duplicates`) and the real rejections (`rejected_other`),
    recovered, and rows from TPP the roster marks as resigned."""
    def row(o: pd.DataFrame, res: pd.DataFrame, level: str, provinsi: object) -> dict:
        g = o.groupby("outcome")["rows"].sum()
        rows, counted = int(g.sum()), int(g.reindex(list(compute.COUNTED)).fillna(0).sum())
        duplicates = int(g.get("duplicate", 0))
        return {"level": level, "provinsi": provinsi, "rows": rows, "counted": counted, "rejected": rows - counted,
                "duplicates": duplicates, "rejected_other": rows - counted - duplicates,
                "recovered": int(g.get("recovered", 0)), "resigned_rows": int(res["rows"].sum())}

    out = [row(o, resigned[resigned["provinsi"] == p], PROVINCE, p) for p, o in outcomes.groupby("provinsi", sort=True)]
    out.append(row(outcomes, resigned, NATIONAL, None))
    return pd.DataFrame(out, columns=["level", "provinsi", "rows", "counted", "rejected", "duplicates",
                                      "rejected_other", "recovered", "resigned_rows"])


def platform_shares(platforms: pd.DataFrame) -> pd.DataFrame:
    """Counted rows per platform and their share of the scope's counted rows, per province and
    national (level `nasional`, provinsi empty); platforms in the contract's order."""
    parts = [(PROVINCE, p, g) for p, g in platforms.groupby("provinsi", sort=True)]
    parts.append((NATIONAL, None, platforms))
    rows = []
    for level, provinsi, p in parts:
        g = p.groupby("platform")["responses"].sum()
        g = g.reindex([x for x in contract.PLATFORMS if x in g.index])
        total = g.sum()
        for platform, n in g.items():
            rows.append({"level": level, "provinsi": provinsi, "platform": platform, "responses": int(n),
                         "share": n / total if total else np.nan})
    return pd.DataFrame(rows, columns=["level", "provinsi", "platform", "responses", "share"])


# --- Provinces and kabupaten ----------------------------------------------------------------------------

def province_rank(participation_rate: pd.Series) -> pd.Series:
    """Rank of provinces by participation: 1 = best, ties share the better rank, none without a rate.
    The one definition for task reports and period recaps (figures/recap.py)."""
    return participation_rate.rank(ascending=False, method="min").astype("Int64")


def province_summary(current: pd.DataFrame, trend: pd.DataFrame, task_id: str) -> pd.DataFrame:
    """`rank` among provinces by participation (1 = best, ties share the better rank) and `change`:
    participation minus that of the previous task (in the schedule) that covered the province."""
    out = current[["provinsi"]].copy()
    out["rank"] = province_rank(current["participation_rate"])
    out["participation_rate"] = current["participation_rate"]
    earlier = trend[trend["task_id"] != task_id]
    prev = earlier.sort_values("task_order").groupby("provinsi").tail(1).set_index("provinsi")
    out["previous_task_id"] = out["provinsi"].map(prev["task_id"])
    out["previous_participation_rate"] = out["provinsi"].map(prev["participation_rate"])
    out["change"] = out["participation_rate"] - out["previous_participation_rate"]
    out["provinces_ranked"] = int(current["participation_rate"].notna().sum())
    return out


def kabupaten_ranking(kabupaten: pd.DataFrame) -> pd.DataFrame:
    """Kabupaten with at least config.KABUPATEN_RANK_MIN_ELIGIBLE eligible TPP (smaller ones swing too
    much to rank), with `from_top` (1 = highest participation, more eligible TPP first on a tie) and
    `from_bottom` (1 = lowest participation, more eligible TPP first on a tie)."""
    k = kabupaten[kabupaten["eligible"] >= config.KABUPATEN_RANK_MIN_ELIGIBLE].copy()
    top = k.sort_values(["participation_rate", "eligible"], ascending=[False, False]).index
    bottom = k.sort_values(["participation_rate", "eligible"], ascending=[True, False]).index
    k["from_top"] = pd.Series(np.arange(1, len(k) + 1), index=top).reindex(k.index).astype("int64")
    k["from_bottom"] = pd.Series(np.arange(1, len(k) + 1), index=bottom).reindex(k.index).astype("int64")
    return k.sort_values("from_top", kind="stable").reset_index(drop=True)


# --- Non-responders: streak counts and the follow-up action ------------------------------------------------

def submitted_outcomes(checked: pd.DataFrame) -> pd.Series:
    """Submitted but rejected: per nomor_absen, the outcome of the latest rejected row resolved to that
    TPP (latest timestamp, then latest row; a row without a timestamp counts as the earliest)."""
    rows = checked[checked["nomor_absen"].notna() & ~checked["outcome"].isin(compute.COUNTED)]
    rows = rows.assign(_ts=pd.to_datetime(rows["timestamp"], utc=True))
    rows = rows.sort_values(["_ts", "source_row"], na_position="first", kind="stable")
    last = rows.drop_duplicates("nomor_absen", keep="last")
    return pd.Series(last["outcome"].to_numpy(), index=last["nomor_absen"].astype("int64").to_numpy(), dtype=object)


def is_possibly_inactive(streak: int) -> bool:
    """Possibly inactive ("mungkin tidak aktif lagi"): silent in the last config.INACTIVE_STREAK tasks the
    TPP was eligible for, i.e. a streak of that many or more."""
    return int(streak) >= config.INACTIVE_STREAK


def is_pembinaan(streak: int) -> bool:
    """A non-responder at config.PEMBINAAN_STREAK tasks in a row or more is marked for coaching (pembinaan)."""
    return int(streak) >= config.PEMBINAAN_STREAK


def follow_up_action(streak: int) -> str:
    """What the PIC should do about one non-responder, the one wording of the reports and workbooks:
    possibly inactive (check the roster) first, then pembinaan, else a reminder."""
    if is_possibly_inactive(streak):
        return ACTION_INACTIVE
    return ACTION_PEMBINAAN if is_pembinaan(streak) else ACTION_REMIND


def non_responders(nr: pd.DataFrame, submitted: pd.Series) -> pd.DataFrame:
    """non_responders.csv: compute.non_responders (provinsi, kabupaten, nomor_absen, nama, jabatan, streak)
    with `possibly_inactive` (is_possibly_inactive), `submitted` (submitted_outcomes, empty when none),
    `pembinaan` (is_pembinaan) and `action` (follow_up_action)."""
    out = nr.copy()
    out["possibly_inactive"] = [is_possibly_inactive(s) for s in out["streak"]]
    out["submitted"] = out["nomor_absen"].astype("int64").map(submitted).fillna("").astype(object).to_numpy()
    out["pembinaan"] = [is_pembinaan(s) for s in out["streak"]]
    out["action"] = [follow_up_action(s) for s in out["streak"]]
    return out


def non_responder_tables(nr: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """non_responders (see non_responders) and the counts built on it, per province and per kabupaten."""
    return {"non_responders": nr, "streak_counts": streak_counts(nr, ["provinsi"]),
            "streak_counts_kabupaten": streak_counts(nr, ["provinsi", "kabupaten"])}


def streak_counts(nr: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group of `by`: non-responders, those marked for pembinaan, those possibly inactive, and those who
    submitted a row that was rejected (the published flags of non_responders, counted)."""
    g = nr.assign(_submitted=nr["submitted"].fillna("").astype(str) != "").groupby(by, sort=True, dropna=False)
    return pd.DataFrame({
        "non_responders": g.size(),
        "streak_pembinaan": g["pembinaan"].sum().astype("int64"),
        "possibly_inactive": g["possibly_inactive"].sum().astype("int64"),
        "submitted": g["_submitted"].sum().astype("int64"),
    }).reset_index()
