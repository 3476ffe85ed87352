"""Issue 17 (input half): each defect of the issue, on real small files written in tmp_path.

Every test here failed on the code before the fix (see the commit that adds it)."""

from __future__ import annotations

import datetime as dt
import http.server
import logging
import os
import re
import threading
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import config
from pipeline.errors import InputError
from pipeline.inputs import load
from pipeline.rules import contract, validate

RESP_HEADER = "Timestamp,Provinsi,Nomor Absen,Nama,Link\n"
ROSTER_HEADER = "Nomor Absen,Nama,Jabatan,Provinsi,Kabupaten\n"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def task_row(**kw) -> pd.Series:
    base = {
        "task_id": "t1", "judul": "T", "timezone": "Asia/Jakarta", "sumber": None,
        "timestamp_format": None, "cakupan": "nasional", "scope": (),
        "mulai": pd.Timestamp("2025-11-04 08:00", tz="Asia/Jakarta"),
        "batas": pd.Timestamp("2025-11-04 23:59", tz="Asia/Jakarta"),
    }
    base.update(kw)
    return pd.Series(base)


def response_lines(n: int, day: str = "2025-11-04") -> str:
    return "".join(f"{day} {9 + i % 10:02d}:{i % 60:02d}:00,Bali,{100 + i},Nama {i},https://fb.com/{i}\n"
                   for i in range(n))


# --- Downloads: an incomplete body is an error; one overall deadline ---------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    routes: dict[str, tuple[str, bytes, float]] = {}

    def do_GET(self):  # noqa: N802
        mode, body, delay = self.routes[self.path]
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        if mode == "chunked":  # chunked transfer that stops after some chunks, without the final empty one
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            cut = body.rindex(b"\n", 0, len(body) // 2) + 1
            self.wfile.write(b"%x\r\n%s\r\n" % (cut, body[:cut]))
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "short":  # promise the whole body, send the rows up to a row boundary, close
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            cut = body.rindex(b"\n", 0, len(body) // 2) + 1
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for i in range(len(body)):  # "slow": one byte at a time, each well inside the per-read timeout
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep(delay)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: what the test expects

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_that_ends_before_content_length_is_an_error(tmp_path, server):
    body = (RESP_HEADER + response_lines(40)).encode()
    _Handler.routes["/short.csv"] = ("short", body, 0)
    url = f"{server}/short.csv"
    with pytest.raises(InputError, match=rf"cannot download {url}: the download ended early \(received [\d,]+ of "
                                         rf"{len(body):,} bytes\)"):
        load.load_responses(tmp_path, task_row(sumber=url), download_dir=tmp_path / "dl")
    assert not (tmp_path / "dl" / "t1.csv").exists()  # nothing partial left behind to be read later


def test_chunked_download_cut_short_is_an_error(tmp_path, server):
    body = (RESP_HEADER + response_lines(40)).encode()
    _Handler.routes["/chunked.csv"] = ("chunked", body, 0)
    url = f"{server}/chunked.csv"
    with pytest.raises(InputError, match=rf"cannot download {url}: the download ended early"):
        load.load_responses(tmp_path, task_row(sumber=url), download_dir=tmp_path / "dl")
    assert not (tmp_path / "dl").exists()


def test_slow_download_stops_at_one_overall_deadline(tmp_path, server, monkeypatch):
    body = (RESP_HEADER + response_lines(3)).encode()  # ~190 bytes at 0.1 s each: ~19 s in all
    _Handler.routes["/slow.csv"] = ("slow", body, 0.1)
    monkeypatch.setattr(config, "DOWNLOAD_TIMEOUT_S", 1)
    monkeypatch.setattr(config, "DOWNLOAD_DEADLINE_S", 2)
    url = f"{server}/slow.csv"
    start = time.monotonic()
    with pytest.raises(InputError, match=rf"cannot download {url}: not complete after 2 s"):
        load.load_responses(tmp_path, task_row(sumber=url), download_dir=tmp_path / "dl")
    assert time.monotonic() - start < 5


# --- Workbooks: the sheet that holds the contract's headers, visible first --------------------------


def _form_rows(n: int) -> list[list]:
    return [["Timestamp", "Provinsi", "Nomor Absen", "Nama", "Link"]] + [
        [f"2025-11-04 09:{i:02d}:00", "Bali", 100 + i, f"Nama {i}", f"https://fb.com/{i}"] for i in range(n)]


def test_hidden_stale_first_sheet_is_not_read(tmp_path, caplog):
    wb = openpyxl.Workbook()
    stale = wb.active
    stale.title = "Salinan lama"
    for row in _form_rows(3):
        stale.append(row)
    stale.sheet_state = "hidden"
    data = wb.create_sheet("Form Responses 1")
    for row in _form_rows(36):
        data.append(row)
    path = tmp_path / "responses" / "t1.xlsx"
    path.parent.mkdir()
    wb.save(path)
    with caplog.at_level(logging.WARNING, logger="pipeline.inputs"):
        df = load.load_responses(tmp_path, task_row())
    assert len(df) == 36
    assert df.attrs["sheet"] == "Form Responses 1"
    assert "sheets 'Form Responses 1' and 'Salinan lama' (hidden) both hold" in caplog.text
    assert "read 'Form Responses 1'" in caplog.text


def test_sheet_is_named_in_messages_and_a_notes_sheet_before_the_data_is_skipped(tmp_path):
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Petunjuk"
    notes.append(["Isi formulir setiap tugas"])
    data = wb.create_sheet("Jawaban")
    for row in _form_rows(5):
        data.append(row)
    path = tmp_path / "r.xlsx"
    wb.save(path)
    df = load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED,
                         patterns=contract.RESPONSE_PATTERNS)
    assert len(df) == 5 and df.attrs["sheet"] == "Jawaban"
    wb.remove(data)
    wb.save(path)
    with pytest.raises(InputError, match=r"r\.xlsx, sheet 'Petunjuk': required column 'timestamp' not found"):
        load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED,
                        patterns=contract.RESPONSE_PATTERNS)


# --- A stray control byte is dropped and reported; a binary file is still refused -------------------


def test_nul_byte_in_one_response_does_not_block_the_file(tmp_path, caplog):
    body = RESP_HEADER + response_lines(4) + "2025-11-04 10:00:00,Bali,999,Ani\x00 Lestari,https://fb.com/x\n"
    path = write(tmp_path / "responses" / "t1.csv", body)
    with caplog.at_level(logging.WARNING, logger="pipeline.inputs"):
        df = load.load_responses(tmp_path, task_row())
    assert len(df) == 5
    assert df["nama"].tolist()[-1] == "Ani Lestari"
    assert f"{path}: 1 NUL byte dropped (row 6); a cell held an invisible control character" in caplog.text


def test_a_binary_file_is_still_refused(tmp_path):
    path = write(tmp_path / "r.csv", bytes(range(256)) * 40)
    with pytest.raises(InputError, match="is not a CSV file: it contains binary data"):
        load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED)


# --- Task dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mulai", ["1900-01-01 08:00", "2300-01-01 08:00", "01/01/1900 08:00"])
def test_task_date_out_of_range_is_one_clear_line(tmp_path, mulai):
    write(tmp_path / "tasks.csv", "task_id,judul,mulai,batas,cakupan\n"
                                  "t0,Nol,2025-11-01 08:00,2025-11-01 23:00,nasional\n"
                                  f"t1,Satu,{mulai},2300-01-02,nasional\n")
    with pytest.raises(InputError, match=r"tasks\.csv: task 't1' \(row 3\): mulai .* has the year (1900|2300); "
                                         r"a task date must be between 2000 and 2099"):
        load.load_tasks(tmp_path)


def test_roster_date_out_of_range_is_one_clear_line(tmp_path):
    write(tmp_path / "roster.csv", "Nomor Absen,Nama,Jabatan,Provinsi,Kabupaten,Tanggal Resign\n"
                                   "1,A,TA,Bali,Badung,\n2,B,TA,Bali,Badung,2300-01-01\n")
    with pytest.raises(InputError, match=r"roster\.csv: row 3: tanggal_resign '2300-01-01' has the year 2300"):
        load.load_roster(tmp_path)


def _tasks_and_responses(tmp_path: Path, mulai: str, batas: str, body: str) -> pd.Series:
    write(tmp_path / "tasks.csv", f"task_id,judul,mulai,batas,cakupan\nt1,Satu,{mulai},{batas},nasional\n")
    write(tmp_path / "responses" / "t1.csv", RESP_HEADER + body)
    return load.get_task(load.load_tasks(tmp_path), "t1")


def test_wrong_year_in_task_dates_is_said(tmp_path):
    task = _tasks_and_responses(tmp_path, "2024-11-04 08:00", "2024-11-04 23:59", response_lines(20))
    with pytest.raises(InputError, match=r"task 't1': none of the 20 response timestamps falls between mulai "
                                         r"2024-11-04 08:00 and batas 2024-11-04 23:59 .*they run from 2025-11-04 "
                                         r"09:00 to 2025-11-04 18:\d\d; check the task's mulai and batas"):
        load.load_responses(tmp_path, task)


def test_wrong_year_with_slash_dates_points_at_the_task_not_the_format(tmp_path):
    body = "".join(f"4/11/2025 {9 + i}:00:00,Bali,{i},N {i},https://fb.com/{i}\n" for i in range(6))
    task = _tasks_and_responses(tmp_path, "2024-11-04 08:00", "2024-11-04 23:59", body)
    with pytest.raises(InputError, match=r"none of the 6 response timestamps falls between mulai 2024-11-04 08:00"):
        load.load_responses(tmp_path, task)


def test_many_responses_long_after_batas_warn(tmp_path, caplog):
    body = response_lines(6) + response_lines(4, day="2025-12-20")
    task = _tasks_and_responses(tmp_path, "2025-11-04 08:00", "2025-11-04 23:59", body)
    with caplog.at_level(logging.WARNING, logger="pipeline.inputs"):
        df = load.load_responses(tmp_path, task)
    assert len(df) == 10
    assert "4 of 10 responses (40%) come more than 7 days after batas" in caplog.text
    assert df.attrs["warnings"]


def test_responses_in_the_window_give_no_warning(tmp_path, caplog):
    task = _tasks_and_responses(tmp_path, "2025-11-04 08:00", "2025-11-04 23:59", response_lines(10))
    with caplog.at_level(logging.WARNING, logger="pipeline.inputs"):
        df = load.load_responses(tmp_path, task)
    assert caplog.text == "" and df.attrs.get("warnings", []) == []


# --- Row numbers in messages are the spreadsheet's ---------------------------------------------------


def test_row_numbers_in_messages_are_spreadsheet_rows(tmp_path):
    write(tmp_path / "roster.csv", "Nomor Absen,Nama,Jabatan,Provinsi,Kabupaten,Tanggal Bergabung\n"
                                   "1,A,TA,Bali,Badung,2024-01-01\n2,B,TA,Bali,Badung,kemarin\n")
    with pytest.raises(InputError, match=r"roster\.csv: row 3: tanggal_bergabung 'kemarin' is not a date"):
        load.load_roster(tmp_path)
    write(tmp_path / "tasks.csv", "Jadwal tugas media sosial,,,,\ntask_id,judul,mulai,batas,cakupan\n"
                                  "t1,A,2025-11-04 08:00,2025-11-04 23:00,nasional\n"
                                  "t2,B,2025-11-05 08:00,2025-11-05 23:00,Atlantis\n")
    with pytest.raises(InputError, match=r"task 't2' \(row 4\): unknown province 'Atlantis'"):
        load.load_tasks(tmp_path)


# --- Paths: symlinks stay inside the data directory; nothing of a refused file is echoed -----------------


def _secret(tmp_path: Path) -> Path:
    return write(tmp_path / "outside" / "secret.csv", "SECRET-FIRST-LINE,x\n1,2\n")


def test_sumber_through_a_file_symlink_is_refused(tmp_path):
    secret = _secret(tmp_path)
    data = tmp_path / "data"
    (data / "responses").mkdir(parents=True)
    os.symlink(secret, data / "responses" / "lihat.csv")
    with pytest.raises(InputError, match=r"task t1: sumber 'responses/lihat\.csv' leads outside the data "
                                         r"directory \(a symbolic link\)") as err:
        load.load_responses(data, task_row(sumber="responses/lihat.csv"))
    assert "SECRET" not in str(err.value) and str(secret) not in str(err.value)


def test_sumber_through_a_folder_symlink_is_refused(tmp_path):
    secret = _secret(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    os.symlink(secret.parent, data / "bersama")
    with pytest.raises(InputError, match=r"leads outside the data directory") as err:
        load.load_responses(data, task_row(sumber="bersama/secret.csv"))
    assert "SECRET" not in str(err.value)


def test_default_response_file_symlinked_outside_is_refused(tmp_path):
    secret = _secret(tmp_path)
    data = tmp_path / "data"
    (data / "responses").mkdir(parents=True)
    os.symlink(secret, data / "responses" / "t1.csv")
    with pytest.raises(InputError, match=r"t1\.csv leads outside the data directory") as err:
        load.load_responses(data, task_row())
    assert "SECRET" not in str(err.value)


def test_symlink_inside_the_data_directory_is_fine(tmp_path):
    data = tmp_path / "data"
    real = write(data / "arsip" / "t1.csv", RESP_HEADER + response_lines(2))
    (data / "responses").mkdir()
    os.symlink(real, data / "responses" / "t1.csv")
    assert len(load.load_responses(data, task_row())) == 2


# --- Roster ids ------------------------------------------------------------------------------------------


def test_negative_nomor_absen_in_the_roster_is_missing_id(tmp_path):
    write(tmp_path / "roster.csv", ROSTER_HEADER + "1016,A,TA,Bali,Badung\n-1017,B,TA,Bali,Badung\n"
                                   " - 1018,C,TA,Bali,Badung\n")
    roster = load.load_roster(tmp_path)
    assert roster["nomor_absen"].tolist()[0] == 1016
    assert roster["nomor_absen"].isna().tolist() == [False, True, True]
    checked, _ = validate.validate_roster(roster)
    assert checked["quarantine_reason"].fillna("").tolist() == ["", "missing_id", "missing_id"]


# --- Headers by meaning ------------------------------------------------------------------------------------


def test_google_form_question_texts_are_matched_by_meaning(tmp_path):
    header = ("Timestamp,Asal Provinsi,Nomor Absen (lihat di Data TPP),Nama Lengkap (tanpa gelar),"
              "Tautan Postingan,Kabupaten/Kota\n")
    path = write(tmp_path / "r.csv", header + "2025-11-04 09:00,Bali,12,Ani,https://fb.com/1,Badung\n")
    df = load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED,
                         patterns=contract.RESPONSE_PATTERNS)
    assert df.loc[0, ["provinsi", "nomor_absen", "nama", "link"]].tolist() == ["Bali", "12", "Ani", "https://fb.com/1"]
    path = write(tmp_path / "r2.csv", "Timestamp,Provinsi,No. Absen,Nama,Link\n2025-11-04 09:00,Bali,12,Ani,x\n")
    assert load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED).loc[0, "nomor_absen"] == "12"


def test_two_columns_competing_by_meaning_are_a_clear_error(tmp_path):
    path = write(tmp_path / "r.csv", "Timestamp,Asal Provinsi,Provinsi Domisili,Nomor Absen,Nama,Link\n1,2,3,4,5,6\n")
    with pytest.raises(InputError, match=r"r\.csv: two columns could be 'provinsi': 'Asal Provinsi' \(column 2\), "
                                         r"'Provinsi Domisili' \(column 3\); rename the one to use to 'provinsi'"):
        load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED,
                        patterns=contract.RESPONSE_PATTERNS)


def test_title_row_above_the_header_is_found(tmp_path):
    path = write(tmp_path / "r.csv", "Absensi Hari Pahlawan 2025,,,,\n,,,,\n" + RESP_HEADER + response_lines(3))
    df = load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED)
    assert len(df) == 3 and df["source_row"].tolist() == [1, 2, 3] and df.attrs["header_row"] == 3
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Rekap absensi tugas"])
    for row in _form_rows(4):
        ws.append(row)
    wb.save(tmp_path / "r.xlsx")
    df = load.read_table(tmp_path / "r.xlsx", contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED)
    assert len(df) == 4 and df.attrs["header_row"] == 2


def test_google_forms_default_file_name_is_suggested(tmp_path):
    write(tmp_path / "responses" / "Absensi Hari Pahlawan (Responses) - Form Responses 1.csv",
          RESP_HEADER + response_lines(1))
    with pytest.raises(InputError, match=r"missing input file: expected .*responses/t1\.csv or \.xlsx; "
                                         r"responses/ holds 'Absensi Hari Pahlawan \(Responses\) - "
                                         r"Form Responses 1\.csv', a Google Forms export: rename it to t1\.csv"):
        load.load_responses(tmp_path, task_row())



def test_response_timestamps_beyond_pandas_years_are_unreadable_not_a_traceback(tmp_path):
    body = ("2300-11-04 09:00:00,Bali,1,A,https://fb.com/1\n31/12/9999 23:59:59,Bali,2,B,https://fb.com/2\n"
            + response_lines(4))
    write(tmp_path / "responses" / "t1.csv", RESP_HEADER + body)
    df = load.load_responses(tmp_path, task_row())
    assert df["timestamp"].isna().tolist() == [True, True, False, False, False, False]
    wb = openpyxl.Workbook()
    for row in _form_rows(3):
        wb.active.append(row)
    wb.active["A2"] = dt.datetime(2300, 1, 1)
    (tmp_path / "responses" / "t1.csv").unlink()
    wb.save(tmp_path / "responses" / "t1.xlsx")
    df = load.load_responses(tmp_path, task_row())
    assert df["timestamp"].isna().tolist() == [True, False, False]


def test_utf16_without_bom_says_so(tmp_path):
    path = write(tmp_path / "r.csv", (RESP_HEADER + response_lines(3)).encode("utf-16-le"))
    with pytest.raises(InputError, match=r"r\.csv is UTF-16 text without a byte-order mark; save it as CSV UTF-8"):
        load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED)


@pytest.mark.parametrize("kind", ["fifo", "folder", "broken link"])
def test_an_input_that_is_not_a_regular_file_is_named(tmp_path, kind):
    target = tmp_path / "roster.csv"
    if kind == "fifo":
        os.mkfifo(target)  # opening it would wait forever
    elif kind == "folder":
        target.mkdir()
    else:
        os.symlink(tmp_path / "nowhere.csv", target)
    expected = {"fifo": "not a regular file", "folder": "a folder", "broken link": "a broken link"}[kind]
    with pytest.raises(InputError, match=rf"roster\.csv is {expected}; put the roster file itself there"):
        load.load_roster(tmp_path)


@pytest.mark.parametrize("name, reader", [("roster.csv", load.load_roster), ("tasks.csv", load.load_tasks),
                                          ("tasks.yml", load.load_tasks), ("village_media.csv", load.load_village_media)])
def test_a_roster_tasks_or_village_media_file_symlinked_outside_is_refused(tmp_path, name, reader):
    secret = _secret(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    os.symlink(secret, data / name)
    with pytest.raises(InputError, match=rf"{re.escape(name)} leads outside the data directory") as err:
        reader(data)
    assert "SECRET" not in str(err.value)
