"""Reading an XLSX workbook: zip checks, the sheet that holds the headers, its cells."""

from __future__ import annotations

import io
import zipfile
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
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError) as exc:
        raise InputError(f"{path} is not a valid XLSX workbook ({exc})") from None
