"""Typing department text: how each contract type is parsed from the raw layer's text.

The raw tables keep values exactly as received; `staging.<feed>_typed` tables hold them parsed
with `sql/setup/parsers.sql`, typed once on receipt, so validation and staging read the same
values. What a file says about its own columns (亿元 in a header, the year in its title) is
recorded per submission in `ledger.submission_columns` and applied here, in the typed layer.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

import duckdb

from pipelines.contracts import Column, Contract
from pipelines.reading import HeaderMatch
from pipelines.suites import TEXT_SUFFIX
from pipelines.warehouse import quote_identifier, run_sql, sql_literal

# Each unit a header may name: what it measures and how many base units one of it holds. Values
# convert only between units of one measure; 个, 户 and 家 are all plain counts.
UNITS = {
    "元": ("amount", 1),
    "万元": ("amount", 10_000),
    "亿元": ("amount", 100_000_000),
    "人次": ("visits", 1),
    "万人次": ("visits", 10_000),
    "个": ("count", 1),
    "户": ("count", 1),
    "家": ("count", 1),
}
_BRACKETED = re.compile(r"[(\[【]([^)\]】]*)[)\]】]")

# {col} is the raw text; {context} the submission's unit factor (numbers) or title year (months).
TYPED_EXPRESSIONS = {
    "text": "parse_text({col})",
    "integer": "try_cast(parse_number({col}) * coalesce({context}, 1) as bigint)",
    "decimal": "try_cast(parse_number({col}) * coalesce({context}, 1) as decimal(18, 4))",
    "date": "parse_date({col})",
    "month": "parse_month({col}, {context})",
    "boolean": "parse_flag({col})",
}
# The ledger.submission_columns field each type reads its context from.
CONTEXT_FIELDS = {"integer": "unit_factor", "decimal": "unit_factor", "month": "default_year"}


def unit_in(header: str) -> str | None:
    """The known unit named in a header's brackets: 投资额（亿元）, 投资额(单位：亿元)."""
    for inside in _BRACKETED.findall(unicodedata.normalize("NFKC", header)):
        unit = re.split(r"[:：]", inside)[-1].strip()
        if unit in UNITS:
            return unit
    return None


def unit_factor(found: str | None, expected: str | None) -> Decimal | None:
    """What a value in `found` units is multiplied by to be in `expected` units; None if neither."""
    if found not in UNITS or expected not in UNITS:
        return None
    (measure, scale), (expected_measure, expected_scale) = UNITS[found], UNITS[expected]
    return Decimal(scale) / Decimal(expected_scale) if measure == expected_measure else None


def column_unit(column: Column, header: str, table_unit: str | None) -> str | None:
    """The unit of a column's values: its header's, else the table's 单位 line where it applies."""
    found = unit_in(header)
    if found or unit_factor(table_unit, column.unit) is None:
        return found
    return table_unit


def record_columns(
    con: duckdb.DuckDBPyConnection, contract: Contract, submission_id: str, match: HeaderMatch
) -> None:
    """Record how this submission's columns read: header, unit and factor, and the title year."""
    rows = []
    for column in contract.columns:
        if column.name not in match.positions:
            continue
        header = match.headers[column.name]
        unit = column_unit(column, header, match.table_unit)
        year = match.title_year if column.type == "month" else None
        rows.append(
            [submission_id, column.name, header, unit, unit_factor(unit, column.unit), year]
        )
    con.executemany("insert into ledger.submission_columns values (?, ?, ?, ?, ?, ?)", rows)


# The column type each contract type is stored as in `staging.<feed>_typed`.
SQL_TYPES = {
    "text": "varchar",
    "integer": "bigint",
    "decimal": "decimal(18, 4)",
    "date": "date",
    "month": "date",
    "boolean": "boolean",
}


def typed_table(contract: Contract) -> str:
    return f"staging.{quote_identifier(contract.feed + '_typed')}"


def ensure_typed_table(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Create `staging.<feed>_typed`: every raw row with its columns parsed to their types, and
    beside each parsed column its text as received, so a finding shows what the clerk typed.

    Rows are typed once, when their file is received: validation, staging and the checks all
    read them, and parsing millions of rows with the regex parsers takes seconds each time.
    A warehouse made when this was a view is rebuilt from the raw rows.
    """
    run_sql(con, "setup/submission_columns")
    (kind,) = con.execute(
        "select any_value(table_type) from information_schema.tables "
        "where table_schema = 'staging' and table_name = ?",
        [contract.feed + "_typed"],
    ).fetchone()
    if kind == "VIEW":
        con.execute(f"drop view {typed_table(contract)}")
    columns = ", ".join(
        f"{quote_identifier(c.name)} {SQL_TYPES[c.type]}"
        + (f", {quote_identifier(c.name + TEXT_SUFFIX)} varchar" if c.type != "text" else "")
        for c in contract.columns
    )
    con.execute(
        f"create table if not exists {typed_table(contract)} "
        f"(submission_id varchar not null, row_number integer not null, {columns})"
    )
    if kind == "VIEW":
        con.execute(
            f"insert into {typed_table(contract)} {typed_select(contract, one_submission=False)}"
        )


def typed_select(contract: Contract, *, one_submission: bool) -> str:
    """The raw rows, all or those of `$submission_id`, parsed with each submission's own
    column context."""
    own, own_rows = (
        ("where submission_id = $submission_id", "where r.submission_id = $submission_id")
        if one_submission
        else ("", "")
    )
    # The names written here come from the contract; values are bound by the caller.
    context = ", ".join(
        f"max({CONTEXT_FIELDS[c.type]}) filter (where column_name = {sql_literal(c.name)}) "
        f"as {quote_identifier(c.name)}"
        for c in contract.columns
        if c.type in CONTEXT_FIELDS
    )
    typed = ", ".join(
        TYPED_EXPRESSIONS[c.type].format(
            col=f"r.{quote_identifier(c.name)}", context=f"c.{quote_identifier(c.name)}"
        )
        + (f", r.{quote_identifier(c.name)}" if c.type != "text" else "")
        for c in contract.columns
    )
    return (
        f"with c as (select submission_id, {context} from ledger.submission_columns "
        f"{own} group by submission_id) "
        f"select r.submission_id, r.row_number, {typed} "
        f"from raw.{quote_identifier(contract.feed)} as r "
        f"left join c on c.submission_id = r.submission_id {own_rows}"
    )


def load_typed(con: duckdb.DuckDBPyConnection, contract: Contract, submission_id: str) -> None:
    """Type one received submission's raw rows into `staging.<feed>_typed`."""
    con.execute(
        f"insert into {typed_table(contract)} " + typed_select(contract, one_submission=True),
        {"submission_id": submission_id},
    )
