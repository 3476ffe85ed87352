"""Runs the Great Expectations suites in expectations/ and quarantines roster rows with a reason.

Each suite is a GX 1.x ExpectationSuite stored as JSON. Every expectation carries
`meta.severity` (`critical` or `warning`) and, for critical ones that quarantine rows,
`meta.reason` (the contract's reason code). Results are kept row by row (`source_row`), so
the validation page and the reports can say which rows failed which expectation.

Great Expectations is imported lazily: it costs seconds to import and is needed once per
task, never in a report notebook. A task stage runs its suites in a second process
(`pipeline/runs/sidecar.py`), so that the import overlaps its own work.
"""

from __future__ import annotations

import gc
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


def warm_up() -> None:
    """Import GX and build its context now (runs/sidecar.py does it in its worker ahead of the suites)."""
    _context()


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


def suite_to_json(result: SuiteResult) -> str:
    """A suite's outcome as JSON (checks and failures hold only str, int and bool values)."""
    return json.dumps({"suite": result.suite, "checks": result.checks.to_dict("records"),
                       "failures": result.failures.to_dict("records"), "gx_result": result.gx_result},
                      ensure_ascii=False, sort_keys=True, default=str)


def suite_from_json(text: str) -> SuiteResult:
    """The SuiteResult `suite_to_json` wrote, with the frames exactly as `run_suite` builds them."""
    data = json.loads(text)
    return SuiteResult(data["suite"], pd.DataFrame(data["checks"], columns=CHECK_COLUMNS),
                       pd.DataFrame(data["failures"], columns=FAILURE_COLUMNS), data["gx_result"])


def validate_roster(roster: pd.DataFrame, *, strict: bool = False,
                    result: SuiteResult | None = None) -> tuple[pd.DataFrame, SuiteResult]:
    """Add `quarantine_reason` to the roster. With strict, any quarantined row is an error.

    `result` is the roster suite's outcome on this very roster when already known (a cached run
    of `run_suite`, see runs/stage.prepare_roster); otherwise the suite runs here."""
    if result is None:
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


def validate_village_media(media: pd.DataFrame, *,
                           result: SuiteResult | None = None) -> tuple[pd.DataFrame, SuiteResult]:
    """Add `quarantine_reason` to village media; `result` is the suite's outcome on it when already run."""
    if result is None:
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
    if results:
        checks = pd.concat([r.checks for r in results], ignore_index=True)
    else:
        checks = pd.DataFrame(columns=CHECK_COLUMNS)
    fails = [r.failures for r in results if len(r.failures)]
    failures = pd.concat(fails, ignore_index=True) if fails else pd.DataFrame(columns=FAILURE_COLUMNS)
    return checks, failures
