"""Tests for pipeline.rules.eligibility: quarantine, scope, resign and join day boundaries."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipeline.rules.eligibility import eligible_mask, ineligible_reason, start_day

D = dt.date


def roster(*rows: dict) -> pd.DataFrame:
    """A small canonical roster; every row defaults to an active, usable TPP in Jawa Timur."""
    base = {
        "nomor_absen": None, "nama": "X", "jabatan": "PD", "provinsi": "Jawa Timur",
        "kabupaten": "Malang", "status": "Aktif", "tanggal_resign": None,
        "tanggal_bergabung": None, "quarantine_reason": pd.NA,
    }
    frame = pd.DataFrame([{**base, "nomor_absen": i + 1, **r} for i, r in enumerate(rows)])
    frame["nomor_absen"] = frame["nomor_absen"].astype("Int64")
    for col in ("nama", "jabatan", "provinsi", "kabupaten", "status", "quarantine_reason"):
        frame[col] = frame[col].astype("string")
    for col in ("tanggal_resign", "tanggal_bergabung"):
        frame[col] = frame[col].astype(object)
    return frame


def task(mulai="2025-11-04 08:00", tz="Asia/Jakarta", scope=(), **extra) -> pd.Series:
    ts = pd.Timestamp(mulai)
    ts = ts.tz_localize(tz) if ts.tzinfo is None else ts
    return pd.Series({
        "task_id": "t1", "mulai": ts, "batas": ts + pd.Timedelta(hours=24), "scope": tuple(scope),
        "timezone": tz, **extra,
    })


def test_active_usable_row_is_eligible():
    r = roster({})
    assert eligible_mask(r, task()).tolist() == [True]
    assert ineligible_reason(r, task()).isna().all()


def test_quarantined_rows_are_not_eligible():
    r = roster({}, {"quarantine_reason": "duplicate_id"}, {"quarantine_reason": "unknown_jabatan"})
    assert eligible_mask(r, task()).tolist() == [True, False, False]
    assert ineligible_reason(r, task()).tolist()[1:] == ["quarantined", "quarantined"]


def test_scope_tuple_of_provinces_and_empty_is_national():
    r = roster({"provinsi": "Jawa Timur"}, {"provinsi": "Bali"}, {"provinsi": pd.NA})
    assert eligible_mask(r, task(scope=("Bali", "Aceh"))).tolist() == [False, True, False]
    assert eligible_mask(r, task(scope=())).tolist() == [True, True, True]
    assert ineligible_reason(r, task(scope=("Bali",))).tolist()[0] == "out_of_scope"


@pytest.mark.parametrize(
    ("status", "resign", "expected"),
    [
        ("Aktif", None, True),
        ("Resign", D(2025, 11, 3), False),  # before the start day
        ("Resign", D(2025, 11, 4), False),  # on the start day: not eligible
        ("Resign", D(2025, 11, 5), True),  # after the start day
        ("Resign", None, False),  # Resign without a date left before every task
        ("resign", D(2025, 12, 1), True),  # case-insensitive
        (pd.NA, None, True),  # empty status means Aktif
        ("Aktif", D(2025, 11, 1), True),  # the status decides: Aktif is eligible whatever the date
        ("Aktif", D(2025, 11, 5), True),
    ],
)
def test_resign_day_boundary(status, resign, expected):
    r = roster({"status": status, "tanggal_resign": resign})
    assert eligible_mask(r, task()).tolist() == [expected]
    if not expected:
        assert ineligible_reason(r, task()).tolist() == ["resigned"]


@pytest.mark.parametrize(
    ("joined", "expected"),
    [(None, True), (D(2025, 11, 3), True), (D(2025, 11, 4), True), (D(2025, 11, 5), False)],
)
def test_join_day_boundary(joined, expected):
    r = roster({"tanggal_bergabung": joined})
    assert eligible_mask(r, task(mulai="2025-11-04 23:59")).tolist() == [expected]
    if not expected:
        assert ineligible_reason(r, task()).tolist() == ["not_joined"]


def test_days_compare_in_the_task_timezone():
    # 2025-11-03 15:30 UTC is already 4 November 00:30 in Jayapura (WIT, UTC+9),
    # but still 3 November in Jakarta.
    t = task(mulai=pd.Timestamp("2025-11-03 15:30", tz="UTC"), tz="Asia/Jayapura")
    assert start_day(t) == pd.Timestamp("2025-11-04")
    r = roster(
        {"tanggal_bergabung": D(2025, 11, 4)},  # joined on the start day: eligible
        {"status": "Resign", "tanggal_resign": D(2025, 11, 4)},  # resigned on it: not
        {"status": "Resign", "tanggal_resign": D(2025, 11, 5)},
    )
    assert eligible_mask(r, t).tolist() == [True, False, True]
    jakarta = task(mulai=pd.Timestamp("2025-11-03 15:30", tz="UTC"), tz="Asia/Jakarta")
    assert eligible_mask(r, jakarta).tolist() == [False, True, True]


def test_dates_as_timestamps_or_strings_are_read():
    r = roster(
        {"status": "Resign", "tanggal_resign": pd.Timestamp("2025-11-04 23:00")},
        {"tanggal_bergabung": "2025-11-05"},
    )
    assert eligible_mask(r, task()).tolist() == [False, False]


def test_reason_priority_and_index_alignment():
    r = roster(
        {"quarantine_reason": "unknown_province", "provinsi": "Bali", "status": "Resign"},
        {"provinsi": "Bali", "status": "Resign"},
        {"status": "Resign", "tanggal_bergabung": D(2026, 1, 1)},
        {"tanggal_bergabung": D(2026, 1, 1)},
        {},
    )
    r.index = [10, 20, 30, 40, 50]
    reasons = ineligible_reason(r, task(scope=("Jawa Timur",)))
    assert reasons.index.tolist() == [10, 20, 30, 40, 50]
    assert reasons.tolist()[:4] == ["quarantined", "out_of_scope", "resigned", "not_joined"]
    assert pd.isna(reasons.iloc[4])
    mask = eligible_mask(r, task(scope=("Jawa Timur",)))
    assert mask.dtype == bool and mask.index.equals(r.index)
    assert mask.tolist() == [False, False, False, False, True]


def test_task_as_plain_mapping_without_timezone():
    t = {"task_id": "t", "mulai": pd.Timestamp("2025-11-04 08:00", tz="Asia/Jakarta"), "scope": ()}
    assert eligible_mask(roster({}), t).tolist() == [True]
