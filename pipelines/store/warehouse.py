"""The pipeline's DuckDB file: one place that opens it, runs the SQL files and publishes copies.

DuckDB admits one writer process per file, so opening retries for a while when another run holds
the lock instead of failing the run. Analysts never open this file: `publish` writes them a copy.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.settings import SQL_ROOT
from pipelines.store.durable import replace_durably

LOCK_WAIT_SECONDS = 120.0
# Analysts' clients lag behind duckdb 2.0; this storage version opens in DuckDB 1.x and 2.x alike.
ANALYSTS_STORAGE_VERSION = "v1.0.0"
# DuckDB's buffer pool; past it, joins and sorts spill to `<warehouse>.tmp/` beside the file. A
# national feed then runs in bounded memory on a machine shared with the Dagster processes.
MEMORY_LIMIT = "1GB"


@contextmanager
def connect(
    path: Path, *, read_only: bool = False, lock_wait_seconds: float = LOCK_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, waiting up to `lock_wait_seconds` for another process's write lock
    rather than failing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        con.execute("set timezone = 'Asia/Shanghai'")
        con.execute("set memory_limit = $limit", {"limit": MEMORY_LIMIT})
        yield con
    finally:
        con.close()


def sql_text(name: str) -> str:
    """The text of `sql/<name>.sql`; names are fixed in code, never taken from input."""
    path = (SQL_ROOT / f"{name}.sql").resolve()
    if SQL_ROOT.resolve() not in path.parents:
        raise ValueError(f"SQL file {name!r} is outside {SQL_ROOT}")
    return path.read_text(encoding="utf-8")


def fill(text: str, **sql: str) -> str:
    """`text` with each `{name}` placeholder replaced by the SQL the caller built for it (a
    quoted, qualified name, or a whole query made from the contracts and recorded files, never
    from input). A placeholder in a comment is filled too, so comments name them without braces:
    a query filled into a comment would end the comment at its first line."""
    for key, value in sql.items():
        text = text.replace("{" + key + "}", value)
    return text


def run_sql(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: Mapping[str, object] | None = None,
    identifiers: Mapping[str, str] | None = None,
    qualified: Mapping[str, str] | None = None,
) -> list[int]:
    """Run a SQL file atomically, binding the named parameters each statement uses; the row
    count each statement reports (DuckDB's `Count`: rows inserted, deleted, created).

    Values are always bound. `identifiers` fill `{name}` placeholders with quoted identifiers,
    for the few files (one per feed) whose table names vary; `qualified` fill them with SQL the
    caller has already quoted (`db.schema.table` from `quote_identifier`, or a query: `fill`).
    The file is split into statements before they are filled, so a filled-in text never splits.
    """
    quoted = {key: quote_identifier(value) for key, value in (identifiers or {}).items()}
    counts = []
    # One transaction per file, so a run killed midway leaves every table of the file as it was.
    with transaction(con):
        for template in split_statements(sql_text(name)):
            used = {k: v for k, v in (params or {}).items() if f"${k}" in template}
            statement = fill(template, **quoted, **(qualified or {}))
            cursor = con.execute(statement, used or None)
            if cursor is not None and cursor.description and cursor.description[0][0] == "Count":
                counts.extend(count for (count,) in cursor.fetchall())
    return counts


_in_transaction: set[int] = set()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing: commit on success, roll back on any error or kill.

    Nested use joins the outer transaction (DuckDB has no savepoints), so a helper that wants
    atomicity composes with a caller that already has it.
    """
    if id(con) in _in_transaction:
        yield
        return
    con.execute("begin transaction")
    _in_transaction.add(id(con))
    try:
        yield
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        _in_transaction.discard(id(con))


def split_statements(text: str) -> list[str]:
    """Split a SQL file on semicolons that end a line (our files never put two on one line)."""
    statements, current = [], []
    for line in text.splitlines():
        current.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(current))
            current = []
    tail = "\n".join(current).strip()
    if tail and not all(ln.strip().startswith("--") for ln in tail.splitlines() if ln.strip()):
        statements.append(tail)
    return [s for s in statements if s.strip()]


def quote_identifier(name: str) -> str:
    """Quote a DuckDB identifier, doubling embedded quotes."""
    return '"' + name.replace('"', '""') + '"'


def file_of(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file of the open database, or None for an in-memory one."""
    # fetchall: a result left unread blocks the connection's next statement in DuckDB 2.0.
    [(path,)] = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    return None if path is None else Path(path)


def table_kind(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, database: str | None = None
) -> str | None:
    """'BASE TABLE' or 'VIEW' for an object of the open database (of `database`, such as
    'temp', when given), or None when there is none."""
    (kind,) = con.execute(
        "select any_value(table_type) from information_schema.tables "
        "where table_catalog = coalesce(?, current_database()) and table_schema = ? "
        "and table_name = ?",
        [database, schema, name],
    ).fetchone()
    return kind


# Rows per INSERT statement of `insert_rows`: one statement's parameters stay a few thousand.
ROWS_PER_INSERT = 500


def insert_rows(con: duckdb.DuckDBPyConnection, into: str, rows: Sequence[Sequence]) -> None:
    """`insert into <into> values (…), (…), …` for `rows`, a few hundred per statement.

    DuckDB's executemany runs one statement per row, 0.6 ms each: a file's column record, a
    batch's suite findings and fact files were a measurable part of receiving a district's
    small files (one statement of eight rows takes 1.6 ms, of 800 rows 90 ms). `into` names the
    table and its columns and comes from code; the values are bound.
    """
    for start in range(0, len(rows), ROWS_PER_INSERT):
        chunk = rows[start : start + ROWS_PER_INSERT]
        row = "(" + ", ".join("?" * len(chunk[0])) + ")"
        con.execute(
            f"insert into {into} values " + ", ".join([row] * len(chunk)),
            [value for values in chunk for value in values],
        )


def sql_literal(text: str) -> str:
    """A SQL string literal, for the few statements (COMMENT ON) that take no bound parameters."""
    return "'" + text.replace("'", "''") + "'"


def copy_comments(con: duckdb.DuckDBPyConnection, schema: str, table: str, comment: str) -> None:
    """Carry a table's and its columns' descriptions into the published copy."""
    qualified = f"publish_target.{quote_identifier(schema)}.{quote_identifier(table)}"
    if comment:
        con.execute(f"comment on table {qualified} is {sql_literal(comment)}")
    columns = con.execute(
        "select column_name, comment from duckdb_columns() where database_name = current_database()"
        " and schema_name = ? and table_name = ? and comment is not null",
        [schema, table],
    ).fetchall()
    for column, column_comment in columns:
        con.execute(
            f"comment on column {qualified}.{quote_identifier(column)} is "
            f"{sql_literal(column_comment)}"
        )


def copy_schema(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Copy one schema's tables, with their descriptions, into the attached publish target."""
    target = f"publish_target.{quote_identifier(schema)}"
    con.execute(f"create schema if not exists {target}")
    tables = con.execute(
        "select table_name, comment from duckdb_tables() "
        "where database_name = current_database() and schema_name = ? order by 1",
        [schema],
    ).fetchall()
    for table, comment in tables:
        qualified = f"{quote_identifier(schema)}.{quote_identifier(table)}"
        con.execute(f"create table publish_target.{qualified} as select * from {qualified}")
        copy_comments(con, schema, table, comment)


def copy_views(con: duckdb.DuckDBPyConnection, schema: str, views: Mapping[str, str]) -> None:
    """Make in the publish target the views in `views` (name: query; the fact tables, whose
    rows are in files both databases read), described as the warehouse's views of the same
    name are. After every table is copied: a view's query names tables of the target."""
    target = f"publish_target.{quote_identifier(schema)}"
    for view, query in views.items():
        con.execute(f"create view {target}.{quote_identifier(view)} as {query}")
        (comment,) = con.execute(
            "select any_value(comment) from duckdb_views() where database_name = "
            "current_database() and schema_name = ? and view_name = ?",
            [schema, view],
        ).fetchone()
        copy_comments(con, schema, view, comment)


def column_types(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> list:
    """A table's column names and types in order: two tables with the same take each other's
    rows as they are."""
    return con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = ? "
        "and schema_name = ? and table_name = ? order by column_index",
        [database, schema, table],
    ).fetchall()


def remove_abandoned_copies(target: Path) -> None:
    """Delete half-written copies (`.<name>.<pid>.tmp`, and DuckDB's `.wal` beside one) left by
    a publish whose process was killed: each is as large as the analysts' file, and no one else
    would ever remove them. A copy whose process still runs is another publish's, and stays."""
    for leftover in target.parent.glob(f".{target.name}.*.tmp*"):
        pid = leftover.name[len(target.name) + 2 :].split(".")[0]
        if pid.isdigit() and not process_alive(int(pid)):
            leftover.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True


def publish_copy(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    schemas: list[str],
    views: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Write `schemas` (and the `views` by schema, see `copy_views`) to a fresh file and swap it
    in atomically, so readers never see a half copy.

    A reader that already has the old file open keeps its snapshot; new readers get the new file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_copies(target)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    con.execute(
        f"attach ? as publish_target (storage_version '{ANALYSTS_STORAGE_VERSION}')",
        [str(staging)],
    )
    try:
        # One transaction: the copy and its hundreds of comments commit once, not one by one.
        with transaction(con):
            for schema in schemas:
                copy_schema(con, schema)
            for schema, named in (views or {}).items():
                copy_views(con, schema, named)
    finally:
        con.execute("detach publish_target")
    replace_durably(staging, target)
