"""Period recap: period parsing, the figures on hand-made cases, clear errors, the history store, the
workbook and the views (own province only). The contract's agreement on the sample is
tests/test_recap_recompute.py; the rendered reports and `make audit` are tests/test_recap_e2e.py."""

from __future__ import annotations

import datetime as dt
import io
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.figures import recap
from pipeline.reports import recap_view, recap_workbook
from pipeline.runs import cli
from pipeline.runs.recap import make_period, parse_period, run_recap_tables

HOSTILE = '=HYPERLINK("http://evil.example/x","klik")'


# --- Periods ---------------------------------------------------------------------------------------

def test_a_month_a_quarter_and_days():
    m = parse_period("2025-11")
    assert (m.start, m.end, m.kind, m.name) == (dt.date(2025, 11, 1), dt.date(2025, 11, 30), "month",
                                                "recap_2025-11-01_2025-11-30")
    assert m.label() == "November 2025"
    q = parse_period("2025-q4")
    assert (q.start, q.end, q.kind, q.label()) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31), "quarter",
                                                   "Triwulan IV 2025")
    assert parse_period(None, "2024-02-01", "2024-02-29").kind == "month"  # FROM/TO of a whole month is that month
    assert parse_period(None, "2025-01-01", "2025-03-31") == parse_period("2025-Q1")
    d = parse_period(None, "2025-11-01", "2025-11-15")
    assert d.kind == "days" and d.label() == "1 November 2025 s.d. 15 November 2025"


def test_the_previous_period_has_the_same_length():
    assert parse_period("2025-01").previous() == parse_period("2024-12")
    assert parse_period("2025-Q1").previous() == parse_period("2024-Q4")
    assert parse_period("2025-03").previous().end == dt.date(2025, 2, 28)
    d = make_period("2025-11-11", "2025-11-20").previous()
    assert (d.start, d.end) == (dt.date(2025, 11, 1), dt.date(2025, 11, 10))


@pytest.mark.parametrize(("args", "words"), [
    (("2025-13", None, None), "2025-11"), (("Q4-2025", None, None), "2025-Q4"),
    ((None, "2025-11-01", None), "FROM"), ((None, "2025-11-31", "2025-12-01"), "YYYY-MM-DD"),
    ((None, "2025-11-10", "2025-11-01"), "before"), (("2025-11", "2025-11-01", "2025-11-30"), "not both"),
])
def test_a_bad_period_is_a_clear_input_error(args, words):
    with pytest.raises(InputError, match=words):
        parse_period(*args)


# --- Figures on hand-made cases ----------------------------------------------------------------------

def test_longest_streak_skips_tasks_the_tpp_was_not_eligible_for():
    # tasks:       1      2      3      4      5      6
    eligible = np.array([[1, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]], dtype=bool)
    responded = np.array([[0, 0, 0, 1, 0, 0], [1, 0, 1, 0, 0, 1], [0, 0, 0, 0, 0, 0]], dtype=bool)
    assert recap.longest_streaks(eligible, responded).tolist() == [2, 2, 0]


def _roster(rows):
    return pd.DataFrame([{
        "nomor_absen": n, "nama": f"Orang {n}", "jabatan": jab, "provinsi": prov, "kabupaten": kab,
        "status": "Aktif", "tanggal_resign": None, "tanggal_bergabung": joined, "quarantine_reason": q,
    } for n, prov, kab, jab, joined, q in rows])


def _tasks(specs):
    tz = "Asia/Jakarta"
    return pd.DataFrame([{
        "task_id": tid, "judul": tid, "mulai": pd.Timestamp(day, tz=tz) + pd.Timedelta(hours=8),
        "batas": pd.Timestamp(day, tz=tz) + pd.Timedelta(hours=32), "cakupan": "; ".join(scope) or "nasional",
        "scope": tuple(scope), "timezone": tz,
    } for tid, day, scope in specs])


def _counted(rows):
    return pd.DataFrame(rows, columns=["nomor_absen", "on_time", "response_minutes"])


@pytest.fixture
def hand_made():
    roster = _roster([
        (1, "Bali", "Badung", "PD", None, None),  # 4 of 5 tasks: 0.8 -> baik
        (2, "Bali", "Badung", "PLD", None, None),  # 1 of 2 (joined late): 0.5 -> cukup
        (3, "Bali", "Gianyar", "PD", None, None),  # 2 of 5 -> perlu_pembinaan
        (4, "Gorontalo", "Boalemo", "TA", None, None),  # the provincial task is Bali's: 4 tasks
        (5, "Gorontalo", "Boalemo", "TA", None, "duplicate_id"),  # quarantined: never in a recap
        (6, "Gorontalo", "Boalemo", "TA", dt.date(2026, 1, 1), None),  # joined after every task: not listed
    ])
    roster.loc[1, "tanggal_bergabung"] = dt.date(2025, 11, 15)
    tasks = _tasks([("a", "2025-11-01", ()), ("b", "2025-11-05", ("Bali",)), ("c", "2025-11-10", ()),
                    ("d", "2025-11-20", ()), ("e", "2025-11-25", ())])
    counted = {
        "a": _counted([(1, True, 10.0), (3, True, 30.0), (4, False, 2000.0), (5, True, 1.0)]),
        "b": _counted([(1, True, 20.0)]),
        "c": _counted([(3, False, 1500.0), (4, True, 40.0)]),
        "d": _counted([(1, False, 1600.0), (2, True, 5.0)]),
        "e": _counted([(1, True, 50.0)]),
    }
    return roster, tasks, counted


def test_per_tpp_figures_and_categories(hand_made):
    roster, tasks, counted = hand_made
    t = recap.tpp_table(recap.period_matrices(roster, tasks, counted), baik=0.8, cukup=0.5).set_index("nomor_absen")
    assert list(t.index) == [1, 2, 3, 4]  # quarantined and never-eligible TPP are not listed
    assert t.loc[1, ["eligible_tasks", "responded_tasks", "on_time_tasks", "longest_streak"]].tolist() == [5, 4, 3, 1]
    assert t.loc[1, "participation_rate"] == 0.8 and t.loc[1, "on_time_rate"] == 0.6
    assert t.loc[1, "median_response_minutes"] == 35.0  # 10, 20, 1600, 50
    assert t.loc[[1, 2, 3, 4], "category"].tolist() == ["baik", "cukup", "perlu_pembinaan", "cukup"]
    assert t.loc[2, ["eligible_tasks", "responded_tasks", "longest_streak"]].tolist() == [2, 1, 1]
    assert t.loc[3, "longest_streak"] == 2 and t.loc[2, "median_response_minutes"] == 5.0
    assert t.loc[4, "eligible_tasks"] == 4  # the provincial task of Bali is not Gorontalo's


def test_group_figures_sum_over_tpp_and_pool_every_counted_row(hand_made):
    roster, tasks, counted = hand_made
    tabs = recap.recap_tables(roster, tasks, counted, _trend(roster, tasks, counted), baik=0.8, cukup=0.5)
    bali = tabs["recap_province"].set_index("provinsi").loc["Bali"]
    assert bali[["tpp", "eligible_tasks", "responded_tasks", "on_time_tasks"]].tolist() == [3, 12, 7, 5]
    assert bali["participation_rate"] == pytest.approx(7 / 12)
    assert bali["median_response_minutes"] == 30.0  # 10 20 1600 50 | 5 | 30 1500 -> median of 7 rows
    nat = tabs["recap_national"].set_index("jabatan").loc["Semua"]
    assert nat[["tpp", "eligible_tasks", "responded_tasks"]].tolist() == [4, 14, 8]  # task b (Bali's) left out
    cats = tabs["recap_categories"]
    assert cats[cats["provinsi"] == "Gorontalo"].set_index("category")["tpp"].to_dict() == {
        "baik": 0, "cukup": 1, "perlu_pembinaan": 0}


def _trend(roster, tasks, counted):
    from pipeline.figures import compute

    return {t["task_id"]: compute.task_trend(roster, t, counted[t["task_id"]].assign(platform="Facebook"))
            for _, t in tasks.iterrows()}


def test_province_summary_ranks_and_compares_with_the_previous_period():
    now = pd.DataFrame({"provinsi": ["Bali", "Gorontalo", "Papua"], "participation_rate": [0.9, 0.95, 0.9]})
    before = pd.DataFrame({"provinsi": ["Bali", "Gorontalo"], "participation_rate": [0.8, 0.97]})
    s = recap.province_summary(now, before).set_index("provinsi")
    assert s["rank"].tolist() == [1, 2, 2]
    assert s.loc["Bali", "change"] == pytest.approx(0.1) and pd.isna(s.loc["Papua", "change"])
    assert recap.province_summary(now, None)["change"].isna().all()


# --- On the sample: errors, history, workbook, views --------------------------------------------------

def test_a_period_without_a_task_exits_2_with_one_line(small_sample, tmp_path, capsys):
    code = cli.main(["recap", "--period", "2024-03", "--data", str(small_sample), "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "no task" in err and "2024-03-01" in err


def test_a_task_without_its_response_file_is_named(small_sample, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(small_sample, data)
    (data / "responses" / "2025-10-28-hari-sumpah-pemuda.csv").unlink()
    code = cli.main(["recap", "--from", "2025-10-01", "--to", "2025-11-30", "--data", str(data),
                     "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "1 task(s)" in err
    assert "2025-10-28-hari-sumpah-pemuda (responses/2025-10-28-hari-sumpah-pemuda.csv or .xlsx)" in err
    assert not (tmp_path / "out" / "recap_2025-10-01_2025-11-30").exists()


@pytest.fixture(scope="module")
def quarter(small_sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("recap-q4")
    logs = []
    first = run_recap_tables(small_sample, "2025-10-01", "2025-12-31", out / "a", history_dir=out / ".history",
                             log=logs.append)
    recap_workbook.write_workbooks(out / "a")  # what the report workers of a recap run write, one each
    second = run_recap_tables(small_sample, "2025-10-01", "2025-12-31", out / "b", history_dir=out / ".history",
                              log=logs.append)
    return out, first, second, logs


def test_a_second_recap_reads_every_task_from_the_history_and_gives_the_same_bytes(quarter):
    out, first, second, logs = quarter
    assert logs == ["history: 0 task(s) read from the store, 5 resolved",  # Q4 (3 tasks) and Q3 (2 tasks)
                    "history: 5 task(s) read from the store, 0 resolved"]
    for name in recap.TABLES:
        a, b = (out / run / "tables" / f"{name}.csv" for run in ("a", "b"))
        assert a.read_bytes() == b.read_bytes()
    assert (out / "a" / "recap.json").read_bytes() == (out / "b" / "recap.json").read_bytes()
    assert first.info["previous"]["tasks"] == ["2025-08-17-hut-ri-80", "2025-09-24-hari-tani"]


def test_the_workbook_is_every_tpp_row_of_its_province_as_text_without_contacts(quarter):
    out, first, _, _ = quarter
    tpp = first.tables["recap_tpp"].copy()
    rows = tpp[tpp["provinsi"] == "Gorontalo"].copy()
    rows.iloc[0, rows.columns.get_loc("nama")] = HOSTILE
    data = recap_workbook.workbook_bytes("Gorontalo", rows, first.info)
    assert data == recap_workbook.workbook_bytes("Gorontalo", rows, first.info)  # deterministic
    ws = openpyxl.load_workbook(io.BytesIO(data))[recap_workbook.SHEET_LIST]
    assert ws.auto_filter.ref or ws.tables  # filterable
    values = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(values) == len(rows)
    assert [v[1] for v in values] == rows["nomor_absen"].tolist()
    cell = ws.cell(row=2, column=3)
    assert cell.value == HOSTILE and cell.data_type == "s"  # a string cell: shown, never evaluated, no apostrophe
    text = " ".join(str(v) for r in values for v in r)
    assert "@" not in text.replace(HOSTILE, "")
    published = out / "a" / "gorontalo" / "rekap-tpp.xlsx"
    assert openpyxl.load_workbook(published)[recap_workbook.SHEET_LIST].max_row - 1 == int((tpp["provinsi"] == "Gorontalo").sum())
    # written from the stashed rows (not the formula-neutralised CSV): the same bytes as from the computed table
    assert published.read_bytes() == recap_workbook.workbook_bytes("Gorontalo", tpp[tpp["provinsi"] == "Gorontalo"],
                                                                   first.info)


def test_a_province_view_names_only_its_own_tpp(quarter):
    out, first, _, _ = quarter
    rt = recap_view.load_recap_tables(out / "a")
    tpp = first.tables["recap_tpp"]
    for prov in ("Papua Pegunungan", "Sulawesi Selatan"):
        shown = repr(recap_view.pembinaan_table(rt, prov)) + repr(recap_view.streak_table(rt, prov))
        mine = tpp[tpp["provinsi"] == prov]
        others = tpp[(tpp["provinsi"] != prov) & (tpp["category"] == "perlu_pembinaan")]
        for name in mine.loc[mine["category"] == "perlu_pembinaan", "nama"]:
            assert str(name)[:40] in shown
        assert not any(f" {n} " in f" {shown} " for n in others["nama"] if len(str(n)) > 12)
    assert "Papua Pegunungan" in repr(recap_view.province_ranking(rt)[1])


def test_a_recap_after_the_task_runs_resolves_nothing_again(small_sample, tmp_path):
    from pipeline.runs.stage import run_task

    history = tmp_path / ".history"
    run_task(small_sample, "2025-10-28-hari-sumpah-pemuda", out_root=tmp_path, history_dir=history, log=lambda *a: None)
    logs = []
    run_recap_tables(small_sample, "2025-10-01", "2025-10-31", tmp_path / "recap", history_dir=history, log=logs.append)
    assert logs == ["history: 3 task(s) read from the store, 0 resolved"]  # October's 2 tasks and September's


def test_a_workbook_written_by_a_worker_keeps_a_formula_like_name_as_typed(quarter, tmp_path):
    out, first, _, _ = quarter
    folder = tmp_path / "recap"
    shutil.copytree(out / "a", folder)
    tpp = first.tables["recap_tpp"].copy()
    tpp.loc[tpp.index[tpp["provinsi"] == "Gorontalo"][0], "nama"] = HOSTILE
    recap_workbook.stash_rows(folder, tpp)
    path = recap_workbook.write_province_workbook(folder, "Gorontalo")
    cell = openpyxl.load_workbook(path)[recap_workbook.SHEET_LIST].cell(row=2, column=3)
    assert cell.value == HOSTILE and cell.data_type == "s"  # not the CSV's neutralised "'=HYPERLINK"
    recap_workbook.remove_stash(folder)
    assert not (folder / ".work").exists()
