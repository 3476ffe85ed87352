"""History store: each task's counted rows and trend figures, cached as Arrow files by content hash.

Trends and streaks need every earlier task of the schedule. Loading and resolving hundreds of
response files on every run would make the 100th task cost a hundred times the 2nd, so each
task's result is kept under a key that hashes everything it depends on:

* the bytes of the task's response file (sha256),
* the task's row in the schedule (mulai, batas, cakupan, timezone, format),
* the roster, without its contact columns (ids, names, jabatan, province, kabupaten, status
  and dates decide resolution, eligibility and the trend groups),
* the code that computes an entry (HISTORY_CODE: loading, resolution, eligibility, the
  figures, and the locked packages). Editing a chart or a notebook keeps the history.

Change any of these and the key changes, so a cached entry is always what a fresh run would
compute (no invalidation rules to get wrong). An edit to the roster's people or dates makes
every earlier task resolve once more, then it is cached again; contact edits do not.

Layout: ``<root>/<key[:2]>/<key>/{counted,trend,links}.arrow``: Arrow IPC files, uncompressed
and memory-mapped when read, so that a column (the counted ids a streak needs, the link hashes the
reused_link check needs) is read without decoding anything (``trend`` holds the province rows and
the national row, told apart by ``level``; ``links`` the counted rows' normalised links for the proof
checks, `pipeline.figures.proof.counted_links`), each entry written to a temporary folder and
renamed into place (a killed run leaves no half entry). A new task on a 500-task history reads 500
small trend files and 500 link-hash columns and, while some streak is still running, the counted
ids of older tasks (``bench/bench_history.py`` measures it).

The roster suite's outcome on a roster file is kept too, as ``<root>/validation/<key>.json``
(`validation_key`: the file's bytes, the suite and HISTORY_CODE), so that a run on an unchanged
roster does not run Great Expectations on it again (`runs/stage.prepare_roster`); the loaded roster
and village media frames as ``<root>/parsed/<key>.arrow`` (`input_key`: the file's bytes and
HISTORY_CODE), so that an unchanged 30,000-row roster is not parsed again (`runs/stage.read_input`);
and each input file's sha256 under its stat (``<root>/hashes/``, `HistoryStore.file_sha256`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

from pipeline import config
from pipeline.figures import compute, proof
from pipeline.publish import atomic_write, atomic_write_text, sha256_file
from pipeline.publish import code_fingerprint as fingerprint

# Roster columns a task's counted rows and trend figures depend on (contacts excluded).
ROSTER_COLUMNS = ("source_row", "nomor_absen_raw", "nama", "jabatan", "provinsi", "kabupaten", "status",
                  "tanggal_resign", "tanggal_bergabung", "quarantine_reason")
TASK_FIELDS = ("task_id", "mulai", "batas", "cakupan", "timezone", "timestamp_format", "sumber")
COUNTED_COLUMNS = ("nomor_absen", "on_time", "response_minutes")
PROVINCE, NATIONAL = "provinsi", "nasional"  # the `level` of a row in trend.arrow
# The files whose code decides an entry's content (see the module docstring), as globs over whole
# subpackages: a module moved or split inside them stays covered (tests/test_history_key.py).
HISTORY_CODE = ("pipeline/inputs/**/*.py", "pipeline/rules/**/*.py", "pipeline/figures/**/*.py", "pipeline/config.py",
                "pipeline/publish.py", "pipeline/errors.py", "requirements.lock")


def code_fingerprint() -> str:
    return fingerprint(config.PROJECT_ROOT, HISTORY_CODE)


def validation_key(source_sha256: str, suite: str) -> str:
    """The key of a suite's stored outcome on an input file: its bytes, the suite's spec and the
    code that loads and validates it (HISTORY_CODE)."""
    code = fingerprint(config.PROJECT_ROOT, HISTORY_CODE + (f"expectations/{suite}.json",))
    material = json.dumps({"input": source_sha256, "suite": suite, "code": code}, sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


def input_key(source_sha256: str, kind: str) -> str:
    """The key of an input file's loaded frame (`kind`: roster, village_media): its bytes and the
    code that loads it (HISTORY_CODE)."""
    material = json.dumps({"input": source_sha256, "parsed": kind, "code": code_fingerprint()}, sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


def _read_arrow(path: Path, columns: list[str] | None = None) -> pa.Table:
    """An Arrow IPC file, memory-mapped: a column comes back without a copy."""
    return feather.read_table(path, columns=columns, memory_map=True)


def _write_arrow(frame: pd.DataFrame | pa.Table, dest) -> None:
    """`frame` as an uncompressed Arrow IPC file at `dest` (a path or an open binary file)."""
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    feather.write_feather(table, dest, compression="uncompressed")


_ATTRS = b"absensi.attrs"  # a stored frame's pandas attrs (JSON) in its Arrow schema metadata


@dataclass
class Entry:
    """One task's result as the history needs it."""

    counted: pd.DataFrame | None  # nomor_absen, on_time, response_minutes; None when read from the store
    trend_province: pd.DataFrame  # rate_table by provinsi, without the task columns
    trend_national: pd.DataFrame  # rate_table overall, without the task columns
    links: pd.DataFrame | None = None  # proof.counted_links (proof checks); None when read from the store

    @classmethod
    def of(cls, roster: pd.DataFrame, task: pd.Series, checked: pd.DataFrame) -> Entry:
        """The whole entry of a resolved task (`resolve.resolve_responses` output): what the task
        stage and the recap both store."""
        counted = compute.counted_rows(checked)
        return cls(counted, *compute.task_trend(roster, task, counted), links=proof.counted_links(checked))


def roster_fingerprint(roster: pd.DataFrame) -> str:
    """sha256 of the roster's non-contact columns (row order included)."""
    cols = [c for c in ROSTER_COLUMNS if c in roster.columns]
    frame = roster[cols].astype("string").fillna("\x00")
    h = hashlib.sha256(",".join(cols).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def task_key(response_sha256: str, task: pd.Series | dict, roster_fp: str, code_fp: str) -> str:
    fields = {k: (task.get(k).isoformat() if hasattr(task.get(k), "isoformat") else task.get(k))
              for k in TASK_FIELDS}
    fields = {k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)) for k, v in fields.items()}
    material = json.dumps({"responses": response_sha256, "task": fields, "roster": roster_fp, "code": code_fp},
                          sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


def counted_frame(counted: pd.DataFrame) -> pd.DataFrame:
    """The counted rows in the stored dtypes."""
    return pd.DataFrame({
        "nomor_absen": counted["nomor_absen"].astype("int64").to_numpy(),
        "on_time": counted["on_time"].astype("boolean").fillna(False).astype(bool).to_numpy(),
        "response_minutes": counted["response_minutes"].astype("float64").to_numpy(),
    })


class HistoryStore:
    """Entries by key under `root`; with root None nothing is stored (every task is computed)."""

    def __init__(self, root: Path | str | None) -> None:
        self.root = Path(root) if root else None
        self.hits = 0
        self.misses = 0

    def _dir(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str) -> Entry | None:
        """The stored entry of `key` (its counted rows left on disk), or None."""
        return self.get_many([key]).get(key)

    def get_many(self, keys: list[str]) -> dict[str, Entry]:
        """The stored entries of `keys` (absent ones left out), their trend rows read in one pass:
        a 500-task history is 500 small files, converted to pandas once and cut by position."""
        tables, found = [], []
        for key in keys:
            table = self._trend_table(key)
            if table is None:
                self.misses += 1
                continue
            self.hits += 1
            tables.append(table)
            found.append(key)
        if not tables:
            return {}
        rows = pa.concat_tables(tables, promote_options="default").to_pandas().drop(columns="level")
        national = rows.drop(columns="provinsi")
        ends = np.cumsum([t.num_rows for t in tables]).tolist()  # each file: its province rows, then the national row
        return {key: Entry(None, rows.iloc[end - t.num_rows:end - 1].reset_index(drop=True),
                           national.iloc[end - 1:end].reset_index(drop=True))
                for key, t, end in zip(found, tables, ends)}

    def _trend_table(self, key: str) -> pa.Table | None:
        if self.root is None:
            return None
        d = self._dir(key)
        try:
            if not all((d / name).is_file() for name in ("counted.arrow", "links.arrow")):
                return None
            table = _read_arrow(d / "trend.arrow")
            levels = table.column("level").to_pylist()
        except (OSError, ValueError, KeyError, pa.ArrowException):  # absent or unreadable: computed again
            return None
        # as `put` writes it: the province rows, then the one national row
        return table if levels[-1:] == [NATIONAL] and set(levels[:-1]) <= {PROVINCE} else None

    def counted_ids(self, key: str) -> np.ndarray:
        """Only the counted nomor_absen of a stored entry (what streaks read)."""
        return _read_arrow(self._dir(key) / "counted.arrow", ["nomor_absen"]).column(0).to_numpy()

    def link_hashes(self, key: str) -> np.ndarray:
        """The link hashes of a stored entry's counted links, earliest row first (what the reused_link
        check reads for every earlier task)."""
        return _read_arrow(self._dir(key) / "links.arrow", ["link_hash"]).column(0).to_numpy()

    def link_ids(self, key: str) -> np.ndarray:
        """The nomor_absen of a stored entry's counted links, in the order of `link_hashes`."""
        return _read_arrow(self._dir(key) / "links.arrow", ["nomor_absen"]).column(0).to_numpy()

    def counted(self, key: str) -> pd.DataFrame:
        """The counted rows of a stored entry (nomor_absen, on_time, response_minutes; what a recap reads)."""
        return _read_arrow(self._dir(key) / "counted.arrow", list(COUNTED_COLUMNS)).to_pandas()

    def file_sha256(self, path: Path | str) -> str:
        """sha256 of an input file, remembered under its identity and stat (device, inode, size,
        mtime and ctime in ns: any write changes ctime): a 500-task schedule is ~1.3 GB to hash,
        ~7 s on this machine, on every run otherwise."""
        if self.root is None:
            return sha256_file(path)
        st = os.stat(path)
        ident = hashlib.sha256(f"{Path(path).resolve()}\0{st.st_dev}\0{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}"
                               f"\0{st.st_ctime_ns}".encode()).hexdigest()
        record = self.root / "hashes" / ident[:2] / f"{ident}.txt"
        try:
            known = record.read_text(encoding="ascii")
            if len(known) == 64:
                return known
        except (OSError, UnicodeDecodeError):
            pass
        digest = sha256_file(path)
        with contextlib.suppress(OSError):  # a store that cannot be written only forgets: the hash is right anyway
            atomic_write_text(record, digest)
        return digest

    def get_text(self, kind: str, key: str) -> str | None:
        """A small text record (`kind`: e.g. "validation") stored under `key`, or None."""
        if self.root is None:
            return None
        try:
            return (self.root / kind / f"{key}.json").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def put_text(self, kind: str, key: str, text: str) -> None:
        if self.root is not None:
            atomic_write_text(self.root / kind / f"{key}.json", text)

    def get_frame(self, kind: str, key: str, columns: tuple[str, ...]) -> pd.DataFrame | None:
        """A frame stored by `put_frame` under `key`, with its attrs, when it holds exactly `columns`
        (None otherwise: absent, unreadable or not what the caller loads)."""
        if self.root is None:
            return None
        try:
            table = _read_arrow(self.root / kind / f"{key}.arrow")
            attrs = json.loads((table.schema.metadata or {})[_ATTRS])
        except (OSError, ValueError, KeyError, pa.ArrowException):
            return None
        if tuple(table.column_names) != tuple(columns) or not isinstance(attrs, dict):
            return None
        frame = table.to_pandas()
        frame.attrs.update(attrs)
        return frame

    def put_frame(self, kind: str, key: str, frame: pd.DataFrame) -> None:
        """Keep `frame` (its columns, dtypes and JSON-able attrs) under `key`; a store that cannot be
        written only forgets."""
        if self.root is None:
            return
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               _ATTRS: json.dumps(frame.attrs, default=str).encode()})
        with contextlib.suppress(OSError):
            atomic_write(self.root / kind / f"{key}.arrow", lambda fh: _write_arrow(table, fh))

    def put(self, key: str, entry: Entry) -> None:
        if self.root is None:
            return
        final = self._dir(key)
        tmp = final.with_name(f".{key}.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            _write_arrow(counted_frame(entry.counted), tmp / "counted.arrow")
            links = entry.links if entry.links is not None else pd.DataFrame({
                "nomor_absen": pd.Series(dtype="int64"), "source_row": pd.Series(dtype="int64"),
                "link_normalised": pd.Series(dtype="str"), "link_hash": pd.Series(dtype="uint64")})
            _write_arrow(links.assign(link_hash=links["link_hash"].to_numpy(dtype=np.uint64)), tmp / "links.arrow")
            trend = pd.concat([entry.trend_province.assign(level=PROVINCE),
                               entry.trend_national.assign(level=NATIONAL)], ignore_index=True)
            # One schema for every entry (get_many concatenates them), also when no province had
            # anyone eligible and the column holds only the national row's missing value.
            trend["provinsi"] = trend["provinsi"].astype("str")
            _write_arrow(trend, tmp / "trend.arrow")
            if final.exists():
                shutil.rmtree(final, ignore_errors=True)
            os.replace(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
