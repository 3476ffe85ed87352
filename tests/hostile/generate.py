"""Generators for the hostile inputs that are binary, huge or generated (tests/hostile/README.md).

Small text cases live as files next to this module (data/, *.csv); these functions write the
rest into a temporary folder during the test, deterministically and in well under a second
(the 200 MB file in about one)."""

from __future__ import annotations

import csv
import io
import struct
import zlib
from pathlib import Path

import xlsxwriter

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Data TPP" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet '
               'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _raw_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> None:
    """A zip archive written by hand: (name, deflated data, crc32, declared unpacked size) per
    member, so that a member may declare any size it likes."""
    out, central = bytearray(), bytearray()
    for name, data, crc, size in members:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0)
        out += encoded + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size,
                               len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    start = len(out)
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0)
    Path(path).write_bytes(bytes(out))


def zip_bomb(path: Path, *, unpacked_mib: int = 1024, declared: int | None = None) -> Path:
    """An XLSX whose sheet unpacks to `unpacked_mib` MiB of one repeated row (about 1,000x smaller
    packed). `declared` makes the sheet lie about its unpacked size in the zip headers."""
    row = '<row><c t="inlineStr"><is><t>=1+1</t></is></c></row>'
    block = (row * ((1 << 20) // len(row))).encode()
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(_SHEET_HEAD.encode()) + c.flush(zlib.Z_FULL_FLUSH)
    packed_block = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)  # the same bytes for every block
    tail = c.compress(_SHEET_TAIL.encode()) + c.flush()
    data = head + packed_block * unpacked_mib + tail
    size = len(_SHEET_HEAD) + len(block) * unpacked_mib + len(_SHEET_TAIL)
    parts = [(n, t.encode()) for n, t in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS),
                                            ("xl/workbook.xml", _WORKBOOK), ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS))]
    members = [(n, _deflate(b), zlib.crc32(b), len(b)) for n, b in parts]
    members.append(("xl/worksheets/sheet1.xml", data, 0, size if declared is None else declared))
    _raw_zip(path, members)
    return Path(path)


def xlsx_from_rows(path: Path, rows: list[list], *, formula: tuple[int, int, str, str] | None = None) -> Path:
    """An XLSX with every cell written as text (a leading '=' stays text), as a form export would;
    `formula` = (row, col, formula, cached value) adds one real formula cell."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False})
    ws = wb.add_worksheet("Form Responses 1")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value != "":
                ws.write_string(r, c, value)
    if formula:
        ws.write_formula(formula[0], formula[1], formula[2], None, formula[3])
    wb.close()
    return Path(path)


def csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def roster_xlsx_bytes(n_rows: int = 3000) -> bytes:
    """A valid roster workbook, big enough that cutting it leaves the sheet half-written."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["Nomor Absen", "Nama", "Jabatan", "Provinsi", "Kabupaten"])
    for i in range(1, n_rows + 1):
        ws.write_row(i, 0, [1000 + i, f"Nama Ke {i} Santoso", "PD", "Bali", "Badung"])
    wb.close()
    return buf.getvalue()


def truncated_xlsx(path: Path) -> Path:
    """A roster workbook cut off after 60% of its bytes (an interrupted download)."""
    data = roster_xlsx_bytes()
    Path(path).write_bytes(data[: int(len(data) * 0.6)])
    return Path(path)


def corrupt_xlsx(path: Path) -> Path:
    """A roster workbook whose zip directory is intact but whose sheet data is damaged."""
    data = bytearray(roster_xlsx_bytes())
    at = data.find(b"xl/worksheets/sheet1.xml") + 200  # inside the member's packed data
    data[at:at + 64] = bytes(64)
    Path(path).write_bytes(bytes(data))
    return Path(path)


def binary_file(path: Path) -> Path:
    """Binary bytes (a PNG header, then every byte value) under a .csv name."""
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64)
    return Path(path)


def big_response_csv(path: Path, target_bytes: int = 200 * 1024 * 1024) -> Path:
    """A well-formed response export of about `target_bytes` (1.4 million rows at 200 MB)."""
    header = "Timestamp,Provinsi,Nomor Absen,Nama Lengkap,Link Postingan\n"
    rows = "".join(f"11/10/2025 9:{m:02d}:{s:02d},Jawa Timur,{10000 + m * 60 + s},Siti Aminah binti Abdullah,"
                   f"https://www.facebook.com/siti.aminah/posts/pfbid0abcdefghijklmnopqrstuvw{m:02d}{s:02d}\n"
                   for m in range(60) for s in range(60)).encode()
    with open(path, "wb") as fh:
        fh.write(header.encode())
        written = len(header)
        while written < target_bytes:
            fh.write(rows)
            written += len(rows)
    return Path(path)
