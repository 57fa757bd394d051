"""Validate submissions with their feed's suite (`expectations/<feed>.json`), inside DuckDB.

Every row a rule flags becomes a quarantine entry a clerk can act on ("row 12, 协议引资额 cannot
be negative, found -5"). Two engines read the same suite: `duckdb` (the default) compiles it to
one SQL scan, so a national feed of millions of rows never leaves the database; `gx` runs Great
Expectations' own pandas engine, for district-sized batches or to cross-check the first. Both
write the rows they flag to the connection's temporary `suite_findings` table.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.checks.suite_sql import compile_suite
from pipelines.checks.suites import Rule, load_rules
from pipelines.files.contracts import Contract, load_contract
from pipelines.settings import SQL_ROOT
from pipelines.store.conform import typed_view
from pipelines.store.warehouse import sql_text

ENGINES = ("duckdb", "gx")
MESSAGE_EXAMPLES = 5


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
    """A submission's validation outcome: how many rows broke rules, the first few findings
    (for the ledger's message; all of them are in quarantine) and any file-level failure."""

    rows_checked: int
    quarantined_rows: int
    finding_count: int
    examples: list[Finding]
    file_errors: list[tuple[str, str]]
    expectations_run: int
    expectations_failed: int


def input_sql(contract: Contract) -> str:
    """The rows the suite reads, for the submissions in `$submission_ids`: the typed rows with
    their text as received, the end and year of the reporting period (dates must fall inside
    it), and the feed's own context columns from `sql/validation/<feed>.sql` where it has one
    (last month's figure, for instance)."""
    context = SQL_ROOT / "validation" / f"{contract.feed}.sql"
    joined = context.exists()
    return (
        "select t.*, last_day(t.period) as period__end, year(t.period) as period__year"
        f"{', x.* exclude (submission_id, row_number)' if joined else ''} "
        f"from {typed_view(contract)} t "
        + (
            f"left join ({sql_text(f'validation/{contract.feed}')}) x "
            "using (submission_id, row_number) "
            if joined
            else ""
        )
        + "where t.submission_id in (select unnest($submission_ids))"
    )


def validate_submissions(
    con: duckdb.DuckDBPyConnection, feed: str, submission_ids: list[str], engine: str = "duckdb"
) -> dict[str, Verdict]:
    """Validate submissions with the feed's suite in one pass, and say what became of each."""
    if not submission_ids:
        return {}
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; use one of {', '.join(ENGINES)}")
    contract = load_contract(feed)
    rules = load_rules(feed)
    con.execute(
        "create or replace temp table suite_findings (submission_id varchar, "
        "row_number integer, expectation integer, value_found varchar)"
    )
    rows = dict(
        con.execute(
            f"select submission_id, count(*) from {typed_view(contract)} "
            "where submission_id in (select unnest($ids)) group by all",
            {"ids": submission_ids},
        ).fetchall()
    )
    if engine == "gx":
        from pipelines.checks.gx_engine import run_gx

        file_errors = run_gx(con, contract, rules, input_sql(contract), submission_ids)
    else:
        file_errors = run_sql_engine(con, contract, rules, submission_ids, rows)
    return collect_verdicts(con, contract, rules, submission_ids, rows, file_errors)


def run_sql_engine(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    rules: tuple[Rule, ...],
    submission_ids: list[str],
    rows: dict[str, int],
) -> dict[str, list[Rule]]:
    """Flag rows with the compiled suite; table rules are judged per submission."""
    source = input_sql(contract)
    columns = {
        d[0]
        for d in con.execute(
            f"select * from ({source}) limit 0", {"submission_ids": []}
        ).description
    }
    compiled = compile_suite(contract.feed, rules, columns)
    try:
        con.execute(
            f"insert into suite_findings with input as ({source}), {compiled.sql}",
            {"submission_ids": submission_ids, **compiled.params},
        )
    except duckdb.Error as error:
        raise ValidationIncomplete(
            f"the {contract.feed} suite failed in DuckDB: {error}"
        ) from error
    return {
        submission_id: [
            rule
            for rule in compiled.table_rules
            if rows.get(submission_id, 0) < rule.kwargs.get("min_value", 0)
            or rows.get(submission_id, 0) > rule.kwargs.get("max_value", float("inf"))
        ]
        for submission_id in submission_ids
    }


def collect_verdicts(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    rules: tuple[Rule, ...],
    submission_ids: list[str],
    rows: dict[str, int],
    file_errors: dict[str, list[Rule]],
) -> dict[str, Verdict]:
    """Each submission's counts and first findings, from `suite_findings`."""
    counts = {
        submission_id: (quarantined, findings, failed)
        for submission_id, quarantined, findings, failed in con.execute(
            "select submission_id, count(distinct row_number), count(*), "
            "count(distinct expectation) from suite_findings group by all"
        ).fetchall()
    }
    examples: dict[str, list[Finding]] = {}
    headers = {c.name: c.header_zh for c in contract.columns}
    for submission_id, row_number, expectation, value_found in con.execute(
        "select submission_id, row_number, expectation, value_found from suite_findings "
        "qualify row_number() over (partition by submission_id "
        "order by expectation, row_number) <= $examples order by expectation, row_number",
        {"examples": MESSAGE_EXAMPLES},
    ).fetchall():
        rule = rules[expectation]
        examples.setdefault(submission_id, []).append(
            Finding(
                submission_id=submission_id,
                expectation=expectation,
                row_number=row_number,
                column_name=headers.get(rule.column) if rule.column else None,
                rule=rule.rule,
                value_found=value_found,
                reason_en=rule.reason_en,
                reason_zh=rule.reason_zh,
            )
        )
    verdicts = {}
    for submission_id in submission_ids:
        quarantined, findings, failed = counts.get(submission_id, (0, 0, 0))
        errors = file_errors.get(submission_id, [])
        verdicts[submission_id] = Verdict(
            rows_checked=rows.get(submission_id, 0),
            quarantined_rows=quarantined,
            finding_count=findings,
            examples=examples.get(submission_id, []),
            file_errors=[(r.reason_en, r.reason_zh) for r in errors],
            expectations_run=len(rules),
            expectations_failed=len(errors) + failed,
        )
    return verdicts


def quarantine(con: duckdb.DuckDBPyConnection, feed: str, submission_id: str) -> None:
    """Hold the submission's flagged rows in `ledger.quarantine`, each with its reason."""
    contract = load_contract(feed)
    headers = {c.name: c.header_zh for c in contract.columns}
    rules = [
        {
            "expectation": r.index,
            "column_name": headers.get(r.column) if r.column else None,
            "rule": r.rule,
            "reason_en": r.reason_en,
            "reason_zh": r.reason_zh,
        }
        for r in load_rules(feed)
    ]
    con.execute(
        "insert into ledger.quarantine select f.submission_id, f.row_number, r.column_name, "
        "r.rule, f.value_found, r.reason_en, r.reason_zh from suite_findings f "
        "join (select unnest($rules, recursive := true)) r on r.expectation = f.expectation "
        "where f.submission_id = $submission_id",
        {
            "submission_id": submission_id,
            "rules": rules,
        },
    )
