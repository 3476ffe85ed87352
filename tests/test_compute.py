"""compute.py on small hand-made frames: every figure against a hand count."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.figures import compute


def roster(rows):
    df = pd.DataFrame(rows, columns=["nomor_absen", "nama", "jabatan", "provinsi", "kabupaten"])
    df["nomor_absen"] = df["nomor_absen"].astype("Int64")
    df["quarantine_reason"] = pd.array([pd.NA] * len(df), dtype="string")
    return df


ROSTER = roster([
    (1, "Ani", "PLD", "Bali", "Badung"),
    (2, "Budi", "PLD", "Bali", "Badung"),
    (3, "Citra", "PD", "Bali", "Gianyar"),
    (4, "Dedi", "TA", "Aceh", "Pidie"),
    (5, "Eka", "PLD", "Aceh", "Pidie"),
])


def counted(rows):
    return pd.DataFrame(rows, columns=["nomor_absen", "on_time", "response_minutes", "platform"]).astype(
        {"nomor_absen": "Int64"})


def test_rate_table_by_province_matches_a_hand_count():
    frame = compute.participation_frame(ROSTER, counted([(1, True, 10.0, "Facebook"), (2, False, 30.0, "Instagram"),
                                                         (4, True, 20.0, "Facebook")]))
    t = compute.rate_table(frame, ["provinsi"]).set_index("provinsi")
    assert t.loc["Bali", ["eligible", "responded", "on_time"]].tolist() == [3, 2, 1]
    assert t.loc["Bali", "participation_rate"] == pytest.approx(2 / 3)
    assert t.loc["Bali", "on_time_rate"] == pytest.approx(1 / 3)
    assert t.loc["Bali", "median_response_minutes"] == 20.0  # median of 10 and 30
    assert t.loc["Aceh", ["eligible", "responded", "on_time"]].tolist() == [2, 1, 1]


def test_group_with_no_responders_has_an_empty_median():
    frame = compute.participation_frame(ROSTER, counted([(1, True, 10.0, "Facebook")]))
    t = compute.rate_table(frame, ["provinsi", "kabupaten"]).set_index("kabupaten")
    assert t.loc["Gianyar", "responded"] == 0 and t.loc["Gianyar", "participation_rate"] == 0
    assert math.isnan(t.loc["Gianyar", "median_response_minutes"])


def test_national_table_has_overall_and_per_jabatan_rows():
    frame = compute.participation_frame(ROSTER, counted([(1, True, 10.0, "Facebook"), (3, True, 5.0, "TikTok")]))
    nat = compute.participation_tables(frame)["participation_national"].set_index("jabatan")
    assert nat.loc["Semua", "eligible"] == 5 and nat.loc["Semua", "responded"] == 2
    assert nat.loc["PLD", "eligible"] == 3 and nat.loc["PD", "responded"] == 1


def test_streak_counts_back_and_skips_tasks_the_tpp_was_not_eligible_for():
    # columns in schedule order; 1 counted, 0 silent, NaN not eligible
    m = pd.DataFrame({"t1": [1, 0, 1, np.nan], "t2": [0, 0, np.nan, 0], "t3": [0, 0, 0, np.nan], "t4": [0, 0, 1, 0]},
                     index=pd.Index([10, 11, 12, 13], name="nomor_absen"), dtype=float)
    s = compute.streaks(m)
    assert s.tolist() == [3, 4, 0, 2]


def test_silent_in_latest_needs_every_latest_task_silent():
    m = pd.DataFrame({"t1": [0, 0, np.nan], "t2": [0, 1, 0], "t3": [0, 0, 0]}, index=[1, 2, 3], dtype=float)
    assert compute.silent_in_latest(m, 3).tolist() == [True, False, False]
    assert compute.silent_in_latest(m, 2).tolist() == [True, False, True]


def test_non_responders_sorted_with_streak():
    frame = compute.participation_frame(ROSTER, counted([(1, True, 10.0, "Facebook")]))
    streak = pd.Series({2: 1, 3: 5, 4: 2, 5: 7})
    silent = pd.Series({2: False, 3: False, 4: False, 5: True})
    nr = compute.non_responders(frame, streak, silent)
    assert nr["nomor_absen"].tolist() == [5, 4, 2, 3]  # Aceh/Pidie by streak desc, then Bali/Badung, Bali/Gianyar
    assert nr.set_index("nomor_absen").loc[5, "streak"] == 7
    counts = compute.streak_counts(nr, 3).set_index("provinsi")
    assert counts.loc["Aceh", "streak_pembinaan"] == 1 and counts.loc["Bali", "streak_pembinaan"] == 1
    assert counts.loc["Aceh", "silent_latest"] == 1


def test_channel_coverage_counts_valid_contacts_only():
    r = ROSTER.copy()
    r["email"] = ["a@desa.id", "budi@gmail", "-", "dedi@mail.com", None]
    r["whatsapp"] = ["0812-3456-7890", "+62 812 3456 7891", "12345", None, "628123456789"]
    for ch in ("facebook", "twitter", "instagram", "tiktok", "youtube", "website"):
        r[ch] = None
    prov, nat = compute.channel_coverage(r)
    p = prov.set_index(["provinsi", "channel"])
    assert p.loc[("Bali", "email"), "with_channel"] == 1  # budi@gmail has no dotted domain; '-' is empty
    assert p.loc[("Bali", "whatsapp"), "with_channel"] == 2
    assert p.loc[("Aceh", "whatsapp"), "coverage_rate"] == 0.5
    assert nat.set_index("channel").loc["email", "with_channel"] == 2


def test_resigned_responders_counts_only_resigned_not_eligible_rows_per_province():
    checked = pd.DataFrame({
        "provinsi": ["Bali", "Bali", "Bali", "Aceh", "Aceh"],
        "outcome": ["not_eligible", "not_eligible", "counted", "not_eligible", "duplicate"],
        "detail": ["resigned", "out_of_scope", "", "resigned", None],
    })
    out = compute.resigned_responders(checked).set_index("provinsi")["rows"]
    assert out.to_dict() == {"Aceh": 1, "Bali": 1}


def test_contact_present_many_agrees_with_contact_present_value_by_value():
    from pipeline.rules import contract

    values = pd.Series(["a@b.co", "a@b.co", None, float("nan"), pd.NA, "-", " tidak ada ", "0812 3456 7890",
                        "+62 812-3456-7890", "12345", "https://desa.id", "desa", "Pemdes X", "Pemdes X", ""],
                       dtype=object)
    for channel in contract.CHANNELS:
        expected = [contract.contact_present(channel, v) for v in values]
        assert contract.contact_present_many(channel, values).tolist() == expected, channel
    assert contract.contact_present_many("email", pd.Series([], dtype=object)).tolist() == []
