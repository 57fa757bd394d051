"""Materialization metadata shared by the assets, in Dagster's own conventions, and who owns what.

Each table asset reports `dagster/table_name`, `dagster/row_count` and `dagster/column_schema`
(TableMetadataSet), so the UI shows the table, its size and its columns with the descriptions
the warehouse itself holds (`comment on column`, sql/marts/comments.sql), plus a preview.

The preview is for an operator checking a table at a glance, so it reads like the table: rows in
the table's key order (a department is never hidden by an arbitrary sample), every row of a small
table (≤ PREVIEW_ROWS), empty cells blank, dates as dates.

Values in the ledger come from outside (a file's name is whatever the clerk typed), so every one
that reaches Markdown is escaped: the UI renders Markdown, and a name holding `|`, `*`, `[x](…)`
or `<img …>` must read as the name, not as table cells, links or HTML.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import cache

import dagster as dg
import duckdb

from pipelines.files.contracts import FEEDS, load_contract
from pipelines.store.conform import PARSED_SUFFIX, TYPED_SUFFIX
from pipelines.store.facts import FACTS
from pipelines.store.warehouse import (
    quote_identifier,
    split_statements,
    sql_literal,
    sql_text,
    transaction,
)

PREVIEW_ROWS = 50
# Dagster's table metadata keys (its TableMetadataSet, not exported by dagster 1.13's top level):
# the UI shows the table's name, size and columns from these.
TABLE_NAME = "dagster/table_name"
ROW_COUNT = "dagster/row_count"
COLUMN_SCHEMA = "dagster/column_schema"
# The digest of what a large table holds (versioned_table_metadata), and the entries that follow
# from it alone.
CONTENT_VERSION = "content_version"
CONTENT_KEYS = (ROW_COUNT, "preview", "preview_rows")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")

# Owners as Dagster takes them (an email or "team:<name>"): the data office runs the pipeline and
# answers for everything it builds; a department answers for what it sends.
DATA_OFFICE = "team:data_office"


def department_owner(department: str) -> str:
    """A department as a Dagster owner, by the code its landing folder is named after."""
    return f"team:{department}"


def feed_owners(feed: str) -> list[str]:
    """The departments that send a feed (its contract's list), as Dagster owners."""
    return [department_owner(d) for d in load_contract(feed).departments]


def table_name(schema: str, table: str) -> dict:
    """The table an asset is, as Dagster names it (`schema.table`); also declared on definitions
    so the UI names the table before any run."""
    return {TABLE_NAME: dg.MetadataValue.text(f"{schema}.{table}")}


def markdown_text(value: object) -> str:
    """`value` as literal text inside Markdown: punctuation escaped, angle brackets as entities,
    line breaks as spaces."""
    text = _MARKDOWN.sub(r"\\\1", str(value))
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.splitlines())


def _feed_keys() -> dict[tuple[str, str], tuple[str, ...]]:
    """Each feed's tables ordered as the feed's grain: department, then the contract's business
    key (period first); raw as received, by submission and row."""
    keys: dict[tuple[str, str], tuple[str, ...]] = {}
    fact_of = {feed: table for table, feed in FACTS.items()}
    for feed in FEEDS:
        business = load_contract(feed).business_key
        grain = ("department", "period", *(c for c in business if c != "period"))
        keys[("raw", feed)] = ("submission_id", "row_number")
        keys[("staging", feed)] = grain
        if feed in fact_of:
            keys[("marts", fact_of[feed])] = grain
    return keys


# The key each table's preview is ordered by. Tables not listed are ordered by their primary key,
# else by all their columns left to right; every order ends with all remaining columns, so the
# same table always previews the same way.
TABLE_KEYS: dict[tuple[str, str], tuple[str, ...]] = {
    ("reference", "targets"): ("indicator_id", "version"),
    ("reference", "departments"): ("department_code",),
    ("reference", "feed_departments"): ("feed", "department"),
    ("marts", "dim_department"): ("department_code",),
    ("marts", "dim_indicator"): ("indicator_id",),
    ("marts", "target_history"): ("indicator_id", "version"),
    ("marts", "feed_metrics"): ("department", "metric_code", "month"),
    ("marts", "indicator_actuals"): ("indicator_id", "month"),
    ("marts", "feed_status"): ("feed", "department"),
    ("marts", "indicator_progress_monthly"): ("indicator_id", "month"),
    ("marts", "indicator_progress"): ("indicator_id",),
    ("marts", "status_changes"): ("indicator_id", "recorded_at"),
    ("ledger", "scorecard_history"): ("indicator_id", "recorded_at"),
    ("ledger", "alerts"): ("alert_key",),
    **_feed_keys(),
}


# Tables whose TABLE_KEYS key is unique by construction (a row of raw is one line of one file):
# their preview is ordered by the key alone. Breaking ties that cannot occur by every column
# made each new month's run sort a national year's raw rows by all their text (1 s at 25M rows,
# against 0.25 s by the key).
UNIQUE_KEYS = {("raw", feed) for feed in FEEDS}


def table_metadata(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    key: tuple[str, ...] | None = None,
) -> dict:
    """What the Dagster UI shows for `schema.table`: its name, row count and column schema under
    Dagster's `dagster/…` keys, and a Markdown preview ordered by `key` (default: TABLE_KEYS)."""
    described = table_description(con, schema, table)
    return described | table_contents(con, schema, table, column_names(described), key)


def table_description(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict:
    """The table's name and column schema: read from the catalog, no row scanned."""
    describe_table(con, schema, table)
    return {
        **table_name(schema, table),
        COLUMN_SCHEMA: dg.MetadataValue.table_schema(
            dg.TableSchema(
                columns=[
                    dg.TableColumn(
                        name=name,
                        type=data_type,
                        description=description,
                        constraints=dg.TableColumnConstraints(nullable=nullable),
                    )
                    for name, data_type, nullable, description in table_columns(con, schema, table)
                ]
            )
        ),
    }


def column_names(described: dict) -> list[str]:
    """The column names of a table_description, in order."""
    return [column.name for column in described[COLUMN_SCHEMA].value.columns]


def table_contents(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    names: list[str],
    key: tuple[str, ...] | None = None,
    *,
    groups: list[tuple] | None = None,
) -> dict:
    """The table's row count and preview (columns `names`). Each is a scan of the whole table;
    given `groups`, the rows per value of the key's first two columns and the submission that
    holds them, in order (a feed's counts kept per submission and month), the count is theirs
    and the preview sorts only the rows of the first groups (`first_groups`)."""
    qualified = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    order = preview_order(con, schema, table, names, key)
    if groups is not None:
        lead = order_columns(con, schema, table, names, key)[:2]
        rows, where, params = first_groups(groups, lead)
    else:
        (rows,) = con.execute(f"select count(*) from {qualified}").fetchone()
        where, params = "", {}
    records = con.execute(
        f"select * from {qualified}{where} order by {order} limit {PREVIEW_ROWS}", params
    ).fetchall()
    shown = f"all {rows} rows" if rows <= PREVIEW_ROWS else f"the first {PREVIEW_ROWS} of {rows}"
    return {
        ROW_COUNT: dg.MetadataValue.int(int(rows)),
        "preview": dg.MetadataValue.md(markdown_table(names, records)),
        "preview_rows": dg.MetadataValue.text(
            f"{shown}, ordered by {', '.join(order_columns(con, schema, table, names, key))}"
        ),
    }


def first_groups(groups: list[tuple], lead: list[str]) -> tuple[int, str, dict]:
    """The table's row count, and a WHERE clause (with its parameters) keeping the fewest of
    `groups` (values of the `lead` columns, the submission that holds their rows and how many,
    in preview order) that hold the first PREVIEW_ROWS rows.

    A feed's tables follow the year (25M rows and more): sorting them all for a preview of 50
    took 1.5-2 s of every run that changed them, and counting them by month 1 s more. Their
    first two key columns (department, period) split them into months, counted once per
    submission and month as it arrives (`pipelines.store.facts.count_rows`); the preview's rows
    lie in the first of those. The filter names each month's submission as a constant, which
    reaches the Parquet scan through the views' join, so only that submission's file is read
    (a parameter is bound after the plan is made, and a filter on the department, which the
    join adds, does not reach it: the preview read the year).
    """
    columns = [quote_identifier(c) for c in lead]
    tests, params, seen = [], {}, 0
    for number, (*values, submission_id, count) in enumerate(groups):
        if seen >= PREVIEW_ROWS:
            break
        seen += count
        # Submission ids are the pipeline's own hex digests, quoted as literals all the same.
        parts = [f"submission_id = {sql_literal(submission_id)}"]
        for position, (column, value) in enumerate(zip(columns, values, strict=True)):
            if value is None:
                parts.append(f"{column} is null")
            else:
                parts.append(f"{column} = $g{number}_{position}")
                params[f"g{number}_{position}"] = value
        tests.append("(" + " and ".join(parts) + ")")
    rows = sum(count for *_, count in groups)
    return rows, f" where {' or '.join(tests) or 'false'}", params


def versioned_table_metadata(
    instance: dg.DagsterInstance,
    asset_key: dg.AssetKey,
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    version: str,
    groups: list[tuple] | None = None,
) -> dict:
    """`table_metadata` for a table whose contents are named by `version` (a digest of the
    submissions it holds): when the asset's last materialization recorded the same version, its
    row count and preview still hold and are shown again without scanning the table. A quiet
    night at national scale thus describes 25M-row tables in milliseconds; any received,
    validated or replaced submission changes the version and the table is counted again (from
    `groups`, when given: see `table_contents`)."""
    described = table_description(con, schema, table)
    metadata = described | {CONTENT_VERSION: version}
    event = instance.get_latest_materialization_event(asset_key)
    materialization = event.asset_materialization if event else None
    previous = materialization.metadata if materialization else {}
    kept = CONTENT_VERSION in previous and previous[CONTENT_VERSION].value == version
    if kept and all(name in previous for name in CONTENT_KEYS):
        return metadata | {name: previous[name] for name in CONTENT_KEYS}
    names = column_names(described)
    return metadata | table_contents(con, schema, table, names, groups=groups)


def table_columns(
    con: duckdb.DuckDBPyConnection, schema: str, table: str
) -> list[tuple[str, str, bool, str | None]]:
    """(name, type, nullable, description) of each column in order: the description the warehouse
    holds, else (for a feed's raw and staging tables, which DuckDB does not describe) what the
    feed's contract says of the column."""
    rows = con.execute(
        "select column_name, data_type, is_nullable, comment from duckdb_columns() "
        "where database_name = current_database() and schema_name = ? and table_name = ? "
        "order by column_index",
        [schema, table],
    ).fetchall()
    fallback = contract_descriptions(schema, table)
    return [
        (name, data_type, bool(nullable), comment or fallback.get(name))
        for name, data_type, nullable, comment in rows
    ]


@cache
def contract_descriptions(schema: str, table: str) -> dict[str, str]:
    """Descriptions of a feed's raw or staging columns from its contract: the Chinese header the
    clerk fills in, the unit and the contract's own words."""
    if schema not in ("raw", "staging") or table.removesuffix(TYPED_SUFFIX) not in FEEDS:
        return {}
    contract = load_contract(table.removesuffix(TYPED_SUFFIX))
    described = {
        "submission_id": "The submission (报送文件) the row came from; see ledger.submissions.",
        "row_number": "Row number in the source file (原文件行号), as the clerk sees it.",
        "department": "Reporting department code (报送单位) of the row's submission.",
    }
    for column in contract.columns:
        words = f"{column.header_zh} ({column.name}, {column.type}"
        words += f", {column.unit})" if column.unit else ")"
        if column.description:
            words += f": {column.description}"
        if schema == "raw":
            described[column.name] = f"{words} As typed in the file (text)."
            described[column.name + PARSED_SUFFIX] = f"{words} As parsed on receipt."
        else:
            described[column.name] = words
            described[column.name + "__text"] = f"{words} As typed in the file (text)."
    return described


# The SQL files holding the warehouse's descriptions of its tables and columns.
COMMENT_FILES = ("marts/comments", "reference/comments")


@cache
def _comment_statements() -> dict[tuple[str, str], tuple[str, ...]]:
    """The `comment on` statements of COMMENT_FILES, by the table they describe."""
    head = re.compile(r"comment\s+on\s+(?:table|column)\s+(\w+)\.(\w+)\b", re.IGNORECASE)
    statements: dict[tuple[str, str], list[str]] = {}
    texts = "\n".join(sql_text(name) for name in COMMENT_FILES)
    for statement in split_statements(texts):
        body = "\n".join(ln for ln in statement.splitlines() if not ln.lstrip().startswith("--"))
        if match := head.search(body):
            statements.setdefault((match[1], match[2]), []).append(body)
    return {table: tuple(found) for table, found in statements.items()}


def describe_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """Give `schema.table` its descriptions from COMMENT_FILES when it lacks them:
    `create or replace` drops a table's comments and the publish step restores them only at the
    end of a run, while the UI should describe a table from the moment it is reported."""
    statements = _comment_statements().get((schema, table))
    if not statements:
        return
    (undescribed,) = con.execute(
        "select count(*) from duckdb_columns() where database_name = current_database() "
        "and schema_name = ? and table_name = ? and comment is null",
        [schema, table],
    ).fetchone()
    if undescribed:
        with transaction(con):  # one commit, not one per statement (a second per run)
            for statement in statements:
                con.execute(statement)


def order_columns(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    names: list[str],
    key: tuple[str, ...] | None,
) -> list[str]:
    """The key columns the preview is ordered by: `key`, TABLE_KEYS, the primary key, or every
    column; key columns the table does not have are skipped."""
    chosen = key or TABLE_KEYS.get((schema, table))
    if not chosen:
        primary = con.execute(
            "select constraint_column_names from duckdb_constraints() "
            "where database_name = current_database() and schema_name = ? and table_name = ? "
            "and constraint_type = 'PRIMARY KEY'",
            [schema, table],
        ).fetchone()
        chosen = tuple(primary[0]) if primary else tuple(names)
    return [c for c in chosen if c in names]


def preview_order(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    names: list[str],
    key: tuple[str, ...] | None,
) -> str:
    """ORDER BY text: the key columns, then all the others, so ties always break the same way;
    the key alone where it is unique (UNIQUE_KEYS)."""
    first = order_columns(con, schema, table, names, key)
    unique = key is None and (schema, table) in UNIQUE_KEYS
    ordered = first + [n for n in names if n not in first and not unique]
    return ", ".join(f"{quote_identifier(n)} nulls last" for n in ordered) or "1"


def cell_text(value: object) -> str:
    """A cell as a reader expects it: blank when empty, a date as a date, a time to the second,
    a whole number without a trailing .0, a list as its items."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(v) for v in value)
    return str(value)


def markdown_table(names: list[str], records: list[tuple]) -> str:
    """A Markdown table of `records`, every header and cell escaped."""
    lines = [
        "| " + " | ".join(markdown_text(n) for n in names) + " |",
        "| " + " | ".join("---" for _ in names) + " |",
    ]
    lines += ["| " + " | ".join(markdown_text(cell_text(v)) for v in r) + " |" for r in records]
    return "\n".join(lines)
