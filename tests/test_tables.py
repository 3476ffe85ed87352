"""pipeline/figures/tables.py on small hand-made frames: rank, change, follow-up action, rejected
counts, platform shares, kabupaten ranking, each against a hand count."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline import config
from pipeline.figures import tables


def test_rank_shares_the_better_place_and_change_is_against_the_previous_task_covering_the_province():
    current = pd.DataFrame({"provinsi": ["Aceh", "Bali", "Jambi", "Riau"],
                            "participation_rate": [0.5, 0.9, 0.9, float("nan")]})
    trend = pd.DataFrame({
        "task_order": [0, 0, 1, 2, 2, 2],
        "task_id": ["t0", "t0", "t1", "t2", "t2", "t2"],
        "provinsi": ["Aceh", "Bali", "Aceh", "Aceh", "Bali", "Jambi"],
        "participation_rate": [0.4, 0.8, 0.7, 0.5, 0.9, 0.9],
    })
    s = tables.province_summary(current, trend, "t2").set_index("provinsi")
    assert s.loc["Bali", "rank"] == 1 and s.loc["Jambi", "rank"] == 1 and s.loc["Aceh", "rank"] == 3
    assert pd.isna(s.loc["Riau", "rank"])
    assert s.loc["Aceh", "previous_task_id"] == "t1"  # t1 covered only Aceh: the latest earlier task for it
    assert s.loc["Aceh", "change"] == pytest.approx(0.5 - 0.7)
    assert s.loc["Bali", "previous_task_id"] == "t0" and s.loc["Bali", "change"] == pytest.approx(0.1)
    assert pd.isna(s.loc["Jambi", "change"])  # no earlier task covered Jambi
    assert (s["provinces_ranked"] == 3).all()


@pytest.mark.parametrize(("streak", "action"), [
    (0, tables.ACTION_REMIND),
    (config.PEMBINAAN_STREAK - 1, tables.ACTION_REMIND),
    (config.PEMBINAAN_STREAK, tables.ACTION_PEMBINAAN),
    (config.INACTIVE_STREAK - 1, tables.ACTION_PEMBINAAN),
    (config.INACTIVE_STREAK, tables.ACTION_INACTIVE),
])
def test_follow_up_action_has_one_definition(streak, action):
    assert tables.follow_up_action(streak) == action
    assert tables.is_possibly_inactive(streak) == (streak >= 8)  # the contract's 8, whatever else is configured


def _checked(rows):
    """Checked responses: (source_row, nomor_absen, outcome, timestamp)."""
    return pd.DataFrame({
        "source_row": [r[0] for r in rows], "nomor_absen": pd.array([r[1] for r in rows], dtype="Int64"),
        "outcome": [r[2] for r in rows],
        "timestamp": pd.to_datetime([r[3] for r in rows]).tz_localize("Asia/Jakarta"),
    })


def test_submitted_is_the_latest_rejected_row_resolved_to_the_tpp():
    checked = _checked([
        (1, 10, "before_start", "2025-11-10 07:00"),
        (2, 10, "invalid_link", "2025-11-10 09:00"),
        (3, 11, "invalid_link", "2025-11-10 09:00"),
        (4, 11, "duplicate", "2025-11-10 09:00"),  # same time: the later row wins
        (5, 12, "counted", "2025-11-10 09:00"),
        (6, None, "unknown_id", "2025-11-10 10:00"),  # resolved to nobody
        (7, 13, "before_start", "2025-11-10 07:30"),
        (8, 13, "invalid_link", None),  # no timestamp: the earliest
    ])
    assert tables.submitted_outcomes(checked).to_dict() == {10: "invalid_link", 11: "duplicate", 13: "before_start"}


def test_non_responders_carry_possibly_inactive_submitted_and_the_action():
    nr = pd.DataFrame({"provinsi": ["Bali", "Bali", "Bali", "Aceh"], "kabupaten": ["Badung", "Badung", None, "Pidie"],
                       "nomor_absen": [1, 2, 3, 4], "nama": list("abcd"), "jabatan": ["PD"] * 4,
                       "streak": [config.PEMBINAAN_STREAK, 1, 9, 8]})
    out = tables.non_responders(nr, pd.Series({2: "invalid_link", 4: "before_start", 99: "duplicate"}))
    assert out["possibly_inactive"].tolist() == [False, False, True, True]
    assert out["submitted"].tolist() == ["", "invalid_link", "", "before_start"]
    assert out["action"].tolist() == [tables.ACTION_PEMBINAAN, tables.ACTION_REMIND, tables.ACTION_INACTIVE,
                                      tables.ACTION_INACTIVE]
    t = tables.non_responder_tables(out)
    k = t["streak_counts_kabupaten"]
    badung = k[k["kabupaten"] == "Badung"].iloc[0]
    assert (badung["non_responders"], badung["streak_pembinaan"], badung["possibly_inactive"], badung["submitted"]) \
        == (2, 1, 0, 1)
    assert len(k[(k["provinsi"] == "Bali") & k["kabupaten"].isna()]) == 1  # a TPP without kabupaten is still counted
    p = t["streak_counts"].set_index("provinsi")
    assert p.loc["Aceh", "possibly_inactive"] == 1 and p.loc["Bali", "possibly_inactive"] == 1
    assert p["non_responders"].sum() == len(nr)


def test_quality_summary_counts_rejected_rows_per_province_and_nationally():
    outcomes = pd.DataFrame({
        "provinsi": ["Bali", "Bali", "Bali", "Aceh", "(tidak diketahui)"],
        "outcome": ["counted", "recovered", "invalid_link", "not_eligible", "unknown_id"],
        "rows": [10, 2, 3, 1, 4],
    })
    resigned = pd.DataFrame({"provinsi": ["Aceh"], "rows": [1]})
    q = tables.quality_summary(outcomes, resigned)
    bali = q[q["provinsi"] == "Bali"].iloc[0]
    got = (bali["rows"], bali["counted"], bali["rejected"], bali["recovered"], bali["resigned_rows"])
    assert got == (15, 12, 3, 2, 0)
    nat = q[q["level"] == tables.NATIONAL].iloc[0]
    assert (nat["rows"], nat["counted"], nat["rejected"], nat["resigned_rows"]) == (20, 12, 8, 1)


def test_platform_shares_add_up_per_scope_in_the_contract_order():
    platforms = pd.DataFrame({"provinsi": ["Bali", "Bali", "Aceh"],
                              "platform": ["Website/Blog", "Facebook", "Facebook"], "responses": [1, 3, 4]})
    s = tables.platform_shares(platforms)
    bali = s[s["provinsi"] == "Bali"]
    assert bali["platform"].tolist() == ["Facebook", "Website/Blog"]
    assert bali["share"].tolist() == [0.75, 0.25]
    nat = s[s["level"] == tables.NATIONAL].set_index("platform")
    assert nat.loc["Facebook", "responses"] == 7 and nat.loc["Facebook", "share"] == pytest.approx(7 / 8)
    assert math.isclose(nat["share"].sum(), 1.0)


def test_kabupaten_ranking_leaves_out_small_kabupaten_and_breaks_ties_by_size():
    m = config.KABUPATEN_RANK_MIN_ELIGIBLE
    k = pd.DataFrame({"provinsi": ["A"] * 4, "kabupaten": ["small", "big", "mid", "low"],
                      "eligible": [m - 1, m + 10, m, m], "participation_rate": [1.0, 0.8, 0.8, 0.1]})
    r = tables.kabupaten_ranking(k).set_index("kabupaten")
    assert "small" not in r.index
    assert r["from_top"].to_dict() == {"big": 1, "mid": 2, "low": 3}
    assert r["from_bottom"].to_dict() == {"low": 1, "big": 2, "mid": 3}


def test_quality_summary_keeps_repeat_submissions_apart_from_rejections():
    outcomes = pd.DataFrame({"provinsi": ["Bali", "Bali", "Bali", "Bali"],
                             "outcome": ["counted", "duplicate", "invalid_link", "before_start"],
                             "rows": [10, 7, 3, 2]})
    q = tables.quality_summary(outcomes, pd.DataFrame({"provinsi": [], "rows": []}))
    bali = q[q["provinsi"] == "Bali"].iloc[0]
    assert (bali["rejected"], bali["duplicates"], bali["rejected_other"]) == (12, 7, 5)


def _roster(rows):
    """Roster rows: (nomor_absen, nama, kabupaten, tanggal_resign); all usable."""
    return pd.DataFrame({
        "nomor_absen": pd.array([r[0] for r in rows], dtype="Int64"), "nama": [r[1] for r in rows],
        "kabupaten": [r[2] for r in rows], "tanggal_resign": [r[3] for r in rows],
        "quarantine_reason": [None] * len(rows),
    })


def test_late_responders_are_the_counted_rows_after_batas_with_how_late():
    task = pd.Series({"task_id": "t", "batas": pd.Timestamp("2025-11-11 23:59", tz="Asia/Jakarta")})
    roster = _roster([(1, "Andi", "Badung", None), (2, "Budi", "Badung", None), (3, "Citra", "Gianyar", None),
                      (4, "Dewi", "Pidie", None)])
    checked = pd.DataFrame({
        "nomor_absen": pd.array([1, 2, 3, 3, 4], dtype="Int64"),
        "outcome": ["counted", "recovered", "counted", "duplicate", "invalid_link"],
        "on_time": pd.array([True, False, False, False, False], dtype="boolean"),
        "timestamp": pd.to_datetime(["2025-11-11 10:00", "2025-11-12 01:29", "2025-11-12 00:04",
                                     "2025-11-12 05:00", "2025-11-13 00:00"]).tz_localize("Asia/Jakarta"),
        "roster_provinsi": ["Bali", "Bali", "Bali", "Bali", "Aceh"],
        "roster_kabupaten": ["Badung", "Badung", "Gianyar", "Gianyar", "Pidie"],
        "nama": ["andi", "budi typed", "citra", "citra", "dewi"],
    })
    late = tables.late_responders(checked, roster, task)
    # on-time, rejected and duplicate rows are left out; the roster's name is shown, not the typed one
    assert late[["kabupaten", "nomor_absen", "nama"]].values.tolist() == [["Badung", 2, "Budi"],
                                                                          ["Gianyar", 3, "Citra"]]
    assert late["minutes_late"].tolist() == [90.0, 5.0]
    assert late["timestamp"].iloc[1] == "2025-11-12T00:04:00+07:00"
    none = tables.late_responders(checked[checked["on_time"].fillna(True)], roster, task)
    assert none.empty and list(none.columns) == list(late.columns)


def test_resigned_tpp_names_each_resigned_sender_once_with_the_roster_date():
    roster = _roster([(7, "Eka", "Badung", pd.Timestamp("2025-06-30")), (8, "Fajar", "Pidie", "2025-01-02"),
                      (9, "Gita", "Badung", None)])
    rc = pd.DataFrame({
        "nomor_absen": pd.array([7, 7, 8, 9, 9], dtype="Int64"), "provinsi": ["Bali", "Bali", "Aceh", "Bali", "Bali"],
        "outcome": ["not_eligible", "not_eligible", "not_eligible", "not_eligible", "counted"],
        "detail": ["resigned", "resigned", "resigned", "not_joined", ""],
    })
    got = tables.resigned_tpp(rc, roster)
    assert got.values.tolist() == [["Aceh", "Pidie", 8, "Fajar", "2025-01-02", 1],
                                   ["Bali", "Badung", 7, "Eka", "2025-06-30", 2]]
    # the named rows add up to the per-province counts the quality summary reads
    counts = tables.compute.resigned_responders(rc).set_index("provinsi")["rows"]
    assert got.groupby("provinsi")["rows"].sum().to_dict() == counts.to_dict()


def test_village_media_national_sums_the_provinces():
    per = pd.DataFrame({"provinsi": ["Aceh", "Bali"], "desa": [10, 30], "with_website": [1, 9],
                        "rate_website": [0.1, 0.3], "with_konvensional": [5, 5], "rate_konvensional": [0.5, 1 / 6]})
    nat = tables.village_media_national(per)
    assert nat.iloc[0].to_dict() == {"desa": 40, "with_website": 10, "rate_website": 0.25,
                                     "with_konvensional": 10, "rate_konvensional": 0.25}
    assert tables.village_media_national(pd.DataFrame(columns=["provinsi", "desa"])).empty
