"""`make recap`: the period recap of every TPP, kabupaten and province over the tasks of a period.

Wiring only; the figures are pipeline/figures/recap.py. A period is [from, to] (calendar days);
its tasks are those of the schedule whose `mulai` falls on those days in the task's timezone.
Each task is resolved exactly as in a task run (load -> resolve -> compute.counted_rows, the
same history key as runs/stage.py), so a task already rendered, or already in a recap, is read
from the history store (OUT/.history) instead of being resolved again.

The run is published like a task run (pipeline/publish.py): the recap notebook
(notebooks/recap.ipynb) computes and publishes tables/ into a staging folder, the province and
national recap notebooks render from those tables on the batch's warm workers, a manifest is
written and the folder is swapped into OUT/recap_<from>_<to>/ in one step.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import shlex
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from pipeline import __version__, config, publish
from pipeline.errors import InputError, ReportError, ValidationFailed
from pipeline.figures import recap
from pipeline.figures.history import Entry, HistoryStore, code_fingerprint, roster_fingerprint, task_key
from pipeline.inputs import load
from pipeline.reports import fmt, recap_workbook
from pipeline.rules.contract import province_slug
from pipeline.rules.resolve import resolve_responses
from pipeline.runs import manifest
from pipeline.runs.stage import prepare_roster, read_input

ROMAN = ("I", "II", "III", "IV")


# --------------------------------------------------------------------------- the period


@dataclass(frozen=True)
class Period:
    """Calendar days [start, end]; `kind` is month, quarter or days (which decides `previous`)."""

    start: dt.date
    end: dt.date
    kind: str = "days"

    @property
    def name(self) -> str:
        """The output folder: recap_<from>_<to>."""
        return f"recap_{self.start.isoformat()}_{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        """How a reader sees it: 'November 2025', 'Triwulan IV 2025', '1 November 2025 s.d. 15 November 2025'."""
        if self.kind == "month":
            return fmt.tanggal(self.start).split(" ", 1)[1]
        if self.kind == "quarter":
            return f"Triwulan {ROMAN[(self.start.month - 1) // 3]} {self.start.year}"
        if self.start == self.end:
            return fmt.tanggal(self.start)
        return f"{fmt.tanggal(self.start)} s.d. {fmt.tanggal(self.end)}"

    def previous(self) -> Period:
        """The previous period of the same length: the previous month or quarter, else the same
        number of days ending the day before `start`."""
        if self.kind == "month":
            return month_period(*_shift_month(self.start.year, self.start.month, -1))
        if self.kind == "quarter":
            y, m = _shift_month(self.start.year, self.start.month, -3)
            return quarter_period(y, (m - 1) // 3 + 1)
        end = self.start - dt.timedelta(days=1)
        start = end - dt.timedelta(days=self.days - 1)
        return Period(start, end, infer_kind(start, end))


def _shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    k = year * 12 + (month - 1) + by
    return k // 12, k % 12 + 1


def infer_kind(start: dt.date, end: dt.date) -> str:
    """month or quarter when [start, end] is exactly one, else days (FROM/TO and PERIOD agree)."""
    if start.day == 1 and end == month_period(start.year, start.month).end:
        return "month"
    if start.day == 1 and start.month % 3 == 1 and end == quarter_period(start.year, (start.month - 1) // 3 + 1).end:
        return "quarter"
    return "days"


def month_period(year: int, month: int) -> Period:
    return Period(dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]), "month")


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    return Period(dt.date(year, first, 1), dt.date(year, first + 2, calendar.monthrange(year, first + 2)[1]), "quarter")


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"{what} {text!r} is not a date: write it as YYYY-MM-DD (e.g. 2025-11-01)") from None


def parse_period(period: str | None = None, start: str | None = None, end: str | None = None) -> Period:
    """PERIOD=2025-11 (a month) or 2025-Q4 (a quarter), or FROM/TO as YYYY-MM-DD (both days included)."""
    if period:
        if start or end:
            raise InputError("give either PERIOD (2025-11, 2025-Q4) or FROM and TO, not both")
        text = str(period).strip().upper()
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            if 1 <= int(m[2]) <= 12:
                return month_period(int(m[1]), int(m[2]))
        elif m := re.fullmatch(r"(\d{4})-?Q([1-4])", text):
            return quarter_period(int(m[1]), int(m[2]))
        raise InputError(f"period {period!r} not understood: write a month as 2025-11 or a quarter as 2025-Q4")
    if not start or not end:
        raise InputError("give the period: PERIOD=2025-11 (a month), PERIOD=2025-Q4 (a quarter), "
                         "or FROM=YYYY-MM-DD and TO=YYYY-MM-DD")
    return make_period(start, end)


def make_period(start: str | dt.date, end: str | dt.date) -> Period:
    """The period [start, end]; its kind (month, quarter, days) inferred from the days."""
    a = start if isinstance(start, dt.date) else _date(start, "FROM")
    b = end if isinstance(end, dt.date) else _date(end, "TO")
    if b < a:
        raise InputError(f"TO ({b}) is before FROM ({a})")
    return Period(a, b, infer_kind(a, b))


def period_tasks(tasks: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The tasks of the schedule whose mulai falls on the period's days (in each task's timezone)."""
    days = pd.Series([m.date() for m in tasks["mulai"]], index=tasks.index, dtype=object)
    keep = (days >= period.start) & (days <= period.end)
    return tasks[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def missing_sources(data_dir: Path, tasks: pd.DataFrame) -> list[str]:
    """'task_id (path)' of the tasks whose response file is not in the data directory."""
    missing = []
    for row in tasks.itertuples(index=False):
        try:
            source = load.response_source(Path(data_dir), pd.Series(row._asdict()))
        except InputError:  # neither <task_id>.csv nor .xlsx
            missing.append(f"{row.task_id} (responses/{row.task_id}.csv or .xlsx)")
            continue
        if not isinstance(source, str) and not Path(source).is_file():
            missing.append(f"{row.task_id} ({_relative(source, data_dir)})")
    return missing


def _relative(path: Path | str, data_dir: Path) -> str:
    if isinstance(path, str):
        return path
    try:
        return Path(path).resolve().relative_to(Path(data_dir).resolve()).as_posix()
    except ValueError:
        return Path(path).name


def select_tasks(tasks: pd.DataFrame, period: Period, data_dir: Path) -> pd.DataFrame:
    """The period's tasks; a period without a task, or a task without its response file, is an InputError."""
    chosen = period_tasks(tasks, period)
    if chosen.empty:
        raise InputError(f"no task of the schedule starts between {period.start} and {period.end}: "
                         "choose another period (make recap PERIOD=2025-11 or FROM=... TO=...)")
    missing = missing_sources(data_dir, chosen)
    if missing:
        raise InputError(f"{len(missing)} task(s) of the period {period.start} to {period.end} have no response "
                         f"file: {', '.join(missing)}; add the file(s) or choose another period")
    return chosen


# --------------------------------------------------------------------------- each task, through the history store


def task_entries(data_dir: Path, tasks: pd.DataFrame, roster: pd.DataFrame, store: HistoryStore, *,
                 download_dir: Path | None = None) -> tuple[dict[str, pd.DataFrame], dict, list[dict]]:
    """Each task's counted rows and trend rows, as a task run computes them (runs/stage.py) and
    under the same history key: read from the store when there, else loaded, resolved and stored.

    Returns ({task_id: counted rows}, {task_id: (trend province, trend national)}, input records)."""
    roster_fp, code_fp = roster_fingerprint(roster), code_fingerprint()
    keys, records, loaded = {}, [], {}
    for row in tasks.itertuples(index=False):
        task = pd.Series(row._asdict())
        source = load.response_source(data_dir, task)
        if isinstance(source, str):  # a URL is fetched to know its hash
            frame = loaded[row.task_id] = load.load_responses(data_dir, task, download_dir=download_dir)
            record = {"role": f"responses:{row.task_id}", "path": source, "sha256": frame.attrs.get("sha256"),
                      "rows": None, "url": source}
        else:
            record = {"role": f"responses:{row.task_id}", "path": _relative(source, data_dir),
                      "sha256": store.file_sha256(source), "rows": None, "url": None}
        records.append(record)
        keys[row.task_id] = task_key(record["sha256"], task, roster_fp, code_fp)
    stored = store.get_many(list(keys.values()))
    counted, trend = {}, {}
    for row in tasks.itertuples(index=False):
        task = pd.Series(row._asdict())
        key = keys[row.task_id]
        entry = stored.get(key)
        if entry is None:
            responses = loaded.pop(row.task_id, None)
            if responses is None:
                responses = load.load_responses(data_dir, task, download_dir=download_dir)
            # a whole entry, as a task stage stores it: a later stage reads its links (reused_link)
            entry = Entry.of(roster, task, resolve_responses(responses, roster, task))
            store.put(key, entry)
        counted[row.task_id] = entry.counted if entry.counted is not None else store.counted(key)
        trend[row.task_id] = (entry.trend_province, entry.trend_national)
    return counted, trend, records


# --------------------------------------------------------------------------- the tables


@dataclass
class RecapResult:
    period: Period
    out_dir: Path
    info: dict
    tables: dict
    seconds: dict


def thresholds() -> dict[str, float]:
    return {"baik": config.RECAP_BAIK, "cukup": config.RECAP_CUKUP}


def compute_recap(data_dir: Path, period: Period, *, history_dir: Path | None = None, strict: bool = False,
                  download_dir: Path | None = None, log=print) -> tuple[dict[str, pd.DataFrame], dict]:
    """Every recap table (figures/recap.TABLES) and the recap's description (recap.json)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(f"data directory {data_dir} does not exist")
    tasks = load.load_tasks(data_dir)
    chosen = select_tasks(tasks, period, data_dir)
    store = HistoryStore(history_dir)
    roster_raw = read_input(data_dir, "roster", store)
    roster, _ = prepare_roster(roster_raw, strict=strict, store=store)  # as a task run prepares it
    counted, trend, records = task_entries(data_dir, chosen, roster, store, download_dir=download_dir)
    previous = period.previous()
    prev_tasks = period_tasks(tasks, previous)
    prev_province = None
    if len(prev_tasks) and not missing_sources(data_dir, prev_tasks):
        prev_counted, _, prev_records = task_entries(data_dir, prev_tasks, roster, store, download_dir=download_dir)
        records += [dict(r, role="previous:" + r["role"].split(":", 1)[1]) for r in prev_records]
        mat = recap.period_matrices(roster, prev_tasks, prev_counted)
        prev_tpp = recap.tpp_table(mat, **thresholds())
        prev_province = recap.group_table(prev_tpp, recap.counted_minutes(mat), ["provinsi"])
    elif len(prev_tasks):
        log(f"previous period {previous.start} to {previous.end}: a response file is missing, no comparison")
    tabs = recap.recap_tables(roster, chosen, counted, trend, previous_province=prev_province, **thresholds())
    inputs = [{"role": "roster", "path": _relative(Path(roster_raw.attrs.get("source", "roster")), data_dir),
               "sha256": roster_raw.attrs.get("sha256") or publish.sha256_file(roster_raw.attrs["source"]),
               "rows": int(len(roster_raw)), "url": None},
              {"role": "tasks", "path": tasks.attrs.get("source_name", Path(tasks.attrs.get("source", "tasks")).name),
               "sha256": tasks.attrs.get("sha256", ""), "rows": int(len(tasks)), "url": None}, *records]
    province = tabs["recap_province"]
    info = {
        "recap": period.name, "from": period.start.isoformat(), "to": period.end.isoformat(), "kind": period.kind,
        "label": period.label(),
        "previous": {"from": previous.start.isoformat(), "to": previous.end.isoformat(), "label": previous.label(),
                     "tasks": [str(t) for t in prev_tasks["task_id"]] if prev_province is not None else []},
        "tasks": [{"task_id": r.task_id, "judul": str(r.judul), "mulai": r.mulai.isoformat(),
                   "cakupan": str(r.cakupan), "timezone": str(r.timezone)} for r in chosen.itertuples()],
        "provinces": [str(p) for p, n in zip(province["provinsi"], province["tpp"]) if n > 0],
        "thresholds": thresholds(),
        "inputs": inputs,
        "data_dir_name": data_dir.resolve().name,
        "pipeline": {"version": __version__, **manifest.git_commit()},
    }
    log(f"history: {store.hits} task(s) read from the store, {store.misses} resolved")
    return tabs, info


def run_recap_tables(data_dir: Path, date_from: str, date_to: str, out_dir: Path, *, history_dir: Path | None = None,
                     strict: bool = False, log=print) -> RecapResult:
    """What notebooks/recap.ipynb runs: compute the recap, write tables/ and recap.json into
    `out_dir`, and stash the recap_tpp rows for the province workbooks, which the report workers
    write (`plan_jobs`; `recap_workbook.write_workbooks` writes them all here)."""
    from pipeline.reports.recap_workbook import stash_rows

    t0 = time.perf_counter()
    period = make_period(date_from, date_to)
    out = Path(out_dir)
    tabs, info = compute_recap(data_dir, period, history_dir=history_dir, strict=strict,
                               download_dir=out / "inputs", log=log)
    t = time.perf_counter()
    for name, df in tabs.items():
        publish.write_csv(df, config.tables_dir(out) / f"{name}.csv")
    publish.atomic_write_text(out / "recap.json", json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    stash_rows(out, tabs["recap_tpp"])
    seconds = {"compute": t - t0, "write": time.perf_counter() - t}
    return RecapResult(period, out, info, tabs, seconds)


# --------------------------------------------------------------------------- the run: notebooks, reports, publish


def plan_jobs(recap_dir: Path, info: dict) -> list:
    from pipeline.runs.batch import Job

    header_right = f"Rekap {info['label']} ({len(info['tasks'])} tugas)"
    jobs = [Job(province_slug(p), config.RECAP_PROVINCE_NOTEBOOK, recap_dir / province_slug(p),
                {"recap_dir": "..", "provinsi": p}, title=f"Rekap Absensi Medsos TPP {p}: {info['label']}",
                header_left=f"Provinsi {p}", header_right=header_right,
                before=partial(recap_workbook.write_province_workbook, recap_dir, p)) for p in info["provinces"]]
    jobs.append(Job("national", config.RECAP_NATIONAL_NOTEBOOK, recap_dir / "national", {"recap_dir": ".."},
                    title=f"Rekap Absensi Medsos TPP Nasional: {info['label']}", header_left="Nasional",
                    header_right=header_right))
    return jobs


def _run_recap_notebook(data_dir: Path, period: Period, staging: Path, strict: bool,
                        history_dir: Path) -> tuple[dict, dict]:
    from pipeline.reports.render import execute_notebook

    params = {"data_dir": str(Path(data_dir).resolve()), "date_from": period.start.isoformat(),
              "date_to": period.end.isoformat(), "out_dir": ".", "strict": strict,
              "history_dir": str(Path(history_dir).resolve())}
    try:
        execute_notebook(config.RECAP_NOTEBOOK, staging / "recap.ipynb", params, cwd=staging, record_path="recap.ipynb")
    except ReportError as exc:  # bad input found inside the notebook: the input error it is
        kind = {"InputError": InputError, "ValidationFailed": ValidationFailed}.get(getattr(exc, "ename", ""))
        if kind is not None:
            raise kind(exc.evalue) from None
        raise
    return params, json.loads((staging / "recap.json").read_text(encoding="utf-8"))


def recap_inputs(data_dir: Path, period: Period) -> list[dict]:
    """The files a recap reads, hashed without parsing them (for the run key)."""
    tasks = load.load_tasks(data_dir)
    chosen = select_tasks(tasks, period, data_dir)  # the clear errors before any work
    prev = period_tasks(tasks, period.previous())
    records = [{"role": "roster", "path": "roster", "sha256": publish.sha256_file(load.find_input(data_dir, "roster"))},
               {"role": "tasks", "path": "tasks", "sha256": tasks.attrs.get("sha256", "")}]
    for role, frame in (("responses", chosen), ("previous", prev)):
        for row in frame.itertuples(index=False):
            source = load.response_source(data_dir, pd.Series(row._asdict()))
            sha = None if isinstance(source, str) else (publish.sha256_file(source) if Path(source).is_file() else "-")
            records.append({"role": f"{role}:{row.task_id}", "path": _relative(source, data_dir), "sha256": sha})
    return records


def run_recap(period: Period, data_dir: Path = config.SAMPLE_DATA_DIR, out_root: Path = config.REPORTS_DIR, *,
              strict: bool = False, workers: int = config.WORKERS, force: bool = False, log=print):
    """Render the recap of `period` into OUT/recap_<from>_<to>/, published whole when complete."""
    from pipeline.runs.batch import BatchResult, ensure_sample

    t0 = time.perf_counter()
    data_dir, out_root = Path(data_dir), Path(out_root)
    ensure_sample(data_dir, log)
    if not data_dir.is_dir():
        raise InputError(f"data directory {data_dir} does not exist")
    name = period.name
    final = out_root / name
    with publish.task_lock(out_root, name):
        for line in publish.recover(out_root, name):
            log(f"[recover] {line}")
        key = manifest.run_key(recap_inputs(data_dir, period),
                               {"recap": name, "kind": period.kind, "strict": strict, **thresholds()})
        if not force and manifest.up_to_date(final, key):
            log(f"{name}: inputs, code and parameters unchanged since the published run; nothing to do "
                "(--force renders again)")
            return BatchResult(name, final, skipped=True, seconds=time.perf_counter() - t0)
        staging = publish.new_staging(out_root, name)
        try:
            result = _render_all(period, data_dir, out_root, staging, final, strict=strict, workers=workers,
                                 key=key, t0=t0, log=log)
        finally:
            publish.remove_tree(staging)
    if result.failed:
        names = ", ".join(f["name"] for f in result.failed)
        raise ReportError(f"{len(result.failed)} of {len(result.failed) + len(result.rendered)} reports failed "
                          f"({names}); the other reports are in {final}")
    return result


def _render_all(period: Period, data_dir: Path, out_root: Path, staging: Path, final: Path, *, strict: bool,
                workers: int, key: str | None, t0: float, log):
    from pipeline.reports.recap_index import recap_index_page
    from pipeline.runs.batch import BatchResult, order_jobs, render_jobs, worker_pool

    with worker_pool(workers) as pool:
        log(f"[recap] {period.name}: the period's tasks, resolved or read from the history (notebooks/recap.ipynb)")
        t = time.perf_counter()
        params, info = _run_recap_notebook(data_dir, period, staging, strict, out_root / config.HISTORY_DIRNAME)
        log(f"[recap] done in {time.perf_counter() - t:.1f} s; {len(info['tasks'])} tasks, "
            f"{len(info['provinces'])} provinces")
        province = pd.read_csv(config.tables_dir(staging) / "recap_province.csv").rename(columns={"tpp": "eligible"})
        jobs = order_jobs(plan_jobs(staging, info), province)
        result = render_jobs(pool, jobs, BatchResult(period.name, final), staging, log)
    recap_workbook.remove_stash(staging)
    publish.atomic_write_text(staging / "index.html", recap_index_page(staging, result.rendered, result.failed))
    result.seconds = time.perf_counter() - t0
    command = "python -m pipeline recap " + " ".join(shlex.quote(a) for a in [
        "--from", period.start.isoformat(), "--to", period.end.isoformat(), "--data", str(data_dir),
        "--out", str(out_root)])
    manifest.write_manifest(staging, task_id=period.name, inputs=info["inputs"], parameters=params, command=command,
                            reports=result.rendered + [dict(f, failed=True) for f in result.failed],
                            seconds=result.seconds, key=None if result.failed else key)
    publish.swap_in(staging, final)
    return result
