"""An independent recomputation of the contract's period recap, compared with the published recap tables.

Written from the section "Period recap (rekap periode)" of ../shared/data-contract.md alone, with
plain loops, dicts and `statistics.median`. Each task's outcomes come from the independent
per-task recomputation of the contract in tests/test_recompute.py (csv/openpyxl readers, loops;
no pipeline code): nothing here calls pipeline.inputs, rules or figures. The pipeline is only asked
to publish its recap tables (`pipeline.runs.recap.run_recap_tables`) on the small sample.

Periods checked: a month with two national tasks, a quarter with four, and a FROM/TO period that
holds the provincial task (Sulawesi Selatan, Asia/Makassar) between two national ones. Counts must
agree exactly, rates within 1e-4, medians within 0.5 minutes; every TPP and group exactly once.
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from collections import defaultdict
from pathlib import Path

import pytest

from pipeline.runs.recap import run_recap_tables
from tests.test_recompute import eligible, load_responses, load_roster, load_tasks, outcomes

# (from, to, what it exercises)
PERIODS = [
    ("2025-05-01", "2025-05-31"),  # a month: two national tasks
    ("2025-04-01", "2025-06-30"),  # a quarter: four national tasks
    ("2025-10-01", "2025-11-30"),  # two months holding the provincial task between two national ones
]
PROVINCIAL = "2025-10-19-hut-sulsel"
BAIK, CUKUP = 0.8, 0.5  # the contract's thresholds
GROUP_KEYS = {"recap_province": ("provinsi",), "recap_kabupaten": ("provinsi", "kabupaten"),
              "recap_jabatan": ("provinsi", "jabatan")}


@pytest.fixture(scope="module")
def independent(small_sample):
    roster = load_roster(small_sample)
    tasks = load_tasks(small_sample)
    counted = {}
    for t in tasks:
        rows = outcomes(roster, t, load_responses(small_sample, t))
        counted[t["task_id"]] = {r["id"]: r for r in rows if r["outcome"] in ("counted", "recovered")}
    with open(small_sample / "tasks.csv", encoding="utf-8", newline="") as fh:
        schedule = {r["task_id"]: r for r in csv.DictReader(fh)}
    return roster, tasks, counted, schedule


@pytest.fixture(scope="module")
def published(small_sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("recap")
    history = out / ".history"
    for start, end in PERIODS:
        run_recap_tables(small_sample, start, end, out / f"recap_{start}_{end}", history_dir=history,
                         log=lambda *a: None)
    return out


def read(out: Path, start: str, end: str, name: str) -> list[dict]:
    with open(out / f"recap_{start}_{end}" / "tables" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def period_tasks(tasks: list[dict], start: str, end: str) -> list[dict]:
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [t for t in tasks if a <= t["mulai"].date() <= b]  # mulai is local time of the task's zone


def per_tpp(roster: list[dict], tasks: list[dict], counted: dict) -> dict[int, dict]:
    """The contract's per-TPP figures for every usable roster row eligible for a task of the period."""
    out = {}
    for p in roster:
        if p["quarantine"]:
            continue
        mine = [t for t in tasks if eligible(p, t)]
        if not mine:
            continue
        minutes, responded, on_time, run, longest = [], 0, 0, 0, 0
        for t in mine:
            row = counted[t["task_id"]].get(p["id"])
            if row is None:
                run += 1
                longest = max(longest, run)
                continue
            run = 0
            responded += 1
            on_time += bool(row["on_time"])
            minutes.append((row["timestamp"] - t["mulai"]).total_seconds() / 60)
        rate = responded / len(mine)
        # The thresholds compared on integers: responded / eligible >= 0.8  <=>  10 * responded >= 8 * eligible
        cat = ("baik" if 10 * responded >= 8 * len(mine) else "cukup" if 10 * responded >= 5 * len(mine)
               else "perlu_pembinaan")
        out[p["id"]] = {"person": p, "eligible_tasks": len(mine), "responded_tasks": responded,
                        "on_time_tasks": on_time, "participation_rate": rate, "on_time_rate": on_time / len(mine),
                        "minutes": minutes, "longest_streak": longest, "category": cat}
    return out


def as_csv_text(value: str) -> str:
    """Text as published: a cell a spreadsheet would run as a formula carries a leading apostrophe."""
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d",
                                            "\uff20")) else value


def near(published_value: str, want: float | None, tolerance: float) -> bool:
    if want is None:
        return published_value == ""
    return published_value != "" and abs(float(published_value) - want) <= tolerance


@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_recap_tasks_are_the_tasks_starting_in_the_period(independent, published, start, end):
    _, tasks, _, schedule = independent
    mine = [t["task_id"] for t in period_tasks(tasks, start, end)]
    theirs = read(published, start, end, "recap_tasks")
    assert [r["task_id"] for r in theirs] == mine and mine
    for r in theirs:
        assert (r["judul"], r["cakupan"]) == (schedule[r["task_id"]]["judul"], schedule[r["task_id"]]["cakupan"])
        assert r["mulai"].startswith(schedule[r["task_id"]]["mulai"].replace(" ", "T"))
    if start == "2025-10-01":
        assert PROVINCIAL in mine


@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_every_tpp_once_with_the_contracts_figures(independent, published, start, end):
    roster, tasks, counted, _ = independent
    mine = per_tpp(roster, period_tasks(tasks, start, end), counted)
    theirs = read(published, start, end, "recap_tpp")
    ids = [int(r["nomor_absen"]) for r in theirs]
    assert len(ids) == len(set(ids)) and set(ids) == set(mine)
    wrong = []
    for r in theirs:
        m = mine[int(r["nomor_absen"])]
        p = m["person"]
        names = ("provinsi", "kabupaten", "nama", "jabatan")
        exact = (tuple(r[k] for k in names) == tuple(as_csv_text(p[k]) for k in names)
                 and [int(r[k]) for k in ("eligible_tasks", "responded_tasks", "on_time_tasks", "longest_streak")]
                 == [m[k] for k in ("eligible_tasks", "responded_tasks", "on_time_tasks", "longest_streak")]
                 and r["category"] == m["category"])
        close = (near(r["participation_rate"], m["participation_rate"], 1e-4)
                 and near(r["on_time_rate"], m["on_time_rate"], 1e-4)
                 and near(r["median_response_minutes"], statistics.median(m["minutes"]) if m["minutes"] else None, 0.5))
        if not (exact and close):
            wrong.append((r, {k: v for k, v in m.items() if k != "person"}))
    assert not wrong, wrong[:5]
    # The data really exercises the definitions: every category, streaks, people without a counted row
    assert {r["category"] for r in theirs} == {"baik", "cukup", "perlu_pembinaan"}
    assert any(int(r["longest_streak"]) >= 2 for r in theirs)


@pytest.mark.parametrize(("start", "end"), PERIODS)
@pytest.mark.parametrize("table", list(GROUP_KEYS))
def test_group_figures_are_sums_over_their_tpp(independent, published, start, end, table):
    roster, tasks, counted, _ = independent
    people = per_tpp(roster, period_tasks(tasks, start, end), counted)
    groups = defaultdict(lambda: {"tpp": 0, "eligible_tasks": 0, "responded_tasks": 0, "on_time_tasks": 0,
                                  "minutes": []})
    for m in people.values():
        g = groups[tuple(m["person"][k] for k in GROUP_KEYS[table])]
        g["tpp"] += 1
        for k in ("eligible_tasks", "responded_tasks", "on_time_tasks"):
            g[k] += m[k]
        g["minutes"] += m["minutes"]
    groups = {tuple(as_csv_text(v) for v in key): g for key, g in groups.items()}
    theirs = {tuple(r[k] for k in GROUP_KEYS[table]): r for r in read(published, start, end, table)}
    assert set(theirs) == set(groups)
    for key, g in groups.items():
        r = theirs[key]
        counts = ("tpp", "eligible_tasks", "responded_tasks", "on_time_tasks")
        assert [int(r[k]) for k in counts] == [g[k] for k in counts], key
        assert near(r["participation_rate"], g["responded_tasks"] / g["eligible_tasks"], 1e-4), key
        assert near(r["on_time_rate"], g["on_time_tasks"] / g["eligible_tasks"], 1e-4), key
        assert near(r["median_response_minutes"], statistics.median(g["minutes"]) if g["minutes"] else None, 0.5), key


def test_the_provincial_task_counts_only_for_its_province(independent, published):
    roster, tasks, counted, _ = independent
    start, end = PERIODS[2]
    chosen = period_tasks(tasks, start, end)
    national = [t for t in chosen if t["task_id"] != PROVINCIAL]
    people = per_tpp(roster, chosen, counted)
    sulsel = [m for m in people.values() if m["person"]["provinsi"] == "Sulawesi Selatan"]
    others = [m for m in people.values() if m["person"]["provinsi"] != "Sulawesi Selatan"]
    assert sulsel and max(m["eligible_tasks"] for m in sulsel) == len(national) + 1
    assert max(m["eligible_tasks"] for m in others) == len(national)
