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
