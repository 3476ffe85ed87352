"""Reading a CSV file: encoding, separator, and one streaming pass keeping the canonical columns."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.inputs.files import _check_file
from pipeline.inputs.headers import MAX_TITLE_ROWS
from pipeline.inputs.values import _string_array, note

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
    elif head[1:4096:2].count(0) > 0.9 * len(head[1:4096:2]) or head[0:4096:2].count(0) > 0.9 * len(head[0:4096:2]):
        raise InputError(f"{path} is UTF-16 text without a byte-order mark; save it as CSV UTF-8")
    elif _binary(sum(1 for b in head[:8192] if b < 32 and b not in (9, 10, 13)), len(head[:8192])):
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
    if _binary(controls, len(sample)):
        raise InputError(f"{path} is not a CSV file: it contains binary data")
    return encoding, text


def _binary(controls: int, length: int) -> bool:
    """Control characters (not tab or line ends) in more than 1% of the first 8 KiB, and more than
    two of them: a binary file. A stray one or two (a NUL in one form answer) are dropped later."""
    return controls > 2 and controls > length * 0.01


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
        widths = [len(r) for r in rows]  # the most common width: a title row above the header is not it
        width = max(dict.fromkeys(widths), key=widths.count)
        score = (width > 1, sum(len(r) == width for r in rows), width)
        if best_score is None or score > best_score:
            best, best_score = delim, score
    return best


_CSV_CHUNK_ROWS = 65536


def _blank_record(rec: list[str]) -> bool:
    return not any(f and not f.isspace() for f in rec)


def _csv_columns(path: Path, match, warnings: list[str]) -> tuple[dict, list[int], int]:
    """Stream a CSV file once, keeping only the canonical columns: ({canon: string array},
    source_row numbers, spreadsheet row of the header). Blank rows are dropped but counted; a
    ragged row is an error naming its line; NUL bytes are dropped and reported. Rows are packed
    into arrays every _CSV_CHUNK_ROWS, so memory follows the kept columns' text, never a decoded
    copy of the whole file or one Python object per cell."""
    size = _check_file(path)
    with open(path, "rb") as fh:
        head = fh.read(_CSV_HEAD_BYTES)
    encoding, head_text = _csv_encoding(head, path)
    if not head_text.strip() and size <= len(head):
        raise InputError(f"{path} is empty (no header row)")
    delim = _sniff_delimiter(head_text, size > len(head))
    try:
        return _parse(path, encoding, delim, match, warnings)
    except UnicodeDecodeError:
        if encoding != "utf-8-sig":
            raise InputError(f"{path} is not a readable text file (undecodable bytes)") from None
    try:
        return _parse(path, "cp1252", delim, match, warnings)  # valid UTF-8 at the start only: Excel's re-save
    except UnicodeDecodeError:
        raise InputError(f"{path} is not a CSV text file in UTF-8 or Windows-1252 (undecodable bytes)") from None


class _NulFilter:
    """The lines of a text stream with NUL characters removed, counting them."""

    def __init__(self, lines):
        self.lines = lines
        self.dropped = 0

    def __iter__(self):
        for line in self.lines:
            if "\x00" in line:
                self.dropped += line.count("\x00")
                line = line.replace("\x00", "")
            yield line


def _parse(path: Path, encoding: str, delim: str, match, warnings: list[str]) -> tuple[dict, list[int], int]:
    shown_delim = "tab" if delim == "\t" else repr(delim)
    values: dict[str, list[str]] = {}
    chunks: dict[str, list] = {}
    numbers: list[int] = []
    header_at = width = tried = seen_nul = 0
    nul_rows: list[int] = []
    first_error = None
    wanted: list[tuple] = []  # (append to the column's list, field index)
    with open(path, "rb") as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
        lines = _NulFilter(text)
        reader = csv.reader(lines, delimiter=delim, strict=True)
        try:
            for k, rec in enumerate(reader, start=1):
                if lines.dropped != seen_nul:
                    seen_nul = lines.dropped
                    nul_rows.append(k)
                if not wanted:
                    if tried >= MAX_TITLE_ROWS:
                        break
                    if _blank_record(rec):
                        continue
                    try:
                        columns = match(rec, str(path))
                    except InputError as exc:  # a title row above the header? try the next rows
                        first_error, tried = first_error or exc, tried + 1
                        continue
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
        raise first_error or InputError(f"{path} is empty (no header row)")
    if lines.dropped:
        shown = ", ".join(map(str, nul_rows[:10])) + (" …" if len(nul_rows) > 10 else "")
        note(warnings, f"{path}: {lines.dropped} NUL byte{'s' if lines.dropped != 1 else ''} dropped "
                       f"(row{'s' if len(nul_rows) != 1 else ''} {shown}); a cell held an invisible control "
                       "character")
    arrays = {}
    for canon, column in values.items():
        parts = chunks.pop(canon) + [_string_array(column)]
        arrays[canon] = parts[0] if len(parts) == 1 else pd.concat([pd.Series(a) for a in parts]).array
    return arrays, numbers, header_at
