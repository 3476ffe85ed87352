"""Runs load -> validate -> resolve -> compute once per task and publishes `tables/`.

The task notebook calls `run_task`; the province and national notebooks only read what it
publishes (see `present.py`). Every published table is listed in TABLES with a one-line
meaning, so a newcomer can find where a figure comes from.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import __version__, config
from pipeline.errors import InputError
from pipeline.figures import compute, proof
from pipeline.figures.history import Entry, HistoryStore, code_fingerprint, roster_fingerprint, task_key
from pipeline.inputs import load
from pipeline.publish import atomic_write_text, sha256_file, write_csv
from pipeline.rules import validate
from pipeline.rules.eligibility import ineligible_reason
from pipeline.rules.resolve import resolve_responses
from pipeline.runs.manifest import git_commit

TABLES = {
    # The contract's tables
    "participation_province": "provinsi + figures (eligible, responded, on_time, rates, median minutes)",
    "participation_kabupaten": "provinsi, kabupaten + figures",
    "participation_jabatan": "provinsi, jabatan + figures",
    "responses_checked": "every response row once with its outcome",
    "proof_flags": "counted rows whose link is shared, reused or the task's material (flags, never rejections)",
    "non_responders": "eligible TPP with no counted row, with streak",
    "channel_coverage": "provinsi, channel, eligible, with_channel, coverage_rate",
    "roster_quarantine": "unusable roster rows with their reason",
    # Extra tables the reports read
    "participation_national": "national figures, overall (jabatan 'Semua') and per jabatan",
    "province_summary": "rank among provinces and change against the previous task per province",
    "channel_coverage_national": "channel coverage of all eligible TPP",
    "trend_province": "participation per province for every task of the schedule up to this one",
    "trend_national": "national participation for every task of the schedule up to this one",
    "streak_counts": "per province: non-responders, at the pembinaan streak or more, silent in all latest tasks",
    "platforms": "counted rows per province and platform",
    "outcomes": "response rows per province and outcome",
    "resigned_responders": "per province: rows from TPP the roster marks as resigned (roster needs updating)",
    "village_media": "villages per province with conventional and online media (when the data is there)",
    "validation_checks": "every expectation of every suite with its result",
    "validation_failures": "every (row, expectation) that failed",
}

RESPONSES_CHECKED_COLUMNS = [
    "source_row", "nomor_absen_input", "nomor_absen", "provinsi", "outcome", "on_time", "platform", "warnings",
    "detail", "timestamp", "response_minutes", "kabupaten", "jabatan", "provinsi_form", "nama_input", "link",
]


@dataclass
class TaskResult:
    task_id: str
    out_dir: Path
    inputs: list[dict] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)  # tasks of the schedule, read from the history store, computed


def _relative(path: Path, data_dir: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(data_dir).resolve()).as_posix()
    except ValueError:
        return Path(path).name


def _input_record(frame: pd.DataFrame, data_dir: Path, role: str) -> dict:
    path = Path(frame.attrs.get("source", ""))
    name = _relative(path, data_dir)
    return {"role": role, "path": name, "sha256": frame.attrs.get("sha256") or sha256_file(path),
            "rows": int(len(frame)), "url": frame.attrs.get("url")}


def schedule_until(tasks: pd.DataFrame, task: pd.Series) -> pd.DataFrame:
    """Tasks of the schedule up to and including `task` (by mulai, then task_id)."""
    order = tasks.reset_index(drop=True)
    pos = int(order.index[order["task_id"] == task["task_id"]][0])
    return order.iloc[: pos + 1].reset_index(drop=True)


def input_files(data_dir: Path, tasks: pd.DataFrame, task_id: str) -> list[dict]:
    """The files a run of `task_id` reads (role, path relative to data_dir, sha256), found and
    hashed without parsing them; sha256 is None for a task read from a URL."""
    data_dir = Path(data_dir)

    def record(role: str, path: Path | str | None) -> dict | None:
        if path is None:
            return None
        if isinstance(path, str):  # an http(s) source
            return {"role": role, "path": path, "sha256": None}
        try:
            name = Path(path).resolve().relative_to(data_dir.resolve()).as_posix()
        except ValueError:
            name = str(path)
        return {"role": role, "path": name, "sha256": sha256_file(path) if Path(path).is_file() else None}

    records = [record("roster", load.find_input(data_dir, "roster")),
               record("tasks", Path(tasks.attrs.get("source", data_dir / "tasks.csv")))]
    task = load.get_task(tasks, task_id)
    for prior in schedule_until(tasks, task).itertuples(index=False):
        role = "responses" if prior.task_id == task_id else f"history:{prior.task_id}"
        records.append(record(role, load.response_source(data_dir, pd.Series(prior._asdict()))))
    records.append(record("village_media", load.find_input(data_dir, "village_media", required=False)))
    return [r for r in records if r is not None]


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


def checked_table(checked: pd.DataFrame, detail: pd.Series) -> pd.DataFrame:
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


def province_summary(current: pd.DataFrame, trend: pd.DataFrame, task_id: str) -> pd.DataFrame:
    """Rank and change against the previous task (in the schedule) that covered the province."""
    out = compute.add_ranks(current)[["provinsi", "rank", "participation_rate"]].copy()
    earlier = trend[trend["task_id"] != task_id]
    prev = earlier.sort_values("task_order").groupby("provinsi").tail(1).set_index("provinsi")
    out["previous_task_id"] = out["provinsi"].map(prev["task_id"])
    out["previous_participation_rate"] = out["provinsi"].map(prev["participation_rate"])
    out["change"] = out["participation_rate"] - out["previous_participation_rate"]
    out["provinces_ranked"] = int(current["participation_rate"].notna().sum())
    return out


def run_task(data_dir: Path, task_id: str | None, out_task_dir: Path | None = None, *, strict: bool = False,
             out_root: Path | None = None, history_dir: Path | None = None, log=print) -> TaskResult:
    """Validate, resolve and compute one task; write tables/, validation/ and task.json.

    `history_dir` keeps earlier tasks' results by content hash (pipeline/figures/history.py); without
    it every task of the schedule is loaded and resolved."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(f"data directory {data_dir} does not exist")
    t0 = time.perf_counter()
    tasks = load.load_tasks(data_dir)
    if task_id is None:
        task_id = str(tasks.iloc[-1]["task_id"])
    task = load.get_task(tasks, task_id)
    if out_task_dir is None:
        out_task_dir = Path(out_root or config.REPORTS_DIR) / task_id
    out = Path(out_task_dir)
    tables = config.tables_dir(out)
    tables.mkdir(parents=True, exist_ok=True)
    result = TaskResult(task_id, out)
    seconds = result.seconds

    roster_raw = load.load_roster(data_dir)
    result.inputs.append(_input_record(roster_raw, data_dir, "roster"))
    result.inputs.append({"role": "tasks", "path": tasks.attrs.get("source_name", Path(tasks.attrs.get("source", "tasks")).name),
                          "sha256": tasks.attrs.get("sha256", ""), "rows": int(len(tasks)), "url": None})
    seconds["load_roster"] = time.perf_counter() - t0

    t = time.perf_counter()
    roster, roster_res = validate.validate_roster(roster_raw, strict=strict)
    seconds["validate_roster"] = time.perf_counter() - t
    log(f"roster: {len(roster)} rows, {int(roster['quarantine_reason'].notna().sum())} quarantined")

    t = time.perf_counter()
    schedule = schedule_until(tasks, task)
    store = HistoryStore(history_dir)
    roster_fp, code_fp = roster_fingerprint(roster), code_fingerprint()
    counted_by_task: dict[str, pd.DataFrame] = {}
    links_by_task: dict[str, pd.DataFrame | None] = {}
    trend_by_task: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    history_keys: dict[str, str] = {}
    suites = [roster_res]
    checked = None
    loaded: dict[str, pd.DataFrame] = {}
    priors = [pd.Series(prior._asdict()) for prior in schedule.itertuples(index=False)]
    for prior_s in priors:  # 1. every input's hash and history key
        prior_tid = prior_s["task_id"]
        current = prior_tid == task_id
        role = "responses" if current else f"history:{prior_tid}"
        source = load.response_source(data_dir, prior_s)
        if isinstance(source, str) or current:  # a URL is fetched to know its hash
            responses = loaded[prior_tid] = load.load_responses(data_dir, prior_s, download_dir=out / "inputs")
            record = _input_record(responses, data_dir, role)
            if not current:
                record["rows"] = None  # as for a file: the same task.json whether or not the store had it
        else:
            record = {"role": role, "path": _relative(source, data_dir), "sha256": sha256_file(source),
                      "rows": None, "url": None}
        result.inputs.append(record)
        history_keys[prior_tid] = task_key(record["sha256"], prior_s, roster_fp, code_fp)
    stored = store.get_many([k for tid, k in history_keys.items() if tid != task_id])  # 2. earlier tasks stored
    for prior_s in priors:  # 3. the others computed (and stored)
        prior_tid = prior_s["task_id"]
        current = prior_tid == task_id
        key = history_keys[prior_tid]
        entry = stored.get(key)
        if entry is None:
            responses = loaded.pop(prior_tid, None)
            if responses is None:
                responses = load.load_responses(data_dir, prior_s, download_dir=out / "inputs")
            if current:
                suites.append(validate.validate_responses(responses))
            task_checked = resolve_responses(responses, roster, prior_s)
            if current:
                suites.append(validate.gate_checked_responses(task_checked, len(responses)))
                checked = task_checked
            counted = compute.counted_rows(task_checked)
            links = proof.counted_links(task_checked)
            entry = Entry(counted, *compute.task_trend(roster, prior_s, counted), links=links)
            store.put(key, entry)
        counted_by_task[prior_tid] = entry.counted  # None for a stored task: read when a streak needs it
        trend_by_task[prior_tid] = (entry.trend_province, entry.trend_national)
        links_by_task[prior_tid] = entry.links  # None for a stored task: read by the proof checks

    def counted_ids(tid: str) -> np.ndarray:
        rows = counted_by_task.get(tid)
        if rows is not None:
            return rows["nomor_absen"].to_numpy()
        return store.counted_ids(history_keys[tid])

    seconds["responses"] = time.perf_counter() - t
    result.history = {"tasks": len(schedule), "cached": store.hits, "computed": store.misses}
    log(f"responses: {len(checked)} rows, {int(checked['outcome'].isin(compute.COUNTED).sum())} counted")

    t = time.perf_counter()
    eligible = compute.eligible_roster(roster, task)
    frame = compute.participation_frame(eligible, compute.counted_rows(checked))
    tabs = compute.participation_tables(frame)
    trend_p, trend_n = compute.trend_tables(schedule, trend_by_task)
    tabs["trend_province"], tabs["trend_national"] = trend_p, trend_n
    tabs["province_summary"] = province_summary(tabs["participation_province"], trend_p, task_id)
    matrix = compute.status_matrix(roster, schedule, counted_ids, full_latest=config.TREND_TASKS)
    nr = compute.non_responders(frame, compute.streaks(matrix), compute.silent_in_latest(matrix, config.TREND_TASKS))
    tabs["non_responders"] = nr
    tabs["streak_counts"] = compute.streak_counts(nr, config.PEMBINAAN_STREAK)
    tabs["channel_coverage"], tabs["channel_coverage_national"] = compute.channel_coverage(eligible)
    tabs["platforms"] = compute.platform_counts(checked)
    tabs["outcomes"] = compute.outcome_counts(checked)
    tabs["proof_flags"] = proof.task_flags(checked, task.get("materi"), [  # flags only add warnings
        proof.Earlier.of(tid, links_by_task[tid]) if links_by_task[tid] is not None else proof.Earlier(
            tid, partial(store.link_hashes, history_keys[tid]), partial(store.link_ids, history_keys[tid]))
        for tid in schedule["task_id"] if tid != task_id])
    tabs["responses_checked"] = checked_table(proof.with_flag_warnings(checked, tabs["proof_flags"]),
                                              outcome_detail(checked, roster, task))
    tabs["resigned_responders"] = compute.resigned_responders(tabs["responses_checked"])
    quarantine = roster[roster["quarantine_reason"].notna()]
    tabs["roster_quarantine"] = pd.DataFrame({
        "source_row": quarantine["source_row"].astype("int64"),
        "nomor_absen": quarantine["nomor_absen_raw"],
        "reason": quarantine["quarantine_reason"],
        "provinsi": quarantine["provinsi_raw"],
        "kabupaten": quarantine["kabupaten"],
    })
    media = load.load_village_media(data_dir)
    if media is not None:
        result.inputs.append(_input_record(media, data_dir, "village_media"))
        media, media_res = validate.validate_village_media(media)
        suites.append(media_res)
        tabs["village_media"] = compute.village_media_coverage(media)
    else:
        tabs["village_media"] = pd.DataFrame(columns=["provinsi", "desa"])
    tabs["validation_checks"], tabs["validation_failures"] = validate.results_frames(suites)
    seconds["compute"] = time.perf_counter() - t

    t = time.perf_counter()
    for name, df in tabs.items():
        write_csv(df, tables / f"{name}.csv")
    page = validate.validation_page(suites, task_id=task_id, proof_flags=tabs["proof_flags"])
    atomic_write_text(out / "validation" / "index.html", page)
    provinces = [p for p, n in zip(tabs["participation_province"]["provinsi"], tabs["participation_province"]["eligible"]) if n > 0]
    result.provinces = provinces
    task_info = {
        "task_id": task_id, "judul": str(task["judul"]), "mulai": task["mulai"].isoformat(),
        "batas": task["batas"].isoformat(), "timezone": str(task["timezone"]), "cakupan": str(task["cakupan"]),
        "provinces": provinces,
        "schedule": [{"task_id": r.task_id, "judul": r.judul, "mulai": r.mulai.isoformat()} for r in schedule.itertuples()],
        "inputs": result.inputs,
        "data_dir_name": data_dir.resolve().name,
        "pipeline": {"version": __version__, **git_commit()},
    }
    atomic_write_text(out / "task.json", json.dumps(task_info, indent=2, ensure_ascii=False) + "\n")
    from pipeline.reports.followup import write_workbooks
    write_workbooks(out, nr, roster, task_info)
    seconds["write"] = time.perf_counter() - t
    nat = tabs["participation_national"].iloc[0]
    result.summary = {"eligible": int(nat["eligible"]), "responded": int(nat["responded"]),
                      "participation_rate": float(nat["participation_rate"]) if pd.notna(nat["participation_rate"]) else None,
                      "responses": int(len(checked)), "provinces": len(provinces)}
    return result
