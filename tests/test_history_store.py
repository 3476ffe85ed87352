"""The history store's remembered input hashes (HistoryStore.file_sha256) and loaded inputs
(HistoryStore.get_frame / put_frame through runs/stage.read_input)."""

from __future__ import annotations

import logging
import os
import shutil

import pandas as pd
import pytest

from pipeline.figures.history import HistoryStore, input_key
from pipeline.inputs import load
from pipeline.publish import sha256_file
from pipeline.runs import stage


def test_a_remembered_hash_is_the_file_hash_and_any_write_is_seen(tmp_path):
    path = tmp_path / "t1.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    store = HistoryStore(tmp_path / ".history")
    first = store.file_sha256(path)
    assert first == sha256_file(path)
    assert len(list((tmp_path / ".history" / "hashes").rglob("*.txt"))) == 1
    assert store.file_sha256(path) == first  # read back
    st = path.stat()
    path.write_text("a,b\n9,2\n", encoding="utf-8")  # same size, and the old mtime put back
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert store.file_sha256(path) == sha256_file(path) != first  # ctime moved: hashed again
    blocked = HistoryStore(tmp_path / "file-not-folder")
    (tmp_path / "file-not-folder").write_text("x", encoding="utf-8")  # the store cannot be written
    assert blocked.file_sha256(path) == sha256_file(path)


@pytest.mark.parametrize("kind", ["roster", "village_media"])
def test_a_stored_input_frame_is_the_frame_a_load_gives(small_sample, tmp_path, kind):
    """The second read of unchanged bytes comes from the store: the same values, dtypes, column
    order and attrs as parsing the file (the path it was found at; its warnings logged again)."""
    data = tmp_path / "data"
    shutil.copytree(small_sample, data)
    store = HistoryStore(tmp_path / ".history")
    fresh = getattr(load, f"load_{kind}")(data)
    first = stage.read_input(data, kind, store)
    assert len(list((tmp_path / ".history" / "parsed").glob("*.arrow"))) == 1
    calls = []
    original = getattr(load, f"load_{kind}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(load, f"load_{kind}", lambda *a: calls.append(a) or original(*a))
        second = stage.read_input(data, kind, store)
    assert calls == []  # not parsed again
    for got in (first, second):
        pd.testing.assert_frame_equal(got, fresh, check_exact=True)
        assert got.attrs == fresh.attrs
    # other bytes: parsed again, under another key
    path = load.find_input(data, kind)
    path.write_bytes(path.read_bytes() + b"\n")
    third = stage.read_input(data, kind, store)
    assert third.attrs["sha256"] == sha256_file(path) != fresh.attrs["sha256"]
    assert len(list((tmp_path / ".history" / "parsed").glob("*.arrow"))) == 2


def test_a_stored_input_frame_keeps_its_load_warnings(small_sample, tmp_path, caplog):
    data = tmp_path / "data"
    shutil.copytree(small_sample, data)
    roster = data / "roster.csv"
    head, rest = roster.read_bytes().split(b"\n", 1)
    roster.write_bytes(head + b"\n" + rest[:5] + b"\x00" + rest[5:])  # a NUL byte: dropped, warned, read anyway
    store = HistoryStore(tmp_path / ".history")
    with caplog.at_level(logging.WARNING, logger="pipeline.inputs"):
        first = stage.read_input(data, "roster", store)
    warned = [r.getMessage() for r in caplog.records]
    assert first.attrs["warnings"] and warned
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pipeline.inputs"):
        second = stage.read_input(data, "roster", store)
    assert second.attrs["warnings"] == first.attrs["warnings"]
    assert [r.getMessage() for r in caplog.records] == warned
    # the same bytes at another path: the warnings name the file where it is now
    moved = tmp_path / "moved"
    shutil.copytree(data, moved)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pipeline.inputs"):
        third = stage.read_input(moved, "roster", store)
    assert third.attrs["source"] == str(moved / "roster.csv")
    assert third.attrs["warnings"] == [w.replace(str(data), str(moved)) for w in first.attrs["warnings"]]
    assert str(data / "roster.csv") not in " ".join(r.getMessage() for r in caplog.records)


def test_a_broken_or_foreign_stored_frame_is_parsed_again(small_sample, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small_sample, data)
    store = HistoryStore(tmp_path / ".history")
    fresh = stage.read_input(data, "roster", store)
    key = input_key(fresh.attrs["sha256"], "roster")
    stored = tmp_path / ".history" / "parsed" / f"{key}.arrow"
    stored.write_bytes(stored.read_bytes()[:100])  # truncated
    assert store.get_frame("parsed", key, load.ROSTER_COLUMNS) is None
    pd.testing.assert_frame_equal(stage.read_input(data, "roster", store), fresh)
    store.put_frame("parsed", key, fresh.drop(columns="nama"))  # not the columns a roster load gives
    assert store.get_frame("parsed", key, load.ROSTER_COLUMNS) is None
    pd.testing.assert_frame_equal(stage.read_input(data, "roster", store), fresh)
    assert store.get_frame("parsed", key, load.ROSTER_COLUMNS) is not None  # stored again
