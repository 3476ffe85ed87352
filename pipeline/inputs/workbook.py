"""Reading an XLSX workbook: zip checks, the sheet that holds the headers, its cells."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

from pipeline import config
from pipeline.errors import InputError
from pipeline.inputs.headers import _find_header
from pipeline.inputs.values import _is_blank, note


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


def _xlsx_table(data: bytes, path: Path, match, warnings: list[str]) -> dict:
    """The worksheet of an XLSX workbook that holds the contract's headers: visible sheets first,
    in workbook order, then hidden ones; a warning names the others when several qualify.
    Returns {sheet, header_at, columns, rows, numbers} (rows: the data rows, numbers: source_row)."""
    _check_zip(data, path)
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            sheets = [m for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
            if not sheets:
                raise InputError(f"{path} has no worksheet")
            sheets.sort(key=lambda m: m.visible != SheetVisibleEnum.Visible)  # stable: visible ones first
            chosen, qualifying, first_error = None, [], None
            for meta in sheets:
                label = repr(meta.name) + ("" if meta.visible == SheetVisibleEnum.Visible else " (hidden)")
                rows = wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
                if all(_is_blank(v) for row in rows for v in row):
                    continue
                try:
                    header_at, columns = _find_header(rows, match, f"{path}, sheet {meta.name!r}")
                except InputError as exc:
                    first_error = first_error or exc
                    continue
                qualifying.append(label)
                if chosen is None:
                    chosen = {"sheet": meta.name, "header_at": header_at, "columns": columns, "rows": rows}
        finally:
            wb.close()
    except InputError:
        raise
    except Exception as exc:  # calamine raises CalamineError, XmlError, ZipError, ValueError ...
        detail = " ".join(str(exc).split())[:300]
        raise InputError(f"{path} is not a valid XLSX workbook ({type(exc).__name__}: {detail})") from None
    if chosen is None:
        raise first_error or InputError(f"{path} is empty (no worksheet has a header row)")
    if len(qualifying) > 1:
        names = ", ".join(qualifying[:-1]) + " and " + qualifying[-1]
        note(warnings, f"{path}: sheets {names} {'both' if len(qualifying) == 2 else 'all'} hold the "
                       f"expected headers; read {chosen['sheet']!r} (the first visible one); delete the "
                       "sheets that are not the data if that is wrong")
    chosen["rows"], chosen["numbers"] = _data_rows(chosen.pop("rows"), chosen["header_at"])
    return chosen


def _data_rows(rows: list[list], header_at: int) -> tuple[list, list[int]]:
    """(data rows, source_row numbers) below the header row `header_at` (1-based): blank rows
    are dropped but keep their number."""
    out, numbers = [], []
    for number in range(header_at + 1, len(rows) + 1):
        row = rows[number - 1]
        if all(_is_blank(v) for v in row):
            continue
        out.append(row)
        numbers.append(number - header_at)
    return out, numbers


def _check_zip(data: bytes, path: Path) -> None:
    """A zip archive within the size limits, or an InputError saying what the file is."""
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
            _check_extents(zf, path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError) as exc:
        raise InputError(f"{path} is not a valid XLSX workbook ({exc})") from None


_SHEET = re.compile(rb'<(?:[\w.-]+:)?sheet\s[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"|'
                    rb'<(?:[\w.-]+:)?sheet\s[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL = re.compile(rb'<Relationship\s[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"|'
                  rb'<Relationship\s[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part (xl/worksheets/sheet1.xml) -> the sheet's name, from workbook.xml and its rels."""
    try:
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except (KeyError, OSError, zipfile.BadZipFile):
        return {}
    targets = {(m[1] or m[4]).decode(errors="replace"): (m[2] or m[3]).decode(errors="replace")
               for m in _REL.finditer(rels)}
    names = {}
    for m in _SHEET.finditer(book):
        name, rid = (m[1], m[2]) if m[1] is not None else (m[4], m[3])
        target = targets.get(rid.decode(errors="replace"), "").lstrip("/")
        part = target if target.startswith("xl/") else "xl/" + target
        names[part] = name.decode("utf-8", errors="replace").replace("&amp;", "&").replace("&apos;", "'")
    return names


# The r attribute of a cell or row (<c r="XFD1048576">, <row r="1048576">): at most ~20 bytes, so a
# match cut by a chunk boundary is whole in the kept tail of the previous chunk.
_ROW = re.compile(rb"""(?<=\s)r\s*=\s*["']\$?[A-Za-z]{0,3}\$?([0-9]{1,7})["']""")
_COLUMN = re.compile(rb"""(?<=\s)r\s*=\s*["']\$?([A-Za-z]{1,3})\$?[0-9]""")


def _farthest_cell(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """(last row, last column) of the cell and row references of a worksheet part, read in chunks
    (never whole). A damaged part ends the scan: the workbook reader then says what is wrong."""
    rows, cols = 0, 1
    tail = b""
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(1 << 22):
                text = tail + chunk
                rows = max(rows, *map(int, _ROW.findall(text)), 0)
                cols = max(cols, *map(_column_number, set(_COLUMN.findall(text))), 1)
                tail = text[-64:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
        pass
    return rows, cols


def _check_extents(zf: zipfile.ZipFile, path: Path) -> None:
    """Refuse a worksheet whose farthest cell makes the rectangle the reader builds too large
    (a stray value at XFD1048576 in an otherwise small sheet)."""
    names = _sheet_names(zf)
    for info in zf.infolist():
        if info.filename not in names and not re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename):
            continue
        rows, cols = _farthest_cell(zf, info)
        if rows * cols <= config.MAX_XLSX_CELLS:
            continue
        sheet = names.get(info.filename, info.filename)
        raise InputError(
            f"{path}, sheet {sheet!r}: its cells reach {_column_letters(cols)}{rows} ({rows:,} rows x {cols:,} "
            f"columns, over {config.MAX_XLSX_CELLS:,} cells), most likely a stray value far from the data; "
            "delete the rows and columns beyond the data (or copy the data to a new workbook) and save again"
        )
