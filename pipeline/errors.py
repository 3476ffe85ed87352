"""Typed exceptions shown to users as one clear message, never a traceback."""

from __future__ import annotations


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
