"""Reading an XLSX workbook: zip checks, the worksheet's cells, the header row."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from pipeline import config
from pipeline.errors import InputError
from pipeline.inputs.values import _is_blank


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
