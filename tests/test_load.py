"""Tests for pipeline.inputs.load: real small CSV/XLSX/YAML inputs written in tmp_path."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import config
from pipeline.errors import InputError
from pipeline.inputs import csv_text, load
from pipeline.rules import contract

ROSTER_HEADER = "Nomor Absen,Nama,Jabatan,Provinsi,Kabupaten\n"
RESP_HEADER = "Timestamp,Provinsi,Nomor Absen,Nama,Link\n"
TASKS_CSV = (
    "task_id,judul,mulai,batas,cakupan\n"
    "t1,Hari Pahlawan,2025-11-04 08:00,2025-11-04 23:59,nasional\n"
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list], *, date_format: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if date_format:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, dt.datetime):
                    cell.number_format = date_format
    wb.save(path)
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


def parse(values, *, tz="Asia/Jakarta", mulai="2025-11-04 08:00", batas="2025-11-04 23:59", **kw):
    return load.parse_timestamps(
        pd.Series(values, dtype=object), tz=tz, mulai=pd.Timestamp(mulai, tz=tz),
        batas=pd.Timestamp(batas, tz=tz), **kw,
    )


def local(text: str, tz: str = "Asia/Jakarta") -> pd.Timestamp:
    return pd.Timestamp(text, tz=tz)


# --- find_input -------------------------------------------------------------------------------


def test_find_input_csv_xlsx_both_neither(tmp_path):
    assert load.find_input(tmp_path, "roster", required=False) is None
    with pytest.raises(InputError, match=r"missing input file.*roster\.csv or \.xlsx"):
        load.find_input(tmp_path, "roster")
    write(tmp_path / "roster.csv", ROSTER_HEADER)
    assert load.find_input(tmp_path, "roster") == tmp_path / "roster.csv"
    write_xlsx(tmp_path / "roster.xlsx", [["a"]])
    with pytest.raises(InputError, match=r"both .*roster\.csv and .*roster\.xlsx"):
        load.find_input(tmp_path, "roster")
    (tmp_path / "roster.csv").unlink()
    assert load.find_input(tmp_path, "roster") == tmp_path / "roster.xlsx"
    assert load.find_input(tmp_path, "responses/t1", required=False) is None


def test_find_input_hints_unsupported_extension(tmp_path):
    write(tmp_path / "roster.xls", "x")
    with pytest.raises(InputError, match=r"roster\.xls exists but only \.csv and \.xlsx"):
        load.find_input(tmp_path, "roster")


def test_find_input_missing_data_dir(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load.find_input(tmp_path / "nope", "roster")


# --- read_table: headers ----------------------------------------------------------------------

ALIAS_CASES = [(canon, alias) for canon, aliases in contract.ROSTER_ALIASES.items() for alias in aliases]


@pytest.mark.parametrize(("canon", "alias"), ALIAS_CASES)
def test_every_roster_alias_is_accepted(tmp_path, canon, alias):
    required = {c: c for c in contract.ROSTER_REQUIRED}
    required[canon] = alias
    # Spell the header in an odd case with extra whitespace: matching is by header_key.
    headers = ["  " + h.upper().replace(" ", "   ") + " " for h in required.values()]
    path = write(tmp_path / "roster.csv", ";".join(headers) + "\n" + ";".join(f"v{i}" for i in range(len(headers))) + "\n")
    df = load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)
    assert canon in df.columns
    assert df[canon].tolist() == [f"v{list(required).index(canon)}"]


@pytest.mark.parametrize(("canon", "alias"),
                         [(c, a) for c, aliases in contract.RESPONSE_ALIASES.items() for a in aliases]
                         + [("provinsi", "Wilayah Kerja"), ("provinsi", "Asal wilayah"),
                            ("link", "Link postingan Facebook/Instagram"), ("link", "Link Bukti")])
def test_every_response_alias_and_pattern(tmp_path, canon, alias):
    names = {"timestamp": "Timestamp", "provinsi": "Provinsi", "nomor_absen": "Nomor Absen",
             "nama": "Nama", "link": "Link"}
    names[canon] = alias
    path = write(tmp_path / "r.csv", ",".join(names.values()) + ",Extra\n1,2,3,4,5,6\n")
    df = load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED,
                         patterns=contract.RESPONSE_PATTERNS)
    assert list(df.columns) == ["source_row", "timestamp", "provinsi", "nomor_absen", "nama", "link"]
    assert df.iloc[0].tolist()[1:] == ["1", "2", "3", "4", "5"]


def test_exact_alias_beats_pattern(tmp_path):
    path = write(tmp_path / "r.csv", "Wilayah Kerja,Provinsi,Timestamp,Nomor Absen,Nama,Link Lain,Link\n"
                                     "W,P,T,1,N,L2,L\n")
    df = load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED,
                         patterns=contract.RESPONSE_PATTERNS)
    assert df.loc[0, "provinsi"] == "P"
    assert df.loc[0, "link"] == "L"


def test_two_headers_matching_one_pattern_is_an_error(tmp_path):
    path = write(tmp_path / "r.csv", "Timestamp,Provinsi,Nomor Absen,Nama,Link FB,Link IG\n1,2,3,4,5,6\n")
    with pytest.raises(InputError, match=r"duplicate columns for 'link': 'Link FB' \(column 5\), 'Link IG' \(column 6\)"):
        load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED,
                        patterns=contract.RESPONSE_PATTERNS)


def test_extra_columns_ignored_values_strings_source_row_and_attrs(tmp_path):
    text = ("No,Nomor Absen,Nama,Catatan,Jabatan,Provinsi,Kabupaten,Email\n"
            "1,007,Ani,x,TA,Bali,Badung,\n"
            "\n"
            ",,,,,,,\n"
            "4, 12 ,Budi,,PD,Aceh,Aceh Besar,  \n")
    path = write(tmp_path / "roster.csv", text)
    df = load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)
    assert list(df.columns) == ["source_row", "nomor_absen", "nama", "jabatan", "provinsi", "kabupaten", "email"]
    assert df["source_row"].tolist() == [1, 4]  # blank rows dropped, numbering kept
    assert df["source_row"].dtype == "int64"
    assert df["nomor_absen"].tolist() == ["007", " 12 "]  # strings, untouched
    assert df["email"].isna().all()  # empty and blank cells are NA
    assert str(df["nama"].dtype) == "string"
    assert df.attrs["source"] == str(path)
    import hashlib
    assert df.attrs["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_csv_packed_in_chunks_reads_the_same(tmp_path, monkeypatch):
    text = ROSTER_HEADER + "".join(
        f"{i},Nama {i},TA,Bali,{'' if i % 3 == 0 else ' '}Badung\n" + ("\n" if i % 4 == 0 else "") for i in range(1, 12))
    path = write(tmp_path / "roster.csv", text)
    whole = load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)
    monkeypatch.setattr(csv_text, "_CSV_CHUNK_ROWS", 2)
    chunked = load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)
    pd.testing.assert_frame_equal(whole, chunked)
    assert chunked["source_row"].tolist() == [1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13]
    assert chunked["kabupaten"].tolist()[:3] == [" Badung", " Badung", "Badung"]


def test_headers_only_gives_zero_rows(tmp_path):
    path = write(tmp_path / "r.csv", RESP_HEADER)
    df = load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED)
    assert len(df) == 0
    assert "timestamp" in df.columns


def test_quoted_fields_with_delimiters_and_newlines(tmp_path):
    path = write(tmp_path / "r.csv", 'Timestamp,Provinsi,Nomor Absen,Nama,"Link\npostingan"\n'
                                     '1,"Jawa, Timur",3,"Ani ""A""",5\n')
    df = load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED,
                         patterns=contract.RESPONSE_PATTERNS)
    assert df.loc[0, "provinsi"] == "Jawa, Timur"
    assert df.loc[0, "nama"] == 'Ani "A"'


# --- read_table: encodings and delimiters --------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delim", [",", ";", "\t"])
def test_encodings_and_delimiters(tmp_path, encoding, delim):
    rows = [["Nomor Absen", "Nama", "Jabatan", "Provinsi", "Kabupaten"],
            ["1", "Désirée Ñoño", "TA", "Bali", "Gianyar"],
            ["2", "Budi", "PD", "Aceh", "Aceh Besar"]]
    text = "\r\n".join(delim.join(r) for r in rows) + "\r\n"
    path = write(tmp_path / "roster.csv", text, encoding)
    df = load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)
    assert df["nama"].tolist() == ["Désirée Ñoño", "Budi"]
    assert df["nomor_absen"].tolist() == ["1", "2"]


def test_cp1252_smart_quotes(tmp_path):
    path = write(tmp_path / "roster.csv", ROSTER_HEADER + "1,Ni Luh \u2018Ayu\u2019 \u2013 Dewi,TA,Bali,Badung\n", "cp1252")
    df = load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)
    assert df.loc[0, "nama"] == "Ni Luh \u2018Ayu\u2019 \u2013 Dewi"


# --- read_table: errors ------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"missing input file: .*nope\.csv"):
        load.read_table(tmp_path / "nope.csv", contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)


def test_not_csv_or_xlsx_by_extension(tmp_path):
    path = write(tmp_path / "roster.txt", ROSTER_HEADER)
    with pytest.raises(InputError, match=r"roster\.txt is not a CSV or XLSX file"):
        load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)


def test_binary_file_named_csv(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(InputError, match=r"roster\.csv is not a CSV file: it contains binary data"):
        load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)


def test_xlsx_named_csv(tmp_path):
    write_xlsx(tmp_path / "x.xlsx", [["a"]])
    path = tmp_path / "roster.csv"
    path.write_bytes((tmp_path / "x.xlsx").read_bytes())
    with pytest.raises(InputError, match=r"roster\.csv is not a CSV file: it is a zip archive.*name it \.xlsx"):
        load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)


def test_xlsx_that_is_not_a_zip(tmp_path):
    path = write(tmp_path / "roster.xlsx", ROSTER_HEADER)
    with pytest.raises(InputError, match=r"roster\.xlsx is not a valid XLSX workbook: it is a text file"):
        load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)


def test_xlsx_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "roster.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    with pytest.raises(InputError, match=r"roster\.xlsx is not a valid XLSX workbook"):
        load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b" , ,\n"])
def test_empty_csv(tmp_path, content):
    path = tmp_path / "roster.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"roster\.csv is empty"):
        load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)


def test_empty_xlsx(tmp_path):
    path = write_xlsx(tmp_path / "roster.xlsx", [])
    with pytest.raises(InputError, match=r"roster\.xlsx is empty"):
        load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)


def test_missing_required_column_names_file_column_and_aliases(tmp_path):
    path = write(tmp_path / "roster.csv", "Nama,Jabatan,Provinsi,Kabupaten\nA,TA,Bali,Badung\n")
    with pytest.raises(InputError) as info:
        load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)
    msg = str(info.value)
    assert "roster.csv" in msg and "'nomor_absen'" in msg
    assert "'nomor absen'" in msg and "'no absen'" in msg and "'nomor urut absen'" in msg
    assert "'Nama'" in msg  # the headers actually present


def test_missing_pattern_column_mentions_pattern(tmp_path):
    path = write(tmp_path / "r.csv", "Timestamp,Nomor Absen,Nama,Link\n1,2,3,4\n")
    with pytest.raises(InputError, match=r"'provinsi' not found .*'provinsi', or any header matching /wilayah/"):
        load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED,
                        patterns=contract.RESPONSE_PATTERNS)


def test_duplicate_headers_two_aliases(tmp_path):
    path = write(tmp_path / "roster.csv", "Nomor Absen,Nama,Nama Lengkap,Jabatan,Provinsi,Kabupaten\n1,A,A,TA,Bali,B\n")
    with pytest.raises(InputError, match=r"roster\.csv: duplicate columns for 'nama': 'Nama' \(column 2\), 'Nama Lengkap' \(column 3\)"):
        load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)


def test_duplicate_headers_literal(tmp_path):
    path = write(tmp_path / "roster.csv", "Nomor Absen,Nama,Jabatan,Provinsi,Kabupaten,provinsi\n1,A,TA,Bali,B,C\n")
    with pytest.raises(InputError, match=r"duplicate columns for 'provinsi'"):
        load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)


def test_duplicate_ignored_columns_are_harmless(tmp_path):
    path = write(tmp_path / "roster.csv", "Catatan,Nomor Absen,Nama,Jabatan,Provinsi,Kabupaten,Catatan\nx,1,A,TA,Bali,B,y\n")
    assert len(load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)) == 1


def test_file_over_size_limit(tmp_path, monkeypatch):
    path = write(tmp_path / "roster.csv", ROSTER_HEADER + "1,A,TA,Bali,B\n")
    monkeypatch.setattr(config, "MAX_INPUT_BYTES", 20)
    with pytest.raises(InputError, match=r"roster\.csv is \d+ bytes, over the limit of 20 bytes"):
        load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)


@pytest.mark.parametrize(("row", "n"), [("3,C,PD,Bali,B,extra", 6), ("3,C,PD", 3)])
def test_ragged_row_names_the_line(tmp_path, row, n):
    text = ROSTER_HEADER + '1,"Ani\nmultiline",TA,Bali,B\n2,B,TA,Bali,B\n' + row + "\n"
    path = write(tmp_path / "roster.csv", text)
    with pytest.raises(InputError, match=rf"roster\.csv: line 5 has {n} fields but the header has 5"):
        load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)


def test_malformed_quotes(tmp_path):
    path = write(tmp_path / "roster.csv", ROSTER_HEADER + '1,"A"x,TA,Bali,B\n')
    with pytest.raises(InputError, match=r"roster\.csv: malformed CSV near line 2"):
        load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)


# --- Roster ------------------------------------------------------------------------------------

PROVINCE_SPELLINGS = [
    ("Jawa Timur", "Jawa Timur"), ("JATIM", "Jawa Timur"), ("Prov. Jawa Timur", "Jawa Timur"),
    ("provinsi jawa  timur", "Jawa Timur"), ("Sumatra Utara", "Sumatera Utara"), ("Sumut", "Sumatera Utara"),
    ("DIY", "DI Yogyakarta"), ("D.I. Yogyakarta", "DI Yogyakarta"), ("Jogja", "DI Yogyakarta"),
    ("NAD", "Aceh"), ("Babel", "Kepulauan Bangka Belitung"), ("Kepri", "Kepulauan Riau"),
    ("NTB", "Nusa Tenggara Barat"), ("ntt", "Nusa Tenggara Timur"), ("Kaltara", "Kalimantan Utara"),
    ("Sulbar", "Sulawesi Barat"), ("Malut", "Maluku Utara"), ("Papua Barat Daya", "Papua Barat Daya"),
    ("Atlantis", None),
]
JABATAN_SPELLINGS = [("TA", "TA"), ("pd", "PD"), ("Pld", "PLD"), ("Tenaga Ahli", "TA"),
                     ("pendamping desa", "PD"), ("PENDAMPING LOKAL DESA", "PLD"), ("Camat", None)]


def write_roster(data_dir: Path, rows: list[str], header: str = ROSTER_HEADER) -> Path:
    return write(data_dir / "roster.csv", header + "".join(r + "\n" for r in rows))


def test_roster_canonical_frame(tmp_path):
    header = "Nomor Absen,Nama Lengkap,Posisi,Provinsi,Kab/Kota,Status,Tanggal Resign,Tanggal Bergabung,E-mail,No WA,IG\n"
    write_roster(tmp_path, [
        "No. 001.234 , Ani S.Pd. ,pd,jatim, Kab. Malang ,,,,ani@x.id,0812-3456-7890,@ani",
        "#99,Budi,Tenaga Ahli,Sumatra Barat,Agam,resign,2025-10-01,01/02/2024,,,",
        "abc,Cici,Camat,Atlantis,X,AKTIF,,,,,",
        ",Dedi,PLD,Bali,Badung,cuti panjang,,,,,",
    ], header)
    df = load.load_roster(tmp_path)
    assert list(df.columns) == list(load.ROSTER_COLUMNS)
    assert df["source_row"].tolist() == [1, 2, 3, 4]
    assert df["nomor_absen_raw"].tolist()[:3] == ["No. 001.234", "#99", "abc"]
    assert df["nomor_absen"].tolist() == [1234, 99, pd.NA, pd.NA]
    assert str(df["nomor_absen"].dtype) == "Int64"
    assert df["nama"].tolist() == ["Ani S.Pd.", "Budi", "Cici", "Dedi"]
    assert df["jabatan"].tolist() == ["PD", "TA", pd.NA, "PLD"]
    assert df["jabatan_raw"].tolist()[0] == "pd"
    assert df["provinsi"].tolist() == ["Jawa Timur", "Sumatera Barat", pd.NA, "Bali"]
    assert df["provinsi_raw"].tolist()[0] == "jatim"
    assert df["kabupaten"].tolist()[0] == "Kab. Malang"
    assert df["status"].tolist() == ["Aktif", "Resign", "Aktif", "Cuti Panjang"]
    assert df["tanggal_resign"].tolist() == [None, dt.date(2025, 10, 1), None, None]
    assert df["tanggal_bergabung"].tolist() == [None, dt.date(2024, 2, 1), None, None]
    assert df["email"].tolist()[0] == "ani@x.id"
    assert df["whatsapp"].tolist()[0] == "0812-3456-7890"
    assert df["instagram"].tolist()[0] == "@ani"
    for ch in ("facebook", "twitter", "tiktok", "youtube", "website"):  # absent columns
        assert df[ch].isna().all() and str(df[ch].dtype) == "string"
    assert df.attrs["source"].endswith("roster.csv") and len(df.attrs["sha256"]) == 64


@pytest.mark.parametrize(("typed", "canonical"), PROVINCE_SPELLINGS)
def test_roster_province_spellings(tmp_path, typed, canonical):
    write_roster(tmp_path, [f"1,A,TA,{typed},K"])
    got = load.load_roster(tmp_path).loc[0, "provinsi"]
    assert (got is pd.NA) if canonical is None else got == canonical


# The contract's short names, each as the contract writes it.
CONTRACT_SHORT_NAMES = {
    "DIY": "DI Yogyakarta", "D.I. Yogyakarta": "DI Yogyakarta", "Jogja": "DI Yogyakarta", "NAD": "Aceh",
    "Babel": "Kepulauan Bangka Belitung", "Kepri": "Kepulauan Riau", "NTB": "Nusa Tenggara Barat",
    "NTT": "Nusa Tenggara Timur", "Jabar": "Jawa Barat", "Jateng": "Jawa Tengah", "Jatim": "Jawa Timur",
    "Kalbar": "Kalimantan Barat", "Kalteng": "Kalimantan Tengah", "Kalsel": "Kalimantan Selatan",
    "Kaltim": "Kalimantan Timur", "Kaltara": "Kalimantan Utara", "Sulut": "Sulawesi Utara",
    "Sulteng": "Sulawesi Tengah", "Sulsel": "Sulawesi Selatan", "Sultra": "Sulawesi Tenggara",
    "Sulbar": "Sulawesi Barat", "Sumut": "Sumatera Utara", "Sumbar": "Sumatera Barat", "Sumsel": "Sumatera Selatan",
    "Malut": "Maluku Utara",
}


def test_every_province_in_every_common_form():
    assert len(contract.PROVINCES) == 38
    for name in contract.PROVINCES:
        forms = [name, name.upper(), name.lower(), f"Provinsi {name}", f"Prov. {name}", f"PROV {name}",
                 f"  {name.replace(' ', '   ')} ", f"propinsi {name.lower()}"]
        if "Sumatera" in name:
            forms += [name.replace("Sumatera", "Sumatra"), f"Prov. {name.replace('Sumatera', 'SUMATRA')}"]
        for form in forms:
            assert contract.normalize_province(form) == name, form
    for short, name in CONTRACT_SHORT_NAMES.items():
        for form in (short, short.upper(), short.lower(), f"Prov. {short}", f"Provinsi {short}"):
            assert contract.normalize_province(form) == name, form
    for unknown in ("Atlantis", "Jawa", "Papua Timur", "Sumatera", "", "-", None):
        assert contract.normalize_province(unknown) is None, unknown
    assert {contract.province_slug(p) for p in contract.PROVINCES} >= {"jawa-timur", "di-yogyakarta"}
    assert len({contract.province_slug(p) for p in contract.PROVINCES}) == 38


@pytest.mark.parametrize(("typed", "canonical"), JABATAN_SPELLINGS)
def test_roster_jabatan_spellings(tmp_path, typed, canonical):
    write_roster(tmp_path, [f"1,A,{typed},Bali,K"])
    got = load.load_roster(tmp_path).loc[0, "jabatan"]
    assert (got is pd.NA) if canonical is None else got == canonical


@pytest.mark.parametrize(("typed", "expected"), [
    ("2025-03-01", dt.date(2025, 3, 1)), ("01/03/2025", dt.date(2025, 3, 1)),
    ("1-3-2025", dt.date(2025, 3, 1)), ("2025-03-01T10:00:00", dt.date(2025, 3, 1)),
    ("2025-03-01 10:00", dt.date(2025, 3, 1)), ("", None), ("-", None),
])
def test_roster_date_formats(tmp_path, typed, expected):
    write_roster(tmp_path, [f"1,A,TA,Bali,K,Resign,{typed}"], ROSTER_HEADER.strip() + ",Status,Tanggal Resign\n")
    assert load.load_roster(tmp_path).loc[0, "tanggal_resign"] == expected


@pytest.mark.parametrize("bad", ["kemarin", "31/02/2025", "2025-13-01"])
def test_roster_bad_date_names_file_row_value(tmp_path, bad):
    write_roster(tmp_path, ["1,A,TA,Bali,K,", f"2,B,TA,Bali,K,{bad}"], ROSTER_HEADER.strip() + ",Tanggal Bergabung\n")
    with pytest.raises(InputError, match=rf"roster\.csv: row 3: tanggal_bergabung '{bad}' is not a date"):
        load.load_roster(tmp_path)


def test_roster_headers_only_is_an_error(tmp_path):
    write_roster(tmp_path, [])
    with pytest.raises(InputError, match=r"roster\.csv has a header row but no data rows"):
        load.load_roster(tmp_path)


def test_roster_missing(tmp_path):
    with pytest.raises(InputError, match=r"missing input file: .*roster\.csv or \.xlsx"):
        load.load_roster(tmp_path)


def test_roster_xlsx_with_date_cells_and_numbers(tmp_path):
    write_xlsx(tmp_path / "roster.xlsx", [
        [None],  # a blank row above the header is skipped
        ["No Absen", "Nama", "Jabatan", "Provinsi", "Kabupaten/Kota", "Status", "Tanggal Resign",
         "Tanggal Bergabung", "WA", "Keterangan"],
        [1001, "Ani", "PD", "Jawa Barat", "Bogor", "Resign", dt.datetime(2025, 5, 2), "02/01/2024", 81234567890, 3.5],
        [None, None, None, None, None, None, None, None, None, None],
        [1002.0, "Budi", "TA", "Jabar", "Bogor", None, None, dt.datetime(2024, 1, 3, 9, 30), "0812 3456 7891", None],
    ], date_format="yyyy-mm-dd")
    df = load.load_roster(tmp_path)
    assert df["source_row"].tolist() == [1, 3]
    assert df["nomor_absen_raw"].tolist() == ["1001", "1002"]
    assert df["nomor_absen"].tolist() == [1001, 1002]
    assert df["tanggal_resign"].tolist() == [dt.date(2025, 5, 2), None]
    assert df["tanggal_bergabung"].tolist() == [dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
    assert df["whatsapp"].tolist() == ["81234567890", "0812 3456 7891"]
    assert df["status"].tolist() == ["Resign", "Aktif"]


def test_read_table_xlsx_keeps_datetimes_and_stringifies_numbers(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", [
        ["Timestamp", "Provinsi", "Nomor Absen", "Nama", "Link"],
        [dt.datetime(2025, 11, 4, 9, 15, 32), "Bali", 123.0, "Ani", "https://fb.com/1"],
        ["4/11/2025 9.15.32", "Bali", 12.5, True, None],
    ], date_format="m/d/yyyy h:mm:ss")
    df = load.read_table(path, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED)
    assert df["timestamp"].dtype == object
    assert df.loc[0, "timestamp"] == dt.datetime(2025, 11, 4, 9, 15, 32)
    assert df.loc[1, "timestamp"] == "4/11/2025 9.15.32"
    assert df["nomor_absen"].tolist() == ["123", "12.5"]
    assert df["nama"].tolist() == ["Ani", "TRUE"]
    assert df.loc[1, "link"] is pd.NA
    assert str(df["provinsi"].dtype) == "string"


@pytest.mark.parametrize("epoch_1904", [False, True])
def test_xlsx_reader_agrees_with_openpyxl(tmp_path, epoch_1904):
    """python-calamine (the reader) against openpyxl (the reference) on every kind of cell."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    header = ["Nomor Absen", "Nama", "Jabatan", "Provinsi", "Kabupaten", "Tanggal Bergabung", "WA"]
    rows = [[None], [None, *header]]  # a blank row and a blank first column before the header
    for i in range(1, 60):
        rows.append([None, i if i % 3 else float(i), f"Nama {i} \u00e9\u00df \u0627\u0644\u0639\u0631\u0628\u064a\u0629", "PD",
                     "Bali" if i % 2 else "  Bali  ", "Badung" if i % 7 else None,
                     dt.datetime(2024, 1, 1 + i % 28, 9 if i % 5 == 0 else 0, 30 if i % 5 == 0 else 0),
                     81234567800 + i if i % 4 else True])
        if i % 10 == 0:
            rows.append([None] * 8)  # blank rows keep their number
    path = tmp_path / "roster.xlsx"
    wb = openpyxl.Workbook()
    if epoch_1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    for row in rows:
        ws.append(row)
    for (cell,) in ws.iter_rows(min_row=3, min_col=7, max_col=7):
        cell.number_format = "dd/mm/yyyy hh:mm" if cell.row % 2 else "dd/mm/yyyy"
    wb.save(path)

    got = load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)
    ref = openpyxl.load_workbook(path, read_only=True)
    ref_rows = [r[1:] for r in ref.worksheets[0].iter_rows(min_row=3, values_only=True)]
    ref_rows = [(n, r) for n, r in enumerate(ref_rows, start=1) if any(v is not None for v in r)]
    assert got["source_row"].tolist() == [n for n, _ in ref_rows]
    columns = ["nomor_absen", "nama", "jabatan", "provinsi", "kabupaten", "tanggal_bergabung", "whatsapp"]
    for j, canon in enumerate(columns):
        for (n, r), value in zip(ref_rows, got[canon].tolist()):
            expected = load._cell_value(r[j])
            if isinstance(expected, str) and not expected.strip():
                expected = pd.NA
            if isinstance(value, dt.date):
                assert pd.Timestamp(value) == pd.Timestamp(expected), (canon, n)
            else:
                assert value is expected or value == expected, (canon, n, value, expected)
    assert got["tanggal_bergabung"].map(type).isin([dt.date, dt.datetime]).all()
    assert got.loc[0, "nomor_absen"] == "1" and got.loc[2, "nomor_absen"] == "3"  # 3.0 -> "3"


def test_xlsx_first_worksheet_skips_chartsheets_and_reads_inline_strings(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data TPP"
    ws.append(["Nomor Absen", "Nama", "Jabatan", "Provinsi", "Kabupaten"])
    ws.append([7, "Ani", "TA", "Bali", "Badung"])
    wb.create_chartsheet("Grafik", 0)
    other = wb.create_sheet("Lain")
    other.append(["x"])
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    df = load.read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)
    assert df[["nomor_absen", "nama"]].values.tolist() == [["7", "Ani"]]
    # inline strings (as Google Sheets and some exporters write them)
    import xlsxwriter
    path2 = tmp_path / "inline.xlsx"
    book = xlsxwriter.Workbook(path2, {"constant_memory": True})  # constant_memory writes inline strings
    sheet = book.add_worksheet()
    for j, h in enumerate(["Nomor Absen", "Nama", "Jabatan", "Provinsi", "Kabupaten"]):
        sheet.write_string(0, j, h)
    for j, v in enumerate(["12", "Budi", "PD", "Jatim", "Malang"]):
        sheet.write_string(1, j, v)
    book.close()
    with zipfile.ZipFile(path2) as zf:
        assert b"inlineStr" in zf.read("xl/worksheets/sheet1.xml")
    df2 = load.read_table(path2, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)
    assert df2[["nomor_absen", "nama", "provinsi"]].values.tolist() == [["12", "Budi", "Jatim"]]


# --- Tasks -------------------------------------------------------------------------------------


def test_load_tasks_csv(tmp_path):
    write(tmp_path / "tasks.csv",
          "task_id,judul,mulai,batas,cakupan,timezone,sumber,format_timestamp,catatan\n"
          "t2,Dua,2025-11-10T08:00:00,10/11/2025 20:00,Jatim; Bali,,responses/x.csv,DMY,z\n"
          "t1,Satu,2025-11-04 08:00,2025-11-04 23:59:59,nasional,Asia/Makassar,,,\n"
          "t0,Nol,2025-11-10 08:00,2025-11-10 20:00,NASIONAL,WITA,https://example.org/x.csv,,\n")
    tasks = load.load_tasks(tmp_path)
    assert list(tasks.columns) == list(load.TASKS_OUTPUT)
    assert tasks["task_id"].tolist() == ["t1", "t0", "t2"]  # by mulai, then task_id
    t1 = load.get_task(tasks, "t1")
    assert t1["timezone"] == "Asia/Makassar"
    assert t1["mulai"] == pd.Timestamp("2025-11-04 08:00", tz="Asia/Makassar")
    assert str(t1["mulai"].tz) == "Asia/Makassar"
    assert t1["batas"] == pd.Timestamp("2025-11-04 23:59:59", tz="Asia/Makassar")
    assert t1["scope"] == () and t1["sumber"] is None and t1["timestamp_format"] is None
    t2 = load.get_task(tasks, "t2")
    assert t2["scope"] == ("Jawa Timur", "Bali")
    assert t2["cakupan"] == "Jatim; Bali"
    assert t2["timezone"] == config.DEFAULT_TIMEZONE
    assert t2["batas"] == pd.Timestamp("2025-11-10 20:00", tz="Asia/Jakarta")
    assert t2["sumber"] == "responses/x.csv"
    assert t2["timestamp_format"] == "dmy"
    assert load.get_task(tasks, "t0")["timezone"] == "Asia/Makassar"  # WITA


def test_load_tasks_yaml_list_and_mapping(tmp_path):
    write(tmp_path / "tasks.yml",
          "- task_id: a\n  judul: A\n  mulai: 2025-11-04 08:00:00\n  batas: '2025-11-04 20:00'\n"
          "  cakupan: Bali;NTB\n  timezone: Asia/Makassar\n")
    tasks = load.load_tasks(tmp_path)
    row = tasks.iloc[0]
    assert row["mulai"] == pd.Timestamp("2025-11-04 08:00", tz="Asia/Makassar")
    assert row["batas"] == pd.Timestamp("2025-11-04 20:00", tz="Asia/Makassar")
    assert row["scope"] == ("Bali", "Nusa Tenggara Barat")
    (tmp_path / "tasks.yml").unlink()
    write(tmp_path / "tasks.yaml",
          "tasks:\n  - {task_id: 7, judul: B, mulai: '2025-11-04T08:00:00+07:00', batas: '2025-11-05 08:00', cakupan: nasional}\n")
    row = load.load_tasks(tmp_path).iloc[0]
    assert row["task_id"] == "7"
    assert row["mulai"] == pd.Timestamp("2025-11-04 08:00", tz="Asia/Jakarta")


def test_tasks_both_csv_and_yaml(tmp_path):
    write(tmp_path / "tasks.csv", TASKS_CSV)
    write(tmp_path / "tasks.yml", "[]")
    with pytest.raises(InputError, match=r"several task files .*tasks\.csv, tasks\.yml"):
        load.load_tasks(tmp_path)


def test_tasks_missing(tmp_path):
    with pytest.raises(InputError, match=r"missing input file: .*tasks.*\.csv or tasks\.yml"):
        load.load_tasks(tmp_path)


@pytest.mark.parametrize(("row", "message"), [
    ("t1,Lagi,2025-11-05 08:00,2025-11-05 09:00,nasional", r"duplicate task_id 't1' \(rows 2 and 3\)"),
    ("t2,X,2025-11-05 08:00,2025-11-05 09:00,Bali;Atlantis", r"task 't2' \(row 3\): unknown province 'Atlantis' in cakupan"),
    ("t2,X,2025-11-05 08:00,2025-11-05 07:00,nasional", r"task 't2' \(row 3\): batas .* is before mulai"),
    ("t2,X,2025-11-05 08:00,2025-11-05 09:00,nasional,Asia/Bandung", r"unknown timezone 'Asia/Bandung'"),
    ("t2,X,besok pagi,2025-11-05 09:00,nasional", r"task 't2' \(row 3\): mulai 'besok pagi' is not a date-time"),
    ("t2,X,2025-11-05 08:00,2025-02-30 09:00,nasional", r"batas '2025-02-30 09:00' is not a valid date-time"),
    ("t2,X,2025-11-05 08:00,2025-11-05 09:00,", r"row 3: cakupan is empty"),
    ("t 2,X,2025-11-05 08:00,2025-11-05 09:00,nasional", r"task_id 't 2' is not a slug"),
    ("t2,X,2025-11-05 08:00,2025-11-05 09:00,nasional,,,xyz", r"format_timestamp 'xyz' must be one of iso, dmy, mdy"),
])
def test_tasks_errors(tmp_path, row, message):
    write(tmp_path / "tasks.csv",
          "task_id,judul,mulai,batas,cakupan,timezone,sumber,format_timestamp\n"
          "t1,Satu,2025-11-04 08:00,2025-11-04 23:59,nasional,,,\n" + row + "," * (7 - row.count(",")) + "\n")
    with pytest.raises(InputError, match=message):
        load.load_tasks(tmp_path)


def test_tasks_missing_column(tmp_path):
    write(tmp_path / "tasks.csv", "task_id,judul,mulai,cakupan\nt1,A,2025-11-04 08:00,nasional\n")
    with pytest.raises(InputError, match=r"tasks\.csv: required column 'batas' not found"):
        load.load_tasks(tmp_path)


def test_get_task_unknown(tmp_path):
    write(tmp_path / "tasks.csv", TASKS_CSV)
    tasks = load.load_tasks(tmp_path)
    with pytest.raises(InputError, match=r"unknown task id nope; known: t1"):
        load.get_task(tasks, "nope")


# --- Timestamps ----------------------------------------------------------------------------------


def test_iso_forms_offsets_and_z():
    got = parse(["2025-11-04T09:15:32", "2025-11-04 09:15", "2025-11-04T09:15:32+08:00",
                 "2025-11-04T02:15:32Z", "2025-11-04 10:15:32.250+0900", "", None, pd.NA])
    assert str(got.dtype) == "datetime64[ns, Asia/Jakarta]"
    assert got.tolist()[:5] == [local("2025-11-04 09:15:32"), local("2025-11-04 09:15"),
                                local("2025-11-04 08:15:32"), local("2025-11-04 09:15:32"),
                                local("2025-11-04 08:15:32.250")]
    assert got[5:].isna().all()


def test_month_first_decided_by_second_field():
    got = parse(["11/4/2025 9:15:32", "11/13/2025 9:15:32"], batas="2025-11-20 00:00")
    assert got.tolist() == [local("2025-11-04 09:15:32"), local("2025-11-13 09:15:32")]


def test_day_first_decided_by_first_field_with_dot_times():
    got = parse(["4/11/2025 9.15.32", "13/11/2025 9.15", "4/11/2025 21:05:00"])
    assert got.tolist() == [local("2025-11-04 09:15:32"), local("2025-11-13 09:15"), local("2025-11-04 21:05")]


def test_window_decides_month_first():
    # 11/4 and 11/5: both readings valid; only month-first falls in the November window.
    got = parse(["11/4/2025 9:15:32", "11/5/2025 7:00:00"])
    assert got.tolist() == [local("2025-11-04 09:15:32"), local("2025-11-05 07:00")]


def test_window_decides_day_first():
    got = parse(["4/11/2025 9.15.32", "5/11/2025 7.00.00"])
    assert got.tolist() == [local("2025-11-04 09:15:32"), local("2025-11-05 07:00")]


def test_undecidable_format_says_how_to_set_it():
    with pytest.raises(InputError) as info:
        parse(["4/11/2025 9:15:32", "11/4/2025 9:15:32"], mulai="2025-01-01 00:00", batas="2025-12-31 00:00",
              source="responses/t1.csv")
    msg = str(info.value)
    assert "responses/t1.csv" in msg and "day-first or month-first" in msg
    assert "format_timestamp" in msg and "tasks.csv" in msg and "'dmy'" in msg and "'mdy'" in msg


def test_mixed_formats_are_an_error():
    with pytest.raises(InputError, match=r"mix day-first values \('13/11/2025 9:00'\) and month-first values \('11/14/2025 9:00'\)"):
        parse(["13/11/2025 9:00", "11/14/2025 9:00"])


@pytest.mark.parametrize(("fmt", "expected"), [("dmy", "2025-04-11 09:15"), ("mdy", "2025-11-04 09:15")])
def test_fmt_forces_reading(fmt, expected):
    got = parse(["11/4/2025 9:15"], mulai="2025-01-01", batas="2025-12-31", fmt=fmt)
    assert got.iloc[0] == local(expected)


def test_fmt_iso_rejects_slash_dates():
    with pytest.raises(InputError, match=r"1 of 1 timestamps cannot be read .*format_timestamp=iso"):
        parse(["11/4/2025 9:15"], fmt="iso")


def test_xlsx_datetime_objects_are_local_time():
    got = parse([dt.datetime(2025, 11, 4, 9, 15, 32), pd.Timestamp("2025-11-04 10:00"), "2025-11-04 11:00", None],
                tz="Asia/Makassar")
    assert got.tolist()[:3] == [local("2025-11-04 09:15:32", "Asia/Makassar"),
                                local("2025-11-04 10:00", "Asia/Makassar"),
                                local("2025-11-04 11:00", "Asia/Makassar")]
    assert pd.isna(got.iloc[3])


def test_unparseable_minority_is_nat_majority_is_error():
    got = parse(["2025-11-04 09:00", "2025-11-04 10:00", "kemarin"])
    assert got.iloc[:2].notna().all() and pd.isna(got.iloc[2])
    with pytest.raises(InputError, match=r"2 of 3 timestamps cannot be read \(e\.g\. 'kemarin', 'besok'\)"):
        parse(["2025-11-04 09:00", "kemarin", "besok"])


def test_am_pm_and_index_preserved():
    values = pd.Series(["11/4/2025 9:15:32 PM", "11/14/2025 12:05:00 AM"], index=[10, 20], dtype=object)
    got = load.parse_timestamps(values, tz="Asia/Jakarta", mulai=local("2025-11-04"), batas=local("2025-11-20"))
    assert got.index.tolist() == [10, 20]
    assert got.tolist() == [local("2025-11-04 21:15:32"), local("2025-11-14 00:05")]


def test_parse_timestamps_reads_a_national_column():
    # 25,000 month-first values, as a national export writes them. Its speed is measured by
    # bench/bench_resolve.py (load_responses), not here: a timed test fails on a busy machine.
    base = pd.Timestamp("2025-11-04 08:00")
    stamps = base + pd.to_timedelta(range(0, 25000 * 3, 3), unit="s")
    values = pd.Series([f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}:{t.second:02d}" for t in stamps])
    got = load.parse_timestamps(values, tz="Asia/Jakarta", mulai=local("2025-11-04 08:00"),
                                batas=local("2025-11-05 08:00"))
    assert got.notna().all() and got.iloc[0] == local("2025-11-04 08:00")
    assert (got.dt.tz_localize(None).to_numpy() == stamps.to_numpy()).all()


# --- Responses ---------------------------------------------------------------------------------


def responses_dir(tmp_path: Path, body: str, *, tasks: str = TASKS_CSV, header: str = RESP_HEADER,
                  encoding: str = "utf-8") -> Path:
    write(tmp_path / "tasks.csv", tasks)
    write(tmp_path / "responses" / "t1.csv", header + body, encoding)
    return tmp_path


def test_load_responses_csv(tmp_path):
    d = responses_dir(tmp_path,
                      "11/4/2025 9:15:32,Jatim,No. 00123,Ani S.Pd.,https://fb.com/x,10\n"
                      "11/4/2025 10:00:00,Atlantis, 456 ,Budi , https://x.com/y ,9\n"
                      ",,,,,\n"
                      "11/4/2025 11:00:00,,#7,,,\n",
                      header="Cap waktu,Wilayah Kerja,No Absen,Nama Lengkap,Link postingan,Skor\n")
    task = load.get_task(load.load_tasks(d), "t1")
    df = load.load_responses(d, task)
    assert list(df.columns) == list(load.RESPONSE_COLUMNS)
    assert df["source_row"].tolist() == [1, 2, 4]
    assert df["timestamp_raw"].tolist()[0] == "11/4/2025 9:15:32"
    assert df["timestamp"].tolist() == [local("2025-11-04 09:15:32"), local("2025-11-04 10:00"), local("2025-11-04 11:00")]
    assert df["provinsi_raw"].tolist()[:2] == ["Jatim", "Atlantis"]
    assert df["provinsi"].tolist() == ["Jawa Timur", pd.NA, pd.NA]
    assert df["nomor_absen_input"].tolist() == ["No. 00123", "456", "#7"]
    assert df["nama"].tolist() == ["Ani S.Pd.", "Budi", pd.NA]
    assert df["link"].tolist() == ["https://fb.com/x", "https://x.com/y", pd.NA]
    assert df.attrs["source"].endswith("t1.csv") and len(df.attrs["sha256"]) == 64


def test_load_responses_headers_only(tmp_path):
    d = responses_dir(tmp_path, "")
    df = load.load_responses(d, load.get_task(load.load_tasks(d), "t1"))
    assert len(df) == 0 and list(df.columns) == list(load.RESPONSE_COLUMNS)


def test_load_responses_cp1252_bom_and_task_timezone(tmp_path):
    tasks = ("task_id,judul,mulai,batas,cakupan,timezone\n"
             "t1,Satu,04/11/2025 08:00,04/11/2025 23:59,Bali;NTB,Asia/Makassar\n")
    d = responses_dir(tmp_path, "2025-11-04 09:00:00,Bali,1,Made Wídana,https://fb.com/1\n"
                                "2025-11-04T01:30:00Z,NTB,2,Ketut,https://fb.com/2\n",
                      tasks=tasks, encoding="cp1252")
    task = load.get_task(load.load_tasks(d), "t1")
    df = load.load_responses(d, task)
    assert df["nama"].tolist() == ["Made Wídana", "Ketut"]
    assert str(df["timestamp"].dtype) == "datetime64[ns, Asia/Makassar]"
    assert df["timestamp"].tolist() == [local("2025-11-04 09:00", "Asia/Makassar"),
                                        local("2025-11-04 09:30", "Asia/Makassar")]
    (d / "responses" / "t1.csv").write_bytes(b"\xef\xbb\xbf" + (RESP_HEADER + "2025-11-04 09:00,Bali,1,A,L\n").encode())
    assert load.load_responses(d, task)["provinsi"].tolist() == ["Bali"]


def test_load_responses_xlsx_datetimes_and_numeric_ids(tmp_path):
    write(tmp_path / "tasks.csv", TASKS_CSV)
    write_xlsx(tmp_path / "responses" / "t1.xlsx", [
        ["Stempel waktu", "Provinsi", "Nomor Absen", "Nama", "Link"],
        [dt.datetime(2025, 11, 4, 9, 15, 32), "Sulsel", 123.0, "Ani", "https://fb.com/1"],
        [dt.datetime(2025, 11, 4, 10, 0), "DKI", 4567, "Budi", "https://ig.com/2"],
    ], date_format="m/d/yyyy h:mm:ss")
    task = load.get_task(load.load_tasks(tmp_path), "t1")
    df = load.load_responses(tmp_path, task)
    assert df["timestamp"].tolist() == [local("2025-11-04 09:15:32"), local("2025-11-04 10:00")]
    assert df["timestamp_raw"].tolist() == ["2025-11-04 09:15:32", "2025-11-04 10:00:00"]
    assert df["nomor_absen_input"].tolist() == ["123", "4567"]
    assert df["provinsi"].tolist() == ["Sulawesi Selatan", "DKI Jakarta"]


def test_load_responses_xlsx_mixed_cells_in_a_task_timezone(tmp_path):
    """Date-time cells, text ISO with an offset and day-first text in one XLSX column (Asia/Jayapura):
    cells and plain text are local, the offset is converted; the day-first order comes from 13/11."""
    write(tmp_path / "tasks.csv", "task_id,judul,mulai,batas,cakupan,timezone\n"
                                  "t1,Satu,2025-11-04 08:00,2025-11-14 23:59,Papua,Asia/Jayapura\n")
    write_xlsx(tmp_path / "responses" / "t1.xlsx", [
        ["Timestamp", "Provinsi", "Nomor Absen", "Nama", "Link"],
        [dt.datetime(2025, 11, 4, 9, 15, 32), "Papua", 1, "A", "https://fb.com/1"],
        ["2025-11-04T00:30:00Z", "Papua", 2, "B", "https://fb.com/2"],
        ["13/11/2025 10.00.00", "Papua", 3, "C", "https://fb.com/3"],
        ["5/11/2025 10:00", "Papua", 4, "D", "https://fb.com/4"],
        [dt.date(2025, 11, 6), "Papua", 5, "E", "https://fb.com/5"],
    ], date_format="dd/mm/yyyy hh:mm:ss")
    task = load.get_task(load.load_tasks(tmp_path), "t1")
    got = load.load_responses(tmp_path, task)["timestamp"].tolist()
    tz = "Asia/Jayapura"
    assert got == [local("2025-11-04 09:15:32", tz), local("2025-11-04 09:30", tz), local("2025-11-13 10:00", tz),
                   local("2025-11-05 10:00", tz), local("2025-11-06 00:00", tz)]


def test_load_responses_undecidable_names_task(tmp_path):
    tasks = "task_id,judul,mulai,batas,cakupan\nt1,Satu,2025-01-01 00:00,2025-12-31 23:59,nasional\n"
    d = responses_dir(tmp_path, "4/11/2025 9:00,Bali,1,A,L\n11/4/2025 9:00,Bali,2,B,L\n", tasks=tasks)
    task = load.get_task(load.load_tasks(d), "t1")
    with pytest.raises(InputError, match=r"t1\.csv \(task t1\).*format_timestamp"):
        load.load_responses(d, task)
    write(d / "tasks.csv",
          "task_id,judul,mulai,batas,cakupan,format_timestamp\nt1,Satu,2025-01-01 00:00,2025-12-31 23:59,nasional,mdy\n")
    task = load.get_task(load.load_tasks(d), "t1")
    assert load.load_responses(d, task)["timestamp"].tolist() == [local("2025-04-11 09:00"), local("2025-11-04 09:00")]


def test_response_source(tmp_path):
    write(tmp_path / "responses" / "t1.xlsx", "x")
    assert load.response_source(tmp_path, task_row()) == tmp_path / "responses" / "t1.xlsx"
    assert load.response_source(tmp_path, task_row(sumber="other/f.csv")) == tmp_path / "other" / "f.csv"
    url = "https://docs.google.com/spreadsheets/d/abc/export?format=csv"
    assert load.response_source(tmp_path, task_row(sumber=url)) == url
    with pytest.raises(InputError, match=r"missing input file: .*responses/t2\.csv or \.xlsx"):
        load.response_source(tmp_path, task_row(task_id="t2"))


def test_sumber_relative_path(tmp_path):
    write(tmp_path / "exports" / "form.csv", RESP_HEADER + "2025-11-04 09:00,Bali,1,A,L\n")
    df = load.load_responses(tmp_path, task_row(sumber="exports/form.csv"))
    assert df["nomor_absen_input"].tolist() == ["1"]


@pytest.mark.parametrize("sumber", ["../outside.csv", "responses/../../outside.csv", "/etc/passwd",
                                    "..\\outside.csv", "C:\\data\\form.csv"])
def test_sumber_outside_the_data_directory_is_refused(tmp_path, sumber):
    write(tmp_path / "outside.csv", RESP_HEADER + "2025-11-04 09:00,Bali,1,A,L\n")
    data = tmp_path / "data"
    data.mkdir()
    with pytest.raises(InputError, match=r"task t1: sumber .* must be a path inside the data directory"):
        load.load_responses(data, task_row(sumber=sumber))


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, bytes]] = {}

    def do_GET(self):  # noqa: N802
        status, ctype, body = self.routes.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_url(tmp_path, server):
    body = (RESP_HEADER + "11/4/2025 9:15:32,Bali,12,Ani,https://fb.com/1\n").encode()
    _Handler.routes["/sheet.csv"] = (200, "text/csv", body)
    task = task_row(sumber=f"{server}/sheet.csv")
    with pytest.raises(InputError, match="no download folder"):
        load.load_responses(tmp_path, task)
    df = load.load_responses(tmp_path, task, download_dir=tmp_path / "dl")
    assert (tmp_path / "dl" / "t1.csv").read_bytes() == body
    assert df["timestamp"].tolist() == [local("2025-11-04 09:15:32")]
    assert df.attrs["url"] == f"{server}/sheet.csv"
    assert df.attrs["source"] == str(tmp_path / "dl" / "t1.csv")


def test_download_http_error_and_html(tmp_path, server):
    _Handler.routes["/login"] = (200, "text/html; charset=utf-8", b"<!DOCTYPE html><html>Sign in</html>")
    with pytest.raises(InputError, match=rf"cannot download {server}/missing: HTTP 404"):
        load.load_responses(tmp_path, task_row(sumber=f"{server}/missing"), download_dir=tmp_path)
    with pytest.raises(InputError, match=r"returned a web page, not CSV"):
        load.load_responses(tmp_path, task_row(sumber=f"{server}/login"), download_dir=tmp_path)


def test_download_network_error(tmp_path):
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    url = f"http://127.0.0.1:{port}/x.csv"
    with pytest.raises(InputError, match=rf"cannot download {url}: .*refused"):
        load.load_responses(tmp_path, task_row(sumber=url), download_dir=tmp_path)


# --- Village media -----------------------------------------------------------------------------


def test_village_media_absent(tmp_path):
    assert load.load_village_media(tmp_path) is None


def test_village_media(tmp_path):
    write(tmp_path / "village_media.csv",
          "Kode Desa,Desa,Kabupaten,Provinsi,Media Konvensional,Website,FB,Catatan\n"
          "3201012001,Sukamaju,Bogor,Jabar,ya,sukamaju.desa.id,,x\n"
          "5103022002,Tibubeneng,Badung,Bali,Tidak,,fb.com/tibu,\n")
    df = load.load_village_media(tmp_path)
    assert list(df.columns) == list(load.VILLAGE_MEDIA_OUTPUT)
    assert df["kode_desa"].tolist() == ["3201012001", "5103022002"]
    assert df["provinsi"].tolist() == ["Jawa Barat", "Bali"]
    assert df["provinsi_raw"].tolist() == ["Jabar", "Bali"]
    assert df["media_konvensional"].tolist() == ["Ya", "Tidak"]
    assert df["website"].tolist() == ["sukamaju.desa.id", pd.NA]
    assert df["facebook"].tolist() == [pd.NA, "fb.com/tibu"]
    assert df["instagram"].isna().all()
    assert df["source_row"].tolist() == [1, 2]


def test_village_media_missing_required(tmp_path):
    write(tmp_path / "village_media.csv", "Kode Desa,Desa,Provinsi\n1,A,Bali\n")
    with pytest.raises(InputError, match=r"village_media\.csv: required column 'kabupaten' not found"):
        load.load_village_media(tmp_path)


def test_task_date_only_covers_whole_day_and_xlsx_tasks(tmp_path):
    write_xlsx(tmp_path / "tasks.xlsx", [
        ["Task ID", "Judul", "Mulai", "Batas", "Cakupan", "Timezone"],
        ["x1", "Satu", "2025-11-04", "2025-11-04", "Papua Tengah", "WIT"],
        ["x2", "Dua", dt.datetime(2025, 11, 5, 8, 0), dt.datetime(2025, 11, 5, 20, 0), "nasional", None],
    ], date_format="yyyy-mm-dd hh:mm")
    tasks = load.load_tasks(tmp_path)
    x1 = load.get_task(tasks, "x1")
    assert x1["timezone"] == "Asia/Jayapura" and x1["scope"] == ("Papua Tengah",)
    assert x1["mulai"] == pd.Timestamp("2025-11-04 00:00", tz="Asia/Jayapura")
    assert x1["batas"] == pd.Timestamp("2025-11-04 23:59:59", tz="Asia/Jayapura")
    x2 = load.get_task(tasks, "x2")
    assert x2["mulai"] == pd.Timestamp("2025-11-05 08:00", tz="Asia/Jakarta")
