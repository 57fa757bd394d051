"""Validate submissions with their feed's suite (`expectations/<feed>.json`), inside DuckDB.

Every row a rule flags becomes a quarantine entry a clerk can act on ("row 12, 协议引资额 cannot
be negative, found -5"). Two engines read the same suite: `gx` runs Great Expectations' own
pandas engine, and its validation result is kept and rendered as Data Docs
(`pipelines/checks/data_docs.py`); `duckdb` compiles the suite to one SQL scan, so a national
feed of millions of rows never leaves the database (GX's pandas engine holds the batch in memory,
about 1.3 GB per million rows). `auto`, the default, picks by the batch's size: GX up to
`GX_MAX_ROWS` rows (every district file), compiled SQL above. Both write the rows they flag to
the connection's temporary `suite_findings` table, and are held to the same findings
(tests/test_suite_engines.py).

Then the same engine runs the history suite (`pipelines/checks/history.py`): figures a hundred
times away from the department's own history, and corrections that would empty a register.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import duckdb

from pipelines.checks import credit_code
from pipelines.checks.history import Doubt, confirmed, find_doubts, frame_sql, load_doubt_rules
from pipelines.checks.suite_sql import compile_suite
from pipelines.checks.suites import Rule, load_rules
from pipelines.files.contracts import Contract, load_contract
from pipelines.settings import SQL_ROOT
from pipelines.store.conform import typed_view
from pipelines.store.warehouse import sql_text

ENGINES = ("auto", "duckdb", "gx")
MESSAGE_EXAMPLES = 5
# The largest batch `auto` gives GX's pandas engine: about 130 MB of frame, far above a
# district's monthly file (hundreds to a few thousand rows) and far below a national feed.
GX_MAX_ROWS = 100_000


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
    # The Excel column letter the value was read from (ledger.submission_columns.source_column).
    column_letter: str | None = None


@dataclass(frozen=True)
class Verdict:
    """A submission's validation outcome: how many rows broke rules, the first few findings
    (for the ledger's message; all of them are in quarantine), any file-level failure, and the
    figures the history suite questions (`doubts`), with whether the file confirms them."""

    rows_checked: int
    quarantined_rows: int
    finding_count: int
    examples: list[Finding]
    file_errors: list[tuple[str, str]]
    expectations_run: int
    expectations_failed: int
    doubts: list[Doubt] = field(default_factory=list)
    doubts_confirmed: bool = False


def input_sql(contract: Contract) -> str:
    """The rows the suite reads, for the submissions in `$submission_ids`: the typed rows with
    their text as received, the end and year of the reporting period (dates must fall inside
    it) and how far it lies ahead of today (a month to come is a mistyped year: 2042 for 2024),
    and the feed's own context columns from `sql/validation/<feed>.sql` where it has one (last
    month's figure, for instance)."""
    context = SQL_ROOT / "validation" / f"{contract.feed}.sql"
    joined = context.exists()
    return (
        "select t.*, last_day(t.period) as period__end, year(t.period) as period__year, "
        # How many months after this one the period is: a file reports months gone by.
        "datediff('month', date_trunc('month', current_date), t.period) as period__months_ahead"
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


@dataclass(frozen=True)
class EngineChoice:
    """The engine that ran, and why, in the words the check's metadata shows an operator."""

    engine: str
    reason: str


@dataclass(frozen=True)
class Validation:
    """What validating a batch produced: each submission's verdict, the engine that ran, and
    GX's validation results when GX ran (one per batch it validated)."""

    engine: EngineChoice
    verdicts: dict[str, Verdict]
    gx_results: list = field(default_factory=list)


def choose_engine(setting: str, rows: int) -> EngineChoice:
    """The engine for a batch of `rows` rows: the one set, or for `auto` the one its size suits."""
    if setting not in ENGINES:
        raise ValueError(f"unknown validation engine {setting!r}; use one of {', '.join(ENGINES)}")
    if setting != "auto":
        return EngineChoice(setting, f"WORKPLAN_VALIDATION_ENGINE={setting}")
    if rows <= GX_MAX_ROWS:
        return EngineChoice("gx", f"auto: {rows:,} rows, at most {GX_MAX_ROWS:,}: GX's own engine")
    return EngineChoice(
        "duckdb", f"auto: {rows:,} rows, over {GX_MAX_ROWS:,}: the suite compiled to SQL"
    )


def validate_submissions(
    con: duckdb.DuckDBPyConnection, feed: str, submission_ids: list[str], engine: str = "duckdb"
) -> dict[str, Verdict]:
    """Validate submissions with the feed's suite in one pass, and say what became of each."""
    return validate_batch(con, feed, submission_ids, engine).verdicts


def validate_batch(
    con: duckdb.DuckDBPyConnection, feed: str, submission_ids: list[str], engine: str = "auto"
) -> Validation:
    """Validate submissions with the feed's suite in one pass, with the engine `engine` names
    (`auto`: by the batch's rows), and say what became of each and which engine judged them."""
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; use one of {', '.join(ENGINES)}")
    if not submission_ids:
        return Validation(EngineChoice("none", "nothing new to validate"), {})
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
    choice = choose_engine(engine, sum(rows.values()))
    gx_results = []
    if choice.engine == "gx":
        from pipelines.checks.gx_engine import run_gx

        file_errors, gx_results = run_gx(con, contract, rules, input_sql(contract), submission_ids)
    else:
        file_errors = run_sql_engine(con, contract, rules, submission_ids, rows)
    verdicts = collect_verdicts(con, contract, rules, submission_ids, rows, file_errors)
    doubts = find_doubts(con, contract, submission_ids, choice.engine)
    judged = frame_sql(contract) is not None
    confirming = confirmed(con, list(doubts))
    letters = column_letters(con, list(doubts))
    verdicts = {
        submission_id: replace(
            verdict,
            doubts=in_sheet_order(
                [
                    replace(d, column_letter=letters.get((submission_id, d.column)))
                    for d in doubts.get(submission_id, [])
                ]
            ),
            doubts_confirmed=submission_id in confirming,
            # The history suite's rules count with the feed's in the check's metadata.
            expectations_run=verdict.expectations_run + (len(load_doubt_rules()) if judged else 0),
            expectations_failed=verdict.expectations_failed
            + len({d.rule for d in doubts.get(submission_id, [])}),
        )
        for submission_id, verdict in verdicts.items()
    }
    return Validation(choice, verdicts, gx_results)


def in_sheet_order(doubts: list[Doubt]) -> list[Doubt]:
    """Questioned figures as a clerk reads the sheet: by row, then column (A … Z, AA …); the
    registers after them."""
    return sorted(
        doubts,
        key=lambda d: (
            d.kind == "register",
            d.excel_row or 0,
            len(d.column_letter or ""),
            d.column_letter or "",
            d.kind,
            str(d.period),
        ),
    )


def column_letters(
    con: duckdb.DuckDBPyConnection, submission_ids: list[str]
) -> dict[tuple[str, str], str]:
    """The Excel column letter each submission's contract columns were read from."""
    if not submission_ids:
        return {}
    return {
        (submission_id, column): letter
        for submission_id, column, letter in con.execute(
            "select submission_id, column_name, source_column from ledger.submission_columns "
            "where submission_id in (select unnest($ids)) and source_column is not null",
            {"ids": submission_ids},
        ).fetchall()
    }


def run_sql_engine(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    rules: tuple[Rule, ...],
    submission_ids: list[str],
    rows: dict[str, int],
) -> dict[str, list[Rule]]:
    """Flag rows with the compiled suite; table rules are judged per submission."""
    credit_code.register(con)
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
            f"insert into suite_findings with input as not materialized ({source}), {compiled.sql}",
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
    letters = column_letters(con, submission_ids)
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
                column_letter=letters.get((submission_id, rule.column)) if rule.column else None,
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
