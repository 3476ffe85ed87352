"""Indonesian number, percent and date formats (Babel)."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from numbers import Integral, Real
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from babel.dates import format_date, format_time, get_timezone_name
from babel.numbers import format_decimal, format_percent

LOCALE = "id_ID"
# Shown for a missing value (en dash), in tables and in running text.
NA = "–"

# Indonesia's three zones are always written with their official abbreviation.
_ID_ZONES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}

__all__ = [
    "NA",
    "angka",
    "desimal",
    "persen",
    "poin",
    "tanggal",
    "tanggal_singkat",
    "jam",
    "tanggal_jam",
    "jam_lokal",
    "tanggal_jam_lokal",
    "MINUS",
    "menit",
]


def _is_na(value: Any) -> bool:
    """None, NaN, pd.NA and NaT are all "missing"; containers and strings never are."""
    if value is None:
        return True
    if isinstance(value, (str, bytes)) or not pd.api.types.is_scalar(value):
        return False
    return bool(pd.isna(value))


@contextmanager
def _half_up() -> Iterator[None]:
    """Round half away from zero (as spreadsheets do), not Babel's default half-even.

    Readers check the report against Excel: 12,25 must become 12,3 there and here.
    """
    with decimal.localcontext() as ctx:
        ctx.rounding = decimal.ROUND_HALF_UP
        yield


def _to_decimal(value: Any) -> Decimal:
    """Exact decimal of what the reader sees: 0.125 is 0,125, not 0.1249999..."""
    if isinstance(value, bool):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, Integral):
        result = Decimal(int(value))
    elif isinstance(value, Real):
        result = Decimal(repr(float(value)))
    else:
        raise TypeError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def _pattern(digits: int, *, percent: bool = False, signed: bool = False) -> str:
    if digits < 0:
        raise ValueError("digits must be >= 0")
    body = "#,##0" + ("." + "0" * digits if digits else "")
    suffix = "%" if percent else ""
    if signed:
        return f"+{body}{suffix};-{body}{suffix}"
    return body + suffix


def _no_negative_zero(value: Decimal, digits: int) -> Decimal:
    """-0.0001 shown with two digits is "0,00", never "-0,00"."""
    quantum = Decimal(1).scaleb(-digits)
    with _half_up():
        if value.quantize(quantum) == 0:
            return Decimal(0)
    return value


def angka(n: Any) -> str:
    """Whole number with thousands dots: 28112 -> "28.112"; NA -> "–".

    Non-integers are rounded half-up to a whole number.
    """
    if _is_na(n):
        return NA
    value = _no_negative_zero(_to_decimal(n), 0)
    with _half_up():
        return format_decimal(value, format=_pattern(0), locale=LOCALE)


def desimal(x: Any, digits: int = 1) -> str:
    """Decimal with a comma and exactly `digits` decimals: 12.5 -> "12,5"; NA -> "–"."""
    if _is_na(x):
        return NA
    value = _no_negative_zero(_to_decimal(x), digits)
    with _half_up():
        return format_decimal(value, format=_pattern(digits), locale=LOCALE)


def persen(fraction: Any, digits: int = 2) -> str:
    """A fraction as a percentage, no space before %: 0.9468 -> "94,68%"; NA -> "–"."""
    if _is_na(fraction):
        return NA
    value = _no_negative_zero(_to_decimal(fraction) * 100, digits) / 100
    with _half_up():
        return format_percent(value, format=_pattern(digits, percent=True), locale=LOCALE)


MINUS = "\u2212"  # a real minus sign for changes: "−0,50 poin", never a hyphen


def poin(delta_fraction: Any, digits: int = 2) -> str:
    """Signed change in percentage points: +0.021 -> "+2,10 poin", -0.005 -> "−0,50 poin" (U+2212).

    A change that rounds to zero is "0,00 poin" (no sign); NA -> "–".
    """
    if _is_na(delta_fraction):
        return NA
    points = _no_negative_zero(_to_decimal(delta_fraction) * 100, digits)
    pattern = _pattern(digits) if points == 0 else _pattern(digits, signed=True)
    with _half_up():
        text = format_decimal(points, format=pattern, locale=LOCALE)
    return (MINUS + text[1:] if text.startswith("-") else text) + " poin"


def _as_date(d: Any) -> dt.date:
    if isinstance(d, str):
        d = pd.Timestamp(d)
    if isinstance(d, dt.datetime):  # includes pd.Timestamp; keep its own wall-clock date
        return d.date()
    if isinstance(d, dt.date):
        return d
    raise TypeError(f"not a date: {d!r}")


def tanggal(d: Any) -> str:
    """Long date: 2025-11-04 -> "4 November 2025"; NA -> "–".

    A datetime is shown on its own (local) calendar date.
    """
    if _is_na(d):
        return NA
    return format_date(_as_date(d), "d MMMM y", locale=LOCALE)


def tanggal_singkat(d: Any, *, year: bool = True) -> str:
    """Short date for chart axes and narrow columns: "10 Nov 2025" ("10 Nov" without the year); NA -> "–"."""
    if _is_na(d):
        return NA
    return format_date(_as_date(d), "d MMM y" if year else "d MMM", locale=LOCALE)


def _zone(tz: Any) -> dt.tzinfo:
    if isinstance(tz, str):
        return ZoneInfo(tz)
    if isinstance(tz, dt.tzinfo):
        return tz
    raise TypeError(f"not a time zone: {tz!r}")


def _zone_key(tz: Any) -> str | None:
    if isinstance(tz, str):
        return tz
    return getattr(tz, "key", None) or getattr(tz, "zone", None)


def _localize(ts: Any, tz: Any) -> dt.datetime:
    """Aware timestamps are converted to `tz`; naive ones are taken as wall time in `tz`."""
    if isinstance(ts, str):
        ts = pd.Timestamp(ts)
    if isinstance(ts, pd.Timestamp):
        ts = ts.to_pydatetime()
    if not isinstance(ts, dt.datetime):
        raise TypeError(f"not a timestamp: {ts!r}")
    zone = _zone(tz)
    if ts.tzinfo is None:
        return ts.replace(tzinfo=zone)
    return ts.astimezone(zone)


def _zone_label(local: dt.datetime, tz: Any) -> str:
    key = _zone_key(tz)
    if key in _ID_ZONES:
        return _ID_ZONES[key]
    name = get_timezone_name(local, width="short", locale=LOCALE)
    if name and name[0] not in "+-" and not name.startswith("GMT"):
        return name  # a real abbreviation such as "UTC" or "EST"
    return "UTC" + format_time(local, "xxx", locale=LOCALE)  # e.g. "UTC+01:00"


def jam(ts: Any, tz: Any) -> str:
    """Clock time with zone: "14.30 WIB" (WITA for Asia/Makassar, WIT for Asia/Jayapura).

    Other zones get their abbreviation ("UTC", "EST") or offset ("UTC+01:00"). NA -> "–".
    """
    if _is_na(ts):
        return NA
    local = _localize(ts, tz)
    return f"{format_time(local, 'HH.mm', locale=LOCALE)} {_zone_label(local, tz)}"


def tanggal_jam(ts: Any, tz: Any) -> str:
    """Date and clock time: "4 November 2025, 14.30 WIB"; NA -> "–"."""
    if _is_na(ts):
        return NA
    local = _localize(ts, tz)
    return f"{tanggal(local)}, {jam(local, tz)}"


def jam_lokal(ts: Any, tz: Any, local_tz: Any = None) -> str:
    """Clock time in the task's zone, then in the reader's own zone when that differs:
    "08.00 WIB (09.00 WITA)"; "08.00 WIB" when both are WIB. NA -> "–"."""
    if _is_na(ts):
        return NA
    shown = jam(ts, tz)
    if local_tz is None:
        return shown
    local = jam(_localize(ts, tz), local_tz)
    return shown if local.split(" ", 1)[1] == shown.split(" ", 1)[1] else f"{shown} ({local})"


def tanggal_jam_lokal(ts: Any, tz: Any, local_tz: Any = None) -> str:
    """Date and clock time as `jam_lokal`: "10 November 2025, 08.00 WIB (09.00 WITA)".

    The date is the task zone's; when the reader's date differs it is given too:
    "10 November 2025, 23.30 WIB (11 November 2025, 01.30 WIT)". NA -> "–"."""
    if _is_na(ts):
        return NA
    task = _localize(ts, tz)
    shown = f"{tanggal(task)}, {jam_lokal(task, tz, local_tz)}"
    if local_tz is not None:
        local = _localize(task, local_tz)
        if local.date() != task.date():
            shown = f"{tanggal(task)}, {jam(task, tz)} ({tanggal(local)}, {jam(local, local_tz)})"
    return shown


def menit(x: Any) -> str:
    """A duration given in minutes (e.g. a median response time), for readers.

    Rounded half-up to whole minutes, then:
    - under one minute but above zero: "<1 menit"; exactly zero: "0 menit";
    - under an hour: "45 menit";
    - under a day: "1 jam 35 menit" ("2 jam" when the minutes are zero);
    - a day or more: rounded to whole hours, "1 hari 3 jam" ("2 hari" when whole).
    NA -> "–". Negative durations are a computation bug and raise ValueError.
    """
    if _is_na(x):
        return NA
    value = _to_decimal(x)
    if value < 0:
        raise ValueError(f"negative duration: {x!r} minutes")
    with _half_up():
        minutes = int(value.quantize(Decimal(1)))
    if minutes == 0:
        return "<1 menit" if value > 0 else "0 menit"

    def n(k: int) -> str:
        return format_decimal(k, format="#,##0", locale=LOCALE)

    if minutes < 60:
        return f"{n(minutes)} menit"
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{n(hours)} jam" + (f" {n(rest)} menit" if rest else "")
    with _half_up():
        total_hours = int((Decimal(minutes) / 60).quantize(Decimal(1)))
    days, hours = divmod(total_hours, 24)
    return f"{n(days)} hari" + (f" {n(hours)} jam" if hours else "")
