"""The sidecar process (pipeline/runs/sidecar.py): the same suite outcomes as in-process, a failed gate still
raises, a dead worker changes nothing but the process the suite runs in.

Each case runs in a fresh interpreter: this test process may have imported GX already, and then
suites run in-process by design."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = """
import json, os, sys
import pandas as pd
from pipeline.runs import sidecar
from pipeline.rules import validate

responses = pd.DataFrame({
    "source_row": [2, 3, 4],
    "timestamp": ["2025-11-04 08:00:00", "bukan waktu", None],
    "provinsi": ["Bali", "Bali", None],
    "nomor_absen": ["12", "x", None],
    "nama": ["Ani", "Budi", None],
    "link": ["https://facebook.com/a/posts/1", "fb.watch/x", None],
})
"""


def run_python(code: str, **env) -> dict:
    proc = subprocess.run([sys.executable, "-c", PRELUDE + code], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_suite_in_the_worker_gives_the_outcome_of_the_suite_run_here():
    out = run_python("""
pending = sidecar.submit(validate.validate_responses, responses)
worker = pending.result()
worker_imported_here = "great_expectations" in sys.modules
pid = sidecar._pool().submit(os.getpid).result()
here = validate.validate_responses(responses)
print(json.dumps({"here_imported_before": worker_imported_here, "worker_pid": pid, "my_pid": os.getpid(),
                  "checks": worker.checks.equals(here.checks), "failures": worker.failures.equals(here.failures),
                  "n_failures": len(worker.failures), "gx": worker.gx_result["statistics"] == here.gx_result["statistics"]}))
""")
    assert out["here_imported_before"] is False  # GX was imported in the worker only
    assert out["worker_pid"] != out["my_pid"]
    assert out["checks"] and out["failures"] and out["gx"]
    assert out["n_failures"] > 0  # the bad timestamp and id rows fail their expectations


@pytest.mark.slow
def test_a_failed_gate_raises_its_validation_error_through_the_worker():
    out = run_python("""
from pipeline.errors import ValidationFailed
checked = pd.DataFrame({"source_row": [2, 3], "outcome": ["counted", "counted"], "nomor_absen": [7, 7],
                        "on_time": [True, True]})
pending = sidecar.submit(validate.gate_checked_responses, checked, 3)
try:
    pending.result()
    print(json.dumps({"raised": None}))
except ValidationFailed as exc:
    print(json.dumps({"raised": str(exc), "exit_code": exc.exit_code}))
""")
    assert out["raised"] and "3 rows in, 2 rows out" in out["raised"]
    assert out["exit_code"] == 3


@pytest.mark.slow
def test_a_worker_that_died_is_replaced_by_running_the_suite_here():
    out = run_python("""
pool = sidecar._pool()
pool.submit(os.getpid).result()
for proc in list(pool._processes.values()):
    proc.kill()
    proc.join()
pending = sidecar.submit(validate.validate_responses, responses)
result = pending.result()
here = validate.validate_responses(responses)
print(json.dumps({"checks": result.checks.equals(here.checks), "failures": result.failures.equals(here.failures)}))
""")
    assert out == {"checks": True, "failures": True}


def test_without_the_worker_a_suite_runs_here_when_its_result_is_asked():
    out = run_python("""
pending = sidecar.submit(len, [1, 2, 3])
before = pending.future is None
print(json.dumps({"in_process": before, "value": pending.result(), "pool": sidecar._POOL is None}))
""", ABSENSI_SIDECAR="0")
    assert out == {"in_process": True, "value": 3, "pool": True}


STAGE = """
import json, sys
from pathlib import Path
from pipeline.runs import sidecar, stage
data, out = Path(sys.argv[1]), Path(sys.argv[2])
result = stage.run_task(data, None, out / "task", history_dir=out / ".history", log=lambda *a: None)
print(json.dumps({"gx_here": "great_expectations" in sys.modules, "sidecar": sidecar._POOL is not None,
                  "provinces": len(result.provinces)}))
"""


def run_stage(data: Path, out: Path, **env) -> dict:
    proc = subprocess.run([sys.executable, "-c", STAGE, str(data), str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_stage_using_the_sidecar_publishes_the_same_bytes_as_one_without(small_sample, tmp_path):
    """The sidecar runs the suites and half of the workbooks: every table, page, workbook and task.json
    must be what the stage writes alone."""
    from tests.golden.fingerprint import fingerprint

    alone = run_stage(small_sample, tmp_path / "alone", ABSENSI_SIDECAR="0")
    assert alone["gx_here"] is True and alone["sidecar"] is False
    first = run_stage(small_sample, tmp_path / "with")  # the roster's suite runs here once, then is stored
    assert first["gx_here"] is True
    again = run_stage(small_sample, tmp_path / "with")  # roster outcome stored: every suite in the sidecar
    assert again["gx_here"] is False and again["sidecar"] is True
    assert again["provinces"] > 2  # both halves of the workbooks have provinces
    expected, got = fingerprint(tmp_path / "alone" / "task"), fingerprint(tmp_path / "with" / "task")
    assert any(name.endswith("kontak-terbatas.xlsx") for name in got)
    assert sorted(got) == sorted(expected)
    assert [name for name in got if got[name] != expected[name]] == []


def test_workbook_shares_split_every_province_once_largest_first_one_in_three():
    import pandas as pd

    from pipeline.runs.stage import workbook_shares

    nr = pd.DataFrame({"provinsi": ["Bali"] * 5 + ["Aceh"] * 3 + ["Papua"] * 3 + ["Riau"] * 2 + ["Jambi"]})
    theirs, mine = workbook_shares(nr, ["Aceh", "Bali", "Papua", "Riau", "Gorontalo", "Jambi"])
    # by size: Bali 5, Aceh 3, Papua 3 (ties by name), Riau 2, Jambi 1, Gorontalo 0
    assert theirs == ["Bali", "Riau"]
    assert mine == ["Aceh", "Papua", "Jambi", "Gorontalo"]
    assert sorted(theirs + mine) == ["Aceh", "Bali", "Gorontalo", "Jambi", "Papua", "Riau"]


def test_the_sidecar_exits_when_its_parent_dies_without_shutting_it_down(tmp_path):
    """A report kernel killed, or leaving by os._exit when its own parent died, never shuts its pool
    down: the worker must not stay behind waiting for work (it did, holding ~240 MB)."""
    import time

    out = tmp_path / "pid.txt"  # not a pipe: a worker left behind would hold a pipe open
    with out.open("w") as f:
        subprocess.run([sys.executable, "-c", """
import os
from pipeline.runs import sidecar
print(sidecar._pool().submit(os.getpid).result(), flush=True)
os._exit(1)
"""], cwd=ROOT, stdout=f, stderr=subprocess.DEVNULL, timeout=300)
    worker = int(out.read_text().strip().splitlines()[-1])
    deadline = time.monotonic() + 30  # the worker may still be importing GX: its watch starts before
    while time.monotonic() < deadline and Path(f"/proc/{worker}").exists():
        time.sleep(0.2)
    state = Path(f"/proc/{worker}/stat").read_text().split()[2] if Path(f"/proc/{worker}/stat").exists() else None
    if state not in (None, "Z"):
        os.kill(worker, 9)
    assert state in (None, "Z"), f"the orphaned sidecar {worker} is still running (state {state})"
