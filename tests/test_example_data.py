"""data/example/ (the small data directory docs/data-format.md describes) stages cleanly, and
reads as the document says: Google Form question headers, a `sumber` file under the Google Forms
export name, day-first slash timestamps, a WITA task from an XLSX with real date-time cells."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.inputs import load
from pipeline.runs import cli

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example"
TASK = "2025-11-10-hari-pahlawan"


def test_example_directory_loads_as_documented():
    roster = load.load_roster(EXAMPLE)
    assert len(roster) == 11 and roster["nomor_absen"].notna().all()
    assert roster.attrs["warnings"] == []
    tasks = load.load_tasks(EXAMPLE)
    assert tasks["task_id"].tolist() == ["2025-10-28-hari-sumpah-pemuda", "2025-11-05-festival-desa-bali", TASK]
    bali = load.get_task(tasks, "2025-11-05-festival-desa-bali")
    assert bali["timezone"] == "Asia/Makassar" and bali["scope"] == ("Bali",)
    xlsx = load.load_responses(EXAMPLE, bali)
    assert xlsx.attrs["sheet"] == "Form Responses 1"
    assert xlsx["timestamp"].iloc[0] == pd.Timestamp("2025-11-05 09:30:12", tz="Asia/Makassar")
    task = load.get_task(tasks, TASK)
    responses = load.load_responses(EXAMPLE, task)
    assert Path(responses.attrs["source"]).name == "Absensi Hari Pahlawan (Responses) - Form Responses 1.csv"
    assert responses["timestamp"].iloc[0] == pd.Timestamp("2025-11-10 08:15:32", tz="Asia/Jakarta")
    assert responses.attrs["warnings"] == []
    assert load.load_village_media(EXAMPLE)["provinsi"].tolist() == ["Bali", "Bali", "Jawa Timur", "Jawa Timur",
                                                                     "Gorontalo"]


def test_example_directory_stages_cleanly(tmp_path, capsys):
    code = cli.main(["stage", "--data", str(EXAMPLE), "--out", str(tmp_path), "--task", TASK, "--strict"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "warning" not in captured.err.lower()
    tables = tmp_path / TASK / "tables"
    checked = pd.read_csv(tables / "responses_checked.csv", dtype=str)
    assert checked["outcome"].tolist() == [
        "counted", "counted", "counted", "recovered", "invalid_link", "counted", "counted", "counted", "counted",
        "missing_id"]
    province = pd.read_csv(tables / "participation_province.csv").set_index("provinsi")
    assert province.loc[["Bali", "Gorontalo", "Jawa Timur"], ["eligible", "responded", "on_time"]].values.tolist() == [
        [3, 3, 3], [3, 1, 1], [4, 4, 3]]
    assert pd.read_csv(tables / "roster_quarantine.csv").empty
