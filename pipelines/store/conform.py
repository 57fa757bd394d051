"""Typing department text: how each contract type is parsed from the raw layer's text.

The raw layer keeps values exactly as received and, beside each typed column, its value parsed
with `sql/setup/parsers.sql` once, on receipt (written once: `pipelines.store.raw_files`);
`staging.<feed>_typed` views show the typed rows, so validation and staging read the same
values. What a file says about its own columns (亿元 in a header, the year in its title) is
recorded per submission in `ledger.submission_columns` and applied here, when the values are
parsed.
"""

from __future__ import annotations

import duckdb

from pipelines.checks.suites import TEXT_SUFFIX
from pipelines.files.bounds import column_letters
from pipelines.files.contracts import Column, Contract
from pipelines.files.headers import HeaderMatch
from pipelines.files.units import unit_factor
from pipelines.store.warehouse import (
    insert_rows,
    quote_identifier,
    run_sql,
    sql_literal,
    table_kind,
)

# {col} is the raw text; {context} the submission's unit factor (numbers) or title year (months).
TYPED_EXPRESSIONS = {
    # Text keeps its full-width characters (names hold them); only the apostrophe Excel uses to
    # force a cell to text ('9123...) is dropped, by a prefix test (a regex per cell costs seconds
    # per column on a national feed). Spelled out, not a macro: the analysts' file, whose fact
    # views type text the same way, has no macros.
    "text": "case when starts_with({col}, '''') then {col}[2:] else {col} end",
    "integer": "try_cast(parse_number({col}) * coalesce({context}, 1) as bigint)",
    "decimal": "try_cast(parse_number({col}) * coalesce({context}, 1) as decimal(18, 4))",
    "date": "parse_date({col})",
    "month": "parse_month({col}, {context})",
    "boolean": "parse_flag({col})",
}
# The ledger.submission_columns field each type reads its context from.
CONTEXT_FIELDS = {"integer": "unit_factor", "decimal": "unit_factor", "month": "default_year"}


def record_columns(
    con: duckdb.DuckDBPyConnection, contract: Contract, submission_id: str, match: HeaderMatch
) -> None:
    """Record how this submission's columns read: header, unit and factor, the title year, and
    the column letter as Excel shows it (A for the first), so a finding can name the cell."""
    rows = []
    for column in contract.columns:
        if column.name not in match.positions:
            continue
        header = match.headers[column.name]
        # Settled, and refused where it does not convert, when the file was read.
        unit = match.units.get(column.name)
        year = match.title_year if column.type == "month" else None
        letter = column_letters(match.positions[column.name] + 1)
        factor = unit_factor(unit, column.unit)
        rows.append([submission_id, column.name, header, unit, factor, year, letter])
    insert_rows(
        con,
        "ledger.submission_columns (submission_id, column_name, header_found, unit_found, "
        "unit_factor, default_year, source_column)",
        rows,
    )


# The column type each contract type's parsed value is stored as, beside its text in raw.
SQL_TYPES = {
    "integer": "bigint",
    "decimal": "decimal(18, 4)",
    "date": "date",
    "month": "date",
    "boolean": "boolean",
}
# A raw column's parsed value is stored beside it under this suffix.
PARSED_SUFFIX = "__parsed"
# staging.<feed>_typed: the feed's raw rows with their parsed values as the columns.
TYPED_SUFFIX = "_typed"


def raw_table(contract: Contract) -> str:
    return f"raw.{quote_identifier(contract.feed)}"


def typed_view(contract: Contract) -> str:
    return f"staging.{quote_identifier(contract.feed + TYPED_SUFFIX)}"


def parsed(contract: Contract) -> list[Column]:
    """The columns parsed to a type other than text: their values are stored parsed."""
    return [c for c in contract.columns if c.type != "text"]


def raw_columns(contract: Contract) -> str:
    """Raw's columns: each of the contract's as text, as received, then each typed one's value
    as parsed on receipt (`<column>__parsed`)."""
    text = [f"{quote_identifier(c)} varchar" for c in contract.column_names]
    values = [
        f"{quote_identifier(c.name + PARSED_SUFFIX)} {SQL_TYPES[c.type]}" for c in parsed(contract)
    ]
    return ", ".join(
        ["submission_id varchar not null", "row_number integer not null"] + text + values
    )


def context_select(contract: Contract) -> str:
    """Each submission's context per typed column, one row per submission (`submission_id`):
    the unit factor a number is multiplied by, the title's year a month without one takes."""
    # The names written here come from the contract, never from a file.
    fields = "".join(
        f", max({CONTEXT_FIELDS[c.type]}) filter (where column_name = {sql_literal(c.name)}) "
        f"as {quote_identifier(c.name)}"
        for c in parsed(contract)
        if c.type in CONTEXT_FIELDS
    )
    return f"select submission_id{fields} from ledger.submission_columns group by submission_id"


def parsed_values(contract: Contract, rows: str, context: str) -> str:
    """The typed columns' values parsed from the text in `rows` with the context in `context`,
    named and typed as raw's `<column>__parsed` columns."""
    return ", ".join(
        "cast({value} as {type}) as {name}".format(
            value=TYPED_EXPRESSIONS[c.type].format(
                col=f"{rows}.{quote_identifier(c.name)}",
                context=f"{context}.{quote_identifier(c.name)}",
            ),
            type=SQL_TYPES[c.type],
            name=quote_identifier(c.name + PARSED_SUFFIX),
        )
        for c in parsed(contract)
    )


# The unit factor's type: eight decimals hold 元 to 亿元 (0.00000001) exactly.
FACTOR_TYPE = "DECIMAL(18,8)"


def ensure_submission_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Create `ledger.submission_columns`, or bring an earlier one up to date: the column letter
    added, and a factor stored with four decimals widened so 元 to 亿元 cannot round to 0."""
    run_sql(con, "setup/submission_columns")
    (factor_type,) = con.execute(
        "select data_type from information_schema.columns where table_schema = 'ledger' "
        "and table_name = 'submission_columns' and column_name = 'unit_factor'"
    ).fetchone()
    if factor_type != FACTOR_TYPE:
        con.execute(
            f"alter table ledger.submission_columns alter column unit_factor type {FACTOR_TYPE}"
        )


def upgrade_text_only(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """A warehouse whose raw rows were stored as text only (before values were parsed on
    receipt) gets them parsed now, once, before they are written to files
    (`pipelines.store.raw_files.ensure`)."""
    ensure_submission_columns(con)
    if table_kind(con, "raw", contract.feed) != "BASE TABLE":
        return
    table = raw_table(contract)
    stored = {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = ?",
            [contract.feed],
        ).fetchall()
    }
    if not any(c.name + PARSED_SUFFIX in stored for c in parsed(contract)):
        text_only = quote_identifier(contract.feed + "__text_only")
        con.execute(f"alter table {table} rename to {text_only}")
        con.execute(f"create table {table} ({raw_columns(contract)})")
        con.execute(
            f"insert into {table} "
            + raw_rows(contract, f"select * from raw.{text_only}", "r.submission_id")
        )
        con.execute(f"drop table raw.{text_only}")


def typed_columns(contract: Contract, *, texts: bool) -> str:
    """The select list of raw's rows as typed rows: each column under its own name as its type
    (a text column cleaned and its labels coded), and beside each typed one, when `texts`, its
    text as received (`<column>__text`), which only validation's messages need."""
    text = TYPED_EXPRESSIONS["text"]
    columns = []
    for c in contract.columns:
        name = quote_identifier(c.name)
        if c.type == "text":
            columns.append(f"{c.coded(text.format(col=name))} as {name}")
            continue
        columns.append(f"{quote_identifier(c.name + PARSED_SUFFIX)} as {name}")
        if texts:
            columns.append(f"{name} as {quote_identifier(c.name + TEXT_SUFFIX)}")
    return ", ".join(["submission_id", "row_number", *columns])


def ensure_typed_view(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Create `staging.<feed>_typed`: every raw row with its columns as their types, and beside
    each typed column its text as received (`<column>__text`), so a finding shows what the clerk
    typed. Values are parsed once, on receipt, into raw: validation, staging and the checks all
    read them, and parsing millions of rows takes seconds each time."""
    if table_kind(con, "staging", contract.feed + TYPED_SUFFIX) == "BASE TABLE":
        # where typed rows were a table of their own
        con.execute(f"drop table {typed_view(contract)}")
    con.execute(
        f"create or replace view {typed_view(contract)} as "
        f"select {typed_columns(contract, texts=True)} from {raw_table(contract)}"
    )


def raw_rows(contract: Contract, rows: str, submission: str) -> str:
    """Raw's columns for the text rows in `rows`: the text, then each typed column's value
    parsed with the context of the submission `submission` names (a column or a parameter)."""
    names = ", ".join(f"r.{quote_identifier(c)}" for c in contract.column_names)
    return (
        f"select cast({submission} as varchar) as submission_id, "
        f"cast(r.row_number as integer) as row_number, {names}, "
        f"{parsed_values(contract, 'r', 'c')} "
        f"from ({rows}) r "
        f"left join ({context_select(contract)}) c on c.submission_id = {submission}"
    )
