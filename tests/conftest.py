"""Shared fixtures: a small deterministic sample data directory and one rendered task."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SMALL_SCALE = 0.03


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory) -> Path:
    from pipeline.runs.sample import generate_sample

    return generate_sample(tmp_path_factory.mktemp("sample") / "data", scale=SMALL_SCALE)


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=1800)


@pytest.fixture(scope="session")
def rendered(small_sample, tmp_path_factory):
    """`python -m pipeline report` on the small sample: (process, task output folder)."""
    out = tmp_path_factory.mktemp("reports")
    proc = run_cli("report", "--data", str(small_sample), "--out", str(out))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    task_dirs = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(task_dirs) == 1
    return proc, task_dirs[0]


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's `chromium` + `chromium-driver`, installed by .ci/run)."""
    from tests.browser import CHROMEDRIVER, CHROMIUM, Browser

    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        pytest.fail(f"headless browser tests need Debian's chromium and chromium-driver ({', '.join(missing)} "
                    "missing): apt-get install chromium chromium-driver (.ci/run does)")
    b = Browser()
    yield b
    b.close()
