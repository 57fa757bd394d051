"""Great Expectations' own pandas engine over a batch of submissions (`WORKPLAN_VALIDATION_ENGINE
=gx`), and the reference the tests hold the compiled SQL engine to.

It loads the batch into memory (about 1.3 GB per million rows), so it suits district-sized
batches. GX and pandas are imported on first use: they take seconds, and only this engine needs
them.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING

import duckdb

from pipelines.checks.suite_sql import text_source, value_columns
from pipelines.checks.suites import Rule, suite_spec
from pipelines.files.contracts import Contract
from pipelines.store.warehouse import insert_rows

if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd

# Government networks are closed: GX must never try to send usage statistics.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
INDEX_KEY = "suite_index"


@cache
def great_expectations():
    """GX, with the project's own expectations registered (importing the module does it)."""
    import great_expectations as gx

    import pipelines.checks.custom_expectations  # noqa: F401

    return gx


@cache
def load_suite(feed: str) -> gx.ExpectationSuite:
    """The feed's suite from `expectations/<feed>.json`, as a GX object. GX reports results in
    an order of its own, so each expectation carries its place in the suite in its meta."""
    spec = suite_spec(feed)
    expectations = [
        e | {"meta": (e.get("meta") or {}) | {INDEX_KEY: index}}
        for index, e in enumerate(spec["expectations"])
    ]
    return great_expectations().ExpectationSuite(
        name=spec["name"], expectations=expectations, meta=spec.get("meta")
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


def raised(exception_info: dict) -> str | None:
    """The message of an exception GX caught while evaluating an expectation, if any.

    GX reports it either directly or keyed by the metric that failed.
    """
    for info in (exception_info, *exception_info.values()):
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message"))
    return None


def shown_value(row: pd.Series, rule: Rule, columns: set[str]) -> str | None:
    """The text a finding shows, as the SQL engine builds it: one column's, or a key's parts."""
    import pandas as pd  # imported with GX's engine, not by every command (0.4 s)

    parts = [row[text_source(c, columns)] for c in value_columns(rule)]
    texts = [str(p) for p in parts if p is not None and not pd.isna(p)]
    return " / ".join(texts) or None


def run_gx(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    rules: tuple[Rule, ...],
    source_sql: str,
    submission_ids: list[str],
) -> tuple[dict[str, list[Rule]], list[gx.core.ExpectationSuiteValidationResult]]:
    """Run the suite over the submissions' rows and add what it flags to `suite_findings`.

    Row rules are per row and business keys are unique per submission (the suites key on
    submission_id), so one batch serves many files: one validation per batch keeps GX's cost
    per run to one pass. A table-level failure cannot be pinned on one file in a batch, so then
    each submission is validated on its own. Returns each file's failed table rules and GX's
    validation results (one per batch validated, naming its submissions in its meta), which
    `pipelines/checks/data_docs.py` keeps and renders.
    """
    from pipelines.checks.validation import ValidationIncomplete

    frame = con.execute(
        f"select * from ({source_sql}) order by submission_id, row_number",
        {"submission_ids": submission_ids},
    ).df()
    result = (
        _batch_definition()
        .get_batch(batch_parameters={"dataframe": frame})
        .validate(load_suite(contract.feed), result_format={"result_format": "COMPLETE"})
    )
    result.meta["submission_ids"] = list(submission_ids)
    columns = set(frame.columns)
    findings: list[tuple[str, int, int, str | None]] = []
    failed_table_rules: list[Rule] = []
    for outcome in result.results:
        if outcome.success:
            continue
        rule = rules[outcome.expectation_config.meta[INDEX_KEY]]
        if error := raised(outcome.exception_info):
            # GX could not evaluate a rule: that is our fault, not the file's. Fail the step so
            # the submission stays pending and nothing downstream runs on unjudged data.
            raise ValidationIncomplete(f"{rule.type} on {contract.feed} raised: {error}")
        indices = outcome.result.get("unexpected_index_list")
        if indices is None:
            failed_table_rules.append(rule)
            continue
        for position in indices:
            row = frame.iloc[position]
            findings.append(
                (
                    row["submission_id"],
                    int(row["row_number"]),
                    rule.index,
                    shown_value(row, rule, columns),
                )
            )
    if failed_table_rules and len(submission_ids) > 1:
        errors: dict[str, list[Rule]] = {}
        results = []
        for submission_id in submission_ids:
            own_errors, own_results = run_gx(con, contract, rules, source_sql, [submission_id])
            errors |= own_errors
            results += own_results
        return errors, results
    insert_rows(con, "suite_findings", findings)
    return {submission_id: failed_table_rules for submission_id in submission_ids}, [result]
