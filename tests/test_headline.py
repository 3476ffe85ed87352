"""Headline figures (pipeline/figures/headline.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.figures import headline


def test_latest_response_is_the_latest_readable_timestamp_of_any_row():
    checked = pd.DataFrame({"timestamp": ["2025-11-10T08:05:00+07:00", None, "2025-11-12T09:30:00+07:00",
                                          "2025-11-11T23:59:00+07:00"],
                            "outcome": ["counted", "invalid_timestamp", "invalid_link", "counted"]})
    assert headline.latest_response(checked) == "2025-11-12T09:30:00+07:00"


def test_latest_response_without_rows_or_timestamps_is_none():
    assert headline.latest_response(pd.DataFrame({"timestamp": []})) is None
    assert headline.latest_response(pd.DataFrame({"timestamp": [None, None]})) is None


def test_below_national_is_strict_and_never_na():
    rates = pd.Series([0.5, 0.8, 0.81, np.nan])
    assert headline.below_national(rates, 0.8).tolist() == [True, False, False, False]
    assert headline.below_national(rates, np.nan).tolist() == [False] * 4


def test_largest_falls_lists_only_falls_largest_first():
    s = pd.DataFrame({"provinsi": ["Aceh", "Bali", "Papua", "Riau", "Jambi"],
                      "change": [0.05, -0.10, -0.30, np.nan, -0.10]})
    falls = headline.largest_falls(s, n=2)
    assert falls["provinsi"].tolist() == ["Papua", "Bali"]
    assert headline.largest_falls(s)["provinsi"].tolist() == ["Papua", "Bali", "Jambi"]


def test_national_change_against_the_previous_national_task():
    trend = pd.DataFrame({"task_order": [3, 1, 2], "task_id": ["c", "a", "b"], "participation_rate": [0.8, 0.5, 0.75]})
    assert headline.national_change(trend, "c") == pytest.approx(0.05)
    assert headline.national_change(trend, "a") is None  # the first national task
    assert headline.national_change(trend, "provincial-task") is None


@pytest.mark.parametrize("task_id, label", [("2025-10-19-hut-sulsel", "Partisipasi seluruh cakupan tugas"),
                                            ("2025-10-28-hari-sumpah-pemuda", "Partisipasi nasional")])
def test_a_provincial_task_shows_no_national_figure(small_sample, tmp_path, task_id, label):
    from pipeline.reports import heading, present
    from pipeline.runs.stage import run_task

    run_task(small_sample, task_id, tmp_path / task_id, log=lambda *a: None)
    tt = present.load_task_tables(tmp_path / task_id)
    shown = [name for name, _ in present.national_facts(tt).items]
    shown += [name for name, _ in present.province_facts(tt, tt["participation_province"]["provinsi"].iloc[0]).items]
    first = heading.pusat_actions(tt)[0].text
    assert label in shown and first.startswith(label)
    other = {"Partisipasi nasional", "Partisipasi seluruh cakupan tugas"} - {label}
    assert not other & set(shown) and not first.startswith(other.pop())
    if label != "Partisipasi nasional":  # nor a national change in the words
        assert "nasional" not in " ".join(t.text for t in heading.pusat_actions(tt))
