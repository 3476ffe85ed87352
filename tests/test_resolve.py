"""Tests for pipeline.rules.resolve: one outcome per response row, typo recovery, precedence, speed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pipeline.rules.resolve import OUTCOMES, RESOLVED_COLUMNS, one_keystroke_variants, resolve_responses

TZ = "Asia/Jakarta"
MULAI = pd.Timestamp("2025-11-04 08:00", tz=TZ)
BATAS = pd.Timestamp("2025-11-04 20:00", tz=TZ)
LINK = "https://www.facebook.com/story/123"


def roster(*rows: dict) -> pd.DataFrame:
    """Canonical roster + quarantine_reason; each row: nomor_absen and nama, the rest defaulted."""
    base = {
        "source_row": 0, "nomor_absen_raw": None, "nomor_absen": None, "nama": "X",
        "jabatan_raw": "PD", "jabatan": "PD", "provinsi_raw": "Jawa Timur", "provinsi": "Jawa Timur",
        "kabupaten": "Malang", "status": "Aktif", "tanggal_resign": None, "tanggal_bergabung": None,
        "quarantine_reason": pd.NA,
    }
    frame = pd.DataFrame([{**base, "source_row": i + 1, **r} for i, r in enumerate(rows)])
    frame["nomor_absen_raw"] = frame["nomor_absen"].astype(str)
    frame["nomor_absen"] = frame["nomor_absen"].astype("Int64")
    for col in ("nama", "jabatan_raw", "jabatan", "provinsi_raw", "provinsi", "kabupaten", "status",
                "quarantine_reason", "nomor_absen_raw"):
        frame[col] = frame[col].astype("string")
    for col in ("tanggal_resign", "tanggal_bergabung"):
        frame[col] = frame[col].astype(object)
    return frame


def responses(*rows: dict) -> pd.DataFrame:
    """Canonical responses; each row: id (typed), nama, and optionally at (minutes after mulai)."""
    records = []
    for i, r in enumerate(rows):
        r = dict(r)
        at = r.pop("at", 10)
        ts = pd.NaT if at is None else MULAI + pd.Timedelta(minutes=at)
        prov = r.pop("prov", "Jawa Timur")
        records.append({
            "source_row": r.pop("source_row", i + 1), "timestamp_raw": str(ts), "timestamp": ts,
            "provinsi_raw": prov, "provinsi": {"Jatim": "Jawa Timur"}.get(prov, prov if prov in (
                "Jawa Timur", "Bali", "Aceh") else None),
            "nomor_absen_input": r.pop("id"), "nama": r.pop("nama", ""), "link": r.pop("link", LINK),
        })
        assert not r, r
    frame = pd.DataFrame(records)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True).dt.tz_convert(TZ)
    for col in ("timestamp_raw", "provinsi_raw", "provinsi", "nomor_absen_input", "nama", "link"):
        frame[col] = frame[col].astype("string")
    return frame


def task(scope=()) -> pd.Series:
    return pd.Series({"task_id": "t1", "mulai": MULAI, "batas": BATAS, "scope": tuple(scope), "timezone": TZ})


def run(resp: pd.DataFrame, ros: pd.DataFrame, scope=()) -> pd.DataFrame:
    out = resolve_responses(resp, ros, task(scope))
    assert len(out) == len(resp) and out.index.equals(resp.index)
    assert set(out["outcome"]) <= set(OUTCOMES)
    return out


BASE_ROSTER = roster(
    {"nomor_absen": 1234, "nama": "Siti Aminah, S.Pd."},
    {"nomor_absen": 5678, "nama": "Muhammad Rizky"},
    {"nomor_absen": 2001, "nama": "Budi Santoso", "provinsi": "Bali", "kabupaten": "Badung"},
)


# --- outcomes --------------------------------------------------------------------------------------


def test_counted_exact_id_and_matching_name():
    out = run(responses({"id": "1234", "nama": "siti aminah"}), BASE_ROSTER)
    row = out.iloc[0]
    assert row["outcome"] == "counted"
    assert row["nomor_absen"] == 1234
    assert row["roster_provinsi"] == "Jawa Timur" and row["roster_kabupaten"] == "Malang"
    assert row["roster_jabatan"] == "PD"
    assert bool(row["on_time"]) is True
    assert row["platform"] == "Facebook"
    assert row["warnings"] == ""
    assert row["response_minutes"] == pytest.approx(10.0)
    assert pd.isna(row["recovery"])
    assert list(out.columns[-len(RESOLVED_COLUMNS):]) == list(RESOLVED_COLUMNS)


def test_id_noise_is_ignored():
    out = run(responses({"id": "No. 01.234", "nama": "Siti Aminah"}, {"id": "#5678", "nama": "Muh. Rizki"}),
              BASE_ROSTER)
    assert out["outcome"].tolist() == ["counted", "counted"]
    assert out["nomor_absen"].tolist() == [1234, 5678]


@pytest.mark.parametrize("typed", ["1234", " 1234 ", "01234", "0001234", "1.234", "1 234", "12 34", "No 1234",
                                   "No. 1234", "No.1234", "no.1234", "NO 1234", "#1234", "# 1234", "1,234", "1-234",
                                   "Nomor 1234"])
def test_every_kind_of_id_noise(typed):
    out = run(responses({"id": typed, "nama": "Siti Aminah"}), BASE_ROSTER)
    assert (out.loc[0, "outcome"], out.loc[0, "nomor_absen"]) == ("counted", 1234)
    assert pd.isna(out.loc[0, "recovery"])


def test_missing_id():
    out = run(responses({"id": "", "nama": "Siti Aminah"}, {"id": "tidak tahu", "nama": "Siti Aminah"},
                        {"id": None, "nama": "Siti Aminah"}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["missing_id"] * 3
    assert out["nomor_absen"].isna().all()
    assert out["on_time"].isna().all() and out["platform"].isna().all()
    assert out["response_minutes"].isna().all()


def test_invalid_timestamp_comes_right_after_missing_id():
    out = run(responses({"id": "1234", "nama": "Siti Aminah", "at": None},
                        {"id": "", "nama": "Siti Aminah", "at": None},
                        {"id": "9999", "nama": "Nobody", "at": None}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["invalid_timestamp", "missing_id", "invalid_timestamp"]
    assert out["nomor_absen"].isna().all()


def test_unknown_id():
    out = run(responses({"id": "777777", "nama": "Siti Aminah"}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["unknown_id"]
    assert out["nomor_absen"].isna().all()


def test_name_mismatch():
    out = run(responses({"id": "1234", "nama": "Siti Rahmah"}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["name_mismatch"]
    assert out["nomor_absen"].isna().all()


def test_empty_name_takes_the_typed_id_with_a_warning():
    out = run(responses({"id": "1234", "nama": ""}, {"id": "5678", "nama": "-"}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["counted", "counted"]
    assert out["nomor_absen"].tolist() == [1234, 5678]
    assert out["warnings"].tolist() == ["name_missing", "name_missing"]


def test_roster_row_without_name_cannot_contradict_the_typed_id():
    ros = roster({"nomor_absen": 1234, "nama": pd.NA})
    out = run(responses({"id": "1234", "nama": "Siti Aminah"}), ros)
    assert out["outcome"].tolist() == ["counted"]


def test_roster_conflict_for_quarantined_row_including_duplicate_ids():
    ros = roster(
        {"nomor_absen": 1234, "nama": "Siti Aminah", "quarantine_reason": "unknown_jabatan", "jabatan": pd.NA},
        {"nomor_absen": 4321, "nama": "Agus Salim", "quarantine_reason": "duplicate_id"},
        {"nomor_absen": 4321, "nama": "Rina Marlina", "quarantine_reason": "duplicate_id",
         "kabupaten": "Blitar"},
    )
    out = run(responses({"id": "1234", "nama": "Siti Aminah"}, {"id": "4321", "nama": "Rina Marlina"},
                        {"id": "4321", "nama": "Joko Susilo"}), ros)
    assert out["outcome"].tolist() == ["roster_conflict", "roster_conflict", "name_mismatch"]
    assert out["nomor_absen"].tolist()[:2] == [1234, 4321]
    assert out["roster_kabupaten"].iloc[1] == "Blitar"  # the duplicate row whose name matched
    assert pd.isna(out["roster_jabatan"].iloc[0])


def test_not_eligible_out_of_scope_resigned_not_joined():
    ros = roster(
        {"nomor_absen": 11, "nama": "Agus Salim", "provinsi": "Bali"},
        {"nomor_absen": 22, "nama": "Rina Marlina", "status": "Resign", "tanggal_resign": dt.date(2025, 11, 4)},
        {"nomor_absen": 33, "nama": "Joko Susilo", "tanggal_bergabung": dt.date(2025, 11, 5)},
        {"nomor_absen": 44, "nama": "Dewi Lestari", "tanggal_bergabung": dt.date(2025, 11, 4)},
    )
    out = run(responses({"id": "11", "nama": "Agus Salim", "prov": "Bali"}, {"id": "22", "nama": "Rina Marlina"},
                        {"id": "33", "nama": "Joko Susilo"}, {"id": "44", "nama": "Dewi Lestari"}),
              ros, scope=("Jawa Timur",))
    assert out["outcome"].tolist() == ["not_eligible", "not_eligible", "not_eligible", "counted"]
    assert out["nomor_absen"].tolist() == [11, 22, 33, 44]


def test_before_start_and_on_time_boundary():
    late = (BATAS - MULAI) / pd.Timedelta(minutes=1)
    out = run(responses({"id": "1234", "nama": "Siti Aminah", "at": -1},
                        {"id": "5678", "nama": "Muhammad Rizky", "at": 0},
                        {"id": "2001", "nama": "Budi Santoso", "at": late, "prov": "Bali"}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["before_start", "counted", "counted"]
    assert pd.isna(out["on_time"].iloc[0])
    assert out["on_time"].iloc[1:].tolist() == [True, True]  # exactly at batas is on time
    assert out["response_minutes"].iloc[2] == pytest.approx(late)
    out2 = run(responses({"id": "1234", "nama": "Siti Aminah", "at": late + 1 / 60}), BASE_ROSTER)
    assert out2["outcome"].tolist() == ["counted"] and out2["on_time"].tolist() == [False]
    assert str(out["on_time"].dtype) == "boolean"


@pytest.mark.parametrize("link", ["", "ftp://x.com/a", "https://", "http:// x.com", None,
                                  "https://./", "https://.../x", "https://a./", "https://a..b/", "https://fb",
                                  # rule 6 as amended: without a scheme only a host + `/`, `www.`, a platform host
                                  "sudah", "12.30", "desamaju.id", "S.Pd", "javascript:alert(1)", "=HYPERLINK(\"x\")",
                                  "facebook.com /x", "//facebook.com/x", "-desa.id/x", "desa-.id/x", "desa.i/x",
                                  "desa.12/x", "desa..id/x", "desa.id./x", "www.desa.id:8080/x", "desamaju.id?p=1",
                                  "https//facebook.com", "http:/facebook.com", "dësa.id/x", "desa_maju.id/x",
                                  "notinstagram.com", "facebook.com.evil", "fb", "www"])
def test_invalid_link(link):
    out = run(responses({"id": "1234", "nama": "Siti Aminah", "link": link}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["invalid_link"]
    assert out["nomor_absen"].tolist() == [1234]
    assert pd.isna(out["platform"].iloc[0])


@pytest.mark.parametrize(
    ("link", "platform"),
    [("www.facebook.com/desa.maju/posts/1", "Facebook"), ("fb.watch/abc", "Facebook"),
     ("desamaju.id/berita", "Website/Blog"), ("WWW.DESAMAJU.ID", "Website/Blog"), ("www.desa-maju.id", "Website/Blog"),
     ("instagram.com", "Instagram"), ("tiktok.com", "TikTok"), ("vt.tiktok.com", "TikTok"), ("youtu.be/AbC", "YouTube"),
     ("m.facebook.com", "Facebook"), ("x.com", "X/Twitter"), ("  twitter.com/a/status/1 ", "X/Twitter"),
     ("desa.id/", "Website/Blog"), ("a1.b2.co.id/x?y=1#z", "Website/Blog")],
)
def test_link_without_scheme_counts_with_a_warning(link, platform):
    out = run(responses({"id": "1234", "nama": "Siti Aminah", "link": link}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["counted"]
    assert out["platform"].tolist() == [platform]
    assert out["warnings"].tolist() == ["link_no_scheme"]


def test_link_no_scheme_warning_only_for_valid_links_without_scheme():
    out = run(responses({"id": "1234", "nama": "Siti Aminah", "link": "https://desa.id/x"},
                        {"id": "5678", "nama": "Muhammad Rizky", "link": "sudah"},
                        {"id": "2001", "nama": "", "link": "desa.id/x", "prov": "Bali"},
                        {"id": "99999", "nama": "Orang Lain", "link": "desa.id/y"}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["counted", "invalid_link", "counted", "unknown_id"]
    # the warning reads the link, whatever the outcome (as province_unrecognised reads the form)
    assert out["warnings"].tolist() == ["", "", "name_missing;link_no_scheme", "link_no_scheme"]


@pytest.mark.parametrize(
    ("link", "platform"),
    [("https://fb.watch/abc", "Facebook"), ("https://www.instagram.com/p/x", "Instagram"),
     ("https://x.com/a/status/1", "X/Twitter"), ("https://vm.tiktok.com/z", "TikTok"),
     ("https://youtu.be/v", "YouTube"), ("http://desa-sukamaju.id/berita", "Website/Blog")],
)
def test_platform_of_counted_link(link, platform):
    out = run(responses({"id": "1234", "nama": "Siti Aminah", "link": link}), BASE_ROSTER)
    assert out["platform"].tolist() == [platform]


def test_duplicates_by_timestamp_then_source_row():
    resp = responses(
        {"id": "1234", "nama": "Siti Aminah", "at": 30, "source_row": 1},
        {"id": "1234", "nama": "Siti Aminah", "at": 20, "source_row": 2},  # earliest time: counted
        {"id": "5678", "nama": "Muhammad Rizky", "at": 15, "source_row": 5},
        {"id": "5678", "nama": "Muhammad Rizky", "at": 15, "source_row": 4},  # same time, earlier row
        {"id": "1234", "nama": "Siti Aminah", "at": 5, "link": "bad"},  # fails 6: does not count as earlier
    )
    out = run(resp, BASE_ROSTER)
    assert out["outcome"].tolist() == ["duplicate", "counted", "duplicate", "counted", "invalid_link"]
    assert out["on_time"].isna().tolist() == [True, False, True, False, True]


def test_before_start_row_does_not_make_a_later_row_duplicate():
    out = run(responses({"id": "1234", "nama": "Siti Aminah", "at": -5},
                        {"id": "1234", "nama": "Siti Aminah", "at": 5}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["before_start", "counted"]


# --- recovery --------------------------------------------------------------------------------------


def test_variants_of_one_keystroke():
    v = one_keystroke_variants("1234")
    assert v["1294"] == "changed" and v["1324"] == "swapped"
    # kinds name the typing slip: the typed id had a digit dropped / one added
    assert v["12034"] == "dropped" and v["124"] == "added"
    assert "0234" not in v and "234" in v and "1234" not in v
    assert all(not s.startswith("0") for s in v)
    assert "0" not in one_keystroke_variants("10")  # dropping "1" leaves a leading zero
    assert "11" not in {k for k, kind in one_keystroke_variants("11").items() if kind == "swapped"}


@pytest.mark.parametrize(
    ("typed", "kind"),
    [("1294", "changed"), ("1324", "swapped"), ("12534", "added"), ("234", "dropped"), ("12 3 4 5", "added")],
)
def test_each_recovery_kind(typed, kind):
    out = run(responses({"id": typed, "nama": "Siti Aminah"}), BASE_ROSTER)
    row = out.iloc[0]
    assert row["outcome"] == "recovered"
    assert row["nomor_absen"] == 1234
    assert row["recovery"] == kind
    assert row["nomor_absen_input"] == typed
    assert bool(row["on_time"]) is True and row["platform"] == "Facebook"


def test_recovery_when_typed_id_exists_but_belongs_to_someone_else():
    ros = roster({"nomor_absen": 1234, "nama": "Siti Aminah"}, {"nomor_absen": 1243, "nama": "Joko Susilo"})
    out = run(responses({"id": "1243", "nama": "Siti Aminah"}), ros)
    assert out["outcome"].tolist() == ["recovered"] and out["nomor_absen"].tolist() == [1234]
    assert out["recovery"].tolist() == ["swapped"]


def test_recovery_with_a_typo_in_the_name_too():
    out = run(responses({"id": "5687", "nama": "Muhamad Rizki, S.Kom"}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["recovered"] and out["nomor_absen"].tolist() == [5678]


def test_ambiguous_recovery_is_not_recovered():
    ros = roster({"nomor_absen": 1234, "nama": "Siti Aminah"}, {"nomor_absen": 1239, "nama": "Siti Aminah"},
                 {"nomor_absen": 1236, "nama": "Joko Susilo"})
    out = run(responses({"id": "1235", "nama": "Siti Aminah"}, {"id": "1236", "nama": "Siti Aminah"}), ros)
    assert out["outcome"].tolist() == ["unknown_id", "name_mismatch"]
    assert out["nomor_absen"].isna().all()


def test_empty_name_never_recovers():
    out = run(responses({"id": "1294", "nama": ""}, {"id": "1294", "nama": "Ibu"}, {"id": "1294", "nama": None}),
              BASE_ROSTER)
    assert out["outcome"].tolist() == ["unknown_id"] * 3


def test_no_recovery_to_a_different_person():
    out = run(responses({"id": "1294", "nama": "Siti Rahmah"}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["unknown_id"]


def test_no_recovery_over_two_keystrokes():
    out = run(responses({"id": "2134", "nama": "Siti Aminah"}, {"id": "1299", "nama": "Siti Aminah"}),
              BASE_ROSTER)
    assert out["outcome"].tolist() == ["recovered", "unknown_id"]  # 2134 is a swap; 1299 two changes


def test_recovered_duplicate_of_an_earlier_counted_row():
    out = run(responses({"id": "1234", "nama": "Siti Aminah", "at": 5},
                        {"id": "1294", "nama": "Siti Aminah", "at": 6}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["counted", "duplicate"]
    assert out["nomor_absen"].tolist() == [1234, 1234]
    assert out["recovery"].tolist()[1] == "changed"


def test_recovered_row_earlier_than_counted_row_wins():
    out = run(responses({"id": "1234", "nama": "Siti Aminah", "at": 9},
                        {"id": "1294", "nama": "Siti Aminah", "at": 6}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["duplicate", "recovered"]


def test_recovery_to_quarantined_row_is_roster_conflict():
    ros = roster({"nomor_absen": 1234, "nama": "Siti Aminah", "quarantine_reason": "unknown_province"})
    out = run(responses({"id": "1294", "nama": "Siti Aminah"}), ros)
    assert out["outcome"].tolist() == ["roster_conflict"] and out["nomor_absen"].tolist() == [1234]


# --- precedence -----------------------------------------------------------------------------------


def test_precedence_order():
    ros = roster(
        {"nomor_absen": 11, "nama": "Agus Salim", "provinsi": "Bali"},
        {"nomor_absen": 22, "nama": "Rina Marlina", "quarantine_reason": "unknown_jabatan", "provinsi": "Bali"},
        {"nomor_absen": 33, "nama": "Joko Susilo"},
    )
    out = run(responses(
        {"id": "11", "nama": "Agus Salim", "link": "bad", "at": -10},  # not_eligible beats before_start/link
        {"id": "22", "nama": "Rina Marlina", "link": "bad", "at": -10},  # roster_conflict beats both
        {"id": "33", "nama": "Joko Susilo", "link": "bad", "at": -10},  # before_start beats invalid_link
        {"id": "", "nama": "Joko Susilo", "link": "bad", "at": None},  # missing_id first
        {"id": "99", "nama": "Joko Susilo", "link": "bad", "at": -10},  # unknown_id beats the rest
    ), ros, scope=("Jawa Timur",))
    assert out["outcome"].tolist() == ["not_eligible", "roster_conflict", "before_start", "missing_id", "unknown_id"]


# --- warnings -------------------------------------------------------------------------------------


def test_province_mismatch_warning_never_rejects():
    out = run(responses({"id": "1234", "nama": "Siti Aminah", "prov": "Bali"},
                        {"id": "5678", "nama": "Muhammad Rizky", "prov": "Jatim"},
                        {"id": "2001", "nama": "Budi Santoso", "prov": "Planet Mars"},
                        {"id": "9999", "nama": "Nobody Here", "prov": "Aceh"}), BASE_ROSTER)
    assert out["outcome"].tolist() == ["counted", "counted", "counted", "unknown_id"]
    assert out["warnings"].tolist() == ["province_mismatch", "", "province_unrecognised", ""]
    assert out["roster_provinsi"].tolist()[:3] == ["Jawa Timur", "Jawa Timur", "Bali"]


def test_warnings_join_with_semicolons():
    out = run(responses({"id": "1234", "nama": "", "prov": "Aceh"}), BASE_ROSTER)
    assert out["warnings"].tolist() == ["province_mismatch;name_missing"]


# --- shape ------------------------------------------------------------------------------------------


def test_order_index_and_input_columns_are_kept():
    resp = responses({"id": "5678", "nama": "Muhammad Rizky"}, {"id": "", "nama": "x"},
                     {"id": "1234", "nama": "Siti Aminah"})
    resp.index = [7, 3, 5]
    out = resolve_responses(resp, BASE_ROSTER, task())
    assert out.index.tolist() == [7, 3, 5]
    pd.testing.assert_frame_equal(out[list(resp.columns)], resp)
    assert out["outcome"].tolist() == ["counted", "missing_id", "counted"]
    assert str(out["nomor_absen"].dtype) == "Int64"
    assert out["response_minutes"].dtype == np.float64


def test_empty_responses():
    resp = responses({"id": "1", "nama": "x"}).iloc[:0]
    out = resolve_responses(resp, BASE_ROSTER, task())
    assert len(out) == 0 and set(RESOLVED_COLUMNS) <= set(out.columns)


# --- speed ------------------------------------------------------------------------------------------


def _national_frames(n_roster=30_000, n_resp=25_000, seed=7):
    rng = np.random.default_rng(seed)
    syllables = ["ba", "di", "su", "ti", "ra", "ma", "na", "wa", "ko", "ri", "an", "to", "har", "yu", "sa",
                 "dar", "lin", "ni", "pur", "hen", "tri", "ah", "mad", "wan"]
    words = sorted({"".join(rng.choice(syllables, size=k)).capitalize() for k in (2, 3) for _ in range(400)})
    picks = rng.integers(0, len(words), size=(n_roster, 3))
    names = [" ".join(words[j] for j in row) for row in picks]  # nearly all distinct, like a real roster
    ros = pd.DataFrame({
        "source_row": np.arange(1, n_roster + 1), "nomor_absen": pd.array(np.arange(1, n_roster + 1), dtype="Int64"),
        "nama": pd.array(names, dtype="string"), "jabatan": "PD", "provinsi": "Jawa Timur", "kabupaten": "Malang",
        "status": "Aktif", "tanggal_resign": None, "tanggal_bergabung": None,
        "quarantine_reason": pd.array([pd.NA] * n_roster, dtype="string"),
    })
    who = rng.choice(n_roster, size=n_resp, replace=False)
    typed = [str(w + 1) for w in who]
    for k in rng.choice(n_resp, size=n_resp // 25, replace=False):  # 4% one-keystroke typos
        s = typed[k]
        typed[k] = s[:-1] + str((int(s[-1]) + 3) % 10) if len(s) > 1 else s
    resp_names = [f"{names[w].upper()}, S.Pd." if i % 3 == 0 else names[w] for i, w in enumerate(who)]
    ts = MULAI + pd.to_timedelta(rng.integers(0, 24 * 60, size=n_resp), unit="min")
    resp = pd.DataFrame({
        "source_row": np.arange(1, n_resp + 1), "timestamp_raw": "", "timestamp": ts,
        "provinsi_raw": "Jawa Timur", "provinsi": "Jawa Timur", "nomor_absen_input": typed,
        "nama": resp_names, "link": [f"https://www.facebook.com/p/{i}" for i in range(n_resp)],
    })
    return resp, ros


def test_national_scale_frames_resolve():
    # Speed is measured by bench/bench_resolve.py, not here.
    resp, ros = _national_frames()
    out = resolve_responses(resp, ros, task())
    counts = out["outcome"].value_counts()
    assert counts.get("recovered", 0) > 0
    assert counts.get("counted", 0) + counts.get("recovered", 0) > 0.95 * len(resp)
    assert len(out) == len(resp) and out["source_row"].tolist() == resp["source_row"].tolist()


# --- the resolution memo (a live watcher resolves the same rows on every refresh) -------------------


def test_resolving_again_gives_the_same_rows_and_a_changed_roster_is_never_served_stale_lookups():
    resp = responses({"id": "1234", "nama": "Siti Aminah"}, {"id": "5687", "nama": "Muhammad Rizky"},
                     {"id": 1234, "nama": "Siti Aminah"}, {"id": "9999", "nama": "Budi"})
    ros = BASE_ROSTER.copy()
    first = run(resp, ros)
    assert first["outcome"].tolist()[:2] == ["counted", "recovered"]
    pd.testing.assert_frame_equal(run(resp, ros), first)  # served from the memo: the same frame
    ros.loc[0, "nama"] = "Dewi Lestari"  # edited in place: another roster, another look-up table
    assert run(resp, ros)["outcome"].tolist()[0] == "name_mismatch"
    ros.loc[1, "nomor_absen"] = 5687  # the typo is now someone's real id
    assert run(resp, ros)["outcome"].tolist()[1] == "counted"
    assert run(resp, BASE_ROSTER)["outcome"].tolist()[:2] == ["counted", "recovered"]
