"""The roster (Data TPP): roster.csv or roster.xlsx into the canonical roster frame."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.inputs.files import find_input
from pipeline.inputs.table import read_table
from pipeline.inputs.timestamps import _date_column
from pipeline.inputs.values import STRING, _attrs, _map_unique, _strip
from pipeline.rules import contract

ROSTER_COLUMNS = (
    "source_row", "nomor_absen_raw", "nomor_absen", "nama", "jabatan_raw", "jabatan",
    "provinsi_raw", "provinsi", "kabupaten", "status", "tanggal_resign", "tanggal_bergabung",
) + contract.CHANNELS


def _status(value: object) -> str:
    text = " ".join(str(value).split())
    low = text.lower()
    if low == "aktif":
        return "Aktif"
    if low == "resign":
        return "Resign"
    return text.title()


# A minus sign (ASCII, Unicode minus, dashes) before the digits: a negative number, not an id.
_NEGATIVE = re.compile(r"^[-\u2212\u2012\u2013\u2014]\s*\d")


def _roster_id(text: str) -> int | None:
    """A roster nomor absen: a positive integer. A negative number is no id (missing_id), while
    a response's leading '-' stays noise (contract.parse_nomor_absen)."""
    return None if _NEGATIVE.match(text) else contract.parse_nomor_absen(text)


def load_roster(data_dir: Path) -> pd.DataFrame:
    """The canonical roster frame (docs/architecture.md) from roster.csv or roster.xlsx."""
    path = find_input(data_dir, "roster")
    raw = read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)
    if raw.empty:
        raise InputError(f"{path} has a header row but no data rows: the roster is empty")
    n = len(raw)
    out = pd.DataFrame({"source_row": raw["source_row"].astype("int64")})
    out["nomor_absen_raw"] = _strip(raw["nomor_absen"])
    ids = {u: _roster_id(u) for u in out["nomor_absen_raw"].dropna().unique()}
    out["nomor_absen"] = out["nomor_absen_raw"].map(ids).astype("Int64")
    out["nama"] = _strip(raw["nama"])
    out["jabatan_raw"] = _strip(raw["jabatan"])
    out["jabatan"] = _map_unique(out["jabatan_raw"], contract.normalize_jabatan)
    out["provinsi_raw"] = _strip(raw["provinsi"])
    out["provinsi"] = _map_unique(out["provinsi_raw"], contract.normalize_province)
    out["kabupaten"] = _strip(raw["kabupaten"])
    if "status" in raw:
        status = _strip(raw["status"])
        out["status"] = _map_unique(status, _status).fillna("Aktif")
    else:
        out["status"] = pd.array(["Aktif"] * n, dtype=STRING)
    for name in ("tanggal_resign", "tanggal_bergabung"):
        if name in raw:
            out[name] = _date_column(raw[name], name, raw["source_row"] + raw.attrs.get("header_row", 1), str(path))
        else:
            out[name] = pd.Series([None] * n, dtype=object)
    for ch in contract.CHANNELS:
        out[ch] = _strip(raw[ch]) if ch in raw else pd.array([pd.NA] * n, dtype=STRING)
    return _attrs(out[list(ROSTER_COLUMNS)].reset_index(drop=True), raw)
