"""Reading a CSV file: encoding, separator, and one streaming pass keeping the canonical columns."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.inputs.files import _check_file
from pipeline.inputs.headers import _match_headers
from pipeline.inputs.values import _string_array

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
