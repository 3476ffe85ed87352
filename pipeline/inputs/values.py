"""Cell values as the loaders share them: text columns, blanks, XLSX cell conversion."""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd

STRING = pd.StringDtype()
log = logging.getLogger("pipeline.inputs")


def note(warnings: list[str], message: str) -> None:
    """A warning about an input that is still read: kept (a loader's frame carries them in
    attrs["warnings"]) and logged to stderr."""
    warnings.append(message)
    log.warning("warning: %s", message)


def _is_blank(value: object) -> bool:
    return value is None or (type(value) is str and not value.strip())


def _cell_value(value: object) -> object:
    """An XLSX cell as read_table returns it: strings, datetimes kept, numbers as text, NA."""
    if value is None:
        return pd.NA
    if type(value) is str:
        return value if value.strip() else pd.NA
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if np.isnan(value):
            return pd.NA
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


def _string_array(values: list) -> pd.api.extensions.ExtensionArray:
    """A `string` array of text cells; empty and blank cells become NA."""
    return pd.array([v if isinstance(v, str) and v and not v.isspace() else None for v in values], dtype=STRING)


def _strip(col: pd.Series) -> pd.Series:
    """String column, stripped, blanks as NA (datetime cells rendered as ISO text)."""
    if col.dtype == object:
        col = col.map(lambda v: v.isoformat(sep=" ") if isinstance(v, dt.datetime)
                      else v.isoformat() if isinstance(v, dt.date) else v)
    s = col.astype(STRING).str.strip()
    return s.mask(s.eq(""), pd.NA)


def _map_unique(col: pd.Series, func) -> pd.Series:
    """Apply `func` once per distinct non-NA value; result is a string column with NA."""
    uniques = col.dropna().unique()
    mapping = {u: func(u) for u in uniques}
    return col.map(mapping).astype(STRING)


def _attrs(df: pd.DataFrame, source: pd.DataFrame) -> pd.DataFrame:
    df.attrs["source"] = source.attrs.get("source")
    df.attrs["sha256"] = source.attrs.get("sha256")
    for key in ("sheet", "header_row"):
        if key in source.attrs:
            df.attrs[key] = source.attrs[key]
    df.attrs["warnings"] = list(source.attrs.get("warnings", []))
    return df


def _empty(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or (
        isinstance(value, str) and not value.strip())
