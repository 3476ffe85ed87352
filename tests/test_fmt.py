"""Indonesian formats: real values, rounding edges and missing values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from pipeline.reports import fmt

NA_VALUES = [None, pd.NA, np.nan, float("nan"), pd.NaT]


@pytest.mark.parametrize("func", [fmt.angka, fmt.desimal, fmt.persen, fmt.poin, fmt.tanggal, fmt.menit])
@pytest.mark.parametrize("value", NA_VALUES, ids=repr)
def test_missing_values_are_a_dash(func, value):
    assert func(value) == "–"


@pytest.mark.parametrize("value", NA_VALUES, ids=repr)
def test_missing_timestamps_are_a_dash(value):
    assert fmt.jam(value, "Asia/Jakarta") == "–"
    assert fmt.tanggal_jam(value, "Asia/Jakarta") == "–"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (28112, "28.112"),
        (0, "0"),
        (999, "999"),
        (1000, "1.000"),
        (1234567, "1.234.567"),
        (-4500, "-4.500"),
        (np.int64(28112), "28.112"),
        (pd.array([7], dtype="Int64")[0], "7"),
        (2.5, "3"),  # half-up, not banker's rounding
        (3.5, "4"),
        (-0.4, "0"),  # no "-0"
        (Decimal("1499.5"), "1.500"),
    ],
)
def test_angka(value, expected):
    assert fmt.angka(value) == expected


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (12.5, 1, "12,5"),
        (12.25, 1, "12,3"),  # exact decimal half -> up
        (12.35, 1, "12,4"),  # 12.35 is 12.3499... as a float; shown as typed
        (0.05, 1, "0,1"),
        (-0.04, 1, "0,0"),
        (1234.5, 1, "1.234,5"),
        (1234.5, 0, "1.235"),
        (7, 2, "7,00"),
        (np.float64(2.675), 2, "2,68"),
    ],
)
def test_desimal(value, digits, expected):
    assert fmt.desimal(value, digits) == expected


def test_desimal_default_is_one_digit():
    assert fmt.desimal(3) == "3,0"


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (0.9468, 2, "94,68%"),
        (1, 2, "100,00%"),
        (0, 2, "0,00%"),
        (0.12345, 2, "12,35%"),  # half-up on the exact decimal 12,345
        (0.00005, 2, "0,01%"),
        (0.000049, 2, "0,00%"),
        (-0.00001, 2, "0,00%"),  # never "-0,00%"
        (0.5, 0, "50%"),
        (0.995, 0, "100%"),
        (12.5, 1, "1.250,0%"),
        (np.float64(0.3333333), 2, "33,33%"),
    ],
)
def test_persen(value, digits, expected):
    assert fmt.persen(value, digits) == expected


def test_persen_has_no_space_before_the_sign():
    assert " " not in fmt.persen(0.9468)
    assert "\xa0" not in fmt.persen(0.9468)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.021, "+2,10 poin"),
        (-0.005, "\u22120,50 poin"),
        (0.0, "0,00 poin"),
        (-0.00001, "0,00 poin"),  # rounds to zero: no sign
        (0.00005, "+0,01 poin"),
        (-0.00005, "\u22120,01 poin"),
        (0.1234, "+12,34 poin"),
        (np.float64(-0.25), "\u221225,00 poin"),
    ],
)
def test_poin(value, expected):
    assert fmt.poin(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2025, 11, 4), "4 November 2025"),
        (dt.date(2025, 1, 31), "31 Januari 2025"),
        (dt.date(2025, 2, 1), "1 Februari 2025"),
        (dt.date(2025, 8, 17), "17 Agustus 2025"),
        (dt.date(2025, 12, 25), "25 Desember 2025"),
        (pd.Timestamp("2025-03-09"), "9 Maret 2025"),
        (pd.Timestamp("2025-11-04 23:30", tz="Asia/Jakarta"), "4 November 2025"),  # its own date
        ("2025-06-01", "1 Juni 2025"),
    ],
)
def test_tanggal(value, expected):
    assert fmt.tanggal(value) == expected


@pytest.mark.parametrize(
    ("value", "year", "expected"),
    [
        (dt.date(2025, 11, 10), True, "10 Nov 2025"),
        (dt.date(2025, 8, 17), True, "17 Agu 2025"),
        (dt.date(2025, 5, 2), False, "2 Mei"),
        (pd.Timestamp("2025-12-31 23:30", tz="Asia/Jayapura"), False, "31 Des"),  # its own date
    ],
)
def test_tanggal_singkat(value, year, expected):
    assert fmt.tanggal_singkat(value, year=year) == expected
    assert fmt.tanggal_singkat(None) == fmt.NA


UTC_0730 = pd.Timestamp("2025-11-04 07:30", tz="UTC")


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("Asia/Jakarta", "14.30 WIB"),
        ("Asia/Pontianak", "14.30 WIB"),
        ("Asia/Makassar", "15.30 WITA"),
        ("Asia/Jayapura", "16.30 WIT"),
        (ZoneInfo("Asia/Jayapura"), "16.30 WIT"),
        ("UTC", "07.30 UTC"),
        ("Europe/Berlin", "08.30 UTC+01:00"),
        ("Asia/Kolkata", "13.00 UTC+05:30"),
    ],
)
def test_jam_converts_and_names_the_zone(tz, expected):
    assert fmt.jam(UTC_0730, tz) == expected


def test_jam_accepts_python_datetimes_and_naive_wall_time():
    aware = dt.datetime(2025, 11, 4, 7, 30, tzinfo=dt.UTC)
    assert fmt.jam(aware, "Asia/Jakarta") == "14.30 WIB"
    # naive: already the wall-clock time in the given zone
    assert fmt.jam(dt.datetime(2025, 11, 4, 14, 30), "Asia/Jakarta") == "14.30 WIB"
    assert fmt.jam(pd.Timestamp("2025-11-04 09:05"), "Asia/Makassar") == "09.05 WITA"


def test_tanggal_jam():
    ts = pd.Timestamp("2025-11-04 14:30", tz="Asia/Jakarta")
    assert fmt.tanggal_jam(ts, "Asia/Jakarta") == "4 November 2025, 14.30 WIB"
    # the date follows the zone: 23.30 UTC is already the next day in Papua
    late = pd.Timestamp("2025-11-04 23:30", tz="UTC")
    assert fmt.tanggal_jam(late, "Asia/Jayapura") == "5 November 2025, 08.30 WIT"
    assert fmt.tanggal_jam(late, "Asia/Jakarta") == "5 November 2025, 06.30 WIB"


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, "0 menit"),
        (0.3, "<1 menit"),
        (0.5, "1 menit"),
        (12.0, "12 menit"),
        (44.5, "45 menit"),
        (59.4, "59 menit"),
        (59.5, "1 jam"),
        (60, "1 jam"),
        (95.0, "1 jam 35 menit"),
        (np.float64(125.2), "2 jam 5 menit"),
        (1439.4, "23 jam 59 menit"),
        (1439.5, "1 hari"),
        (1470, "1 hari 1 jam"),  # 24,5 jam -> 25 jam
        (3000, "2 hari 2 jam"),
        (100000, "69 hari 11 jam"),
    ],
)
def test_menit(minutes, expected):
    assert fmt.menit(minutes) == expected


def test_menit_rejects_negative_durations():
    with pytest.raises(ValueError):
        fmt.menit(-1)


@pytest.mark.parametrize("func", [fmt.angka, fmt.desimal, fmt.persen, fmt.poin])
def test_numbers_reject_non_numbers(func):
    with pytest.raises(TypeError):
        func("12")
    with pytest.raises(ValueError):
        func(float("inf"))


def test_formatters_work_on_series_with_missing_values():
    s = pd.Series([0.5, None, 0.25], dtype="Float64")
    assert s.map(fmt.persen).tolist() == ["50,00%", "–", "25,00%"]
    counts = pd.Series([1200, pd.NA], dtype="Int64")
    assert counts.map(fmt.angka).tolist() == ["1.200", "–"]


def test_jam_lokal_adds_the_readers_zone_only_when_it_differs():
    ts = pd.Timestamp("2025-11-10T08:00:00+07:00")
    assert fmt.jam_lokal(ts, "Asia/Jakarta", "Asia/Makassar") == "08.00 WIB (09.00 WITA)"
    assert fmt.jam_lokal(ts, "Asia/Jakarta", "Asia/Jayapura") == "08.00 WIB (10.00 WIT)"
    assert fmt.jam_lokal(ts, "Asia/Jakarta", "Asia/Pontianak") == "08.00 WIB"
    assert fmt.jam_lokal(ts, "Asia/Jakarta") == "08.00 WIB"
    assert fmt.jam_lokal(None, "Asia/Jakarta", "Asia/Makassar") == fmt.NA


def test_tanggal_jam_lokal_names_the_readers_date_when_midnight_lies_between():
    ts = pd.Timestamp("2025-11-10T23:30:00+07:00")
    assert (fmt.tanggal_jam_lokal(ts, "Asia/Jakarta", "Asia/Makassar")
            == "10 November 2025, 23.30 WIB (11 November 2025, 00.30 WITA)")
    assert fmt.tanggal_jam_lokal(ts, "Asia/Jakarta", "Asia/Jakarta") == "10 November 2025, 23.30 WIB"
    early = pd.Timestamp("2025-11-10T08:00:00+07:00")
    assert fmt.tanggal_jam_lokal(early, "Asia/Jakarta", "Asia/Jayapura") == "10 November 2025, 08.00 WIB (10.00 WIT)"
