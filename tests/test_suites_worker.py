"""The GX worker (pipeline/runs/suites.py): the same suite outcomes as in-process, a failed gate still
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
from pipeline.runs import suites
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
pending = suites.submit(validate.validate_responses, responses)
worker = pending.result()
worker_imported_here = "great_expectations" in sys.modules
pid = suites._pool().submit(os.getpid).result()
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
pending = suites.submit(validate.gate_checked_responses, checked, 3)
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
pool = suites._pool()
pool.submit(os.getpid).result()
for proc in list(pool._processes.values()):
    proc.kill()
    proc.join()
pending = suites.submit(validate.validate_responses, responses)
result = pending.result()
here = validate.validate_responses(responses)
print(json.dumps({"checks": result.checks.equals(here.checks), "failures": result.failures.equals(here.failures)}))
""")
    assert out == {"checks": True, "failures": True}


def test_without_the_worker_a_suite_runs_here_when_its_result_is_asked():
    out = run_python("""
pending = suites.submit(len, [1, 2, 3])
before = pending.future is None
print(json.dumps({"in_process": before, "value": pending.result(), "pool": suites._POOL is None}))
""", ABSENSI_GX_WORKER="0")
    assert out == {"in_process": True, "value": 3, "pool": True}
