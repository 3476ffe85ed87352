"""Writes published files safely: formulas neutralised in CSV/XLSX cells, every file written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pandas as pd

# A cell starting with one of these is run as a formula by spreadsheets (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: object) -> object:
    """Prefix a text cell a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Neutralise every text column (numbers are left alone: -1 stays a number)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype) or str(s.dtype) == "str":
            out[col] = s.map(neutralise, na_action="ignore")
    return out


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Deterministic, formula-safe CSV (UTF-8, LF line ends, no index)."""
    text = neutralise_frame(df).to_csv(index=False, lineterminator="\n")
    atomic_write_text(path, text)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
