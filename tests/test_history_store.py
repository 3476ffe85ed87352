"""The history store's remembered input hashes (HistoryStore.file_sha256)."""

from __future__ import annotations

import os

from pipeline.figures.history import HistoryStore
from pipeline.publish import sha256_file


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
