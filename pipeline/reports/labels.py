"""Plain-Indonesian wording of the codes a follow-up list shows: why a non-responder's own form row was
rejected (`submitted` in non_responders.csv) and why a proof needs checking (`flag` in proof_flags.csv).
The codes are defined by the contract; the figures behind them by pipeline/figures/tables.py."""

from __future__ import annotations

import pandas as pd

from pipeline.figures.compute import is_national

SUBMITTED_LABEL = {
    "before_start": "Sudah mengirim, tetapi sebelum tugas dimulai",
    "invalid_link": "Sudah mengirim, tetapi tautannya tidak valid",
    "duplicate": "Sudah mengirim, tetapi tercatat sebagai kiriman ganda",
    "not_eligible": "Sudah mengirim, tetapi tidak wajib pada tugas ini",
    "roster_conflict": "Sudah mengirim, tetapi Data TPP-nya bermasalah",
    "invalid_timestamp": "Sudah mengirim, tetapi waktu kirimnya tidak terbaca",
    "name_mismatch": "Sudah mengirim, tetapi nama tidak cocok dengan nomor absen",
    "unknown_id": "Sudah mengirim, tetapi nomor absennya tidak dikenal",
    "missing_id": "Sudah mengirim, tetapi tanpa nomor absen",
}
SUBMITTED_OTHER = "Sudah mengirim, tetapi kirimannya ditolak"
PROOF_LABEL = {
    "shared_link": "Tautan sama dengan kiriman TPP lain",
    "reused_link": "Tautan sudah dipakai pada tugas sebelumnya",
    "task_material": "Tautan adalah materi tugas, bukan unggahan sendiri",
}


def submitted_text(code: object) -> str:
    """"Sudah mengirim, tetapi ..." for a rejection code; "" when the TPP sent nothing."""
    if code is None or (not isinstance(code, str) and pd.isna(code)) or str(code).strip() == "":
        return ""
    return SUBMITTED_LABEL.get(str(code).strip(), SUBMITTED_OTHER)


def proof_text(flags: list[str]) -> str:
    """The proof flags of one TPP in plain words, joined by "; " (unknown codes as written)."""
    return "; ".join(PROOF_LABEL.get(f, f) for f in dict.fromkeys(flags))


def overall_label(task_info: dict) -> str:
    """What a task's overall participation is called: national for a national task; a provincial
    task has no national figure (contract), only the rate over its own scope."""
    return NATIONAL if is_national(task_info) else "Partisipasi seluruh cakupan tugas"


NATIONAL = "Partisipasi nasional"
