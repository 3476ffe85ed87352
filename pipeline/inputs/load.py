"""Reads a data directory (CSV/XLSX, any encoding) into canonical frames; bad input is an InputError.

The public facade of pipeline/inputs/: callers import `from pipeline.inputs import load` and call
load.load_roster etc. The work is done by the modules below, one concern each:

    files.py          finding the input files, size and existence checks
    download.py       a task's `sumber` URL
    csv_text.py       CSV: encoding, separator, streaming the canonical columns
    workbook.py       XLSX: zip checks, the worksheet's cells
    headers.py        matching header rows to the contract's columns
    table.py          read_table: one file into canonical columns + source_row
    values.py         cell values (text columns, blanks, XLSX cells)
    timestamps.py     every date and time: roster dates, task mulai/batas, response timestamps
    roster.py tasks.py responses.py village_media.py    one loader per input
"""

from __future__ import annotations

from pipeline.inputs.csv_text import _CSV_CHUNK_ROWS
from pipeline.inputs.files import TABLE_SUFFIXES, find_input
from pipeline.inputs.responses import RESPONSE_COLUMNS, load_responses, response_source
from pipeline.inputs.roster import ROSTER_COLUMNS, load_roster
from pipeline.inputs.table import read_table
from pipeline.inputs.tasks import TASKS_OUTPUT, get_task, load_tasks
from pipeline.inputs.timestamps import (
    EXCEL_EPOCH,
    TASK_FORMAT_COLUMN,
    TIMESTAMP_FORMATS,
    TS_UNIT,
    _char_at,
    _digit_ints,
    _num,
    parse_timestamps,
)
from pipeline.inputs.values import STRING, _cell_value
from pipeline.inputs.village_media import VILLAGE_MEDIA_OUTPUT, load_village_media

__all__ = [
    "find_input", "read_table", "load_roster", "load_tasks", "get_task", "response_source",
    "load_responses", "parse_timestamps", "load_village_media",
    "TIMESTAMP_FORMATS", "TASK_FORMAT_COLUMN",
    "TABLE_SUFFIXES", "STRING", "TS_UNIT", "EXCEL_EPOCH",
    "ROSTER_COLUMNS", "TASKS_OUTPUT", "RESPONSE_COLUMNS", "VILLAGE_MEDIA_OUTPUT",
    "_CSV_CHUNK_ROWS", "_cell_value", "_char_at", "_digit_ints", "_num",
]
