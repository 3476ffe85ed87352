"""Whole-folder publishing, crash recovery, the unchanged-rerun skip and the history store."""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import ROOT, run_cli

from pipeline import publish
from pipeline.figures import compute
from pipeline.figures.history import Entry, HistoryStore
from pipeline.runs import stage


def _tree(path: Path) -> dict[str, str]:
    return {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def _verify_manifest(task_dir: Path) -> None:
    manifest = json.loads((task_dir / "manifest.json").read_text(encoding="utf-8"))
    for rec in manifest["outputs"]:
        assert hashlib.sha256((task_dir / rec["path"]).read_bytes()).hexdigest() == rec["sha256"], rec["path"]


# --- formulas neutralised -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["string", "str", object])
def test_neutralise_frame_is_neutralise_of_each_text_cell(dtype):
    values = ["=1+1", "ok", None, "\t=x", "\uff1dSUM(A1)", "-3", "@cmd", "", "'=quoted", "\r", "+62 812", "a=b"]
    df = pd.DataFrame({"text": pd.Series(values, dtype=dtype), "number": [-1.5] * len(values)})
    out = publish.neutralise_frame(df)
    got = [v if isinstance(v, str) else None for v in out["text"]]
    assert got == [publish.neutralise(v) if isinstance(v, str) else None for v in values]
    assert got[0] == "'=1+1" and got[1] == "ok" and got[5] == "'-3"
    assert out["number"].tolist() == [-1.5] * len(values)  # numbers stay numbers
    assert df["text"].iloc[0] == "=1+1"  # the caller's frame is left as it was


# --- swap_in / recover / lock -------------------------------------------------------------------

def _folder(path: Path, text: str) -> Path:
    path.mkdir(parents=True)
    (path / "a.txt").write_text(text)
    (path / "sub").mkdir()
    (path / "sub" / "b.txt").write_text(text * 2)
    return path


def test_swap_in_replaces_the_whole_folder(tmp_path):
    final = _folder(tmp_path / "task", "old")
    staging = _folder(tmp_path / ".staging" / "task.1", "new")
    publish.swap_in(staging, final)
    assert (final / "a.txt").read_text() == "new" and (final / "sub" / "b.txt").read_text() == "newnew"
    assert not staging.exists()  # the previous outputs went away with it


def test_files_are_fsynced_one_by_one_except_in_staging_which_swap_in_syncs_once(tmp_path, monkeypatch):
    synced, global_syncs = [], []
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(os.readlink(f"/proc/self/fd/{fd}")))
    monkeypatch.setattr(os, "sync", lambda: global_syncs.append(1))
    publish.atomic_write_text(tmp_path / "out" / "a.txt", "a")
    staging = publish.new_staging(tmp_path, "t1")
    publish.atomic_write_text(staging / "tables" / "b.csv", "b")
    assert len(synced) == 1 and Path(synced[0]).parent == tmp_path / "out" and global_syncs == []
    publish.swap_in(staging, tmp_path / "t1")
    assert global_syncs == [1] and (tmp_path / "t1" / "tables" / "b.csv").read_text() == "b"


def test_swap_in_without_a_previous_folder(tmp_path):
    staging = _folder(tmp_path / ".staging" / "task.1", "new")
    publish.swap_in(staging, tmp_path / "task")
    assert (tmp_path / "task" / "a.txt").read_text() == "new"


def test_recover_puts_back_outputs_moved_aside_and_drops_unfinished_runs(tmp_path):
    root = tmp_path
    _folder(publish.staging_root(root) / "t1.previous", "old")  # fallback swap died half-way
    _folder(publish.staging_root(root) / "t1.4242", "half")  # a killed run's staging folder
    _folder(publish.staging_root(root) / "t2.99", "other task")
    done = publish.recover(root, "t1")
    assert (root / "t1" / "a.txt").read_text() == "old"
    assert not (publish.staging_root(root) / "t1.4242").exists()
    assert (publish.staging_root(root) / "t2.99").exists()  # another task's run is left alone
    assert len(done) == 2


def test_task_lock_refuses_a_second_run_of_the_same_task(tmp_path):
    with publish.task_lock(tmp_path, "t1"):
        with pytest.raises(publish.TaskBusy, match="another run"), publish.task_lock(tmp_path, "t1"):
            pass
        with publish.task_lock(tmp_path, "t2"):  # other tasks are independent
            pass
    with publish.task_lock(tmp_path, "t1"):  # released
        pass


# --- streaks on a partial history are the streaks on the full one --------------------------------

def test_status_matrix_partial_history_gives_the_same_streaks():
    rng = np.random.default_rng(7)
    n, m = 400, 30
    roster = pd.DataFrame({
        "nomor_absen": pd.array(np.arange(1, n + 1), dtype="Int64"),
        "provinsi": rng.choice(["Bali", "Aceh", "Papua"], n),
        "status": np.where(rng.random(n) < 0.1, "Resign", "Aktif"),
        "tanggal_resign": [pd.Timestamp("2025-01-01").date() + pd.Timedelta(days=int(d)) if r < 0.1 else None
                           for r, d in zip(rng.random(n), rng.integers(0, 200, n))],
        "tanggal_bergabung": [None] * n,
        "quarantine_reason": pd.array([pd.NA] * n, dtype="string"),
    })
    roster["status"] = np.where(pd.Series(roster["tanggal_resign"]).notna(), "Resign", "Aktif")
    tasks = pd.DataFrame({
        "task_id": [f"t{j:02d}" for j in range(m)],
        "mulai": [pd.Timestamp("2025-01-06 08:00", tz="Asia/Jakarta") + pd.Timedelta(weeks=j) for j in range(m)],
        "cakupan": ["nasional" if j % 5 else "Bali" for j in range(m)],
        "scope": [() if j % 5 else ("Bali",) for j in range(m)],
        "timezone": ["Asia/Jakarta"] * m,
    })
    tasks["batas"] = tasks["mulai"] + pd.Timedelta(days=1)
    # some TPP never respond, the others with varying probability
    p = np.where(np.arange(n) % 10 == 0, 0.0, rng.random(n))
    counted = {t: np.flatnonzero(rng.random(n) < p) + 1 for t in tasks["task_id"]}
    full = compute.status_matrix(roster, tasks, counted)
    part = compute.status_matrix(roster, tasks, counted, full_latest=8)
    assert compute.streaks(part).equals(compute.streaks(full))  # possibly_inactive is streak >= 8: the same too
    assert compute.streaks(full).max() >= 20  # the never-responders run through the history
    assert np.isnan(part.to_numpy()).sum() > np.isnan(full.to_numpy()).sum()  # work was skipped


# --- the history store gives the tables a full recomputation gives ------------------------------

def test_history_store_cold_and_warm_equal_no_store(small_sample, tmp_path):
    plain = stage.run_task(small_sample, None, out_root=tmp_path / "plain", log=lambda *_: None)
    store = tmp_path / "store"
    cold = stage.run_task(small_sample, None, out_root=tmp_path / "cold", history_dir=store, log=lambda *_: None)
    warm = stage.run_task(small_sample, None, out_root=tmp_path / "warm", history_dir=store, log=lambda *_: None)
    n = cold.history["tasks"]
    assert n >= 5
    assert cold.history == {"tasks": n, "cached": 0, "computed": n - 1}
    assert warm.history == {"tasks": n, "cached": n - 1, "computed": 0}
    for name in sorted(p.name for p in (plain.out_dir / "tables").glob("*.csv")):
        for other in (cold, warm):
            assert filecmp.cmp(plain.out_dir / "tables" / name, other.out_dir / "tables" / name, shallow=False), name


def test_history_key_changes_with_the_roster_people_not_with_contacts(small_sample, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small_sample, data)
    store = tmp_path / "store"
    stage.run_task(data, None, out_root=tmp_path / "a", history_dir=store, log=lambda *_: None)
    roster = data / "roster.csv"

    def set_cell(line: int, column: str, value: str) -> None:
        """Overwrite one cell of the roster CSV (line 1 is the first TPP)."""
        lines = roster.read_text(encoding="utf-8").splitlines(keepends=True)
        row = lines[line].split(",")
        row[[h.strip().lower() for h in lines[0].split(",")].index(column)] = value
        lines[line] = ",".join(row)
        roster.write_text("".join(lines), encoding="utf-8")

    # a contact edit: every earlier task still comes from the store
    set_cell(1, "email", "baru@contoh.id")
    contact = stage.run_task(data, None, out_root=tmp_path / "b", history_dir=store, log=lambda *_: None)
    assert contact.history["computed"] == 0
    # a resignation: the people changed, every earlier task is resolved again
    set_cell(2, "status", "Resign")
    resigned = stage.run_task(data, None, out_root=tmp_path / "c", history_dir=store, log=lambda *_: None)
    assert resigned.history["cached"] == 0 and resigned.history["computed"] == resigned.history["tasks"] - 1


def test_unreadable_or_misshapen_store_entry_is_computed_again(tmp_path):
    store = HistoryStore(tmp_path)
    counted = pd.DataFrame({"nomor_absen": [4], "on_time": [True], "response_minutes": [1.5]})
    good, broken, swapped = "ab" + "0" * 62, "ab" + "1" * 62, "ab" + "2" * 62
    for key in (good, broken, swapped):
        store.put(key, Entry(counted, *_trend(["Aceh", "Bali"])))
    (tmp_path / "ab" / broken / "trend.arrow").write_bytes(b"not arrow")
    # the national row first: not the layout `put` writes, so not cut into parts by position
    trend = pa.ipc.open_file(tmp_path / "ab" / swapped / "trend.arrow").read_all()
    with pa.OSFile(str(tmp_path / "ab" / swapped / "trend.arrow"), "wb") as fh, pa.ipc.new_file(fh, trend.schema) as w:
        w.write_table(trend.take([2, 0, 1]))
    got = store.get_many([good, broken, swapped])
    assert set(got) == {good} and (store.hits, store.misses) == (1, 2)
    assert got[good].trend_province["provinsi"].tolist() == ["Aceh", "Bali"]



def _trend(provinces: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A task's trend rows as compute.task_trend makes them: two TPP in each province."""
    frame = pd.DataFrame({"nomor_absen": range(2 * len(provinces)), "provinsi": [p for p in provinces for _ in "ab"],
                          "responded": [True, False] * len(provinces), "on_time": [True, False] * len(provinces),
                          "response_minutes": [30.0, None] * len(provinces)})
    return compute.rate_table(frame, ["provinsi"]), compute.rate_table(frame, [])


def test_recap_and_task_stage_store_the_same_entries(small_sample, tmp_path):
    """A recap that resolves a task first stores a whole entry: a later task stage reads its links
    (reused_link) from it."""
    from pipeline.inputs import load
    from pipeline.runs import recap as recap_run

    by_stage = tmp_path / "stage"
    result = stage.run_task(small_sample, None, out_root=tmp_path / "out", history_dir=by_stage, log=lambda *_: None)
    roster, _ = stage.prepare_roster(load.load_roster(small_sample))
    tasks = load.load_tasks(small_sample)
    earlier = stage.schedule_until(tasks, load.get_task(tasks, result.task_id)).iloc[:-1]
    recap_store = HistoryStore(tmp_path / "recap")
    recap_run.task_entries(small_sample, earlier, roster, recap_store)
    stage_store = HistoryStore(by_stage)
    keys = [p.name for p in (tmp_path / "recap").glob("??/*") if p.is_dir()]
    assert len(keys) == len(earlier) >= 4
    for key in keys:
        assert stage_store.link_hashes(key).tolist() == recap_store.link_hashes(key).tolist()
        assert stage_store.link_ids(key).tolist() == recap_store.link_ids(key).tolist()
        assert stage_store.counted_ids(key).tolist() == recap_store.counted_ids(key).tolist()
    assert any(len(recap_store.link_hashes(key)) for key in keys)


def test_history_get_many_reads_back_what_was_put_and_skips_absent_keys(tmp_path):
    store = HistoryStore(tmp_path)
    counted = pd.DataFrame({"nomor_absen": [4, 9], "on_time": [True, False], "response_minutes": [1.5, 90.0]})
    entries = {"a" * 64: _trend(["Aceh", "Bali"]), "b" * 64: _trend([])}  # b: nobody eligible
    for key, (province, national) in entries.items():
        store.put(key, Entry(counted, province, national))
    got = store.get_many(["a" * 64, "c" * 64, "b" * 64])
    assert set(got) == {"a" * 64, "b" * 64} and (store.hits, store.misses) == (2, 1)
    for key, (province, national) in entries.items():
        assert got[key].counted is None  # counted rows stay on disk until a streak needs them
        pd.testing.assert_frame_equal(got[key].trend_province, province, check_dtype=False, check_index_type=False)
        pd.testing.assert_frame_equal(got[key].trend_national, national, check_dtype=False)
        assert got[key].trend_province.columns.tolist() == province.columns.tolist()
    assert store.counted_ids("a" * 64).tolist() == [4, 9]
    assert store.get("a" * 64).trend_province["provinsi"].tolist() == ["Aceh", "Bali"]


# --- the report run: skip when unchanged, survive a kill ----------------------------------------

def test_unchanged_rerun_does_nothing(rendered, small_sample):
    proc, task_dir = rendered
    before = {p: p.stat().st_mtime_ns for p in task_dir.rglob("*") if p.is_file()}
    t = time.perf_counter()
    again = run_cli("report", "--data", str(small_sample), "--out", str(task_dir.parent))
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout and "nothing to do" in again.stdout
    assert time.perf_counter() - t < 20
    assert {p: p.stat().st_mtime_ns for p in task_dir.rglob("*") if p.is_file()} == before


def test_killed_render_leaves_previous_outputs_and_the_next_run_recovers(rendered, small_sample, tmp_path):
    _, published = rendered
    out = tmp_path / "out"
    task_dir = out / published.name
    shutil.copytree(published, task_dir)
    before = _tree(task_dir)
    cmd = [sys.executable, "-m", "pipeline", "report", "--data", str(small_sample), "--out", str(out), "--force"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    staging = publish.staging_root(out)
    deadline = time.monotonic() + 600
    # Wait until the run is mid-way: the task stage is done and some reports are written.
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(staging.glob(f"{published.name}.*/*/report.pdf"))) >= 3:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the run, its workers and their kernels
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert list(staging.glob(f"{published.name}.*/"))  # it was killed with half its outputs written
    assert _tree(task_dir) == before  # the previous outputs are untouched ...
    _verify_manifest(task_dir)  # ... and complete
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert "[recover] removed the unfinished run" in rerun.stdout
    assert not [p for p in staging.iterdir() if p.is_dir()]  # no leftovers
    _verify_manifest(task_dir)
    assert len([p for p in task_dir.glob("*/report.pdf")]) == len([p for p in published.glob("*/report.pdf")])


def test_one_failing_report_does_not_stop_the_others(small_sample, tmp_path, monkeypatch):
    """A report that fails is listed (index, manifest, error) after the others are published."""
    from pipeline.errors import ReportError
    from pipeline.runs import batch

    failing = ROOT / "tests" / "fixtures" / "notebooks" / "failing.ipynb"
    plan = batch.plan_jobs

    def three_jobs_one_failing(task_dir, info):
        jobs = [j for j in plan(task_dir, info) if j.name in ("gorontalo", "bali", "national")]
        for job in jobs:
            if job.name == "gorontalo":
                job.template = failing
        return jobs

    monkeypatch.setattr(batch, "plan_jobs", three_jobs_one_failing)
    lines: list[str] = []
    with pytest.raises(ReportError) as info:
        batch.run_batch(None, small_sample, tmp_path / "out", log=lines.append)
    assert "1 of 3 reports failed (gorontalo)" in str(info.value)
    task_dir = next(p for p in (tmp_path / "out").iterdir() if not p.name.startswith("."))
    assert any("gorontalo" in line and "GAGAL" in line and "data rusak" in line for line in lines)
    for name in ("bali", "national"):
        assert (task_dir / name / "report.pdf").is_file() and (task_dir / name / "report.html").is_file()
    assert not (task_dir / "gorontalo" / "report.pdf").exists()
    assert (task_dir / "gorontalo" / "report.failed.ipynb").is_file()  # kept for diagnosis
    manifest = json.loads((task_dir / "manifest.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in manifest["reports"] if r.get("failed")] == ["gorontalo"]
    assert manifest["run_key"] is None  # a run with a failure is never "up to date"
    assert "data rusak" in (task_dir / "index.html").read_text(encoding="utf-8")


def test_task_json_is_the_same_with_a_cold_or_warm_store(small_sample, tmp_path):
    store = tmp_path / "store"
    cold = stage.run_task(small_sample, None, out_root=tmp_path / "cold", history_dir=store, log=lambda *_: None)
    warm = stage.run_task(small_sample, None, out_root=tmp_path / "warm", history_dir=store, log=lambda *_: None)
    assert warm.history["cached"] > 0
    assert (cold.out_dir / "task.json").read_bytes() == (warm.out_dir / "task.json").read_bytes()


def test_published_files_get_the_usual_permissions(tmp_path):
    publish.atomic_write_text(tmp_path / "t.csv", "a\n")
    assert (tmp_path / "t.csv").stat().st_mode & 0o777 == publish.FILE_MODE
    assert publish.FILE_MODE & 0o044  # readable by group and others under the usual umask
