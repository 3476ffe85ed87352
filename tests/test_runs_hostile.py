"""Issue 17, run side: a newcomer's mistakes and hostile sources give one clear line, no traceback,
nothing published that is not the data, earlier outputs intact."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, run_cli

from pipeline import publish
from pipeline.errors import FileSystemError, InputError, NotebookCellError, ValidationFailed, os_error_message
from pipeline.runs import cli, prepare
from pipeline.runs.sample import LATEST_TASK_ID


def _copy(small_sample: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(small_sample, data)
    return data


def _one_clear_line(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert len(lines) == 1, err
    return lines[0]


def _main(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.err.strip()


# --------------------------------------------------------------------------- a task nobody is eligible for


def _scope_without_tpp(data: Path) -> None:
    """The latest task's cakupan is Gorontalo, and the roster has nobody there any more."""
    roster = pd.read_csv(data / "roster.csv", dtype=str, keep_default_na=False)
    roster[roster["Provinsi"] != "Gorontalo"].to_csv(data / "roster.csv", index=False)
    tasks = pd.read_csv(data / "tasks.csv", dtype=str, keep_default_na=False)
    tasks.loc[tasks["task_id"] == LATEST_TASK_ID, "cakupan"] = "Gorontalo"
    tasks.to_csv(data / "tasks.csv", index=False)


def test_a_task_whose_scope_has_no_tpp_is_one_clear_input_error(small_sample, tmp_path):
    data = _copy(small_sample, tmp_path)
    _scope_without_tpp(data)
    proc = run_cli("stage", "--data", str(data), "--out", str(tmp_path / "out"), "--task", LATEST_TASK_ID)
    assert proc.returncode == 2, proc.stderr[-2000:]
    line = _one_clear_line(proc)
    assert "nobody in the roster is eligible" in line and "'Gorontalo'" in line
    assert "out_of_scope" in line and "the roster has TPP in: Aceh, Bali" in line
    assert not (tmp_path / "out" / LATEST_TASK_ID).exists()  # nothing published


def test_require_eligible_counts_why_everyone_is_out():
    from pipeline.rules.eligibility import require_eligible

    roster = pd.DataFrame({"provinsi": ["Bali", "Bali"], "status": ["Resign", "Resign"],
                           "tanggal_resign": [None, None], "quarantine_reason": [None, None]})
    task = pd.Series({"task_id": "t", "mulai": pd.Timestamp("2025-11-10 08:00", tz="Asia/Jakarta"),
                      "cakupan": "Bali", "scope": ("Bali",), "timezone": "Asia/Jakarta"})
    with pytest.raises(InputError, match=r"task t: nobody .* resigned 2\).*TPP in: Bali"):
        require_eligible(roster, task)
    roster.loc[0, "status"] = "Aktif"
    require_eligible(roster, task)  # one eligible TPP is enough


# --------------------------------------------------------------------------- task id, OUT, disk


def test_a_300_character_task_id_is_one_clear_line(small_sample, tmp_path):
    proc = run_cli("report", "--data", str(small_sample), "--out", str(tmp_path / "out"), "--task", "x" * 300)
    assert proc.returncode == 2
    line = _one_clear_line(proc)
    assert "300 bytes long" in line and "given with --task" in line and len(line) < 400
    assert "give a task_id of the schedule" in line


@pytest.mark.parametrize("task_id", ["../../etc", "a/b", ".hidden", ".."])
def test_a_task_id_that_cannot_name_a_folder_is_refused(task_id):
    with pytest.raises(InputError, match="cannot name a folder"):
        prepare.check_task_id(task_id, pd.DataFrame({"task_id": ["2025-11-10-hari-pahlawan"]}))


def test_a_long_task_id_in_the_schedule_is_named_there(small_sample, tmp_path):
    data = _copy(small_sample, tmp_path)
    tasks = pd.read_csv(data / "tasks.csv", dtype=str, keep_default_na=False)
    extra = tasks.iloc[[-1]].copy()
    extra["task_id"] = "2025-12-01-" + "panjang-" * 35
    extra["mulai"], extra["batas"] = "2025-12-01 08:00", "2025-12-02 23:59"
    pd.concat([tasks, extra]).to_csv(data / "tasks.csv", index=False)
    proc = run_cli("report", "--data", str(data), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    line = _one_clear_line(proc)
    assert "in the schedule is 291 bytes long" in line and "shorten it" in line


def test_out_that_is_a_file_is_one_clear_line(small_sample, tmp_path):
    out = tmp_path / "reports.txt"
    out.write_text("not a folder")
    for command in ("report", "stage"):
        proc = run_cli(command, "--data", str(small_sample), "--out", str(out))
        assert proc.returncode == 6, proc.stderr
        assert f"OUT {out} is a file, not a folder" in _one_clear_line(proc)
    assert out.read_text() == "not a folder"


def test_data_that_is_a_file_is_one_clear_line(tmp_path):
    data = tmp_path / "roster.csv"
    data.write_text("a,b\n")
    proc = run_cli("report", "--data", str(data), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert f"DATA {data} is a file, not a data directory" in _one_clear_line(proc)


def test_the_task_notebook_default_is_the_latest_started_task_too(small_sample, tmp_path):
    from pipeline.runs import stage

    data = _copy(small_sample, tmp_path)
    tasks = pd.read_csv(data / "tasks.csv", dtype=str, keep_default_na=False)
    future = tasks.iloc[[-1]].copy()
    future["task_id"], future["mulai"], future["batas"] = "2099-01-01-nanti", "2099-01-01 08:00", "2099-01-02 23:59"
    pd.concat([tasks, future]).to_csv(data / "tasks.csv", index=False)
    result = stage.run_task(data, None, out_root=tmp_path / "out", log=lambda *_: None)
    assert result.task_id == LATEST_TASK_ID


def test_read_only_out_is_named(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "ro" / ".staging"))

    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    with pytest.raises(FileSystemError, match=r"\.staging is on a read-only file system: give an OUT folder"):
        prepare.check_output_root(tmp_path / "ro")


def test_disk_full_says_so_and_leaves_earlier_outputs(small_sample, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    earlier = out / LATEST_TASK_ID
    earlier.mkdir(parents=True)
    (earlier / "index.html").write_text("earlier run")

    def full(out_root, task_id):
        raise OSError(errno.ENOSPC, "No space left on device", str(Path(out_root) / ".staging" / task_id))

    monkeypatch.setattr(publish, "new_staging", full)
    code, err = _main(capsys, "report", "--data", str(small_sample), "--out", str(out))
    assert code == 6
    assert err.startswith("error: disk full: no space left to write ") and "free some space" in err
    assert (earlier / "index.html").read_text() == "earlier run"
    assert not list((out / ".staging").glob("*.lock"))


@pytest.mark.parametrize(("code", "words"), [(errno.ENAMETOOLONG, "file name too long"),
                                             (errno.EACCES, "permission denied"),
                                             (errno.ENOTDIR, "a file stands where a folder is needed")])
def test_os_errors_are_one_line_naming_the_file(code, words):
    msg = os_error_message(OSError(code, os.strerror(code), "/srv/out/" + "t" * 400))
    assert words in msg and "/srv/out/ttt" in msg and "\n" not in msg and len(msg) < 400


# --------------------------------------------------------------------------- verify on hostile bundles


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_verify_refuses_a_bundle_entry_that_leaves_the_folder(tmp_path, capsys):
    evil = b"#!/bin/sh\n"
    manifest = {"files": [{"path": "report.pdf", "sha256": _sha(b"pdf")}]}
    bundle = _zip(tmp_path / "t_bali.zip", {"t_bali/manifest.json": json.dumps(manifest).encode(),
                                            "t_bali/report.pdf": b"pdf", "t_bali/../../x": evil})
    code, err = _main(capsys, "verify", str(bundle))
    assert code == 5
    assert "'t_bali/../../x': path leaves the folder" in err


def test_verify_refuses_a_manifest_path_that_leaves_the_folder(tmp_path, capsys):
    manifest = {"files": [{"path": "dir/../../x", "sha256": _sha(b"x")}]}
    bundle = _zip(tmp_path / "b.zip", {"b/manifest.json": json.dumps(manifest).encode()})
    code, err = _main(capsys, "verify", str(bundle))
    assert code == 5 and "'dir/../../x': path leaves the folder" in err


@pytest.mark.parametrize(("members", "words"), [
    (None, "is not a readable zip file"),
    ({"b/manifest.json": b"{not json"}, "b/manifest.json is not valid JSON"),
    ({"b/manifest.json": b"[1, 2]"}, "is not a manifest"),
    ({"b/manifest.json": b'{"files": [{"path": 3}]}'}, "file entry 1 is not"),
    ({"b/manifest.json": b'{"files": "report.pdf"}'}, "lists no files"),
])
def test_verify_on_a_broken_zip_or_manifest_is_one_clear_line(tmp_path, capsys, members, words):
    target = tmp_path / "b.zip"
    if members is None:
        target.write_bytes(b"PK\x03\x04 this is not really a zip" * 10)
    else:
        _zip(target, members)
    code, err = _main(capsys, "verify", str(target))
    assert code == 5 and words in err and len(err.splitlines()) == 1


def test_verify_on_a_folder_with_a_broken_manifest(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text('"just a string"')
    code, err = _main(capsys, "verify", str(tmp_path))
    assert code == 5 and "is not a manifest" in err


# --------------------------------------------------------------------------- messages point at kept files


def test_strict_names_a_quarantine_list_that_exists(small_sample, tmp_path):
    out = tmp_path / "out"
    proc = run_cli("stage", "--data", str(small_sample), "--out", str(out), "--strict")
    assert proc.returncode == 3, proc.stderr[-2000:]
    line = _one_clear_line(proc)
    kept = out / ".failed" / LATEST_TASK_ID / "roster_quarantine.csv"
    assert f"see {kept}" in line
    table = pd.read_csv(kept)
    assert list(table.columns) == ["source_row", "nomor_absen", "reason", "provinsi", "kabupaten"] and len(table)
    assert not (out / LATEST_TASK_ID).exists()


def test_a_failed_task_notebook_is_kept_where_the_message_says(tmp_path):
    staging = tmp_path / "out" / ".staging" / "t.1"
    staging.mkdir(parents=True)
    (staging / "task.failed.ipynb").write_text("{}")
    exc = NotebookCellError("task.ipynb", 3, 2, "x", "KeyError", "'a'", kept=str(staging / "task.failed.ipynb"))
    kept = prepare.keep_diagnosis(exc, staging, tmp_path / "out", "t", tmp_path)
    target = tmp_path / "out" / ".failed" / "t" / "task.failed.ipynb"
    publish.remove_tree(staging)  # what the run does next
    assert target.is_file() and str(target) in str(kept)
    other = ValidationFailed("resolution output failed its gate")
    assert prepare.keep_diagnosis(other, staging, tmp_path / "out", "t", tmp_path) is other


def test_a_failed_report_notebook_is_named_where_it_is_published(tmp_path):
    staging, final = tmp_path / ".staging" / "t.9", tmp_path / "t"
    exc = NotebookCellError("province.ipynb", 5, 3, "x", "KeyError", "'a'",
                            kept=str(staging / "bali" / "report.failed.ipynb"))
    prepare.published_path(exc, staging, final)
    assert f"In [3] of {final / 'bali' / 'report.failed.ipynb'}" in str(exc)


def test_disk_full_inside_the_task_notebook_says_so(monkeypatch, tmp_path):
    from pipeline.reports import render
    from pipeline.runs import batch

    def full(*args, **kwargs):
        raise NotebookCellError("task.ipynb", 2, 2, "x", "OSError",
                                "[Errno 28] No space left on device: '/o/.staging/t.1/tables/a.csv'")

    monkeypatch.setattr(render, "execute_notebook", full)
    with pytest.raises(FileSystemError, match=r"^disk full while the task notebook wrote its outputs .*a\.csv"):
        batch._run_task_notebook(tmp_path, "t", tmp_path, False, tmp_path / "h")


def test_audit_on_a_damaged_inputs_list_is_one_line(tmp_path):
    from pipeline.errors import AuditFailed
    from pipeline.runs.verify import check_inputs

    with pytest.raises(AuditFailed, match="'inputs' is not a list of files"):
        check_inputs({"inputs": "roster.csv"}, tmp_path)


# --------------------------------------------------------------------------- the default task, earlier exports


def _tasks(*starts: str) -> pd.DataFrame:
    return pd.DataFrame({"task_id": [f"t{i}" for i in range(len(starts))],
                         "mulai": [pd.Timestamp(s, tz="Asia/Jakarta") for s in starts]})


def test_the_default_task_is_the_latest_that_has_started():
    now = pd.Timestamp("2025-11-12 00:00", tz="UTC")
    assert prepare.default_task(_tasks("2025-11-10 08:00", "2025-11-11 08:00", "2025-12-01 08:00"), now) == "t1"
    with pytest.raises(InputError, match="no task of the schedule has started yet .*t0, starts 2026"):
        prepare.default_task(_tasks("2026-01-01 08:00"), now)


def test_a_scheduled_future_task_does_not_become_the_default(small_sample, tmp_path):
    data = _copy(small_sample, tmp_path)
    tasks = pd.read_csv(data / "tasks.csv", dtype=str, keep_default_na=False)
    future = tasks.iloc[[-1]].copy()
    future["task_id"], future["mulai"], future["batas"] = "2099-01-01-nanti", "2099-01-01 08:00", "2099-01-02 23:59"
    pd.concat([tasks, future]).to_csv(data / "tasks.csv", index=False)
    _, task_id = prepare.prepare_run(data, tmp_path / "out", None)
    assert task_id == LATEST_TASK_ID


def test_a_missing_earlier_export_says_why_it_is_needed(small_sample, tmp_path):
    data = _copy(small_sample, tmp_path)
    earlier = sorted((data / "responses").glob("2025-04-21-*"))[0]
    earlier.unlink()
    proc = run_cli("report", "--data", str(data), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    line = _one_clear_line(proc)
    assert "earlier task 2025-04-21-hari-kartini" in line and "trends and streaks" in line
    assert "remove 2025-04-21-hari-kartini from the schedule" in line


# --------------------------------------------------------------------------- the newcomer's path


def test_every_cli_option_has_help_text():
    parser = cli._parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, p in sub.choices.items():
        for action in p._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.option_strings or action.dest} has no help"


def test_one_province_is_singular():
    from pipeline.runs.batch import _provinces

    assert (_provinces(1), _provinces(37)) == ("1 province", "37 provinces")


def test_the_up_to_date_hint_speaks_make_under_make(monkeypatch):
    monkeypatch.delenv("ABSENSI_MAKE", raising=False)
    assert prepare.force_hint() == "--force"
    monkeypatch.setenv("ABSENSI_MAKE", "1")
    assert prepare.force_hint() == "ARGS=--force"


def _make(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(["make", "--no-print-directory", *args, "STAMP=", f"VPY={sys.executable}"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)


def test_makefile_passes_args_scale_and_allows_root_in_lab():
    lab = _make("-n", "lab", "DATA=/d", "OUT=/o", "TASK=t").stdout
    assert '--data "/d" --out "/o" --task "t"' in lab
    assert ("--allow-root" in lab) == (os.getuid() == 0)
    assert "--strict" in _make("-n", "stage", "ARGS=--strict").stdout
    assert '--scale "0.05"' in _make("-n", "sample", "SCALE=0.05").stdout


def test_make_prints_the_pipelines_exit_code(tmp_path):
    proc = _make("stage", f"DATA={tmp_path / 'nowhere'}", f"OUT={tmp_path / 'out'}")
    assert proc.returncode == 2  # make's own
    assert "exit code 2: bad input" in proc.stderr and "does not exist" in proc.stderr
    assert "ABSENSI_MAKE=1" in _make("-n", "report").stdout  # the up-to-date hint then says ARGS=--force


def test_make_stage_does_not_overwrite_a_published_report_run(small_sample, tmp_path):
    out = tmp_path / "out"
    published = out / LATEST_TASK_ID
    published.mkdir(parents=True)
    (published / "manifest.json").write_text('{"run_key": "other", "outputs": []}')
    proc = run_cli("stage", "--data", str(small_sample), "--out", str(out))
    assert proc.returncode == 6
    assert "holds a published report run" in _one_clear_line(proc)
    assert sorted(p.name for p in published.iterdir()) == ["manifest.json"]


@pytest.mark.slow
def test_stage_publishes_whole_and_leaves_no_lock(small_sample, tmp_path):
    out = tmp_path / "out"
    proc = run_cli("stage", "--data", str(small_sample), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / LATEST_TASK_ID / "tables" / "participation_province.csv").is_file()
    assert not [p for p in (out / ".staging").iterdir()]  # no staging folder, no .lock


def test_the_lock_file_goes_with_the_run(tmp_path):
    with publish.task_lock(tmp_path, "t"):
        assert (tmp_path / ".staging" / "t.lock").exists()
        with pytest.raises(publish.TaskBusy), publish.task_lock(tmp_path, "t"):
            pass
    assert not (tmp_path / ".staging" / "t.lock").exists()
    with publish.task_lock(tmp_path, "t"):  # and the next run takes it again
        pass


@pytest.mark.slow
def test_fresh_kernels_print_no_tcp_encryption_warning(tmp_path, capfd):
    from pipeline.reports import render

    template = ROOT / "tests" / "fixtures" / "notebooks" / "parameterised.ipynb"
    render.execute_notebook(template, tmp_path / "o.ipynb", {"provinsi": "Bali", "n_baris": 1})
    err = capfd.readouterr().err
    assert "without encryption" not in err and "eavesdropping" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.ipynb"]  # no socket files left


def test_worker_processes_are_born_with_ctrl_c_ignored():
    """A spawned worker imports for seconds before its initializer runs: Ctrl-C must already be
    ignored then (an ignored signal stays ignored across exec), and the parent's handler is back after."""
    from pipeline.runs.sidecar import sigint_ignored

    before = signal.getsignal(signal.SIGINT)
    probe = [sys.executable, "-c", "import signal; print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)"]
    with sigint_ignored():
        born = subprocess.run(probe, capture_output=True, text=True, timeout=60).stdout.strip()
    assert born == "True"
    assert signal.getsignal(signal.SIGINT) is before
    # after it, children are born as before (a run started in the background has SIGINT ignored already)
    assert subprocess.run(probe, capture_output=True, text=True, timeout=60).stdout.strip() == str(
        before is signal.SIG_IGN)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 3.0])  # while the workers start up; while the task notebook runs
def test_ctrl_c_twice_during_a_run_is_one_line_and_publishes_nothing(small_sample, tmp_path, delay):
    out = tmp_path / "out"
    earlier = out / LATEST_TASK_ID
    earlier.mkdir(parents=True)
    (earlier / "index.html").write_text("earlier run")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "report", "--data", str(small_sample), "--out",
                             str(out), "--force"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list((out / ".staging").glob(f"{LATEST_TASK_ID}.*/")):
        time.sleep(0.2)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends to the whole group
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)  # impatient: again, while it cleans up
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stdout + stderr and "KeyboardInterrupt" not in stderr, stderr[-3000:]
    assert "interrupted: nothing was published" in stderr
    assert (earlier / "index.html").read_text() == "earlier run"
    assert not [p for p in (out / ".staging").iterdir() if p.is_dir()]
    assert not list((out / ".staging").glob("*.lock"))

