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


@pytest.mark.parametrize(("streak", "silent", "action"), [
    (0, False, tables.ACTION_NONE),
    (config.PEMBINAAN_STREAK - 1, False, tables.ACTION_NONE),
    (config.PEMBINAAN_STREAK, False, tables.ACTION_PEMBINAAN),
    (config.TREND_TASKS, True, tables.ACTION_INACTIVE),
])
def test_follow_up_action_has_one_definition(streak, silent, action):
    assert tables.follow_up_action(streak, silent) == action


def test_follow_up_table_and_kabupaten_counts_match_a_hand_count():
    nr = pd.DataFrame({"provinsi": ["Bali", "Bali", "Bali", "Aceh"], "kabupaten": ["Badung", "Badung", None, "Pidie"],
                       "nomor_absen": [1, 2, 3, 4], "nama": list("abcd"), "jabatan": ["PD"] * 4,
                       "streak": [config.PEMBINAAN_STREAK, 1, 9, 0], "silent_latest": [False, False, True, False]})
    t = tables.non_responder_tables(nr)
    fu = t["follow_up"].set_index("nomor_absen")
    assert fu["pembinaan"].tolist() == [True, False, True, False]
    assert fu["action"].tolist() == [tables.ACTION_PEMBINAAN, tables.ACTION_NONE, tables.ACTION_INACTIVE, ""]
    k = t["streak_counts_kabupaten"]
    badung = k[k["kabupaten"] == "Badung"].iloc[0]
    assert (badung["non_responders"], badung["streak_pembinaan"], badung["silent_latest"]) == (2, 1, 0)
    assert len(k[(k["provinsi"] == "Bali") & k["kabupaten"].isna()]) == 1  # a TPP without kabupaten is still counted
    assert k["non_responders"].sum() == len(nr)


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
