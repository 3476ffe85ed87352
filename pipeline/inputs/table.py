"""read_table: one CSV or XLSX file into its canonical columns plus `source_row`."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.inputs.csv_text import _csv_columns
from pipeline.inputs.files import _read_bytes
from pipeline.inputs.headers import _match_headers
from pipeline.inputs.values import _cell_value, _is_blank, _string_array
from pipeline.inputs.workbook import _xlsx_table
from pipeline.publish import sha256_file


def read_table(
    path: Path,
    aliases: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    *,
    patterns: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Read a CSV or XLSX file into its canonical columns (renamed) plus `source_row`.

    Values are strings (`string` dtype, empty cells `<NA>`); XLSX date-time cells stay
    `datetime` objects (such a column has `object` dtype). Fully blank rows are dropped but
    keep their place in the `source_row` numbering. The header is the first row that holds the
    required columns (title rows above it are skipped); of a workbook, the sheet that holds them
    (visible sheets first). attrs: source, sha256, header_row (its spreadsheet row), sheet
    (XLSX), warnings (messages about what was read anyway, also logged)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        if not path.exists():
            raise InputError(f"missing input file: {path}")
        raise InputError(f"{path} is not a CSV or XLSX file (extension {path.suffix or 'none'!r})")
    warnings: list[str] = []

    def match(header: list, where: str) -> dict[str, int]:
        return _match_headers(header, aliases, required, patterns, where)

    sheet = None
    if suffix == ".csv":
        by_column, numbers, header_at = _csv_columns(path, match, warnings)
        sha256 = sha256_file(path)
    else:
        data = _read_bytes(path)
        sha256 = hashlib.sha256(data).hexdigest()
        table = _xlsx_table(data, path, match, warnings)
        del data
        rows, numbers, header_at, sheet = table.pop("rows"), table["numbers"], table["header_at"], table["sheet"]
        by_column = {canon: [r[i] if i < len(r) else None for r in rows] for canon, i in table["columns"].items()}
        del rows, table

    out: dict[str, object] = {"source_row": np.asarray(numbers, dtype="int64")}
    for canon in list(by_column):
        values = by_column.pop(canon)
        if suffix == ".csv":
            out[canon] = values
            continue
        if not all(type(v) is str for v in values):
            values = [v if type(v) is str else _cell_value(v) for v in values]
            if any(isinstance(v, (dt.datetime, dt.date)) for v in values):
                col = pd.Series(values, dtype=object)  # datetime cells kept, no datetime64 inference
                out[canon] = col.mask(col.map(_is_blank).astype(bool), pd.NA)
                continue
        out[canon] = _string_array(values)
    df = pd.DataFrame(out)
    df.attrs["source"] = str(path)
    df.attrs["sha256"] = sha256
    df.attrs["header_row"] = header_at  # spreadsheet row = source_row + header_row
    if sheet is not None:
        df.attrs["sheet"] = sheet
    df.attrs["warnings"] = warnings
    return df
