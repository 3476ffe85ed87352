"""The Great Expectations suites in expectations/: quarantine reasons, row-level results, the gate."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from pipeline import config
from pipeline.errors import ValidationFailed
from pipeline.reports import validation_page
from pipeline.rules import validate


def roster_frame():
    return pd.DataFrame({
        "source_row": [1, 2, 3, 4, 5, 6],
        "nomor_absen": pd.array([1, 2, 2, None, 5, 6], dtype="Int64"),
        "nama": pd.array(["A", "B", "C", "D", "E", "F"], dtype="string"),
        "provinsi": pd.array(["Aceh", None, "Bali", "Bali", "Bali", "Bali"], dtype="string"),
        "jabatan": pd.array(["TA", "PD", "PD", None, None, "PLD"], dtype="string"),
        "kabupaten": pd.array(["k"] * 6, dtype="string"),
        "status": pd.array(["Aktif"] * 6, dtype="string"),
    })


def test_every_suite_is_valid_json_with_severity():
    for path in sorted(config.EXPECTATIONS_DIR.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        assert spec["name"] == path.stem
        for exp in spec["expectations"]:
            assert exp["meta"]["severity"] in ("critical", "warning"), (path.name, exp["type"])


def test_roster_quarantine_reasons_follow_the_contract_order():
    out, res = validate.validate_roster(roster_frame())
    # row 2 has a duplicate id and an unknown province: duplicate_id comes first
    assert out["quarantine_reason"].fillna("").tolist() == ["", "duplicate_id", "duplicate_id", "missing_id",
                                                            "unknown_jabatan", ""]
    # row-level results name the row and the expectation
    f = res.failures
    assert set(f.loc[f["reason"] == "duplicate_id", "source_row"]) == {2, 3}
    assert set(f.loc[f["reason"] == "unknown_province", "source_row"]) == {2}
    assert not res.critical_ok


def test_strict_fails_on_any_quarantined_row():
    with pytest.raises(ValidationFailed, match="3|4"):
        validate.validate_roster(roster_frame(), strict=True)


def test_gate_rejects_two_counted_rows_for_one_tpp():
    checked = pd.DataFrame({
        "source_row": [1, 2], "outcome": ["counted", "recovered"],
        "nomor_absen": pd.array([7, 7], dtype="Int64"), "on_time": pd.array([True, False], dtype="boolean"),
    })
    with pytest.raises(ValidationFailed, match="counted_id"):
        validate.gate_checked_responses(checked, 2)


def test_gate_rejects_lost_rows():
    checked = pd.DataFrame({"source_row": [1], "outcome": ["counted"], "nomor_absen": pd.array([7], dtype="Int64"),
                            "on_time": pd.array([True], dtype="boolean")})
    with pytest.raises(ValidationFailed, match="2 rows in, 1 rows out"):
        validate.gate_checked_responses(checked, 2)


def test_validation_page_escapes_values():
    df = roster_frame()
    df.loc[4, "nomor_absen"] = pd.NA
    res = validate.run_suite("roster", df.assign(kabupaten=pd.array(["<script>x</script>"] * 6, dtype="string")))
    page = validation_page.validation_page([res], task_id="<t>")
    assert "<script>" not in page and "&lt;t&gt;" in page


def test_validation_page_speaks_plain_indonesian():
    df = roster_frame()
    df.loc[4, "nomor_absen"] = pd.NA
    res = validate.run_suite("roster", df)
    page = validation_page.validation_page([res], task_id="t")
    soup = BeautifulSoup(page, "html.parser")
    text = soup.get_text(" ")
    # no suite, expectation, severity or reason codes for readers
    for code in ("expect_column", "critical", "warning", "missing_id", "Suite", "roster", "nomor_absen"):
        assert code not in text, code
    assert "Data TPP" in text and "wajib" in text and "baris dikarantina" in text
    failed = [tr.find_all("td") for tr in soup.select("table")[1].select("tbody tr")]
    shown = [(int(c[0].get_text()), c[1].get_text()) for c in failed]
    assert len(shown) == len(res.failures)
    assert (4, "Nomor absen kosong atau bukan angka") in shown and (5, "Nomor absen kosong atau bukan angka") in shown
    assert (2, "Provinsi tidak dikenal") in shown and (3, "Nomor absen dipakai di dua baris atau lebih") in shown
    assert soup.find("meta", attrs={"name": "viewport"}) is not None


def test_column_labels_read_as_words():
    assert validation_page.column_label("nomor_absen") == "Nomor absen"
    assert validation_page.column_label("nomor_absen_input") == "Nomor absen"
    assert validation_page.column_label("media_konvensional") == "Media konvensional"
    assert validation_page.column_label("timestamp") == "Cap waktu"


def test_a_stored_roster_outcome_gives_the_same_roster_and_suite_without_running_gx(small_sample, tmp_path,
                                                                                    monkeypatch):
    from pipeline.figures.history import HistoryStore
    from pipeline.inputs import load
    from pipeline.runs.stage import prepare_roster

    raw = load.load_roster(small_sample)
    raw.loc[raw.index[:3], "nama"] = ['=HYPERLINK("x")', "", None]  # odd cells reach the stored failures too
    raw.attrs["sha256"] = "roster-under-test"  # the key of these edited rows
    store = HistoryStore(tmp_path / ".history")
    fresh, fresh_suite = prepare_roster(raw, store=store)
    assert len(list((tmp_path / ".history" / "validation").glob("*.json"))) == 1
    assert len(fresh_suite.failures) > 0  # the sample's roster has quarantined rows

    def no_gx(*args, **kwargs):
        raise AssertionError("the suite ran again on an unchanged roster")

    monkeypatch.setattr(validate, "run_suite", no_gx)
    cached, cached_suite = prepare_roster(raw, store=store)
    pd.testing.assert_frame_equal(cached, fresh)
    pd.testing.assert_frame_equal(cached_suite.checks, fresh_suite.checks)
    pd.testing.assert_frame_equal(cached_suite.failures, fresh_suite.failures)
    assert cached_suite.gx_result == json.loads(json.dumps(fresh_suite.gx_result, default=str))
    with pytest.raises(ValidationFailed):  # --strict still fails on the stored outcome
        prepare_roster(raw, strict=True, store=store)
    other = raw.copy()
    other.attrs["sha256"] = "other-roster-bytes"
    with pytest.raises(AssertionError, match="ran again"):  # other bytes: another key, the suite runs
        prepare_roster(other, store=store)
