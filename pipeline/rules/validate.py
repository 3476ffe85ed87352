"""Runs the Great Expectations suites in expectations/ and quarantines roster rows with a reason.

Each suite is a GX 1.x ExpectationSuite stored as JSON. Every expectation carries
`meta.severity` (`critical` or `warning`) and, for critical ones that quarantine rows,
`meta.reason` (the contract's reason code). Results are kept row by row (`source_row`), so
the validation page and the reports can say which rows failed which expectation.

Great Expectations is imported lazily: it costs seconds to import and is needed once per
task, never in a report notebook.
"""

from __future__ import annotations

import gc
import html
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import config
from pipeline.errors import ValidationFailed

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
log = logging.getLogger(__name__)

CHECK_COLUMNS = ["suite", "expectation", "column", "severity", "reason", "description", "success",
                 "element_count", "unexpected_count"]
FAILURE_COLUMNS = ["suite", "source_row", "expectation", "column", "severity", "reason", "value"]


@dataclass
class SuiteResult:
    """Outcome of one suite on one frame."""

    suite: str
    checks: pd.DataFrame  # one row per expectation (CHECK_COLUMNS)
    failures: pd.DataFrame  # one row per failing (row, expectation) (FAILURE_COLUMNS)
    gx_result: dict = field(repr=False, default_factory=dict)  # the raw GX validation result

    @property
    def critical_ok(self) -> bool:
        crit = self.checks[self.checks["severity"] == "critical"]
        return bool(crit["success"].all())


def load_suite_spec(name: str, directory: Path = config.EXPECTATIONS_DIR) -> dict:
    path = Path(directory) / f"{name}.json"
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


_CONTEXT = None


def _context():
    """One ephemeral GX context per process, progress bars off."""
    global _CONTEXT
    if _CONTEXT is None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        _CONTEXT = gx.get_context(mode="ephemeral")
        _CONTEXT.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        # Importing GX leaves about a million objects that live as long as the process; frozen,
        # the cyclic collector stops rescanning them during the task (~8% of a task stage).
        gc.freeze()
    return _CONTEXT


def _gx_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy GX can evaluate: pandas NA-aware dtypes become object with None."""
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        if isinstance(s.dtype, pd.StringDtype) or str(s.dtype) in ("Int64", "boolean", "Float64", "str"):
            out[col] = s.astype(object).where(s.notna(), None)
        else:
            out[col] = s
    return out


def run_suite(name: str, df: pd.DataFrame, directory: Path = config.EXPECTATIONS_DIR) -> SuiteResult:
    """Validate `df` (which has a `source_row` column) against suite `name`."""
    import great_expectations as gx

    spec = load_suite_spec(name, directory)
    ctx = _context()
    source = ctx.data_sources.add_or_update_pandas(f"absensi-{name}")
    asset_names = {a.name for a in source.assets}
    asset = source.get_asset(name) if name in asset_names else source.add_dataframe_asset(name=name)
    try:
        batch_def = asset.get_batch_definition("whole")
    except (KeyError, LookupError, ValueError):
        batch_def = asset.add_batch_definition_whole_dataframe("whole")
    suite = gx.ExpectationSuite(**spec)
    batch = batch_def.get_batch(batch_parameters={"dataframe": _gx_frame(df)})
    result = batch.validate(
        suite,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row"],
                       "return_unexpected_index_query": False},
    )
    checks, failures = [], []
    for res in result.results:
        cfg = res.expectation_config
        meta = cfg.meta or {}
        column = cfg.kwargs.get("column", "")
        row = {
            "suite": name, "expectation": cfg.type, "column": column,
            "severity": meta.get("severity", "warning"), "reason": meta.get("reason", ""),
            "description": meta.get("description", ""), "success": bool(res.success),
            "element_count": int(res.result.get("element_count", len(df)) or 0),
            "unexpected_count": int(res.result.get("unexpected_count", 0) or 0),
        }
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise ValidationFailed(
                f"expectation {cfg.type} on column {column!r} of suite {name!r} could not run: "
                f"{res.exception_info.get('exception_message')}"
            )
        checks.append(row)
        for item in res.result.get("unexpected_index_list") or []:
            failures.append({
                "suite": name, "source_row": int(item["source_row"]), "expectation": cfg.type,
                "column": column, "severity": row["severity"], "reason": row["reason"],
                "value": "" if item.get(column) is None or pd.isna(item.get(column)) else str(item.get(column)),
            })
    checks_df = pd.DataFrame(checks, columns=CHECK_COLUMNS)
    failures_df = pd.DataFrame(failures, columns=FAILURE_COLUMNS)
    failures_df = failures_df.sort_values(["source_row", "expectation", "column"], kind="stable").reset_index(drop=True)
    return SuiteResult(name, checks_df, failures_df, result.to_json_dict())


def quarantine_reasons(df: pd.DataFrame, result: SuiteResult) -> pd.Series:
    """Per row of `df`: the first critical reason (suite order) it failed, else NA."""
    reasons = pd.Series(pd.NA, index=df.index, dtype="string")
    by_row = pd.Series(df.index, index=df["source_row"].to_numpy())
    crit = result.checks[(result.checks["severity"] == "critical") & (result.checks["reason"] != "")]
    for reason in crit["reason"]:  # suite order = precedence
        rows = result.failures.loc[result.failures["reason"] == reason, "source_row"]
        idx = by_row.loc[rows.to_numpy()].to_numpy()
        target = reasons.loc[idx]
        reasons.loc[idx] = target.fillna(reason)
    return reasons


def validate_roster(roster: pd.DataFrame, *, strict: bool = False) -> tuple[pd.DataFrame, SuiteResult]:
    """Add `quarantine_reason` to the roster. With strict, any quarantined row is an error."""
    result = run_suite("roster", roster)
    out = roster.copy()
    out["quarantine_reason"] = quarantine_reasons(roster, result)
    n_bad = int(out["quarantine_reason"].notna().sum())
    if strict and n_bad:
        counts = out["quarantine_reason"].value_counts().sort_index()
        detail = ", ".join(f"{k}: {v}" for k, v in counts.items())
        raise ValidationFailed(
            f"--strict: {n_bad} roster row(s) quarantined ({detail}); see tables/roster_quarantine.csv"
        )
    return out, result


def validate_village_media(media: pd.DataFrame) -> tuple[pd.DataFrame, SuiteResult]:
    result = run_suite("village_media", media)
    out = media.copy()
    out["quarantine_reason"] = quarantine_reasons(media, result)
    return out, result


def validate_responses(responses: pd.DataFrame) -> SuiteResult:
    """Warnings on the raw form export; rows are never dropped here (resolve decides outcomes)."""
    return run_suite("responses", responses)


def gate_checked_responses(checked: pd.DataFrame, n_input: int) -> SuiteResult:
    """Gate after resolution: count in = count out, one outcome each, one counted row per TPP."""
    counted = checked["outcome"].isin(["counted", "recovered"])
    frame = pd.DataFrame({
        "source_row": checked["source_row"],
        "outcome": checked["outcome"],
        "counted_id": checked["nomor_absen"].where(counted),
        "counted_on_time": checked["on_time"].where(counted, False),
    })
    result = run_suite("responses_checked", frame)
    problems = []
    if len(checked) != n_input:
        problems.append(f"{n_input} rows in, {len(checked)} rows out")
    if not result.critical_ok:
        bad = result.checks[(result.checks["severity"] == "critical") & ~result.checks["success"]]
        problems += [f"{r.expectation}({r.column}): {r.unexpected_count} rows" for r in bad.itertuples()]
    if problems:
        raise ValidationFailed("resolution output failed its gate: " + "; ".join(problems))
    return result


def results_frames(results: list[SuiteResult]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All checks and all row-level failures of several suites, for tables/."""
    checks = pd.concat([r.checks for r in results], ignore_index=True) if results else pd.DataFrame(columns=CHECK_COLUMNS)
    fails = [r.failures for r in results if len(r.failures)]
    failures = pd.concat(fails, ignore_index=True) if fails else pd.DataFrame(columns=FAILURE_COLUMNS)
    return checks, failures


# What readers see instead of suite names, severities and reason codes (the codes stay in tables/).
SUITE_LABEL = {
    "roster": ("Data TPP", "Setiap baris Data TPP."),
    "responses": ("Jawaban formulir", "Setiap baris formulir apa adanya, sebelum dikaitkan ke TPP. Hasil akhir "
                  "sebuah baris di laporan (misalnya \u201cTautan tidak valid\u201d) bisa berbeda: baris yang sudah "
                  "ditolak karena alasan lain (nomor absen, kelayakan, waktu) tidak dihitung lagi untuk tautannya, "
                  "dan alamat tanpa http(s) yang jelas (www.facebook.com/...) tetap diterima."),
    "responses_checked": ("Kelengkapan hasil pemeriksaan", "Pemeriksaan internal sebelum angka diterbitkan: "
                          "setiap baris formulir mendapat tepat satu hasil dan setiap TPP paling banyak satu kiriman "
                          "terhitung. Jika gagal, laporan tidak diterbitkan."),
    "village_media": ("Data media desa", "Setiap baris data media desa."),
}
SEVERITY_LABEL = {"critical": "wajib", "warning": "peringatan"}
_COLUMN_LABEL = {"nomor_absen_input": "Nomor absen", "timestamp": "Cap waktu", "source_row": "Baris",
                 "counted_id": "Nomor absen terhitung", "counted_on_time": "Tepat waktu", "outcome": "Hasil"}


def column_label(column: object) -> str:
    """A column as readers know it: "nomor_absen" -> "Nomor absen"."""
    text = _COLUMN_LABEL.get(str(column), str(column).replace("_", " "))
    return text[:1].upper() + text[1:]
_PAGE_STYLE = (
    "body{font-family:'DejaVu Sans',sans-serif;font-size:13px;line-height:1.4;margin:2em auto;max-width:1100px;"
    "padding:0 1em}table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 6px;"
    "text-align:left;vertical-align:top}th{background:#e9eef3}.num{text-align:right;white-space:nowrap}"
    ".ok{color:#1a7f37}.fail{color:#b42318;font-weight:bold}.warn{color:#9a6700;font-weight:bold}"
    ".gulir{max-width:100%;overflow-x:auto}"
    "h1{overflow-wrap:anywhere}@media (max-width:640px){body{margin:1em auto;padding:0 3mm}td,th{padding:3px 4px}"
    "td{overflow-wrap:break-word}td.nilai{overflow-wrap:anywhere}}"
)


def _consequence(severity: str, suite: str) -> str:
    if severity != "critical":
        return "hanya dilaporkan"
    if suite == "responses_checked":
        return "laporan tidak diterbitkan"
    return "baris dikarantina"


def _checks_table(res: SuiteResult) -> str:
    e = html.escape
    rows = []
    for r in res.checks.itertuples():
        cls = "ok" if r.success else ("fail" if r.severity == "critical" else "warn")
        rows.append(f"<tr><td>{e(str(r.description))}</td><td>{e(column_label(r.column))}</td>"
                    f"<td>{e(SEVERITY_LABEL.get(r.severity, str(r.severity)))}</td>"
                    f"<td>{e(_consequence(r.severity, res.suite))}</td>"
                    f"<td class=\"{cls}\">{'lulus' if r.success else 'gagal'}</td>"
                    f"<td class=\"num\">{r.unexpected_count}</td><td class=\"num\">{r.element_count}</td></tr>")
    return ("<div class=\"gulir\"><table><thead><tr><th>Pemeriksaan</th><th>Kolom</th><th>Jenis</th>"
            "<th>Jika gagal</th><th>Hasil</th><th>Baris gagal</th><th>Baris diperiksa</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")


def _failures_table(res: SuiteResult, max_rows: int) -> str:
    e = html.escape
    described = {(r.expectation, str(r.column)): str(r.description) for r in res.checks.itertuples()}
    shown = res.failures.head(max_rows)
    rows = "".join(f"<tr><td class=\"num\">{r.source_row}</td>"
                   f"<td>{e(described.get((r.expectation, str(r.column)), str(r.expectation)))}</td>"
                   f"<td>{e(column_label(r.column))}</td><td class=\"nilai\">{e(str(r.value))}</td></tr>"
                   for r in shown.itertuples())
    return (f"<h3>Baris yang gagal ({len(res.failures)}; {len(shown)} pertama)</h3><div class=\"gulir\"><table><thead>"
            "<tr><th>Baris di berkas</th><th>Pemeriksaan</th><th>Kolom</th><th>Nilai</th></tr></thead><tbody>"
            f"{rows}</tbody></table></div>")


def validation_page(results: list[SuiteResult], *, task_id: str, max_rows: int = 200) -> str:
    """A standalone, escaped HTML page of the validation results, in plain Indonesian (the suite,
    expectation and reason codes stay in tables/validation_checks.csv)."""
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">",
        f"<title>Pemeriksaan data: {e(task_id)}</title><style>{_PAGE_STYLE}</style></head><body>",
        f"<h1>Hasil pemeriksaan data: {e(task_id)}</h1>",
        "<p><a href=\"../index.html\">Kembali ke daftar laporan</a></p>",
        "<p>Setiap berkas masukan diperiksa dengan aturan di bawah ini. Pemeriksaan <b>wajib</b> yang gagal membuat "
        "baris itu dikarantina: baris tidak dipakai sampai diperbaiki di sumbernya. Pemeriksaan <b>peringatan</b> "
        "hanya dilaporkan agar datanya dapat dirapikan. Tidak ada baris yang dibuang. \u201cBaris di berkas\u201d "
        "adalah nomor baris data di berkas aslinya (tanpa baris judul).</p>",
    ]
    for res in results:
        title, intro = SUITE_LABEL.get(res.suite, (res.suite, ""))
        parts.append(f"<h2>{e(title)}</h2>" + (f"<p>{e(intro)}</p>" if intro else "") + _checks_table(res))
        if len(res.failures):
            parts.append(_failures_table(res, max_rows))
    parts.append("</body></html>")
    return "\n".join(parts)
