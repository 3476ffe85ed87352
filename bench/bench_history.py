"""Times the task stage of a new task on a 10-year history (trends and streaks over ~500 tasks).

    .venv/bin/python bench/bench_history.py                         # 500 tasks x 25,000 rows
    .venv/bin/python bench/bench_history.py --tasks 20 --rows 2000  # quick check
    .venv/bin/python bench/bench_history.py --keep /tmp/hist        # keep (and next time reuse) the data

1. Data: the sample's roster and village media (`python -m pipeline sample`, scale 1.0), and
   `--tasks` national tasks, weekly and consecutive, ending on 2025-11-10, of about `--rows`
   form responses each, written directly as CSV (numpy/pandas, deterministic seed). Each TPP
   has a persistent propensity to respond (1% never respond, so their streak is the number of
   tasks they were eligible for); rows carry realistic noise: one-digit typos in the nomor
   absen, names in capitals, late rows, resubmissions, junk ids.
2. Warm-up (timed, reported separately): `python -m pipeline stage --task <task N-1>` into a
   fresh output folder; this is where a history cache gets built.
3. Measured: task N is added (a row appended to tasks.csv, its responses file written) and
   `python -m pipeline stage --task <task N>` runs on the same output folder: wall, CPU and
   peak RSS of the process tree. Targets (issue 6): under 15 s and under 4 GiB.
   The code run is a snapshot of the working tree taken at the start (see bench_batch.py), so
   that edits to the shared tree cannot change the code hash the history store is keyed on
   between the warm-up and the measured run; `--live` runs the working tree itself.
4. Checks: trend_national.csv has one row per task, in schedule order; every never-responder
   is in non_responders.csv with exactly the streak the generator expects (up to N); no
   streak exceeds N; the national participation of task N is close to what was generated.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from bench_batch import (
    GIB,
    MIB,
    PY,
    Measure,
    TreeMeter,
    busy_warning,
    code_env,
    code_hash,
    load_average,
    machine,
    prepare_code,
    tree_changed_note,
)

SEED = 20251110
LAST_START = pd.Timestamp("2025-11-10 08:00")  # task N starts here; task i a week per step earlier
NEVER_SHARE = 0.01  # TPP who never respond: their streak is every task they were eligible for
TYPO_SHARE, CAPS_SHARE, LATE_SHARE, DUP_SHARE, JUNK_ROWS = 0.01, 0.05, 0.04, 0.02, 12


# --------------------------------------------------------------------------- the data


@dataclass
class People:
    ids: np.ndarray  # str, the roster's nomor absen (clean rows only)
    nama: np.ndarray
    provinsi: np.ndarray  # as written in the roster
    join: np.ndarray  # datetime64[D], NaT when no joining date
    logit: np.ndarray  # persistent propensity to respond, logit scale (never-responders aside)
    never: np.ndarray  # bool


def tasks_frame(n: int) -> pd.DataFrame:
    starts = [LAST_START - pd.Timedelta(weeks=n - 1 - i) for i in range(n)]
    return pd.DataFrame({
        "task_id": [f"{s:%Y-%m-%d}-tugas-{i + 1:03d}" for i, s in enumerate(starts)],
        "judul": [f"Tugas mingguan ke-{i + 1}" for i in range(n)],
        "mulai": [f"{s:%Y-%m-%d %H:%M}" for s in starts],
        "batas": [f"{s + pd.Timedelta(days=1):%Y-%m-%d} 23:59" for s in starts],
        "cakupan": "nasional", "timezone": "", "sumber": "",
    })


def people_from_roster(roster_csv: Path, seed: int) -> People:
    """The roster rows a response can point at: numeric unique ids, active (no resignation)."""
    r = pd.read_csv(roster_csv, dtype=str, keep_default_na=False)
    ids = r["Nomor Absen"].str.strip()
    clean = ids.str.fullmatch(r"[1-9][0-9]*") & ~ids.duplicated(keep=False)
    clean &= r["Status"].str.strip().str.lower().ne("resign") & r["Tanggal Resign"].str.strip().eq("")
    r = r[clean].reset_index(drop=True)
    rng = np.random.default_rng([seed, 0])
    n = len(r)
    never = rng.random(n) < NEVER_SHARE
    p = np.clip(rng.beta(6.0, 1.2, n), 1e-4, 1 - 1e-4)  # mean ~0.83, a long tail of the rarely responding
    joined = r["Tanggal Bergabung"].str.strip()
    join = pd.to_datetime(joined.mask(joined.eq("")), format="%Y-%m-%d", errors="coerce")
    return People(r["Nomor Absen"].str.strip().to_numpy(), r["Nama Lengkap"].to_numpy(), r["Provinsi"].to_numpy(),
                  join.to_numpy().astype("datetime64[D]"), np.log(p / (1 - p)), never)


def eligible_mask(people: People, start: pd.Timestamp) -> np.ndarray:
    day = np.datetime64(start.date(), "D")
    return np.isnat(people.join) | (people.join <= day)


def task_propensity(people: People, elig: np.ndarray, responders: float) -> np.ndarray:
    """Per-TPP probability of responding: one shift of the logits so that about `responders`
    eligible TPP respond (at most 97% of those who ever respond)."""
    able = elig & ~people.never
    target = min(responders, 0.97 * able.sum())
    lo, hi = -20.0, 20.0
    for _ in range(50):
        mid = (lo + hi) / 2
        if (1 / (1 + np.exp(-(people.logit[able] + mid)))).sum() < target:
            lo = mid
        else:
            hi = mid
    return np.where(people.never, 0.0, 1 / (1 + np.exp(-(people.logit + (lo + hi) / 2))))


def _typo(digits: str, u1: float, u2: float) -> str:
    pos = int(u1 * len(digits))
    choices = [c for c in "0123456789" if c != digits[pos] and not (pos == 0 and c == "0")]
    return digits[:pos] + choices[int(u2 * len(choices))] + digits[pos + 1:]


def task_responses(people: People, i: int, start: pd.Timestamp, rows: int, seed: int) -> tuple[pd.DataFrame, int]:
    """Form rows of task i (about `rows` of them) and how many distinct TPP responded."""
    rng = np.random.default_rng([seed, 1, i])
    elig = eligible_mask(people, start)
    p = task_propensity(people, elig, rows / (1 + DUP_SHARE)) * np.exp(rng.normal(0, 0.02))
    who = np.flatnonzero(elig & (rng.random(len(p)) < p))
    m = len(who)
    window = 40 * 3600 - 60  # mulai 08:00 to batas 23:59 the next day
    offs = np.minimum(np.exp(np.log(150 * 60) + rng.normal(0, 1.0, m)), window - 1)
    late = rng.random(m) < LATE_SHARE
    offs[late] = window + rng.exponential(6 * 3600, late.sum())
    ts = np.datetime64(start, "s") + offs.astype("int64").astype("timedelta64[s]")

    ids = people.ids[who].astype(object)
    for k in np.flatnonzero(rng.random(m) < TYPO_SHARE):
        ids[k] = _typo(ids[k], rng.random(), rng.random())
    names = people.nama[who].astype(object)
    caps = rng.random(m) < CAPS_SHARE
    names[caps] = [s.upper() for s in names[caps]]
    post = rng.integers(10**15, 10**16, m)
    links = np.array([f"https://www.facebook.com/tpp{a}/posts/{b}" for a, b in zip(people.ids[who], post)],
                     dtype=object)
    prov = people.provinsi[who].astype(object)

    dup = np.flatnonzero(rng.random(m) < DUP_SHARE)  # a resubmission some minutes later
    d_ts = ts[dup] + rng.integers(60, 3 * 3600, len(dup)).astype("timedelta64[s]")
    junk_ids = np.array([str(x) for x in rng.integers(900_000, 999_999, JUNK_ROWS - 3)] + ["", "-", "belum tahu"],
                        dtype=object)
    j_ts = np.datetime64(start, "s") + rng.integers(600, window, JUNK_ROWS).astype("timedelta64[s]")
    frame = pd.DataFrame({
        "Timestamp": np.concatenate([ts, d_ts, j_ts]),
        "Nomor Absen": np.concatenate([ids, ids[dup], junk_ids]),
        "Nama Lengkap": np.concatenate([names, names[dup], np.full(JUNK_ROWS, "Anonim", dtype=object)]),
        "Provinsi": np.concatenate([prov, prov[dup], np.full(JUNK_ROWS, "Jawa Timur", dtype=object)]),
        "Link Postingan": np.concatenate([links, links[dup], np.full(JUNK_ROWS, "https://fb.com/x", dtype=object)]),
    })
    frame = frame.iloc[np.argsort(frame["Timestamp"].to_numpy(), kind="stable")]
    frame["Timestamp"] = frame["Timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return frame, m


def write_task(data: Path, people: People, tasks: pd.DataFrame, i: int, rows: int, seed: int) -> int:
    frame, m = task_responses(people, i, pd.Timestamp(tasks["mulai"].iloc[i]), rows, seed)
    frame.to_csv(data / "responses" / f"{tasks['task_id'].iloc[i]}.csv", index=False, encoding="utf-8",
                 lineterminator="\n")
    return m


def make_data(work: Path, n_tasks: int, rows: int, seed: int, code: Path) -> tuple[Path, People, pd.DataFrame, float]:
    """The data dir with tasks 1..N-1 (reused when `work` already holds one made with the same parameters)."""
    data = work / "data"
    params = {"tasks": n_tasks, "rows": rows, "seed": seed, "version": 1}
    marker = work / "params.json"
    tasks = tasks_frame(n_tasks)
    t = time.perf_counter()
    if marker.exists() and json.loads(marker.read_text()) == params and (data / "roster.csv").exists():
        print(f"reusing the data in {data}")
    else:
        shutil.rmtree(data, ignore_errors=True)
        marker.unlink(missing_ok=True)
        sample = work / "sample"
        if not (sample / "roster.csv").exists():
            subprocess.run([PY, "-m", "pipeline", "sample", str(sample)], cwd=code, env=code_env(code), check=True,
                           capture_output=True)
        (data / "responses").mkdir(parents=True)
        for name in ("roster.csv", "village_media.csv"):
            shutil.copy(sample / name, data / name)
        people = people_from_roster(data / "roster.csv", seed)
        for i in range(n_tasks - 1):
            write_task(data, people, tasks, i, rows, seed)
            if (i + 1) % 50 == 0:
                print(f"  {i + 1} tasks written ({time.perf_counter() - t:.0f} s)", flush=True)
        marker.write_text(json.dumps(params))
    # tasks.csv always lists tasks 1..N-1 and task N's responses do not exist yet.
    (data / "responses" / f"{tasks['task_id'].iloc[-1]}.csv").unlink(missing_ok=True)
    tasks.iloc[:-1].to_csv(data / "tasks.csv", index=False, encoding="utf-8", lineterminator="\n")
    people = people_from_roster(data / "roster.csv", seed)
    return data, people, tasks, time.perf_counter() - t


# --------------------------------------------------------------------------- runs and checks


def stage(data: Path, out: Path, task_id: str, log: Path, code: Path) -> tuple[Measure, bool]:
    cmd = [PY, "-m", "pipeline", "stage", "--data", str(data), "--out", str(out), "--task", task_id]
    with open(log, "a", encoding="utf-8") as f, TreeMeter() as meter:
        f.write(f"$ {' '.join(cmd)}\n")
        f.flush()
        rc = subprocess.run(cmd, cwd=code, env=code_env(code), stdout=f, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        print("FAILED; end of its log:\n" + "\n".join(log.read_text(encoding="utf-8").splitlines()[-20:]))
    return meter.result, rc == 0


def expected_streaks(people: People, tasks: pd.DataFrame) -> pd.Series:
    """Never-responders: the number of tasks they were eligible for (all of them counting back)."""
    starts = pd.to_datetime(tasks["mulai"])
    eligible_tasks = np.zeros(len(people.ids), dtype=np.int64)
    for s in starts:
        eligible_tasks += eligible_mask(people, s)
    idx = np.flatnonzero(people.never)
    return pd.Series(eligible_tasks[idx], index=people.ids[idx].astype(np.int64))


def check(tables: Path, tasks: pd.DataFrame, people: People, responded_last: int) -> list[str]:
    n = len(tasks)
    problems, notes = [], []
    trend = pd.read_csv(tables / "trend_national.csv")
    if len(trend) != n or trend["task_id"].tolist() != tasks["task_id"].tolist():
        problems.append(f"trend_national.csv has {len(trend)} rows, expected the {n} tasks in order")
    else:
        notes.append(f"trend_national.csv: {len(trend)} rows, one per task")
    nr = pd.read_csv(tables / "non_responders.csv")
    max_streak = int(nr["streak"].max()) if len(nr) else 0
    if max_streak > n:
        problems.append(f"a streak of {max_streak} is longer than the history ({n} tasks)")
    exp = expected_streaks(people, tasks)
    quarantined = pd.read_csv(tables / "roster_quarantine.csv", dtype=str)["nomor_absen"].str.strip()
    exp = exp[~exp.index.astype(str).isin(set(quarantined))]  # unknown province/jabatan: never eligible
    got = nr.set_index("nomor_absen")["streak"].reindex(exp.index)
    wrong = exp[got.ne(exp)]
    if len(wrong):
        problems.append(f"{len(wrong)} of {len(exp)} never-responders have another streak than expected "
                        f"(e.g. {wrong.index[0]}: expected {wrong.iloc[0]}, got {got[wrong.index[0]]})")
    else:
        notes.append(f"non_responders.csv: max streak {max_streak} (history {n}); all {len(exp)} never-responders "
                     f"have the expected streak (up to {int(exp.max()) if len(exp) else 0})")
    got_last = int(trend["responded"].iloc[-1]) if len(trend) else 0
    # Typos can fail to resolve and a resubmission of a typo can count: allow 2%.
    if abs(got_last - responded_last) > 0.02 * responded_last + 5:
        problems.append(f"task {n}: {got_last} TPP responded, the generator made {responded_last}")
    else:
        notes.append(f"task {n}: {got_last} TPP responded (generated {responded_last})")
    for line in notes:
        print(f"  ok   {line}")
    for line in problems:
        print(f"  FAIL {line}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=500, help="tasks in the history, the new one included (default 500)")
    ap.add_argument("--rows", type=int, default=25_000, help="responses per task (default 25,000)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--keep", type=Path, default=None,
                    help="generate into this folder and keep it; reused when it holds data of the same parameters")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    ap.add_argument("--live", action="store_true", help="run the working tree itself, not a snapshot of it")
    args = ap.parse_args(argv)
    if args.tasks < 2:
        ap.error("--tasks must be at least 2")

    print(machine(), flush=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_history_"))
    work.mkdir(parents=True, exist_ok=True)
    start_hash = code_hash()
    try:
        code, what = prepare_code(work, args.live)
        print(what, flush=True)
        print(f"\ndata: {args.tasks - 1} tasks x ~{args.rows:,} rows into {work / 'data'} ...", flush=True)
        data, people, tasks, gen_s = make_data(work, args.tasks, args.rows, args.seed, code)
        size = sum(f.stat().st_size for f in (data / "responses").iterdir())
        print(f"  {gen_s:.0f} s; {len(people.ids):,} TPP who can respond; responses {size / MIB:,.0f} MiB", flush=True)

        out = work / "out"  # always fresh: the measured run must be a new task, not a rerun
        shutil.rmtree(out, ignore_errors=True)
        log = work / "stage.log"
        log.unlink(missing_ok=True)
        prev, new = tasks["task_id"].iloc[-2], tasks["task_id"].iloc[-1]
        print(f"\nwarm-up: stage --task {prev} (task {args.tasks - 1}; builds any history cache) ...", flush=True)
        warm, ok1 = stage(data, out, prev, log, code)
        print(f"  {warm.wall:.1f} s", flush=True)

        responded = write_task(data, people, tasks, len(tasks) - 1, args.rows, args.seed)
        tasks.to_csv(data / "tasks.csv", index=False, encoding="utf-8", lineterminator="\n")
        print(f"measured: task {args.tasks} added; stage --task {new} ...", flush=True)
        m, ok2 = stage(data, out, new, log, code)
        print(f"  {m.wall:.1f} s", flush=True)

        print(f"\n{'step':<58} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9}")
        print("-" * 86)
        print(f"{f'generate data ({args.tasks - 1} tasks x ~{args.rows:,} rows)':<58} {gen_s:8.1f} {'':>8} {'':>9}")
        for label, r, ok in ((f"warm-up: stage of task {args.tasks - 1} (fresh output)", warm, ok1),
                             (f"measured: stage of new task {args.tasks} (history {args.tasks})", m, ok2)):
            print(f"{label:<58} {r.wall:8.1f} {r.cpu:8.1f} {r.peak_rss / MIB:9.0f}{'' if ok else '  FAILED'}")

        print("\nchecks")
        problems = check(out / new / "tables", tasks, people, responded) if ok2 else ["the measured stage failed"]
        print("\nacceptance (issues 6 and 14; the targets are for --tasks 500 --rows 25000)")
        for issue, budget in ((6, 15), (14, 10)):
            verdict = "ok" if m.wall < budget else "NOT MET"
            print(f"  new task on a {args.tasks}-task history under {budget} s (issue {issue}): "
                  f"{m.wall:.1f} s {verdict}")
        print(f"  ... and under 4 GiB: {m.peak_rss / GIB:.2f} GiB {'ok' if m.peak_rss < 4 * GIB else 'NOT MET'}")
        print(f"\nload average at end: {load_average()}{busy_warning()}{tree_changed_note(start_hash)}"
              + (f"\ndata, outputs and stage.log kept in {work}" if args.keep else ""))
        if args.json:
            args.json.write_text(json.dumps({
                "tasks": args.tasks, "rows": args.rows, "generate_s": gen_s,
                "warmup": {"wall": warm.wall, "cpu": warm.cpu, "peak_rss_bytes": warm.peak_rss, "ok": ok1},
                "measured": {"wall": m.wall, "cpu": m.cpu, "peak_rss_bytes": m.peak_rss, "ok": ok2},
                "problems": problems}, indent=2) + "\n", encoding="utf-8")
        return 0 if ok1 and ok2 and not problems else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
