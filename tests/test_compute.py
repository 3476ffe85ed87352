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


def test_non_responders_sorted_with_streak():
    frame = compute.participation_frame(ROSTER, counted([(1, True, 10.0, "Facebook")]))
    streak = pd.Series({2: 1, 3: 5, 4: 2, 5: 7})
    nr = compute.non_responders(frame, streak)
    assert nr["nomor_absen"].tolist() == [5, 4, 2, 3]  # Aceh/Pidie by streak desc, then Bali/Badung, Bali/Gianyar
    assert nr.set_index("nomor_absen").loc[5, "streak"] == 7


def test_kabupaten_spellings_are_one_kabupaten_shown_under_the_most_frequent_spelling():
    r = pd.DataFrame({
        "provinsi": ["Jawa Barat"] * 7 + ["Banten", "Jawa Barat", "Jawa Barat"],
        "kabupaten": ["Kab. Bandung", "KABUPATEN BANDUNG", "Kabupaten Bandung", "Kab.Bandung", "Kab. Bandung",
                      "Kota Bandung", "Bandung", "KAB.  BANDUNG", "Kabupaten Bandung", None],
    })
    shown = compute.kabupaten_names(r).tolist()
    # Kab. Bandung and Kabupaten Bandung are each written twice in Jawa Barat: a tie, the first in the file wins
    assert shown[:5] == ["Kab. Bandung"] * 5 and shown[8] == "Kab. Bandung"
    assert shown[5:7] == ["Kota Bandung", "Bandung"]  # other kabupaten
    assert shown[7] == "KAB.  BANDUNG"  # Banten's own spelling, chosen within Banten
    assert pd.isna(shown[9])
    more = pd.concat([r, pd.DataFrame({"provinsi": ["Jawa Barat"], "kabupaten": ["Kabupaten Bandung"]})],
                     ignore_index=True)
    assert compute.kabupaten_names(more).tolist()[0] == "Kabupaten Bandung"  # now the most frequent


def test_national_trend_covers_national_tasks_only():
    tasks = pd.DataFrame({"task_id": ["n1", "p1", "n2"], "judul": ["N1", "P1", "N2"],
                          "mulai": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]).tz_localize("Asia/Jakarta"),
                          "cakupan": ["nasional", "Bali", "Nasional"], "scope": [(), ("Bali",), ()]})
    per_task = {}
    for tid in tasks["task_id"]:
        frame = compute.participation_frame(ROSTER if tid != "p1" else ROSTER[ROSTER["provinsi"] == "Bali"],
                                            counted([(1, True, 10.0, "Facebook")]))
        per_task[tid] = (compute.rate_table(frame, ["provinsi"]), compute.rate_table(frame, []))
    prov, nat = compute.trend_tables(tasks, per_task)
    assert nat["task_id"].tolist() == ["n1", "n2"]
    assert set(prov.loc[prov["task_id"] == "p1", "provinsi"]) == {"Bali"}
    assert prov.loc[(prov["task_id"] == "p1"), "participation_rate"].tolist() == [pytest.approx(1 / 3)]
    assert compute.is_national({"cakupan": "nasional"}) and not compute.is_national({"scope": ("Bali",)})


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


@pytest.mark.parametrize(("a", "b", "same"), [
    ("KAB. BANDUNG", "Kab.Bandung", True), ("Kab. Bandung", "Kabupaten Bandung", True),
    ("Kab Bandung", "kabupaten   bandung", True), ("KABUPATEN BANDUNG", "Kab. Bandung", True),
    ("Kota Bandung", "Kot.Bandung", True), ("KOTA BANDUNG", "Kot. Bandung", True),
    ("Kota Bandung", "Kab. Bandung", False), ("Bandung", "Kabupaten Bandung", False), ("Bandung", "Kota Bandung", False),
    ("Kotabaru", "Kota Baru", False), ("Kabupaten Kotabaru", "Kab. Kotabaru", True),
])
def test_kabupaten_key_folds_the_contract_prefix_forms_only(a, b, same):
    from pipeline.rules import contract

    assert (contract.kabupaten_key(a) == contract.kabupaten_key(b)) == same
    assert contract.kabupaten_key(None) == contract.kabupaten_key("  ") == ""


def test_official_long_province_names_are_accepted():
    from pipeline.rules import contract

    for form, name in [("Daerah Istimewa Yogyakarta", "DI Yogyakarta"), ("Daerah Khusus Ibukota Jakarta", "DKI Jakarta"),
                       ("Daerah Khusus Jakarta", "DKI Jakarta"), ("D.K.I. Jakarta", "DKI Jakarta"),
                       ("Provinsi Daerah Khusus Ibu Kota Jakarta", "DKI Jakarta"),
                       ("Nanggroe Aceh Darussalam", "Aceh"), ("Kep. Bangka Belitung", "Kepulauan Bangka Belitung")]:
        assert contract.normalize_province(form) == name, form
