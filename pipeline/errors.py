"""Typed exceptions shown to users as one clear message, never a traceback."""

from __future__ import annotations

import errno
import os


class PipelineError(Exception):
    """Base class: the message is written for the person running the pipeline."""

    exit_code = 1


class InputError(PipelineError):
    """The data directory or one of its files breaks the data contract."""

    exit_code = 2


class ValidationFailed(PipelineError):
    """A critical data-quality gate failed (for example quarantined roster rows with --strict)."""

    exit_code = 3


class ReportError(PipelineError):
    """One or more reports failed to render; the message names which and why."""

    exit_code = 4


class AuditFailed(PipelineError):
    """An audit or verify found a changed input, a figure that came back different or a file that differs."""

    exit_code = 5




class FileSystemError(PipelineError):
    """A file or folder could not be written or read: disk full, read-only, no permission, a file
    where a folder should be, a name too long. Built from the OSError by `from_os_error`."""

    exit_code = 6

    @classmethod
    def from_os_error(cls, exc: OSError) -> FileSystemError:
        return cls(os_error_message(exc))


def os_error_message(exc: OSError) -> str:
    """One line naming the file and what to do, for an OSError the system raised."""
    name = str(exc.filename) if exc.filename is not None else "a file"
    short = name if len(name) <= 160 else name[:100] + "…" + name[-40:]
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return (f"disk full: no space left to write {short}; free some space (or give an OUT folder on a disk "
                "with room) and run again; earlier outputs are unchanged")
    if code == errno.EROFS:
        return f"{short} is on a read-only file system: give an OUT folder you can write to"
    if code in (errno.EACCES, errno.EPERM):
        return f"permission denied for {short}: give an OUT folder you can write to (or fix its permissions)"
    if code == errno.ENAMETOOLONG:
        return (f"file name too long ({len(os.fsencode(name))} bytes): {short}; use a shorter task_id "
                "or OUT path (a file name can have at most 255 bytes)")
    if code in (errno.ENOTDIR, errno.EEXIST):
        return f"{short}: a file stands where a folder is needed; give a folder as OUT"
    return f"{exc.strerror or exc}: {short}"


EXIT_CODES = {
    0: "ok",
    1: "unexpected error (a bug: report it with the command you ran)",
    2: "bad input: the data directory or one of its files breaks the data contract",
    3: "a data-quality gate failed (for example quarantined roster rows with --strict)",
    4: "one or more reports failed to render (the others are published)",
    5: "the audit or verify found a difference",
    6: "a file or folder could not be written or read (disk full, read-only, permission, name too long)",
    130: "interrupted (Ctrl-C); nothing was published, earlier outputs are unchanged",
}


def exit_meaning(code: int) -> str:
    """`exit code N: meaning` for the Makefile, which turns every failure into its own code 2."""
    return f"exit code {code}: {EXIT_CODES.get(code, 'see the message above')}"

class NotebookCellError(ReportError):
    """A cell of an executed notebook raised (papermill's `PapermillExecutionError` idiom).

    Carries where it failed and what was raised: `notebook` (template name), `cell` (1-based
    position in the template), `exec_count` (its In [n]), `source` (the cell's code), `ename`
    and `evalue` (the exception's class name and text, as the kernel reported them) and `kept`
    (the partly executed notebook kept for diagnosis, or None). The message is built from them,
    so a caller that moves the kept notebook updates `kept` and the message follows.
    """

    def __init__(self, notebook: str, cell: int, exec_count: int | None, source: str, ename: str, evalue: str,
                 *, kept: str | None = None, summary: str | None = None) -> None:
        super().__init__(notebook, cell, exec_count, source, ename, evalue, kept, summary)
        self.notebook, self.cell, self.exec_count, self.source = notebook, cell, exec_count, source
        self.ename, self.evalue, self.kept, self.summary = ename, evalue, kept, summary

    def __reduce__(self):  # picklable across worker processes, every field kept
        return (_rebuild_cell_error, self.args)

    def __str__(self) -> str:
        where = f"In [{self.exec_count}]" + (f" of {self.kept}" if self.kept else "")
        return (f"notebook {self.notebook} failed in cell {self.cell}: {self.ename}: "
                f"{self.summary or self.evalue} ({where})")


def _rebuild_cell_error(notebook, cell, exec_count, source, ename, evalue, kept, summary) -> NotebookCellError:
    return NotebookCellError(notebook, cell, exec_count, source, ename, evalue, kept=kept, summary=summary)
