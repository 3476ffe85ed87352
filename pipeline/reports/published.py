"""The published tables of one task as a report reads them: task.json, and tables/*.csv each read on
first use. Every table is built by pipeline/figures/tables.py (build_tables)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import config


@dataclass
class TaskTables:
    """The published tables of one task, each read on first use (a report reads only what it shows)."""

    task_dir: Path
    info: dict
    tables: dict[str, pd.DataFrame]

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            self.tables[name] = _read_table(config.tables_dir(self.task_dir) / f"{name}.csv")
        return self.tables[name]

    @property
    def tz(self) -> str:
        return self.info["timezone"]

    @property
    def mulai(self) -> pd.Timestamp:
        return pd.Timestamp(self.info["mulai"]).tz_convert(self.tz)

    @property
    def batas(self) -> pd.Timestamp:
        return pd.Timestamp(self.info["batas"]).tz_convert(self.tz)


def _read_table(path: Path) -> pd.DataFrame:
    dtype = {"nomor_absen": "string"} if path.stem == "roster_quarantine" else {"nomor_absen": "Int64"}
    return pd.read_csv(path, keep_default_na=True, dtype=dtype)


def load_task_tables(task_dir: Path | str, names: tuple[str, ...] | None = None) -> TaskTables:
    """task.json of one task's output folder; its tables/*.csv are read when first used (`names`:
    read these now)."""
    task_dir = Path(task_dir)
    info = json.loads((task_dir / "task.json").read_text(encoding="utf-8"))
    tt = TaskTables(task_dir, info, {})
    for name in names or ():
        tt[name]
    return tt
