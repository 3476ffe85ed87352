"""pipeline.figures.proof: the flags shared_link, reused_link and task_material, and that they never
change an outcome or a figure."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.figures import proof
from pipeline.figures.history import Entry, HistoryStore
from pipeline.figures.proof import PROOF_FLAGS_COLUMNS, counted_links, materi_links, task_flags, with_flag_warnings

MULAI = pd.Timestamp("2025-11-10 08:00", tz="Asia/Jakarta")


def checked(*rows: dict) -> pd.DataFrame:
    """resolve_responses-like rows: id, link, outcome (counted), at (minutes), prov, kab, source_row (position)."""
    records = []
    for i, r in enumerate(rows):
        records.append({
            "source_row": r.get("source_row", i + 1), "nomor_absen": r.get("id"),
            "timestamp": MULAI + pd.Timedelta(minutes=r.get("at", 10 + i)), "link": r["link"],
            "outcome": r.get("outcome", "counted"), "roster_provinsi": r.get("prov", "Bali"),
            "roster_kabupaten": r.get("kab", "Badung"), "warnings": r.get("warnings", ""),
        })
    frame = pd.DataFrame(records)
    frame["nomor_absen"] = frame["nomor_absen"].astype("Int64")
    for col in ("link", "outcome", "roster_provinsi", "roster_kabupaten", "warnings"):
        frame[col] = frame[col].astype("string")
    return frame


def earlier(*tasks: tuple[str, pd.DataFrame]) -> list:
    return [proof.Earlier.of(tid, counted_links(frame)) for tid, frame in tasks]


def rows(flags: pd.DataFrame) -> list[tuple]:
    return [tuple(r) for r in flags[["source_row", "nomor_absen", "flag", "other"]].itertuples(index=False)]


def test_shared_link_flags_every_row_with_the_others_ascending():
    now = checked({"id": 30, "link": "https://www.facebook.com/desa/posts/1?mibextid=x"},
                  {"id": 7, "link": "facebook.com/desa/posts/1/", "outcome": "recovered"},
                  {"id": 12, "link": "http://m.facebook.com/desa/posts/1#c"},
                  {"id": 5, "link": "https://facebook.com/desa/posts/10"},  # another post
                  {"id": 8, "link": "https://facebook.com/desa/posts/1", "outcome": "duplicate"},  # not counted
                  {"id": 9, "link": "https://facebook.com/desa/posts/1", "outcome": "not_eligible"})
    flags = task_flags(now, None, [])
    assert list(flags.columns) == PROOF_FLAGS_COLUMNS
    assert rows(flags) == [(1, 30, "shared_link", "7;12"), (2, 7, "shared_link", "12;30"),
                           (3, 12, "shared_link", "7;30")]
    assert set(flags["link_normalised"]) == {"facebook.com/desa/posts/1"}
    assert flags["provinsi"].tolist() == ["Bali"] * 3 and flags["kabupaten"].tolist() == ["Badung"] * 3


def test_ids_sort_as_numbers_not_text():
    now = checked({"id": 100, "link": "https://x.com/a/status/1"}, {"id": 20, "link": "https://twitter.com/a/status/1"},
                  {"id": 3, "link": "https://x.com/a/status/1?s=20"})
    assert rows(task_flags(now, None, [])) == [(1, 100, "shared_link", "3;20"), (2, 20, "shared_link", "3;100"),
                                               (3, 3, "shared_link", "20;100")]


def test_reused_link_names_the_earliest_task_and_its_earliest_row():
    first = checked({"id": 4, "link": "https://desa.id/?p=1", "at": 50, "source_row": 1},
                    {"id": 6, "link": "http://www.desa.id/?p=1&utm_source=fb", "at": 20, "source_row": 2},
                    {"id": 2, "link": "https://desa.id/?p=1", "at": 20, "source_row": 3},  # same time: row 2 first
                    {"id": 8, "link": "https://desa.id/?p=9", "outcome": "invalid_link"})  # not counted: no proof
    second = checked({"id": 9, "link": "https://desa.id/?p=1"}, {"id": 5, "link": "https://desa.id/?p=2"})
    now = checked({"id": 4, "link": "desa.id/?p=1"},  # reused (first seen in task t1, row 2: TPP 6)
                  {"id": 5, "link": "https://desa.id/?p=2"},  # this TPP's own earlier post, reused
                  {"id": 8, "link": "https://desa.id/?p=9"},  # only on a rejected earlier row: not flagged
                  {"id": 1, "link": "https://desa.id/?p=3"})
    flags = task_flags(now, None, earlier(("t1", first), ("t2", second)))
    assert rows(flags) == [(1, 4, "reused_link", "t1:6"), (2, 5, "reused_link", "t2:5")]


def test_task_material_and_shared_together():
    materi = "https://www.instagram.com/p/Materi1/?igsh=abc ; youtu.be/Vid_A  https://desa.id/x;sudah"
    assert materi_links(materi) == {"instagram.com/p/Materi1", "youtube.com/watch?v=Vid_A", "desa.id/x"}
    now = checked({"id": 1, "link": "instagram.com/p/Materi1"}, {"id": 2, "link": "https://instagram.com/p/Materi1/"},
                  {"id": 3, "link": "https://www.youtube.com/watch?v=Vid_A"}, {"id": 4, "link": "https://youtu.be/vid_a"})
    flags = task_flags(now, materi, [])
    assert rows(flags) == [(1, 1, "shared_link", "2"), (1, 1, "task_material", ""), (2, 2, "shared_link", "1"),
                           (2, 2, "task_material", ""), (3, 3, "task_material", "")]


@pytest.mark.parametrize("materi", [None, float("nan"), "", "  ", "sudah"])
def test_no_materi_no_material_flag(materi):
    assert materi_links(materi) == frozenset()
    assert task_flags(checked({"id": 1, "link": "https://desa.id/x"}), materi, []).empty


def test_no_counted_rows_no_flags():
    flags = task_flags(checked({"id": 1, "link": "https://desa.id/x", "outcome": "unknown_id"}), "https://desa.id/x",
                       earlier(("t1", checked({"id": 2, "link": "https://desa.id/x"}))))
    assert flags.empty and list(flags.columns) == PROOF_FLAGS_COLUMNS


def test_flag_codes_are_added_to_warnings_only():
    now = checked({"id": 1, "link": "https://desa.id/x", "warnings": "province_mismatch"},
                  {"id": 2, "link": "https://www.desa.id/x", "warnings": ""},
                  {"id": 3, "link": "https://desa.id/y", "warnings": "link_no_scheme"})
    flags = task_flags(now, "desa.id/x", [])
    out = with_flag_warnings(now, flags)
    assert out["warnings"].tolist() == ["province_mismatch;shared_link;task_material", "shared_link;task_material",
                                        "link_no_scheme"]
    pd.testing.assert_frame_equal(out.drop(columns="warnings"), now.drop(columns="warnings"))


def test_history_store_keeps_the_counted_links(tmp_path):
    store = HistoryStore(tmp_path)
    frame = checked({"id": 4, "link": "https://desa.id/?p=1", "at": 50}, {"id": 6, "link": "desa.id/?p=2", "at": 5})
    links = counted_links(frame)
    assert links["nomor_absen"].tolist() == [6, 4]  # earliest first
    assert links["link_normalised"].tolist() == ["desa.id?p=2", "desa.id?p=1"]
    national = pd.DataFrame({"provinsi": [None], "eligible": [2]})
    store.put("a" * 64, Entry(pd.DataFrame({"nomor_absen": [4, 6], "on_time": [True, True],
                                            "response_minutes": [1.0, 2.0]}),
                              pd.DataFrame({"provinsi": ["Bali"], "eligible": [2]}), national, links=links))
    assert store.link_ids("a" * 64).tolist() == [6, 4]
    assert store.link_hashes("a" * 64).tolist() == proof.link_hashes(["desa.id?p=2", "desa.id?p=1"]).tolist()
    now = checked({"id": 9, "link": "https://www.desa.id/?p=1"})
    flags = task_flags(now, None, [proof.Earlier("old", lambda: store.link_hashes("a" * 64),
                                                 lambda: store.link_ids("a" * 64))])
    assert rows(flags) == [(1, 9, "reused_link", "old:4")]


def test_reused_lookup_stops_once_every_link_is_found():
    read = []

    def reader(tid, frame):
        links = counted_links(frame)
        return proof.Earlier(tid, lambda: read.append(("hashes", tid)) or links["link_hash"].to_numpy(),
                             lambda: read.append(("ids", tid)) or links["nomor_absen"].to_numpy())

    now = checked({"id": 1, "link": "https://desa.id/a"})
    tasks = [reader(f"t{i}", checked({"id": 2, "link": "https://desa.id/a" if i == 1 else "https://b.id/c"}))
             for i in range(5)]
    assert rows(task_flags(now, None, tasks)) == [(1, 1, "reused_link", "t1:2")]
    assert read == [("hashes", "t0"), ("hashes", "t1"), ("ids", "t1")]  # ids only where a link was found


def test_flags_never_change_an_outcome_or_a_figure(small_sample, tmp_path, monkeypatch):
    """Every published table is byte-identical with and without the flags computed (responses_checked
    up to the flag codes in `warnings`), and the sample's latest task does have flags."""
    from pipeline.runs.stage import run_task

    run_task(small_sample, None, tmp_path / "with", log=lambda *a: None)
    monkeypatch.setattr(proof, "task_flags", lambda checked, materi, earlier, links=None: pd.DataFrame(columns=PROOF_FLAGS_COLUMNS))
    run_task(small_sample, None, tmp_path / "without", log=lambda *a: None)
    with_dir, without_dir = tmp_path / "with" / "tables", tmp_path / "without" / "tables"
    names = sorted(p.name for p in with_dir.glob("*.csv"))
    assert names == sorted(p.name for p in without_dir.glob("*.csv"))
    assert len(pd.read_csv(with_dir / "proof_flags.csv")) >= 6
    assert pd.read_csv(without_dir / "proof_flags.csv").empty
    for name in names:
        if name in ("proof_flags.csv", "responses_checked.csv"):
            continue
        assert (with_dir / name).read_bytes() == (without_dir / name).read_bytes(), name
    a = pd.read_csv(with_dir / "responses_checked.csv", dtype=str, keep_default_na=False)
    b = pd.read_csv(without_dir / "responses_checked.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(a.drop(columns="warnings"), b.drop(columns="warnings"))
    strip = a["warnings"].map(lambda w: ";".join(c for c in w.split(";") if c and c not in proof.FLAGS))
    assert strip.tolist() == b["warnings"].tolist()
    assert (a["warnings"] != b["warnings"]).sum() >= 6


def test_load_tasks_reads_the_optional_materi_column(tmp_path):
    from pipeline.inputs import load

    (tmp_path / "tasks.csv").write_text(
        "task_id,judul,mulai,batas,cakupan,Materi\n"
        "t1,Satu,2025-11-10 08:00,2025-11-11 23:59,nasional,https://www.instagram.com/p/Abc/ ;  youtu.be/Xy\n"
        "t2,Dua,2025-11-17 08:00,2025-11-18 23:59,nasional,\n", encoding="utf-8")
    tasks = load.load_tasks(tmp_path)
    assert tasks["materi"].tolist() == ["https://www.instagram.com/p/Abc/ ; youtu.be/Xy", None]
    assert materi_links(tasks["materi"].iloc[0]) == {"instagram.com/p/Abc", "youtube.com/watch?v=Xy"}
    (tmp_path / "tasks.csv").write_text("task_id,judul,mulai,batas,cakupan\nt1,Satu,2025-11-10,2025-11-10,nasional\n",
                                        encoding="utf-8")
    assert load.load_tasks(tmp_path)["materi"].tolist() == [None]
