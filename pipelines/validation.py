"""Run a feed's Great Expectations suite (GX Core 1.x) over one submission's rows.

The suite in `expectations/<feed>.json` is the single source of the rules. Each expectation's
`meta` carries a rule code and the reason in English and Chinese; every row an expectation flags
becomes a quarantine entry a clerk can act on ("row 12, 协议引资额 cannot be negative, found -5").
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from pipelines.contracts import Contract, load_contract
from pipelines.settings import EXPECTATIONS_ROOT, SQL_ROOT
from pipelines.warehouse import quote_identifier, sql_text

if TYPE_CHECKING:
    import great_expectations as gx

# Government networks are closed: GX must never try to send usage statistics.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


TEXT_SUFFIX = "__text"


class ValidationIncomplete(RuntimeError):
    """The suite could not be evaluated; the submissions stay pending for the next run."""


@dataclass(frozen=True)
class Finding:
    """One row that broke one rule."""

    submission_id: str
    expectation: int
    row_number: int
    column_name: str | None
    rule: str
    value_found: str | None
    reason_en: str
    reason_zh: str


@dataclass(frozen=True)
class Verdict:
    """A submission's validation outcome: the rows to quarantine and any file-level failure."""

    rows_checked: int
    findings: list[Finding]
    file_errors: list[tuple[str, str]]
    expectations_run: int
    expectations_failed: int

    @property
    def quarantined_rows(self) -> int:
        return len({f.row_number for f in self.findings})


@cache
def great_expectations():
    """GX, imported on first use: it takes seconds to import, and only validation needs it
    (not the code server answering the UI, nor the sensors). Importing our module registers
    the project's own expectations with it."""
    import great_expectations as gx

    import pipelines.custom_expectations  # noqa: F401

    return gx


@cache
def load_suite(feed: str) -> gx.ExpectationSuite:
    """The feed's suite from `expectations/<feed>.json`."""
    load_contract(feed)  # refuse unknown feeds before touching the filesystem
    spec = json.loads((EXPECTATIONS_ROOT / f"{feed}.json").read_text(encoding="utf-8"))
    return great_expectations().ExpectationSuite(
        name=spec["name"], expectations=spec["expectations"], meta=spec.get("meta")
    )


@cache
def _batch_definition():
    """One offline, in-memory GX context for the process, with a pandas dataframe asset."""
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = great_expectations().get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
            store_backend_defaults=InMemoryStoreBackendDefaults(),
        ),
    )
    source = context.data_sources.add_pandas("submissions")
    return source.add_dataframe_asset("submission").add_batch_definition_whole_dataframe("whole")


def submissions_frame(
    con: duckdb.DuckDBPyConnection, contract: Contract, submission_ids: list[str]
) -> pd.DataFrame:
    """The submissions' typed rows, each typed column's text as received beside it, the end of
    the reporting period (dates must fall inside it), and the feed's own context columns from
    `sql/validation/<feed>.sql` where it has one (last month's figure, for instance)."""
    text_columns = ", ".join(
        f"r.{quote_identifier(c.name)} as {quote_identifier(c.name + TEXT_SUFFIX)}"
        for c in contract.columns
        if c.type != "text"
    )
    context = SQL_ROOT / "validation" / f"{contract.feed}.sql"
    joined = (
        f"left join ({sql_text(f'validation/{contract.feed}')}) x using (submission_id, row_number)"
        if context.exists()
        else ""
    )
    return con.execute(
        f"select t.*, {text_columns}, last_day(t.period) as period__end, "
        "year(t.period) as period__year"
        f"{', x.* exclude (submission_id, row_number)' if joined else ''} "
        f"from staging.{quote_identifier(contract.feed + '_typed')} t "
        f"join raw.{quote_identifier(contract.feed)} r using (submission_id, row_number) {joined} "
        "where t.submission_id in (select unnest($submission_ids)) "
        "order by t.submission_id, t.row_number",
        {"submission_ids": submission_ids},
    ).df()


def validate_submissions(
    con: duckdb.DuckDBPyConnection, feed: str, submission_ids: list[str]
) -> dict[str, Verdict]:
    """Validate submissions with the feed's suite, in one GX run where the file rules allow.

    Row rules are per row and business keys are unique per submission (the suites key on
    submission_id), so one batch serves many files. A table-level failure cannot be pinned on
    one file in a batch, so then each submission is validated on its own.
    """
    if not submission_ids:
        return {}
    contract = load_contract(feed)
    frame = submissions_frame(con, contract, submission_ids)
    findings, file_errors, run = _run_suite(contract, frame)
    if file_errors and len(submission_ids) > 1:
        verdicts: dict[str, Verdict] = {}
        for submission_id in submission_ids:
            verdicts |= validate_submissions(con, feed, [submission_id])
        return verdicts
    rows = frame.groupby("submission_id").size().to_dict()
    verdicts = {}
    for submission_id in submission_ids:
        own = [f for f in findings if f.submission_id == submission_id]
        verdicts[submission_id] = Verdict(
            rows_checked=int(rows.get(submission_id, 0)),
            findings=own,
            file_errors=file_errors,
            expectations_run=run,
            # A batch's count would blame a clean file for its neighbour's rows.
            expectations_failed=len(file_errors) + len({f.expectation for f in own}),
        )
    return verdicts


def raised(exception_info: dict) -> str | None:
    """The message of an exception GX caught while evaluating an expectation, if any.

    GX reports it either directly or keyed by the metric that failed.
    """
    for info in (exception_info, *exception_info.values()):
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message"))
    return None


def _run_suite(
    contract: Contract, frame: pd.DataFrame
) -> tuple[list[Finding], list[tuple[str, str]], int]:
    """Run the suite over a frame; GX's pandas engine reports row positions in the frame."""
    result = (
        _batch_definition()
        .get_batch(batch_parameters={"dataframe": frame})
        .validate(load_suite(contract.feed), result_format={"result_format": "COMPLETE"})
    )
    headers = {c.name: c.header_zh for c in contract.columns}
    findings: list[Finding] = []
    file_errors: list[tuple[str, str]] = []
    for index, outcome in enumerate(result.results):
        if outcome.success:
            continue
        config = outcome.expectation_config
        meta = config.meta or {}
        reason = (meta.get("reason_en", config.type), meta.get("reason_zh", config.type))
        if error := raised(outcome.exception_info):
            # GX could not evaluate a rule: that is our fault, not the file's. Fail the step so
            # the submission stays pending and nothing downstream runs on unjudged data.
            raise ValidationIncomplete(f"{config.type} on {contract.feed} raised: {error}")
        indices = outcome.result.get("unexpected_index_list")
        if indices is None:
            file_errors.append(reason)
            continue
        # Rules on a typed column report the text as received, and name the column as headed.
        # A pair rule (a date after the period's end) is about its dated column.
        named = config.kwargs.get("column") or config.kwargs.get("column_B")
        if named == "period__end" or named == "period":
            named = config.kwargs.get("column_A")
        # Derived columns (period__end, value_ytd__previous) report on the column they come from.
        column = (named or "").split("__")[0] or None
        source = f"{column}{TEXT_SUFFIX}" if f"{column}{TEXT_SUFFIX}" in frame else column
        for position in indices:
            row = frame.iloc[position]
            value = row[source] if column else None
            findings.append(
                Finding(
                    submission_id=row["submission_id"],
                    expectation=index,
                    row_number=int(row["row_number"]),
                    column_name=headers.get(column) if column else None,
                    rule=meta.get("rule", config.type),
                    value_found=None if value is None or pd.isna(value) else str(value),
                    reason_en=reason[0],
                    reason_zh=reason[1],
                )
            )
    return findings, file_errors, len(result.results)
