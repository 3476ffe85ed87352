"""Review (new user + attacker) findings on the input side that the earlier hostile tests missed.

Each test failed on main before its fix: a stray far cell in a workbook, a YAML schedule with
aliases, a multi-line YAML error, a URL that trickles its headers past the download deadline."""

from __future__ import annotations

import datetime as dt
import io
import socket
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline import config
from pipeline.errors import InputError
from pipeline.inputs import load

ROSTER = "Nomor Absen,Nama,Jabatan,Provinsi,Kabupaten\n4,Ni Luh,PD,Bali,Kab. Badung\n"
TASKS = "task_id,judul,mulai,batas,cakupan{extra}\nt1,T,2025-11-10 08:00,2025-11-10 20:00,nasional{value}\n"


def data_dir(root: Path, sumber: str | None = None) -> Path:
    (root / "responses").mkdir(parents=True, exist_ok=True)
    (root / "roster.csv").write_text(ROSTER)
    extra, value = (",sumber", f",{sumber}") if sumber else ("", "")
    (root / "tasks.csv").write_text(TASKS.format(extra=extra, value=value))
    return root


def task(root: Path):
    return load.get_task(load.load_tasks(root), "t1")


# --- A stray cell far from the data (XFD1048576) must not make the reader build a 17-billion-cell sheet

@pytest.mark.parametrize("spelling", [b'r="XFD1048576"', b"r = 'XFD1048576'"])
def test_workbook_with_a_stray_far_cell_is_one_clear_error(tmp_path, spelling):
    root = data_dir(tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Form Responses 1"
    ws.append(["Timestamp", "Provinsi", "Nomor Absen", "Nama", "Link"])
    ws.append([dt.datetime(2025, 11, 10, 9), "Bali", 4, "Ni Luh", "https://x.com/1"])
    ws["XFD1048576"] = " "
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(root / "responses" / "t1.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():  # the XML may quote and space the attribute either way
            out.writestr(info.filename, src.read(info.filename).replace(b'r="XFD1048576"', spelling))
    assert (root / "responses" / "t1.xlsx").stat().st_size < 10_000
    with pytest.raises(InputError) as err:
        load.load_responses(root, task(root))
    msg = str(err.value)
    assert "\n" not in msg
    assert "t1.xlsx" in msg and "'Form Responses 1'" in msg and "XFD1048576" in msg
    assert "delete" in msg


def test_workbook_with_a_cell_just_below_the_data_is_still_read(tmp_path):
    root = data_dir(tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Timestamp", "Provinsi", "Nomor Absen", "Nama", "Link"])
    ws.append([dt.datetime(2025, 11, 10, 9), "Bali", 4, "Ni Luh", "https://x.com/1"])
    ws["Z5000"] = " "
    wb.save(root / "responses" / "t1.xlsx")
    frame = load.load_responses(root, task(root))
    assert frame["nomor_absen_input"].tolist() == ["4"]


# --- tasks.yml: aliases ("billion laughs") and values that are lists or mappings

def _laughs(field: str) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    entry = {"task_id": "t1", "judul": "T", "mulai": '"2025-11-10 08:00"', "batas": '"2025-11-10 20:00"',
             "cakupan": "nasional", field: "*a8"}
    lines += ["tasks:", "  - {" + ", ".join(f"{k}: {v}" for k, v in entry.items()) + "}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("field", ["judul", "task_id", "sumber"])
def test_yaml_alias_bomb_is_refused_quickly(tmp_path, field):
    (tmp_path / "tasks.yml").write_text(_laughs(field))
    start = time.monotonic()
    with pytest.raises(InputError) as err:
        load.load_tasks(tmp_path)
    assert time.monotonic() - start < 5
    msg = str(err.value)
    assert "\n" not in msg and "tasks.yml" in msg and repr(field) in msg and "task 1" in msg


def test_yaml_mapping_value_is_named(tmp_path):
    (tmp_path / "tasks.yml").write_text(
        "- task_id: t1\n  judul: {a: 1}\n  mulai: 2025-11-10 08:00\n  batas: 2025-11-10 20:00\n  cakupan: nasional\n")
    with pytest.raises(InputError, match=r"tasks.yml: task 1: 'judul' is a mapping"):
        load.load_tasks(tmp_path)


def test_yaml_syntax_error_is_one_line_with_its_line_number(tmp_path):
    (tmp_path / "tasks.yml").write_text(
        "- task_id: t1\n  judul: x\n  mulai: 2025-11-10\n  batas: 2025-11-10\n  cakupan: nasional\n   bad: indent\n")
    with pytest.raises(InputError) as err:
        load.load_tasks(tmp_path)
    msg = str(err.value)
    assert "\n" not in msg
    assert "tasks.yml is not valid YAML" in msg and "line 6" in msg


def test_plain_yaml_schedule_still_loads(tmp_path):
    (tmp_path / "tasks.yml").write_text(
        "tasks:\n- task_id: t1\n  judul: Hari Pahlawan\n  mulai: 2025-11-10 08:00\n  batas: 2025-11-10\n"
        "  cakupan: nasional\n  timezone: WIB\n")
    tasks = load.load_tasks(tmp_path)
    assert tasks["judul"].tolist() == ["Hari Pahlawan"]


# --- A URL whose server trickles its status line and headers is stopped at the overall deadline

@pytest.fixture()
def trickling_server():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    stop = threading.Event()

    def serve(conn):
        with conn:
            try:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not stop.wait(0.3):
                    conn.sendall(b"X-Slow: 1\r\n")
            except OSError:
                pass

    def accept():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/export.csv"
    stop.set()
    srv.close()


def test_headers_trickled_past_the_deadline_stop_the_download(tmp_path, trickling_server, monkeypatch):
    monkeypatch.setattr(config, "DOWNLOAD_DEADLINE_S", 2)
    root = data_dir(tmp_path / "data", sumber=trickling_server)
    start = time.monotonic()
    with pytest.raises(InputError, match="not complete after 2 s"):
        load.load_responses(root, task(root), download_dir=tmp_path / "dl")
    assert time.monotonic() - start < 6
    assert not (tmp_path / "dl").exists() or not any((tmp_path / "dl").iterdir())


# --- A header pasted from a web page or a form question may carry zero-width characters

def test_headers_with_zero_width_characters_match(tmp_path):
    root = data_dir(tmp_path)
    (root / "responses" / "t1.csv").write_text(
        "Timestamp,Provinsi,Nomor\u00a0Absen,Nama\u200b,\u2060Link\u200d\n"
        "2025-11-10 09:00:00,Bali,4,Ni Luh,https://x.com/1\n", encoding="utf-8")
    frame = load.load_responses(root, task(root))
    assert frame[["nomor_absen_input", "nama", "link"]].to_numpy().tolist() == [["4", "Ni Luh", "https://x.com/1"]]
