"""Paths and settings in one place: every other module asks here, none hard-codes a path."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DATA_DIR = PROJECT_ROOT / "data"
SAMPLE_DATA_DIR = DATA_DIR / "sample"
REPORTS_DIR = PROJECT_ROOT / "reports"
TEMPLATES_DIR = Path(__file__).resolve().parent / "reports" / "templates"

TASK_NOTEBOOK = NOTEBOOKS_DIR / "task.ipynb"
PROVINCE_NOTEBOOK = NOTEBOOKS_DIR / "province.ipynb"
NATIONAL_NOTEBOOK = NOTEBOOKS_DIR / "national.ipynb"
RECAP_NOTEBOOK = NOTEBOOKS_DIR / "recap.ipynb"
RECAP_PROVINCE_NOTEBOOK = NOTEBOOKS_DIR / "recap_province.ipynb"
RECAP_NATIONAL_NOTEBOOK = NOTEBOOKS_DIR / "recap_national.ipynb"

DEFAULT_TIMEZONE = "Asia/Jakarta"
KERNEL_NAME = os.environ.get("ABSENSI_KERNEL", "python3")
# Report kernels keep no IPython history: nothing is written to ~/.ipython for every cell run.
KERNEL_ARGUMENTS = ("--HistoryManager.enabled=False",)
# Number of reports rendered in parallel (the machine has 2 cores).
WORKERS = int(os.environ.get("ABSENSI_WORKERS", str(min(2, os.cpu_count() or 1))))
# Reuse one warm kernel per worker for the report notebooks (pipeline/reports/workers.py); 0 starts a
# new kernel for every notebook (slower, same outputs: `make audit` checks that).
WARM_KERNELS = os.environ.get("ABSENSI_WARM_KERNELS", "1") != "0"
# How many of the latest tasks the trend sections and the "silent in every one" list look at.
TREND_TASKS = 8
# A non-responder at this streak or more is marked for coaching (pembinaan).
PEMBINAAN_STREAK = 3
# A non-responder at this streak or more is possibly inactive (contract: silent in the last 8 tasks
# they were eligible for).
INACTIVE_STREAK = 8
# The national report ranks only kabupaten with at least this many eligible TPP (small ones swing
# too much), and shows this many from the top and from the bottom.
KABUPATEN_RANK_MIN_ELIGIBLE = 10
KABUPATEN_TOP_N = 10
# A province report names at most this many kabupaten below the national rate in its summary.
HIGHLIGHT_KABUPATEN = 5
# Period recap categories (pipeline/figures/recap.py): `baik` at this participation rate or more,
# `cukup` at RECAP_CUKUP or more, else `perlu_pembinaan`.
RECAP_BAIK = float(os.environ.get("ABSENSI_RECAP_BAIK", "0.8"))
RECAP_CUKUP = float(os.environ.get("ABSENSI_RECAP_CUKUP", "0.5"))
# Limits on input files (bytes) to keep memory bounded.
MAX_INPUT_BYTES = int(os.environ.get("ABSENSI_MAX_INPUT_BYTES", str(150 * 1024 * 1024)))
# XLSX (zip) guards, checked on the declared sizes before unpacking: total unpacked bytes, and
# the unpacked/packed ratio of any part larger than XLSX_RATIO_MIN_BYTES (real sheets: ~5-20x).
MAX_XLSX_UNCOMPRESSED_BYTES = int(os.environ.get("ABSENSI_MAX_XLSX_UNCOMPRESSED_BYTES", str(256 * 1024 * 1024)))
MAX_XLSX_RATIO = 100
XLSX_RATIO_MIN_BYTES = 1024 * 1024
# Cells a worksheet may span (rows x columns up to its farthest cell): the reader builds the whole
# rectangle, so one stray cell at XFD1048576 would ask for 17 billion cells.
MAX_XLSX_CELLS = int(os.environ.get("ABSENSI_MAX_XLSX_CELLS", str(5_000_000)))
# Network timeout for tasks whose `sumber` is an http(s) URL.
DOWNLOAD_TIMEOUT_S = 30
# One overall deadline for a whole download (a server that trickles bytes cannot hold a run).
DOWNLOAD_DEADLINE_S = int(os.environ.get("ABSENSI_DOWNLOAD_DEADLINE_S", "300"))


# Earlier tasks' results, kept by content hash under the output folder (pipeline/figures/history.py).
HISTORY_DIRNAME = ".history"


def tables_dir(out_task_dir: Path) -> Path:
    return Path(out_task_dir) / "tables"
