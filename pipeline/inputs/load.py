"""Reads a data directory (CSV/XLSX, any encoding) into canonical frames; bad input is an InputError."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import socket
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from pipeline import config
from pipeline.errors import InputError
from pipeline.publish import sha256_file
from pipeline.rules import contract

__all__ = [
    "find_input", "read_table", "load_roster", "load_tasks", "get_task", "response_source",
    "load_responses", "parse_timestamps", "load_village_media",
    "TIMESTAMP_FORMATS", "TASK_FORMAT_COLUMN",
]

TABLE_SUFFIXES = (".csv", ".xlsx")
TIMESTAMP_FORMATS = ("iso", "dmy", "mdy")
# Optional extension column of tasks.csv that forces how a task's response timestamps are read.
TASK_FORMAT_COLUMN = "format_timestamp"
STRING = pd.StringDtype()
TS_UNIT = "ns"

# --- Finding files ------------------------------------------------------------------------------


def find_input(data_dir: Path, stem: str, *, required: bool = True) -> Path | None:
    """`<stem>.csv` or `<stem>.xlsx` inside `data_dir`; an InputError when both exist or,
    if `required`, when neither does."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(f"data directory {data_dir} does not exist or is not a directory")
    found = [p for p in (data_dir / f"{stem}{suffix}" for suffix in TABLE_SUFFIXES) if p.is_file()]
    if len(found) > 1:
        raise InputError(
            f"both {found[0]} and {found[1]} exist in {data_dir}; keep only one of them"
        )
    if found:
        return found[0]
    if required:
        hint = ""
        for other in (".xls", ".ods", ".txt", ".tsv"):
            if (data_dir / f"{stem}{other}").is_file():
                hint = f" ({stem}{other} exists but only .csv and .xlsx are read: save it as .xlsx or .csv)"
                break
        raise InputError(f"missing input file: expected {data_dir / stem}.csv or .xlsx{hint}")
    return None


# --- Reading one table --------------------------------------------------------------------------


def _is_blank(value: object) -> bool:
    return value is None or (type(value) is str and not value.strip())


def _cell_value(value: object) -> object:
    """An XLSX cell as read_table returns it: strings, datetimes kept, numbers as text, NA."""
    if value is None:
        return pd.NA
    if type(value) is str:
        return value if value.strip() else pd.NA
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if np.isnan(value):
            return pd.NA
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


def _check_file(path: Path) -> int:
    """The file's size, after checking it exists, is not empty and is under the size limit."""
    if not path.exists():
        raise InputError(f"missing input file: {path}")
    if not path.is_file():
        raise InputError(f"{path} is not a file")
    size = path.stat().st_size
    if size > config.MAX_INPUT_BYTES:
        raise InputError(
            f"{path} is {size:,} bytes, over the limit of {config.MAX_INPUT_BYTES:,} bytes "
            "(set ABSENSI_MAX_INPUT_BYTES to raise it)"
        )
    if size == 0:
        raise InputError(f"{path} is empty (0 bytes)")
    return size


def _read_bytes(path: Path) -> bytes:
    _check_file(path)
    return path.read_bytes()


_CSV_HEAD_BYTES = 65536


def _csv_encoding(head: bytes, path: Path) -> tuple[str, str]:
    """(encoding, decoded head) of a CSV file from its first bytes: UTF-8 with or without BOM,
    else Windows-1252 (UTF-16 with a BOM too). Binary files are refused here."""
    if head.startswith(b"PK\x03\x04"):
        raise InputError(f"{path} is not a CSV file: it is a zip archive (an XLSX workbook?); name it .xlsx")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path} is not a CSV file: it is an old Excel (.xls) workbook; save it as .xlsx or CSV")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in head[:8192]:
        raise InputError(f"{path} is not a CSV file: it contains binary data")
    else:
        encoding = "utf-8-sig"
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        if encoding == "utf-16":
            raise InputError(f"{path} is not a readable text file (broken UTF-16)") from None
        encoding = "cp1252"
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            raise InputError(
                f"{path} is not a CSV text file in UTF-8 or Windows-1252 (undecodable bytes)"
            ) from None
    sample = text[:8192]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\r\n")
    if sample and controls / len(sample) > 0.01:
        raise InputError(f"{path} is not a CSV file: it contains binary data")
    return encoding, text


def _sniff_delimiter(sample: str, truncated: bool) -> str:
    """Pick `,`, `;` or tab: the one that splits the header and keeps the first rows consistent."""
    best, best_score = ",", None
    for delim in (",", ";", "\t"):
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delim) if r]
        except csv.Error:
            continue
        if truncated and len(rows) > 1:
            rows = rows[:-1]
        rows = rows[:50]
        if not rows:
            continue
        width = len(rows[0])
        score = (width > 1, sum(len(r) == width for r in rows), width)
        if best_score is None or score > best_score:
            best, best_score = delim, score
    return best


def _string_array(values: list) -> pd.api.extensions.ExtensionArray:
    """A `string` array of text cells; empty and blank cells become NA."""
    return pd.array([v if isinstance(v, str) and v and not v.isspace() else None for v in values], dtype=STRING)


_CSV_CHUNK_ROWS = 65536


def _blank_record(rec: list[str]) -> bool:
    return not any(f and not f.isspace() for f in rec)


def _csv_columns(
    path: Path,
    aliases: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    patterns: dict[str, str] | None,
) -> tuple[dict[str, pd.api.extensions.ExtensionArray], list[int]]:
    """Stream a CSV file once, keeping only the canonical columns: ({canon: string array},
    source_row numbers). Blank rows are dropped but counted; a ragged row is an error naming
    its line. Rows are packed into arrays every _CSV_CHUNK_ROWS, so memory follows the kept
    columns' text, never a decoded copy of the whole file or one Python object per cell."""
    size = _check_file(path)
    with open(path, "rb") as fh:
        head = fh.read(_CSV_HEAD_BYTES)
    encoding, head_text = _csv_encoding(head, path)
    if not head_text.strip() and size <= len(head):
        raise InputError(f"{path} is empty (no header row)")
    delim = _sniff_delimiter(head_text, size > len(head))
    shown_delim = "tab" if delim == "\t" else repr(delim)

    def parse(encoding: str) -> tuple[dict[str, pd.api.extensions.ExtensionArray], list[int]]:
        values: dict[str, list[str]] = {}
        chunks: dict[str, list] = {}
        numbers: list[int] = []
        header_at = 0
        width = 0
        wanted: list[tuple] = []  # (append to the column's list, field index)
        with open(path, "rb") as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
            reader = csv.reader(text, delimiter=delim, strict=True)
            try:
                for k, rec in enumerate(reader, start=1):
                    if not wanted:
                        if _blank_record(rec):
                            continue
                        columns = _match_headers(rec, aliases, required, patterns, path)
                        values = {canon: [] for canon in columns}
                        chunks = {canon: [] for canon in columns}
                        wanted = [(values[canon].append, i) for canon, i in columns.items()]
                        header_at, width = k, len(rec)
                        continue
                    if len(rec) != width:
                        if _blank_record(rec):
                            continue  # a blank line (or a row of empty fields): skipped, still numbered
                        n = len(rec)
                        raise InputError(
                            f"{path}: line {reader.line_num} has {n} field{'s' if n != 1 else ''} but the "
                            f"header has {width} (separator {shown_delim}); "
                            "fix that row (an unquoted separator inside a value?)"
                        )
                    first = rec[0]  # a row starting with a value is not blank: no need to look further
                    if (not first or first.isspace()) and _blank_record(rec):
                        continue
                    for append, i in wanted:
                        append(rec[i])
                    numbers.append(k - header_at)
                    if len(numbers) % _CSV_CHUNK_ROWS == 0:
                        for canon, column in values.items():
                            chunks[canon].append(_string_array(column))
                            column.clear()
            except csv.Error as exc:
                raise InputError(f"{path}: malformed CSV near line {reader.line_num}: {exc}") from None
        if not wanted:
            raise InputError(f"{path} is empty (no header row)")
        arrays = {}
        for canon, column in values.items():
            parts = chunks.pop(canon) + [_string_array(column)]
            arrays[canon] = parts[0] if len(parts) == 1 else pd.concat([pd.Series(a) for a in parts]).array
        return arrays, numbers

    try:
        return parse(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8-sig":
            raise InputError(f"{path} is not a readable text file (undecodable bytes)") from None
    try:
        return parse("cp1252")  # valid UTF-8 at the start only: Windows-1252 as Excel re-saves
    except UnicodeDecodeError:
        raise InputError(f"{path} is not a CSV text file in UTF-8 or Windows-1252 (undecodable bytes)") from None


def _check_zip_sizes(zf: zipfile.ZipFile, path: Path) -> None:
    """Refuse a workbook whose members declare more than the uncompressed limit, or one that
    compresses far better than any real sheet does (a zip bomb). The readers stop at the
    declared size (calamine's zip reader fails "larger than its declared uncompressed size"),
    so checking the declarations bounds what is unpacked."""
    total = 0
    for info in zf.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > config.XLSX_RATIO_MIN_BYTES and ratio > config.MAX_XLSX_RATIO:
            raise InputError(
                f"{path} is not read: its part {info.filename} unpacks {ratio:,.0f} times larger "
                f"({info.file_size:,} bytes from {info.compress_size:,}); no real spreadsheet compresses "
                f"that well (over {config.MAX_XLSX_RATIO}x), it looks like a zip bomb"
            )
    if total > config.MAX_XLSX_UNCOMPRESSED_BYTES:
        raise InputError(
            f"{path} is not read: it unpacks to {total:,} bytes, over the limit of "
            f"{config.MAX_XLSX_UNCOMPRESSED_BYTES:,} bytes (set ABSENSI_MAX_XLSX_UNCOMPRESSED_BYTES to raise it)"
        )


def _calamine_rows(data: bytes, path: Path) -> list[list]:
    """Rows of the first worksheet (from A1, so index + 1 is the spreadsheet row), read by
    python-calamine: strings, floats, bools, and date/time cells as datetime objects."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            first = next((m.name for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet), None)
            if first is None:
                raise InputError(f"{path} has no worksheet")
            return wb.get_sheet_by_name(first).to_python(skip_empty_area=False)
        finally:
            wb.close()
    except InputError:
        raise
    except Exception as exc:  # calamine raises CalamineError, XmlError, ZipError, ValueError ...
        detail = " ".join(str(exc).split())[:300]
        raise InputError(f"{path} is not a valid XLSX workbook ({type(exc).__name__}: {detail})") from None


def _collect(rows: list[list]) -> tuple[list | None, list, list[int]]:
    """(header, data rows, source_row numbers): the header is the first non-blank row; blank
    rows after it are dropped but keep their number."""
    header, out, numbers = None, [], []
    header_at = 0
    for number, row in enumerate(rows, start=1):
        if header is None:
            if any(not _is_blank(v) for v in row):
                header, header_at = list(row), number
            continue
        if all(_is_blank(v) for v in row):
            continue
        out.append(row)
        numbers.append(number - header_at)
    return header, out, numbers


def _xlsx_grid(data: bytes, path: Path) -> tuple[list, list, list[int]]:
    """(header, data rows, source_row numbers) of the first worksheet of an XLSX workbook."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        if data.startswith(b"PK\x03\x04"):
            kind = "a truncated or damaged zip archive (its directory at the end is missing)"
        elif b"\x00" not in data[:4096]:
            kind = "a text file (CSV?) named .xlsx"
        else:
            kind = "not a zip archive"
        raise InputError(f"{path} is not a valid XLSX workbook: it is {kind}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            _check_zip_sizes(zf, path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError) as exc:
        raise InputError(f"{path} is not a valid XLSX workbook ({exc})") from None
    header, rows, numbers = _collect(_calamine_rows(data, path))
    if header is None:
        raise InputError(f"{path} is empty (the first worksheet has no header row)")
    return header, rows, numbers


def _match_headers(
    header: list,
    aliases: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    patterns: dict[str, str] | None,
    path: Path,
) -> dict[str, int]:
    """Canonical column -> index in `header`."""
    keys = [contract.header_key(h) if h is not None else "" for h in header]
    alias_of: dict[str, str] = {}
    for canon, names in aliases.items():
        for name in names:
            alias_of.setdefault(contract.header_key(name), canon)
    hits: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if key and key in alias_of:
            hits.setdefault(alias_of[key], []).append(i)
    used = {i for idx in hits.values() for i in idx}
    for canon, pattern in (patterns or {}).items():
        if canon in hits:
            continue
        rx = re.compile(pattern)
        idx = [i for i, key in enumerate(keys) if key and i not in used and rx.search(key)]
        if idx:
            hits[canon] = idx
            used.update(idx)

    def shown(i: int) -> str:
        return f"{str(header[i]).strip()!r} (column {i + 1})"

    for canon, idx in hits.items():
        if len(idx) > 1:
            raise InputError(
                f"{path}: duplicate columns for {canon!r}: " + ", ".join(shown(i) for i in idx)
                + "; keep only one of them"
            )
    for canon in required:
        if canon not in hits:
            tried = ", ".join(repr(a) for a in aliases.get(canon, (canon,)))
            if patterns and canon in patterns:
                tried += f", or any header matching /{patterns[canon]}/"
            present = ", ".join(repr(str(h).strip()) for h in header if not _is_blank(h)) or "none"
            raise InputError(
                f"{path}: required column {canon!r} not found (headers accepted: {tried}); "
                f"headers in the file: {present}"
            )
    order = list(aliases) + [c for c in (patterns or {}) if c not in aliases]
    return {canon: hits[canon][0] for canon in order if canon in hits}


def read_table(
    path: Path,
    aliases: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    *,
    patterns: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Read a CSV or XLSX file into its canonical columns (renamed) plus `source_row`.

    Values are strings (`string` dtype, empty cells `<NA>`); XLSX date-time cells stay
    `datetime` objects (such a column has `object` dtype). Fully blank rows are dropped but
    keep their place in the `source_row` numbering."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        if not path.exists():
            raise InputError(f"missing input file: {path}")
        raise InputError(f"{path} is not a CSV or XLSX file (extension {path.suffix or 'none'!r})")
    if suffix == ".csv":
        by_column, numbers = _csv_columns(path, aliases, required, patterns)
        sha256 = sha256_file(path)
    else:
        data = _read_bytes(path)
        sha256 = hashlib.sha256(data).hexdigest()
        header, rows, numbers = _xlsx_grid(data, path)
        del data
        columns = _match_headers(header, aliases, required, patterns, path)
        by_column = {canon: [r[i] if i < len(r) else None for r in rows] for canon, i in columns.items()}
        del rows

    out: dict[str, object] = {"source_row": np.asarray(numbers, dtype="int64")}
    for canon in list(by_column):
        values = by_column.pop(canon)
        if suffix == ".csv":
            out[canon] = values
            continue
        if not all(type(v) is str for v in values):
            values = [v if type(v) is str else _cell_value(v) for v in values]
            if any(isinstance(v, (dt.datetime, dt.date)) for v in values):
                col = pd.Series(values, dtype=object)  # datetime cells kept, no datetime64 inference
                out[canon] = col.mask(col.map(_is_blank).astype(bool), pd.NA)
                continue
        out[canon] = _string_array(values)
    df = pd.DataFrame(out)
    df.attrs["source"] = str(path)
    df.attrs["sha256"] = sha256
    return df


# --- Small value helpers --------------------------------------------------------------------------


def _strip(col: pd.Series) -> pd.Series:
    """String column, stripped, blanks as NA (datetime cells rendered as ISO text)."""
    if col.dtype == object:
        col = col.map(lambda v: v.isoformat(sep=" ") if isinstance(v, dt.datetime)
                      else v.isoformat() if isinstance(v, dt.date) else v)
    s = col.astype(STRING).str.strip()
    return s.mask(s.eq(""), pd.NA)


def _map_unique(col: pd.Series, func) -> pd.Series:
    """Apply `func` once per distinct non-NA value; result is a string column with NA."""
    uniques = col.dropna().unique()
    mapping = {u: func(u) for u in uniques}
    return col.map(mapping).astype(STRING)


def _attrs(df: pd.DataFrame, source: pd.DataFrame) -> pd.DataFrame:
    df.attrs["source"] = source.attrs.get("source")
    df.attrs["sha256"] = source.attrs.get("sha256")
    return df


def _zone(name: str, where: str = "") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InputError(
            f"{where}unknown timezone {name!r}; use an IANA name such as Asia/Jakarta, "
            "Asia/Makassar or Asia/Jayapura"
        ) from None


# --- Roster -----------------------------------------------------------------------------------

ROSTER_COLUMNS = (
    "source_row", "nomor_absen_raw", "nomor_absen", "nama", "jabatan_raw", "jabatan",
    "provinsi_raw", "provinsi", "kabupaten", "status", "tanggal_resign", "tanggal_bergabung",
) + contract.CHANNELS

_DATE_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_DATE_DMY = re.compile(r"^(\d{1,2})([/\-.])(\d{1,2})\2(\d{4})(?:\s+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?$")
_EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_DATE_EMPTY = {"-", "--", "—"}


def _parse_date(value: object) -> dt.date | None | str:
    """A roster date; None when empty; the string 'error' when unreadable."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text or text in _DATE_EMPTY:
        return None
    try:
        if m := _DATE_ISO.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DATE_DMY.match(text):
            return dt.date(int(m[4]), int(m[3]), int(m[1]))
        if _EXCEL_SERIAL.match(text) and 20000 <= float(text) <= 80000:
            return (_EXCEL_EPOCH + dt.timedelta(days=float(text))).date()
    except ValueError:
        return "error"
    return "error"


def _date_column(col: pd.Series, name: str, rows: pd.Series, path: str) -> pd.Series:
    parsed = {}
    result = []
    for value, row in zip(col.tolist(), rows.tolist()):
        if value in parsed:
            d = parsed[value]
        else:
            d = parsed[value] = _parse_date(value)
        if isinstance(d, str):
            raise InputError(
                f"{path}: row {row}: {name} {str(value)!r} is not a date "
                "(write YYYY-MM-DD or DD/MM/YYYY)"
            )
        result.append(d)
    return pd.Series(result, index=col.index, dtype=object)


def _status(value: object) -> str:
    text = " ".join(str(value).split())
    low = text.lower()
    if low == "aktif":
        return "Aktif"
    if low == "resign":
        return "Resign"
    return text.title()


def load_roster(data_dir: Path) -> pd.DataFrame:
    """The canonical roster frame (docs/architecture.md) from roster.csv or roster.xlsx."""
    path = find_input(data_dir, "roster")
    raw = read_table(path, contract.ROSTER_ALIASES, contract.ROSTER_REQUIRED)
    if raw.empty:
        raise InputError(f"{path} has a header row but no data rows: the roster is empty")
    n = len(raw)
    out = pd.DataFrame({"source_row": raw["source_row"].astype("int64")})
    out["nomor_absen_raw"] = _strip(raw["nomor_absen"])
    ids = {u: contract.parse_nomor_absen(u) for u in out["nomor_absen_raw"].dropna().unique()}
    out["nomor_absen"] = out["nomor_absen_raw"].map(ids).astype("Int64")
    out["nama"] = _strip(raw["nama"])
    out["jabatan_raw"] = _strip(raw["jabatan"])
    out["jabatan"] = _map_unique(out["jabatan_raw"], contract.normalize_jabatan)
    out["provinsi_raw"] = _strip(raw["provinsi"])
    out["provinsi"] = _map_unique(out["provinsi_raw"], contract.normalize_province)
    out["kabupaten"] = _strip(raw["kabupaten"])
    if "status" in raw:
        status = _strip(raw["status"])
        out["status"] = _map_unique(status, _status).fillna("Aktif")
    else:
        out["status"] = pd.array(["Aktif"] * n, dtype=STRING)
    for name in ("tanggal_resign", "tanggal_bergabung"):
        if name in raw:
            out[name] = _date_column(raw[name], name, raw["source_row"], str(path))
        else:
            out[name] = pd.Series([None] * n, dtype=object)
    for ch in contract.CHANNELS:
        out[ch] = _strip(raw[ch]) if ch in raw else pd.array([pd.NA] * n, dtype=STRING)
    return _attrs(out[list(ROSTER_COLUMNS)].reset_index(drop=True), raw)


# --- Tasks ------------------------------------------------------------------------------------

TASKS_OUTPUT = ("task_id", "judul", "mulai", "batas", "cakupan", "scope", "timezone", "sumber",
                "timestamp_format", "materi")
_TASK_ALIASES: dict[str, tuple[str, ...]] = {
    c: (c, c.replace("_", " ")) for c in contract.TASK_COLUMNS + (TASK_FORMAT_COLUMN,)
}
_TZ_SHORT = {"wib": "Asia/Jakarta", "wita": "Asia/Makassar", "wit": "Asia/Jayapura"}
_TASK_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_TASK_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")
_NASIONAL = {"nasional", "national"}
_TASK_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _empty(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _task_time(value: object, tz: str, *, end_of_day: bool, where: str) -> pd.Timestamp:
    """A task's mulai/batas as a tz-aware Timestamp in `tz`."""
    if isinstance(value, dt.datetime):
        ts = pd.Timestamp(value)
        return ts.tz_convert(tz) if ts.tzinfo else ts.tz_localize(tz)
    if isinstance(value, dt.date):
        value = value.isoformat()
    text = str(value).strip()
    m = _TASK_ISO.match(text)
    if m:
        y, mo, d, hh, mm, ss, frac, off = m.groups()
    elif m := _TASK_DMY.match(text):
        d, mo, y, hh, mm, ss = m.groups()
        frac = off = None
    else:
        raise InputError(
            f"{where} {text!r} is not a date-time (write YYYY-MM-DD HH:MM, YYYY-MM-DDTHH:MM:SS "
            "or DD/MM/YYYY HH:MM)"
        )
    try:
        if hh is None:  # a date only: mulai at 00:00:00, batas at 23:59:59 of that day
            naive = dt.datetime(int(y), int(mo), int(d), *((23, 59, 59) if end_of_day else (0, 0, 0)))
        else:
            micro = int((frac or "0")[:6].ljust(6, "0"))
            naive = dt.datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0), micro)
    except ValueError as exc:
        raise InputError(f"{where} {text!r} is not a valid date-time ({exc})") from None
    ts = pd.Timestamp(naive)
    if off:
        ts = pd.Timestamp(text.replace(" ", "T", 1) if "T" not in text else text)
        return ts.tz_convert(tz)
    return ts.tz_localize(tz)


def _tasks_raw(data_dir: Path) -> tuple[pd.DataFrame, Path]:
    data_dir = Path(data_dir)
    table = find_input(data_dir, "tasks", required=False)
    yamls = [p for p in (data_dir / "tasks.yml", data_dir / "tasks.yaml") if p.is_file()]
    found = ([table] if table else []) + yamls
    if len(found) > 1:
        raise InputError(f"several task files in {data_dir}: " + ", ".join(p.name for p in found)
                         + "; keep only one of them")
    if not found:
        if not data_dir.is_dir():
            raise InputError(f"data directory {data_dir} does not exist or is not a directory")
        raise InputError(f"missing input file: expected {data_dir / 'tasks'}.csv or tasks.yml")
    path = found[0]
    if table:
        return read_table(path, _TASK_ALIASES, contract.TASK_REQUIRED), path
    import yaml

    data = _read_bytes(path)
    try:
        doc = yaml.safe_load(data.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid YAML: {exc}") from None
    if isinstance(doc, dict) and "tasks" in doc:
        doc = doc["tasks"]
    if doc is None:
        raise InputError(f"{path} is empty")
    if not isinstance(doc, list) or not all(isinstance(item, dict) for item in doc):
        raise InputError(f"{path} must be a list of tasks (mappings), or a mapping with key 'tasks'")
    lookup = {contract.header_key(a): c for c, names in _TASK_ALIASES.items() for a in names}
    records = []
    for item in doc:
        rec = {}
        for key, value in item.items():
            canon = lookup.get(contract.header_key(key))
            if canon:
                if canon in rec:
                    raise InputError(f"{path}: task entry {len(records) + 1} has {canon!r} twice")
                rec[canon] = value
        records.append(rec)
    for canon in contract.TASK_REQUIRED:
        if records and not any(canon in r for r in records):
            raise InputError(f"{path}: required field {canon!r} not found in any task")
    df = pd.DataFrame(records, columns=list(_TASK_ALIASES), dtype=object)
    df.insert(0, "source_row", np.arange(1, len(df) + 1, dtype="int64"))
    df.attrs["source"] = str(path)
    df.attrs["sha256"] = hashlib.sha256(data).hexdigest()
    return df, path


def load_tasks(data_dir: Path) -> pd.DataFrame:
    """The task schedule from tasks.csv, tasks.xlsx, tasks.yml or tasks.yaml."""
    raw, path = _tasks_raw(data_dir)
    if raw.empty:
        raise InputError(f"{path} has no tasks")
    rows = []
    seen: dict[str, int] = {}
    for rec in raw.to_dict("records"):
        row = rec["source_row"]
        where = f"{path}: row {row}:"

        def text(name: str, rec: dict = rec) -> str | None:
            value = rec.get(name)
            if _empty(value):
                return None
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return " ".join(str(value).split())

        for name in contract.TASK_REQUIRED:
            if _empty(rec.get(name)):
                raise InputError(f"{where} {name} is empty")
        task_id = text("task_id")
        if not _TASK_ID_RE.match(task_id):
            raise InputError(
                f"{where} task_id {task_id!r} is not a slug (letters, digits, '-', '_', '.'; "
                "it names the response file)"
            )
        if task_id in seen:
            raise InputError(f"{path}: duplicate task_id {task_id!r} (rows {seen[task_id]} and {row})")
        seen[task_id] = row
        where = f"{path}: task {task_id!r} (row {row}):"
        tz = text("timezone") or config.DEFAULT_TIMEZONE
        tz = _TZ_SHORT.get(tz.lower(), tz)
        _zone(tz, f"{where} ")
        mulai = _task_time(rec["mulai"], tz, end_of_day=False, where=f"{where} mulai")
        batas = _task_time(rec["batas"], tz, end_of_day=True, where=f"{where} batas")
        if batas < mulai:
            raise InputError(f"{where} batas {batas} is before mulai {mulai}")
        cakupan = text("cakupan")
        scope: list[str] = []
        if cakupan.lower() not in _NASIONAL:
            for part in re.split(r"[;,]", cakupan):
                if not part.strip():
                    continue
                prov = contract.normalize_province(part)
                if prov is None:
                    raise InputError(
                        f"{where} unknown province {part.strip()!r} in cakupan {cakupan!r} "
                        "(write 'nasional' or provinces separated by ';')"
                    )
                if prov not in scope:
                    scope.append(prov)
            if not scope:
                raise InputError(f"{where} cakupan {cakupan!r} names no province")
        fmt = text(TASK_FORMAT_COLUMN)
        if fmt is not None:
            fmt = fmt.lower()
            if fmt not in TIMESTAMP_FORMATS:
                raise InputError(f"{where} {TASK_FORMAT_COLUMN} {fmt!r} must be one of iso, dmy, mdy")
        rows.append({
            "task_id": task_id, "judul": text("judul"), "mulai": mulai, "batas": batas,
            "cakupan": cakupan, "scope": tuple(scope), "timezone": tz, "sumber": text("sumber"),
            "timestamp_format": fmt,
            "materi": text("materi"),  # the task's own content links (proof checks), None when absent
        })
    tasks = pd.DataFrame(rows, columns=list(TASKS_OUTPUT))
    for name in ("mulai", "batas", "scope", "sumber", "timestamp_format", "materi"):
        tasks[name] = pd.Series([r[name] for r in rows], dtype=object)
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["mulai"].value, rows[i]["task_id"]))
    tasks = tasks.iloc[order].reset_index(drop=True)
    tasks.attrs["source"] = raw.attrs.get("source")
    tasks.attrs["sha256"] = raw.attrs.get("sha256")
    return tasks


def get_task(tasks: pd.DataFrame, task_id: str) -> pd.Series:
    """The row of `task_id`; an InputError listing the known ids otherwise."""
    hit = tasks.loc[tasks["task_id"] == str(task_id)]
    if hit.empty:
        known = ", ".join(tasks["task_id"].astype(str)) or "none"
        raise InputError(f"unknown task id {task_id}; known: {known}")
    return hit.iloc[0]


# --- Responses -----------------------------------------------------------------------------------

RESPONSE_COLUMNS = ("source_row", "timestamp_raw", "timestamp", "provinsi_raw", "provinsi",
                    "nomor_absen_input", "nama", "link")


def _is_url(text: str) -> bool:
    return bool(re.match(r"^https?://", text.strip(), re.I))


def response_source(data_dir: Path, task: pd.Series) -> Path | str:
    """Where a task's responses come from: its `sumber` (a path relative to the data directory,
    or an http(s) URL), else responses/<task_id>.csv or .xlsx."""
    sumber = task.get("sumber")
    if not _empty(sumber):
        sumber = str(sumber).strip()
        if _is_url(sumber):
            return sumber
        rel = Path(sumber.replace("\\", "/"))
        if rel.is_absolute() or ".." in rel.parts or re.match(r"^[A-Za-z]:", sumber):
            raise InputError(
                f"task {task['task_id']}: sumber {sumber!r} must be a path inside the data directory "
                "(like responses/file.csv) or an http(s) URL"
            )
        return Path(data_dir) / rel
    return find_input(Path(data_dir), f"responses/{task['task_id']}")


def _download(url: str, target: Path) -> Path:
    """Fetch `url` into `target` (suffix .xlsx instead when the body is a workbook)."""
    request = urllib.request.Request(url, headers={"User-Agent": "absensi-medsos"})
    try:
        with urllib.request.urlopen(request, timeout=config.DOWNLOAD_TIMEOUT_S) as resp:
            content_type = resp.headers.get("Content-Type", "") or ""
            body = resp.read(config.MAX_INPUT_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise InputError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            reason = f"timed out after {config.DOWNLOAD_TIMEOUT_S} s"
        raise InputError(f"cannot download {url}: {reason}") from None
    except TimeoutError:
        raise InputError(f"cannot download {url}: timed out after {config.DOWNLOAD_TIMEOUT_S} s") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot download {url}: {exc}") from None
    if len(body) > config.MAX_INPUT_BYTES:
        raise InputError(f"cannot download {url}: larger than {config.MAX_INPUT_BYTES:,} bytes")
    head = body[:512].lstrip().lower()
    if "text/html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html")):
        raise InputError(
            f"cannot use {url}: it returned a web page, not CSV (is the sheet shared as "
            "'anyone with the link' and is the URL a CSV export, .../export?format=csv?)"
        )
    if body.startswith(b"PK\x03\x04"):
        target = target.with_suffix(".xlsx")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return target


def load_responses(data_dir: Path, task: pd.Series, *, download_dir: Path | None = None) -> pd.DataFrame:
    """The canonical responses frame of one task (downloading `sumber` when it is a URL)."""
    source = response_source(data_dir, task)
    url = None
    if isinstance(source, str):
        url = source
        if download_dir is None:
            raise InputError(f"task {task['task_id']}: sumber is a URL ({url}) but no download folder was given")
        source = _download(url, Path(download_dir) / f"{task['task_id']}.csv")
    raw = read_table(source, contract.RESPONSE_ALIASES, contract.RESPONSE_REQUIRED,
                     patterns=contract.RESPONSE_PATTERNS)
    fmt = task.get("timestamp_format")
    fmt = None if _empty(fmt) else fmt
    out = pd.DataFrame({"source_row": raw["source_row"].astype("int64")})
    out["timestamp_raw"] = _strip(raw["timestamp"])
    out["timestamp"] = parse_timestamps(
        raw["timestamp"], tz=task["timezone"], mulai=task["mulai"], batas=task["batas"], fmt=fmt,
        source=f"{source} (task {task['task_id']})",
    )
    out["provinsi_raw"] = _strip(raw["provinsi"])
    out["provinsi"] = _map_unique(out["provinsi_raw"], contract.normalize_province)
    out["nomor_absen_input"] = _strip(raw["nomor_absen"])
    out["nama"] = _strip(raw["nama"])
    out["link"] = _strip(raw["link"])
    out = _attrs(out[list(RESPONSE_COLUMNS)].reset_index(drop=True), raw)
    if url:
        out.attrs["url"] = url
    return out


# --- Timestamps -------------------------------------------------------------------------------------

_TIME = r"(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,](\d{1,6})\d*)?)?)?"
_ISO_TS = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$", re.I)
_SLASH_TS = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})" + _TIME + r"(?:\s*([AP])\.?M\.?)?$", re.I)
_SERIAL_TS = re.compile(r"^(\d{5}(?:\.\d+)?)$")


def _assemble(year, month, day, hour, minute, second, micro) -> pd.Series:
    """Naive timestamps from component columns (NaT where the date is invalid)."""
    parts = pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour,
                          "minute": minute, "second": second, "us": micro})
    ok = parts["hour"].between(0, 23) & parts["minute"].between(0, 59) & parts["second"].between(0, 59)
    result = pd.to_datetime(parts, errors="coerce")
    return result.where(ok).astype(f"datetime64[{TS_UNIT}]")


def _num(col: pd.Series, default: int = 0) -> pd.Series:
    fast = _digit_ints(col, default)
    if fast is not None:
        return fast
    return pd.to_numeric(col, errors="coerce").fillna(default).astype("int64")


def _digit_ints(col: pd.Series, default: int) -> pd.Series | None:
    """_num of the usual column, a regex group: ASCII digit strings of 1 to 15 digits (exact in
    the float64 that to_numeric returns when some are missing) and NaN/None where missing.
    None for any other column, which _num hands to pd.to_numeric."""
    if col.dtype != object:
        return None
    values = col.to_numpy()
    missing = pd.isna(values)
    items = values[~missing].tolist()
    if not items or not all(v is None or type(v) is float for v in values[missing].tolist()):
        return None
    try:
        joined = "".join(items)
    except TypeError:  # something other than text
        return None
    if not (joined.isascii() and joined.isdigit()):
        return None
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    if lengths.min() < 1 or lengths.max() > 15:
        return None
    # The number each run of digits spells: digit x 10 ** (digits after it in its run), summed per run.
    digits = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).astype(np.int64) - ord("0")
    ends = np.cumsum(lengths)
    after = np.repeat(ends, lengths) - np.arange(1, len(digits) + 1)
    out = np.full(len(values), default, dtype=np.int64)
    out[~missing] = np.add.reduceat(digits * 10 ** after, ends - lengths)
    return pd.Series(out, index=col.index, name=col.name)


def _micro(col: pd.Series) -> pd.Series:
    """Microseconds from a fraction's digits ('5' -> 500000); 0 when absent."""
    return _num(col.astype(STRING).str.ljust(6, "0"))


def _char_at(text: pd.Series, i: int, char: str) -> np.ndarray:
    """Boolean array: the (i+1)-th character of each value of a `string` column is `char`."""
    return text.str.slice(i, i + 1).eq(char).fillna(False).to_numpy(dtype=bool)


def _subset_mask(frame: pd.Series, tried: np.ndarray, hit: pd.Series) -> pd.Series:
    """Boolean Series on `frame`'s index: True where `tried` and, among the tried, `hit`."""
    mask = np.zeros(len(frame), dtype=bool)
    mask[np.flatnonzero(tried)[hit.to_numpy(dtype=bool)]] = True
    return pd.Series(mask, index=frame.index)


def _localize(naive: pd.Series, tz: str) -> pd.Series:
    return naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")


def _examples(values: pd.Series, k: int = 3) -> str:
    return ", ".join(repr(v) for v in values.head(k).tolist())


def parse_timestamps(
    values: pd.Series,
    *,
    tz: str,
    mulai: pd.Timestamp,
    batas: pd.Timestamp,
    fmt: str | None = None,
    source: str = "",
) -> pd.Series:
    """Read a response timestamp column into tz-aware Timestamps in `tz` (NaT when empty).

    ISO 8601 values with an offset or `Z` are converted to `tz`; every other value (and every
    datetime object) is local. Slash dates are read day-first or month-first for the whole
    column: forced by `fmt`, else decided by a field above 12, else by which reading falls in
    the task window [mulai - 1 day, batas + 7 days]; otherwise an InputError."""
    where = f"{source}: " if source else ""
    _zone(tz, where)
    if fmt is not None and fmt not in TIMESTAMP_FORMATS:
        raise ValueError(f"fmt must be one of {TIMESTAMP_FORMATS}, not {fmt!r}")
    dtype = pd.DatetimeTZDtype(TS_UNIT, tz)
    out = pd.Series(pd.NaT, index=values.index, dtype=dtype)
    if values.empty:
        return out
    mulai = pd.Timestamp(mulai)
    batas = pd.Timestamp(batas)
    mulai = mulai.tz_convert(tz) if mulai.tzinfo else mulai.tz_localize(tz)
    batas = batas.tz_convert(tz) if batas.tzinfo else batas.tz_localize(tz)

    col = values
    if col.dtype == object:
        is_dt = col.map(lambda v: isinstance(v, (dt.datetime, dt.date))).astype(bool)
        if is_dt.any():
            cells = col[is_dt]
            aware = cells.map(lambda v: isinstance(v, dt.datetime) and v.tzinfo is not None).astype(bool)
            if (~aware).any():
                naive = pd.to_datetime(cells[~aware].map(pd.Timestamp), errors="coerce")
                out.loc[naive.index] = _localize(naive.astype(f"datetime64[{TS_UNIT}]"), tz).astype(dtype)
            for i, v in cells[aware].items():
                out.loc[i] = pd.Timestamp(v).tz_convert(tz)
            col = col[~is_dt]
    text_s = col.astype(STRING).str.strip()
    text_s = text_s[text_s.notna() & text_s.ne("")]
    text = text_s.astype(object)
    if text.empty:
        return out

    # ISO 8601 (with T or space; offset or Z converted, otherwise local). Every match of _ISO_TS
    # has "-" as its 5th character: the regex runs only on such values (a vectorised test).
    iso_try = _char_at(text_s, 4, "-")
    iso = text[iso_try].str.extract(_ISO_TS)
    iso_ok = _subset_mask(text, iso_try, iso[0].notna())
    if iso_ok.any():
        p = iso[iso[0].notna()]
        naive = _assemble(_num(p[0]), _num(p[1]), _num(p[2]), _num(p[3]), _num(p[4]), _num(p[5]),
                          _micro(p[6]))
        off = p[7]
        has_off = off.notna()
        if (~has_off).any():
            out.loc[naive.index[~has_off]] = _localize(naive[~has_off], tz).astype(dtype)
        if has_off.any():
            # Minutes per distinct offset (a file has one or two), then spread to the rows.
            which, distinct = pd.factorize(off[has_off])
            o = pd.Series(distinct, dtype=object).str.upper()
            sign = np.where(o.str.startswith("-"), -1, 1)
            digits = o.str.replace(r"[^0-9]", "", regex=True).str.ljust(4, "0")
            minutes = np.where(o.eq("Z"), 0, sign * (_num(digits.str[:2]) * 60 + _num(digits.str[2:4])))[which]
            utc = naive[has_off] - pd.to_timedelta(minutes, unit="m")
            out.loc[utc.index] = utc.dt.tz_localize("UTC").dt.tz_convert(tz).astype(dtype)

    # Excel serial day numbers (a date column that lost its format).
    # Every match of _SERIAL_TS has at most 6 characters (a final newline is allowed) or "." as
    # its 6th: the regex runs only on such values.
    rest = text[~iso_ok]
    rest_s = text_s[~iso_ok.to_numpy()]
    serial_try = rest_s.str.len().le(6).to_numpy(dtype=bool) | _char_at(rest_s, 5, ".")
    serial = rest[serial_try].str.extract(_SERIAL_TS)[0]
    serial_hit = serial.notna() & pd.to_numeric(serial, errors="coerce").between(20000, 80000)
    serial_ok = _subset_mask(rest, serial_try, serial_hit)
    if serial_ok.any():
        days = pd.to_numeric(serial[serial_hit])
        naive = (pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D")).dt.round("s")
        out.loc[naive.index] = _localize(naive.astype(f"datetime64[{TS_UNIT}]"), tz).astype(dtype)
    rest = rest[~serial_ok]

    # Slash dates: day-first or month-first, decided once for the whole column.
    sl = rest.str.extract(_SLASH_TS)
    sl = sl[sl[0].notna()]
    if not sl.empty:
        a, b, year = _num(sl[0]), _num(sl[1]), _num(sl[2])
        hour, minute, second, micro = _num(sl[3]), _num(sl[4]), _num(sl[5]), _micro(sl[6])
        typed_hour = hour
        ampm = sl[7].str.upper()
        hour = hour.where(ampm.isna(), np.where(ampm.eq("P"), hour % 12 + 12, hour % 12))
        bad_ampm = ampm.notna() & (typed_hour.gt(12) | typed_hour.lt(1))
        dmy = _assemble(year, b, a, hour, minute, second, micro).mask(bad_ampm)
        mdy = _assemble(year, a, b, hour, minute, second, micro).mask(bad_ampm)
        raw = rest.loc[sl.index]
        if fmt == "dmy":
            chosen = dmy
        elif fmt == "mdy":
            chosen = mdy
        elif fmt == "iso":
            chosen = pd.Series(pd.NaT, index=sl.index, dtype=f"datetime64[{TS_UNIT}]")
        else:
            only_d = dmy.notna() & mdy.isna()
            only_m = mdy.notna() & dmy.isna()
            if only_d.any() and only_m.any():
                raise InputError(
                    f"{where}the timestamps mix day-first values ({_examples(raw[only_d])}) and "
                    f"month-first values ({_examples(raw[only_m])}); one file must use one format. "
                    f"Set it: add a column '{TASK_FORMAT_COLUMN}' to tasks.csv with 'dmy' "
                    "(day/month/year) or 'mdy' (month/day/year) in this task's row"
                )
            if only_d.any():
                chosen = dmy
            elif only_m.any():
                chosen = mdy
            else:
                differ = dmy.ne(mdy) & dmy.notna() & mdy.notna()
                if not differ.any():
                    chosen = dmy
                else:
                    lo = (mulai - pd.Timedelta(days=1)).tz_localize(None)
                    hi = (batas + pd.Timedelta(days=7)).tz_localize(None)
                    in_d = int(dmy[differ].between(lo, hi).sum())
                    in_m = int(mdy[differ].between(lo, hi).sum())
                    half = differ.sum() / 2
                    if in_d > in_m and in_d > half:
                        chosen = dmy
                    elif in_m > in_d and in_m > half:
                        chosen = mdy
                    else:
                        raise InputError(
                            f"{where}cannot tell whether the timestamps are day-first or month-first "
                            f"(e.g. {_examples(raw[differ])}): both readings are possible and "
                            f"neither falls clearly in the task window {mulai:%Y-%m-%d %H:%M} – "
                            f"{batas:%Y-%m-%d %H:%M}. Set it: add a column '{TASK_FORMAT_COLUMN}' "
                            "to tasks.csv with 'dmy' (day/month/year) or 'mdy' (month/day/year) "
                            "in this task's row"
                        )
        out.loc[chosen.index] = _localize(chosen, tz).astype(dtype)

    parsed = out.loc[text.index].notna()
    n_bad = int((~parsed).sum())
    if n_bad and n_bad * 2 > len(text):
        raise InputError(
            f"{where}{n_bad} of {len(text)} timestamps cannot be read (e.g. "
            f"{_examples(text[~parsed])}); expected ISO 8601 (2025-11-04 09:15:32), "
            "M/D/YYYY H:MM:SS or D/M/YYYY H.MM.SS"
            + (f" with {TASK_FORMAT_COLUMN}={fmt}" if fmt else "")
        )
    return out


# --- Village media ---------------------------------------------------------------------------

VILLAGE_MEDIA_OUTPUT = ("source_row", "kode_desa", "desa", "kabupaten", "provinsi_raw", "provinsi",
                        "media_konvensional") + contract.VILLAGE_MEDIA_MEDIA
_VILLAGE_ALIASES: dict[str, tuple[str, ...]] = {
    "kode_desa": ("kode_desa", "kode desa", "kode wilayah", "kode desa/kelurahan"),
    "desa": ("desa", "nama desa", "desa/kelurahan"),
    "kabupaten": contract.ROSTER_ALIASES["kabupaten"],
    "provinsi": contract.ROSTER_ALIASES["provinsi"],
    "media_konvensional": ("media_konvensional", "media konvensional", "media informasi konvensional"),
    **{m: contract.ROSTER_ALIASES[m] for m in contract.VILLAGE_MEDIA_MEDIA},
}
_YA = {"ya", "y", "yes", "ada", "1", "true", "v", "✓"}
_TIDAK = {"tidak", "t", "tdk", "no", "n", "tidak ada", "belum ada", "0", "false", "-"}


def _ya_tidak(value: str) -> str:
    low = " ".join(value.lower().split())
    return "Ya" if low in _YA else "Tidak" if low in _TIDAK else value


def load_village_media(data_dir: Path) -> pd.DataFrame | None:
    """village_media.csv/.xlsx as a canonical frame, or None when the optional file is absent."""
    path = find_input(data_dir, "village_media", required=False)
    if path is None:
        return None
    raw = read_table(path, _VILLAGE_ALIASES, contract.VILLAGE_MEDIA_REQUIRED)
    n = len(raw)
    out = pd.DataFrame({"source_row": raw["source_row"].astype("int64")})
    for name in ("kode_desa", "desa", "kabupaten"):
        out[name] = _strip(raw[name])
    out["provinsi_raw"] = _strip(raw["provinsi"])
    out["provinsi"] = _map_unique(out["provinsi_raw"], contract.normalize_province)
    out["media_konvensional"] = _map_unique(_strip(raw["media_konvensional"]), _ya_tidak)
    for m in contract.VILLAGE_MEDIA_MEDIA:
        out[m] = _strip(raw[m]) if m in raw else pd.array([pd.NA] * n, dtype=STRING)
    return _attrs(out[list(VILLAGE_MEDIA_OUTPUT)].reset_index(drop=True), raw)
