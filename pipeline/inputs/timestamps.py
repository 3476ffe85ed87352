"""Every date and time the inputs hold: roster dates, task mulai/batas, response timestamps.

One home for the three readers and one Excel epoch (serial day numbers count from it)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.inputs.values import STRING

TIMESTAMP_FORMATS = ("iso", "dmy", "mdy")
# Optional extension column of tasks.csv that forces how a task's response timestamps are read.
TASK_FORMAT_COLUMN = "format_timestamp"
TS_UNIT = "ns"
# Day 0 of spreadsheet serial dates (Excel's 1900 system, Google Sheets, LibreOffice).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _zone(name: str, where: str = "") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InputError(
            f"{where}unknown timezone {name!r}; use an IANA name such as Asia/Jakarta, "
            "Asia/Makassar or Asia/Jayapura"
        ) from None


# --- Roster dates ----------------------------------------------------------------------------------

_DATE_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_DATE_DMY = re.compile(r"^(\d{1,2})([/\-.])(\d{1,2})\2(\d{4})(?:\s+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?$")
_EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
# Years a roster date (resigned, joined) may have; anything else is a mistyped year.
ROSTER_YEARS = (1950, 2099)
_DATE_EMPTY = {"-", "--", "—"}


def _parse_date(value: object) -> dt.date | None | str:
    """A roster date; None when empty; the string 'error' when unreadable."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text or text in _DATE_EMPTY:
        return None
    try:
        if m := _DATE_ISO.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DATE_DMY.match(text):
            return dt.date(int(m[4]), int(m[3]), int(m[1]))
        if _EXCEL_SERIAL.match(text) and 20000 <= float(text) <= 80000:
            return (EXCEL_EPOCH + dt.timedelta(days=float(text))).date()
    except ValueError:
        return "error"
    return "error"


def _date_column(col: pd.Series, name: str, rows: pd.Series, path: str) -> pd.Series:
    """Roster dates of one column; `rows` are the spreadsheet rows named in messages."""
    parsed = {}
    result = []
    for value, row in zip(col.tolist(), rows.tolist()):
        if value in parsed:
            d = parsed[value]
        else:
            d = parsed[value] = _parse_date(value)
        if isinstance(d, str):
            raise InputError(
                f"{path}: row {row}: {name} {str(value)!r} is not a date "
                "(write YYYY-MM-DD or DD/MM/YYYY)"
            )
        if d is not None and not ROSTER_YEARS[0] <= d.year <= ROSTER_YEARS[1]:
            raise InputError(
                f"{path}: row {row}: {name} {str(value)!r} has the year {d.year}; write a date between "
                f"{ROSTER_YEARS[0]} and {ROSTER_YEARS[1]} (a mistyped year?)"
            )
        result.append(d)
    return pd.Series(result, index=col.index, dtype=object)


# --- Task mulai / batas ----------------------------------------------------------------------------

# Years a task date may have: outside them the year was mistyped (and pandas cannot hold 2300).
TASK_YEARS = (2000, 2099)


def _task_year(year: int, value: object, where: str) -> None:
    if not TASK_YEARS[0] <= year <= TASK_YEARS[1]:
        raise InputError(
            f"{where} {str(value)!r} has the year {year}; a task date must be between {TASK_YEARS[0]} "
            f"and {TASK_YEARS[1]} (a mistyped year?)"
        )


_TASK_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_TASK_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")


def _task_time(value: object, tz: str, *, end_of_day: bool, where: str) -> pd.Timestamp:
    """A task's mulai/batas as a tz-aware Timestamp in `tz`."""
    if isinstance(value, dt.datetime):
        _task_year(value.year, value, where)
        ts = pd.Timestamp(value)
        return ts.tz_convert(tz) if ts.tzinfo else ts.tz_localize(tz)
    if isinstance(value, dt.date):
        value = value.isoformat()
    text = str(value).strip()
    m = _TASK_ISO.match(text)
    if m:
        y, mo, d, hh, mm, ss, frac, off = m.groups()
    elif m := _TASK_DMY.match(text):
        d, mo, y, hh, mm, ss = m.groups()
        frac = off = None
    else:
        raise InputError(
            f"{where} {text!r} is not a date-time (write YYYY-MM-DD HH:MM, YYYY-MM-DDTHH:MM:SS "
            "or DD/MM/YYYY HH:MM)"
        )
    _task_year(int(y), text, where)
    try:
        if hh is None:  # a date only: mulai at 00:00:00, batas at 23:59:59 of that day
            naive = dt.datetime(int(y), int(mo), int(d), *((23, 59, 59) if end_of_day else (0, 0, 0)))
        else:
            micro = int((frac or "0")[:6].ljust(6, "0"))
            naive = dt.datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0), micro)
    except ValueError as exc:
        raise InputError(f"{where} {text!r} is not a valid date-time ({exc})") from None
    ts = pd.Timestamp(naive)
    if off:
        ts = pd.Timestamp(text.replace(" ", "T", 1) if "T" not in text else text)
        return ts.tz_convert(tz)
    return ts.tz_localize(tz)


# --- Response timestamps ---------------------------------------------------------------------------

# Years a response timestamp may have; any other is unreadable (invalid_timestamp), never an overflow.
_TS_YEARS = (1700, 2200)

_TIME = r"(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,](\d{1,6})\d*)?)?)?"
_ISO_TS = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$", re.I)
_SLASH_TS = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})" + _TIME + r"(?:\s*([AP])\.?M\.?)?$", re.I)
_SERIAL_TS = re.compile(r"^(\d{5}(?:\.\d+)?)$")


def _assemble(year, month, day, hour, minute, second, micro) -> pd.Series:
    """Naive timestamps from component columns (NaT where the date is invalid)."""
    parts = pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour,
                          "minute": minute, "second": second, "us": micro})
    ok = parts["hour"].between(0, 23) & parts["minute"].between(0, 59) & parts["second"].between(0, 59)
    ok &= parts["year"].between(*_TS_YEARS)  # beyond them a nanosecond timestamp overflows: unreadable
    parts.loc[~ok, "year"] = 2000
    result = pd.to_datetime(parts, errors="coerce")
    return result.where(ok).astype(f"datetime64[{TS_UNIT}]")


def _num(col: pd.Series, default: int = 0) -> pd.Series:
    fast = _digit_ints(col, default)
    if fast is not None:
        return fast
    return pd.to_numeric(col, errors="coerce").fillna(default).astype("int64")


def _digit_ints(col: pd.Series, default: int) -> pd.Series | None:
    """_num of the usual column, a regex group: ASCII digit strings of 1 to 15 digits (exact in
    the float64 that to_numeric returns when some are missing) and NaN/None where missing.
    None for any other column, which _num hands to pd.to_numeric."""
    if col.dtype != object:
        return None
    values = col.to_numpy()
    missing = pd.isna(values)
    items = values[~missing].tolist()
    if not items or not all(v is None or type(v) is float for v in values[missing].tolist()):
        return None
    try:
        joined = "".join(items)
    except TypeError:  # something other than text
        return None
    if not (joined.isascii() and joined.isdigit()):
        return None
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    if lengths.min() < 1 or lengths.max() > 15:
        return None
    # The number each run of digits spells: digit x 10 ** (digits after it in its run), summed per run.
    digits = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).astype(np.int64) - ord("0")
    ends = np.cumsum(lengths)
    after = np.repeat(ends, lengths) - np.arange(1, len(digits) + 1)
    out = np.full(len(values), default, dtype=np.int64)
    out[~missing] = np.add.reduceat(digits * 10 ** after, ends - lengths)
    return pd.Series(out, index=col.index, name=col.name)


def _micro(col: pd.Series) -> pd.Series:
    """Microseconds from a fraction's digits ('5' -> 500000); 0 when absent."""
    return _num(col.astype(STRING).str.ljust(6, "0"))


def _char_at(text: pd.Series, i: int, char: str) -> np.ndarray:
    """Boolean array: the (i+1)-th character of each value of a `string` column is `char`."""
    return text.str.slice(i, i + 1).eq(char).fillna(False).to_numpy(dtype=bool)


def _subset_mask(frame: pd.Series, tried: np.ndarray, hit: pd.Series) -> pd.Series:
    """Boolean Series on `frame`'s index: True where `tried` and, among the tried, `hit`."""
    mask = np.zeros(len(frame), dtype=bool)
    mask[np.flatnonzero(tried)[hit.to_numpy(dtype=bool)]] = True
    return pd.Series(mask, index=frame.index)


def _localize(naive: pd.Series, tz: str) -> pd.Series:
    return naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")


def _examples(values: pd.Series, k: int = 3) -> str:
    return ", ".join(repr(v) for v in values.head(k).tolist())


def _window(value: pd.Timestamp, tz: str) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_convert(tz) if ts.tzinfo else ts.tz_localize(tz)


def parse_timestamps(
    values: pd.Series,
    *,
    tz: str,
    mulai: pd.Timestamp,
    batas: pd.Timestamp,
    fmt: str | None = None,
    source: str = "",
) -> pd.Series:
    """Read a response timestamp column into tz-aware Timestamps in `tz` (NaT when empty).

    ISO 8601 values with an offset or `Z` are converted to `tz`; every other value (and every
    datetime object) is local. Slash dates are read day-first or month-first for the whole
    column: forced by `fmt`, else decided by a field above 12, else by which reading falls in
    the task window [mulai - 1 day, batas + 7 days]; otherwise an InputError."""
    where = f"{source}: " if source else ""
    _zone(tz, where)
    if fmt is not None and fmt not in TIMESTAMP_FORMATS:
        raise ValueError(f"fmt must be one of {TIMESTAMP_FORMATS}, not {fmt!r}")
    dtype = pd.DatetimeTZDtype(TS_UNIT, tz)
    out = pd.Series(pd.NaT, index=values.index, dtype=dtype)
    if values.empty:
        return out
    mulai = _window(mulai, tz)
    batas = _window(batas, tz)

    col = _datetime_cells(values, out, tz, dtype)
    text_s = col.astype(STRING).str.strip()
    text_s = text_s[text_s.notna() & text_s.ne("")]
    text = text_s.astype(object)
    if text.empty:
        return out
    iso_ok = _iso_values(text, text_s, out, tz, dtype)
    rest = text[~iso_ok]
    serial_ok = _serial_values(rest, text_s[~iso_ok.to_numpy()], out, tz, dtype)
    _slash_values(rest[~serial_ok], out, tz, dtype, fmt=fmt, mulai=mulai, batas=batas, where=where)

    parsed = out.loc[text.index].notna()
    n_bad = int((~parsed).sum())
    if n_bad and n_bad * 2 > len(text):
        raise InputError(
            f"{where}{n_bad} of {len(text)} timestamps cannot be read (e.g. "
            f"{_examples(text[~parsed])}); expected ISO 8601 (2025-11-04 09:15:32), "
            "M/D/YYYY H:MM:SS or D/M/YYYY H.MM.SS"
            + (f" with {TASK_FORMAT_COLUMN}={fmt}" if fmt else "")
        )
    return out


def _datetime_cells(col: pd.Series, out: pd.Series, tz: str, dtype) -> pd.Series:
    """Write XLSX date-time cells into `out`; return the other values."""
    if col.dtype != object:
        return col
    is_dt = col.map(lambda v: isinstance(v, (dt.datetime, dt.date))).astype(bool)
    if not is_dt.any():
        return col
    cells = col[is_dt]
    cells = cells[cells.map(lambda v: _TS_YEARS[0] <= v.year <= _TS_YEARS[1]).astype(bool)]  # others stay NaT
    aware = cells.map(lambda v: isinstance(v, dt.datetime) and v.tzinfo is not None).astype(bool)
    if (~aware).any():
        naive = pd.to_datetime(cells[~aware].map(pd.Timestamp), errors="coerce")
        out.loc[naive.index] = _localize(naive.astype(f"datetime64[{TS_UNIT}]"), tz).astype(dtype)
    for i, v in cells[aware].items():
        out.loc[i] = pd.Timestamp(v).tz_convert(tz)
    return col[~is_dt]


def _iso_values(text: pd.Series, text_s: pd.Series, out: pd.Series, tz: str, dtype) -> pd.Series:
    """ISO 8601 (with T or space; offset or Z converted, otherwise local) into `out`; returns
    which values of `text` were ISO. Every match of _ISO_TS has "-" as its 5th character: the
    regex runs only on such values (a vectorised test)."""
    iso_try = _char_at(text_s, 4, "-")
    iso = text[iso_try].str.extract(_ISO_TS)
    iso_ok = _subset_mask(text, iso_try, iso[0].notna())
    if iso_ok.any():
        p = iso[iso[0].notna()]
        naive = _assemble(_num(p[0]), _num(p[1]), _num(p[2]), _num(p[3]), _num(p[4]), _num(p[5]),
                          _micro(p[6]))
        off = p[7]
        has_off = off.notna()
        if (~has_off).any():
            out.loc[naive.index[~has_off]] = _localize(naive[~has_off], tz).astype(dtype)
        if has_off.any():
            # Minutes per distinct offset (a file has one or two), then spread to the rows.
            which, distinct = pd.factorize(off[has_off])
            o = pd.Series(distinct, dtype=object).str.upper()
            sign = np.where(o.str.startswith("-"), -1, 1)
            digits = o.str.replace(r"[^0-9]", "", regex=True).str.ljust(4, "0")
            minutes = np.where(o.eq("Z"), 0, sign * (_num(digits.str[:2]) * 60 + _num(digits.str[2:4])))[which]
            utc = naive[has_off] - pd.to_timedelta(minutes, unit="m")
            out.loc[utc.index] = utc.dt.tz_localize("UTC").dt.tz_convert(tz).astype(dtype)
    return iso_ok


def _serial_values(rest: pd.Series, rest_s: pd.Series, out: pd.Series, tz: str, dtype) -> pd.Series:
    """Excel serial day numbers (a date column that lost its format) into `out`; returns which
    values of `rest` were serials. Every match of _SERIAL_TS has at most 6 characters (a final
    newline is allowed) or "." as its 6th: the regex runs only on such values."""
    serial_try = rest_s.str.len().le(6).to_numpy(dtype=bool) | _char_at(rest_s, 5, ".")
    serial = rest[serial_try].str.extract(_SERIAL_TS)[0]
    serial_hit = serial.notna() & pd.to_numeric(serial, errors="coerce").between(20000, 80000)
    serial_ok = _subset_mask(rest, serial_try, serial_hit)
    if serial_ok.any():
        days = pd.to_numeric(serial[serial_hit])
        naive = (pd.Timestamp(EXCEL_EPOCH) + pd.to_timedelta(days, unit="D")).dt.round("s")
        out.loc[naive.index] = _localize(naive.astype(f"datetime64[{TS_UNIT}]"), tz).astype(dtype)
    return serial_ok


def _slash_values(rest: pd.Series, out: pd.Series, tz: str, dtype, *, fmt, mulai, batas, where) -> None:
    """Slash dates into `out`: day-first or month-first, decided once for the whole column."""
    sl = rest.str.extract(_SLASH_TS)
    sl = sl[sl[0].notna()]
    if sl.empty:
        return
    a, b, year = _num(sl[0]), _num(sl[1]), _num(sl[2])
    hour, minute, second, micro = _num(sl[3]), _num(sl[4]), _num(sl[5]), _micro(sl[6])
    typed_hour = hour
    ampm = sl[7].str.upper()
    hour = hour.where(ampm.isna(), np.where(ampm.eq("P"), hour % 12 + 12, hour % 12))
    bad_ampm = ampm.notna() & (typed_hour.gt(12) | typed_hour.lt(1))
    dmy = _assemble(year, b, a, hour, minute, second, micro).mask(bad_ampm)
    mdy = _assemble(year, a, b, hour, minute, second, micro).mask(bad_ampm)
    raw = rest.loc[sl.index]
    if fmt == "dmy":
        chosen = dmy
    elif fmt == "mdy":
        chosen = mdy
    elif fmt == "iso":
        chosen = pd.Series(pd.NaT, index=sl.index, dtype=f"datetime64[{TS_UNIT}]")
    else:
        chosen = _day_or_month_first(dmy, mdy, raw, mulai=mulai, batas=batas, where=where)
    out.loc[chosen.index] = _localize(chosen, tz).astype(dtype)


def _day_or_month_first(dmy: pd.Series, mdy: pd.Series, raw: pd.Series, *, mulai, batas, where) -> pd.Series:
    """The reading of a slash-date column: a field above 12 decides, else the task window."""
    only_d = dmy.notna() & mdy.isna()
    only_m = mdy.notna() & dmy.isna()
    if only_d.any() and only_m.any():
        raise InputError(
            f"{where}the timestamps mix day-first values ({_examples(raw[only_d])}) and "
            f"month-first values ({_examples(raw[only_m])}); one file must use one format. "
            f"Set it: add a column '{TASK_FORMAT_COLUMN}' to tasks.csv with 'dmy' "
            "(day/month/year) or 'mdy' (month/day/year) in this task's row"
        )
    if only_d.any():
        return dmy
    if only_m.any():
        return mdy
    differ = dmy.ne(mdy) & dmy.notna() & mdy.notna()
    if not differ.any():
        return dmy
    lo = (mulai - pd.Timedelta(days=1)).tz_localize(None)
    hi = (batas + pd.Timedelta(days=7)).tz_localize(None)
    in_d = int(dmy[differ].between(lo, hi).sum())
    in_m = int(mdy[differ].between(lo, hi).sum())
    if not in_d and not in_m and not dmy.between(lo, hi).any():
        raise InputError(
            f"{where}none of the {len(raw)} response timestamps falls between mulai {mulai:%Y-%m-%d %H:%M} "
            f"and batas {batas:%Y-%m-%d %H:%M} (or in the 7 days after), read day-first or month-first "
            f"(e.g. {_examples(raw[differ])}); check the task's mulai and batas in the task schedule "
            "(a mistyped year?) and that the file holds this task's responses"
        )
    half = differ.sum() / 2
    if in_d > in_m and in_d > half:
        return dmy
    if in_m > in_d and in_m > half:
        return mdy
    raise InputError(
        f"{where}cannot tell whether the timestamps are day-first or month-first "
        f"(e.g. {_examples(raw[differ])}): both readings are possible and "
        f"neither falls clearly in the task window {mulai:%Y-%m-%d %H:%M} – "
        f"{batas:%Y-%m-%d %H:%M}. Set it: add a column '{TASK_FORMAT_COLUMN}' "
        "to tasks.csv with 'dmy' (day/month/year) or 'mdy' (month/day/year) "
        "in this task's row"
    )
