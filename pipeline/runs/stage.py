"""Runs load -> validate -> resolve -> build tables -> publish once per task: the wiring only.

The task notebook calls `run_task`; each step is one call. Every published table is built by
`pipeline/figures/tables.py` (TABLES lists them with a one-line meaning), so a newcomer finds
where a figure comes from there; the province and national notebooks only read what is
published here (see `pipeline/reports/present.py`).
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
from pipeline.figures import compute, headline, proof
from pipeline.figures.history import (
    Entry,
    HistoryStore,
    code_fingerprint,
    input_key,
    roster_fingerprint,
    task_key,
    validation_key,
)
from pipeline.figures.tables import Resolved, checked_tables, task_tables
from pipeline.inputs import load
from pipeline.inputs.values import log as input_log
from pipeline.publish import atomic_write_text, sha256_file, write_csv
from pipeline.reports import validation_page
from pipeline.rules import validate
from pipeline.rules.eligibility import require_eligible
from pipeline.rules.resolve import resolve_responses
from pipeline.runs import sidecar
from pipeline.runs.manifest import git_commit
from pipeline.runs.prepare import default_task


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


def input_files(data_dir: Path, tasks: pd.DataFrame, task_id: str, history_dir: Path | None = None) -> list[dict]:
    """The files a run of `task_id` reads (role, path relative to data_dir, sha256), found and
    hashed without parsing them (hashes remembered in the history store at `history_dir`);
    sha256 is None for a task read from a URL."""
    data_dir = Path(data_dir)
    store = HistoryStore(history_dir)

    def record(role: str, path: Path | str | None) -> dict | None:
        if path is None:
            return None
        if isinstance(path, str):  # an http(s) source
            return {"role": role, "path": path, "sha256": None}
        try:
            name = Path(path).resolve().relative_to(data_dir.resolve()).as_posix()
        except ValueError:
            name = str(path)
        return {"role": role, "path": name, "sha256": store.file_sha256(path) if Path(path).is_file() else None}

    records = [record("roster", load.find_input(data_dir, "roster")),
               record("tasks", Path(tasks.attrs.get("source", data_dir / "tasks.csv")))]
    task = load.get_task(tasks, task_id)
    for prior in schedule_until(tasks, task).itertuples(index=False):
        role = "responses" if prior.task_id == task_id else f"history:{prior.task_id}"
        records.append(record(role, load.response_source(data_dir, pd.Series(prior._asdict()))))
    records.append(record("village_media", load.find_input(data_dir, "village_media", required=False)))
    return [r for r in records if r is not None]


def run_task(data_dir: Path, task_id: str | None, out_task_dir: Path | None = None, *, strict: bool = False,
             out_root: Path | None = None, history_dir: Path | None = None, log=print,
             tasks: pd.DataFrame | None = None) -> TaskResult:
    """Load -> validate -> resolve -> build tables -> publish one task: tables/, validation/, task.json
    and the follow-up workbooks.

    `history_dir` keeps earlier tasks' results by content hash (pipeline/figures/history.py); without
    it every task of the schedule is loaded and resolved. `tasks` is the schedule when the caller
    has loaded it already (`prepare.prepare_run`). Every table comes from
    `pipeline.figures.tables.build_tables` (its two halves: `task_tables` while the suites run, then
    `checked_tables`); this function only wires the steps."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(f"data directory {data_dir} does not exist")
    t0 = time.perf_counter()
    tasks = load.load_tasks(data_dir) if tasks is None else tasks
    task = load.get_task(tasks, default_task(tasks) if task_id is None else task_id)  # default: latest started
    out = Path(out_task_dir or Path(out_root or config.REPORTS_DIR) / str(task["task_id"]))
    config.tables_dir(out).mkdir(parents=True, exist_ok=True)
    result = TaskResult(str(task["task_id"]), out)

    store = HistoryStore(history_dir)
    roster_raw = load_roster(data_dir, tasks, result, store)
    result.seconds["load_roster"] = time.perf_counter() - t0
    roster, suites = validate_roster(roster_raw, strict, result, log, store)
    require_eligible(roster, task)  # nobody eligible: one clear InputError, not a TypeError later
    sidecar.prestart()  # GX imports on the other core while this one loads, resolves and builds tables
    media = load_village_media(data_dir, store)  # its suite starts now, in the sidecar
    resolved = resolve_schedule(data_dir, tasks, task, roster, suites, history_dir, result, log)
    t = time.perf_counter()
    try:
        tabs = task_tables(resolved)  # while the sidecar runs the suites
    except Exception:
        collect_suites(suites)  # a failed gate is the clearer error of the two
        raise
    result.seconds["compute"] = time.perf_counter() - t
    t = time.perf_counter()
    resolved.media = village_media_checked(media, suites, data_dir, result)
    collect_suites(suites)  # waits for the sidecar; a failed gate raises here
    result.seconds["suites_wait"] = time.perf_counter() - t
    tabs.update(checked_tables(resolved))
    t = time.perf_counter()
    publish(out, data_dir, tabs, resolved, result)
    result.seconds["write"] = time.perf_counter() - t
    return result


_LOADERS = {"roster": ("load_roster", load.ROSTER_COLUMNS),
            "village_media": ("load_village_media", load.VILLAGE_MEDIA_OUTPUT)}


def read_input(data_dir: Path, kind: str, store: HistoryStore) -> pd.DataFrame | None:
    """`load.load_roster` or `load.load_village_media` (None when the optional file is absent), or,
    when the history store holds the frame loaded from the same bytes by the same code, that frame
    (parsing a 30,000-row roster costs ~0.6 s, reading it back ~5 ms). Its warnings are logged as
    a load logs them."""
    name, columns = _LOADERS[kind]
    loader = getattr(load, name)
    path = load.find_input(data_dir, kind, required=kind == "roster")
    if path is None:
        return None
    if store.root is None:
        return loader(data_dir)
    frame = store.get_frame("parsed", input_key(store.file_sha256(path), kind), columns)
    if frame is not None:  # the same bytes, maybe found at another path: the messages name this one
        stored, frame.attrs["source"] = frame.attrs.get("source"), str(path)
        frame.attrs["warnings"] = [str(m).replace(stored, str(path)) if stored else str(m)
                                   for m in frame.attrs.get("warnings", [])]
        for message in frame.attrs["warnings"]:
            input_log.warning("warning: %s", message)
        return frame
    frame = loader(data_dir)
    store.put_frame("parsed", input_key(frame.attrs["sha256"], kind), frame)
    return frame


def load_roster(data_dir: Path, tasks: pd.DataFrame, result: TaskResult, store: HistoryStore) -> pd.DataFrame:
    """Load: the roster, recorded (with the schedule) among the run's inputs."""
    roster_raw = read_input(data_dir, "roster", store)
    result.inputs.append(_input_record(roster_raw, data_dir, "roster"))
    name = tasks.attrs.get("source_name", Path(tasks.attrs.get("source", "tasks")).name)
    result.inputs.append({"role": "tasks", "path": name,
                          "sha256": tasks.attrs.get("sha256", ""), "rows": int(len(tasks)), "url": None})
    return roster_raw


def prepare_roster(roster_raw: pd.DataFrame, *, strict: bool = False,
                   store: HistoryStore | None = None) -> tuple[pd.DataFrame, validate.SuiteResult]:
    """The roster every run uses (task stage, recap, live): the roster suite quarantines unusable
    rows, then each kabupaten carries one spelling (compute.kabupaten_names).

    With a history store, the suite's outcome on these roster bytes is read from it when there
    (same bytes, suite and code: the same outcome) and stored after running it otherwise."""
    sha = roster_raw.attrs.get("sha256")
    key = validation_key(sha, "roster") if store is not None and store.root is not None and sha else None
    cached = store.get_text("validation", key) if key else None
    suite = validate.suite_from_json(cached) if cached else None
    roster, suite = validate.validate_roster(roster_raw, strict=strict, result=suite)
    if key and cached is None:
        store.put_text("validation", key, validate.suite_to_json(suite))
    roster["kabupaten"] = compute.kabupaten_names(roster)  # one spelling per kabupaten (contract)
    return roster, suite


def validate_roster(roster_raw: pd.DataFrame, strict: bool, result: TaskResult, log,
                    store: HistoryStore | None = None) -> tuple[pd.DataFrame, list]:
    """Validate: `prepare_roster`, timed and logged. Returns the roster and the suites run so far."""
    t = time.perf_counter()
    roster, roster_res = prepare_roster(roster_raw, strict=strict, store=store)
    result.seconds["validate_roster"] = time.perf_counter() - t
    log(f"roster: {len(roster)} rows, {int(roster['quarantine_reason'].notna().sum())} quarantined")
    return roster, [roster_res]


def load_village_media(data_dir: Path, store: HistoryStore) -> tuple[pd.DataFrame, sidecar.Pending] | None:
    """Load village_media when the data has it (None otherwise) and submit its suite."""
    media = read_input(data_dir, "village_media", store)
    if media is None:
        return None
    return media, sidecar.submit(validate.run_suite, "village_media", media)


def village_media_checked(loaded: tuple[pd.DataFrame, sidecar.Pending] | None, suites: list,
                          data_dir: Path, result: TaskResult) -> pd.DataFrame | None:
    """Validate: village media with its quarantine reasons, once its suite has run; recorded among
    the run's inputs after the responses (task.json lists them in that order)."""
    if loaded is None:
        return None
    media, pending = loaded
    result.inputs.append(_input_record(media, data_dir, "village_media"))
    media, media_res = validate.validate_village_media(media, result=pending.result())
    suites.append(media_res)
    return media


def collect_suites(suites: list) -> None:
    """Every suite's outcome in place of its pending run, in the order they were submitted."""
    suites[:] = [s.result() if isinstance(s, sidecar.Pending) else s for s in suites]


def _history_keys(data_dir: Path, priors: list[dict], task_id: str, roster: pd.DataFrame, out: Path,
                  result: TaskResult, store: HistoryStore) -> tuple[dict[str, str], dict[str, pd.DataFrame]]:
    """Every scheduled task's input record and history key; the responses read on the way (the task's
    own, and any read from a URL, which is fetched to know its hash)."""
    roster_fp, code_fp = roster_fingerprint(roster), code_fingerprint()
    keys: dict[str, str] = {}
    loaded: dict[str, pd.DataFrame] = {}
    for prior in priors:
        prior_tid = prior["task_id"]
        current = prior_tid == task_id
        role = "responses" if current else f"history:{prior_tid}"
        source = load.response_source(data_dir, prior)
        if isinstance(source, str) or current:
            responses = load.load_responses(data_dir, pd.Series(prior), download_dir=out / "inputs")
            loaded[prior_tid] = responses
            record = _input_record(responses, data_dir, role)
            if not current:
                record["rows"] = None  # as for a file: the same task.json whether or not the store had it
        else:
            record = {"role": role, "path": _relative(source, data_dir), "sha256": store.file_sha256(source),
                      "rows": None, "url": None}
        result.inputs.append(record)
        keys[prior_tid] = task_key(record["sha256"], prior, roster_fp, code_fp)
    return keys, loaded


def resolve_schedule(data_dir: Path, tasks: pd.DataFrame, task: pd.Series, roster: pd.DataFrame, suites: list,
                     history_dir: Path | None, result: TaskResult, log) -> Resolved:
    """Resolve: the task's responses (validated and gated), and every earlier task of the schedule
    from the history store or resolved again (and stored)."""
    t = time.perf_counter()
    task_id = str(task["task_id"])
    schedule = schedule_until(tasks, task)
    store = HistoryStore(history_dir)  # its own hit and miss counts
    priors = schedule.to_dict("records")  # a row becomes a Series only when its task is resolved (~0.5 ms each)
    history_keys, loaded = _history_keys(data_dir, priors, task_id, roster, result.out_dir, result, store)
    stored = store.get_many([k for tid, k in history_keys.items() if tid != task_id])
    counted_by_task: dict[str, pd.DataFrame] = {}
    links_by_task: dict[str, pd.DataFrame | None] = {}
    trend_by_task: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    checked = links = None
    for prior in priors:
        prior_tid = prior["task_id"]
        current = prior_tid == task_id
        entry = stored.get(history_keys[prior_tid])
        if entry is None:
            prior = pd.Series(prior)
            responses = loaded.pop(prior_tid, None)
            if responses is None:
                responses = load.load_responses(data_dir, prior, download_dir=result.out_dir / "inputs")
            if current:  # the suites run in the sidecar while this process resolves
                suites.append(sidecar.submit(validate.validate_responses, responses))
            task_checked = resolve_responses(responses, roster, prior)
            if current:
                suites.append(sidecar.submit(validate.gate_checked_responses, task_checked, len(responses)))
                checked = task_checked
            entry = Entry.of(roster, prior, task_checked)
            store.put(history_keys[prior_tid], entry)
            if current:
                links = entry.links  # the proof checks use them too (normalising ~25,000 links costs ~2 s)
        counted_by_task[prior_tid] = entry.counted  # None for a stored task: read when a streak needs it
        trend_by_task[prior_tid] = (entry.trend_province, entry.trend_national)
        links_by_task[prior_tid] = entry.links  # None for a stored task: read by the proof checks when needed

    def counted_ids(tid: str) -> np.ndarray:
        rows = counted_by_task.get(tid)
        if rows is not None:
            return rows["nomor_absen"].to_numpy()
        return store.counted_ids(history_keys[tid])

    result.seconds["responses"] = time.perf_counter() - t
    result.history = {"tasks": len(schedule), "cached": store.hits, "computed": store.misses}
    log(f"responses: {len(checked)} rows, {int(checked['outcome'].isin(compute.COUNTED).sum())} counted")
    earlier = [  # the proof checks' view of every earlier task: in memory, or read from the store when needed
        proof.Earlier.of(tid, links_by_task[tid]) if links_by_task[tid] is not None else proof.Earlier(
            tid, partial(store.link_hashes, history_keys[tid]), partial(store.link_ids, history_keys[tid]))
        for tid in schedule["task_id"] if tid != task_id]
    return Resolved(roster=roster, task=task, schedule=schedule, checked=checked, trend_by_task=trend_by_task,
                    counted_ids=counted_ids, suites=suites, earlier_links=earlier, links=links)


def publish(out: Path, data_dir: Path, tabs: dict[str, pd.DataFrame], resolved: Resolved, result: TaskResult) -> None:
    """Publish: every table, the validation page, task.json and the province follow-up workbooks
    (the tables' CSV files and a third of the workbooks written by the sidecar meanwhile)."""
    from pipeline.reports.followup import WORKBOOK_TABLES, write_workbooks

    task_id = result.task_id
    prov = tabs["participation_province"]
    result.provinces = [p for p, n in zip(prov["provinsi"], prov["eligible"]) if n > 0]
    task_info = _task_info(data_dir, tabs, resolved, result)
    theirs, mine = workbook_shares(tabs["non_responders"], result.provinces)
    side = [sidecar.submit(write_tables, out, tabs),
            sidecar.submit(write_workbooks, out, {k: tabs[k] for k in WORKBOOK_TABLES if k in tabs}, resolved.roster,
                           task_info, theirs)]
    try:
        page = validation_page.validation_page(resolved.suites, task_id=task_id, proof_flags=tabs["proof_flags"])
        atomic_write_text(out / "validation" / "index.html", page)
        atomic_write_text(out / "task.json", json.dumps(task_info, indent=2, ensure_ascii=False) + "\n")
        write_workbooks(out, tabs, resolved.roster, task_info, mine)
        for pending in side:
            pending.result()
    except BaseException:
        for pending in side:
            pending.settle()  # not left writing into a folder the caller is about to remove
        raise
    nat = tabs["participation_national"].iloc[0]
    rate = float(nat["participation_rate"]) if pd.notna(nat["participation_rate"]) else None
    result.summary = {"eligible": int(nat["eligible"]), "responded": int(nat["responded"]), "participation_rate": rate,
                      "responses": int(len(resolved.checked)), "provinces": len(result.provinces)}


def _task_info(data_dir: Path, tabs: dict[str, pd.DataFrame], resolved: Resolved, result: TaskResult) -> dict:
    """task.json: the task, its provinces, the latest response, the schedule, the inputs and the code."""
    task = resolved.task
    return {
        "task_id": result.task_id, "judul": str(task["judul"]), "mulai": task["mulai"].isoformat(),
        "batas": task["batas"].isoformat(), "timezone": str(task["timezone"]), "cakupan": str(task["cakupan"]),
        "provinces": result.provinces,
        "latest_response": headline.latest_response(resolved.checked),
        "national_change": headline.national_change(tabs["trend_national"], result.task_id),
        "schedule": [{"task_id": r.task_id, "judul": r.judul, "mulai": r.mulai.isoformat()}
                     for r in resolved.schedule.itertuples()],
        "inputs": result.inputs,
        "data_dir_name": data_dir.resolve().name,
        "pipeline": {"version": __version__, **git_commit()},
    }


def write_tables(out: Path, tabs: dict[str, pd.DataFrame]) -> None:
    """Every table as tables/<name>.csv (formulas neutralised; `publish.write_csv`)."""
    for name, df in tabs.items():
        write_csv(df, config.tables_dir(out) / f"{name}.csv")


def workbook_shares(non_responders: pd.DataFrame, provinces: list[str]) -> tuple[list[str], list[str]]:
    """The provinces whose workbooks the sidecar writes, and those written here: by size (their
    non-responders), largest first, one in three to the sidecar, which writes every table's CSV
    file first (~0.8 s on a national task: about a third of the workbooks), so that both sides
    end about together."""
    sizes = non_responders["provinsi"].value_counts()
    order = sorted(provinces, key=lambda p: (-int(sizes.get(p, 0)), p))
    theirs = set(order[0::3])
    return [p for p in order if p in theirs], [p for p in order if p not in theirs]
