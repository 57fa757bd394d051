"""The raw layer's rows: each submission's rows as received, written once, to Parquet.

A file's rows used to be inserted into a raw table of the warehouse and written again, later,
to the fact files the analysts read. Now each received submission's rows (the text as received
and each typed column's value as parsed on receipt, `pipelines.store.conform`) are written once,
as an immutable Parquet file, `<warehouse>.facts/raw/<feed>/<submission_id>.parquet`, and
`raw.<feed>` is a view over the files `raw.files` records. Staging is a view over raw, so
validation, staging and the facts all read the same rows.

A file arrives in two moves. Its rows are written to a partial file first, which the checks of
receiving read through the temporary view `arriving_rows`; a clean-up (the template's example row
dropped, a month Excel cut short settled) writes the partial file anew, which happens to few
files. Only when the file is accepted for receiving is the partial file given its final name and
recorded, in the receiving transaction: a rejected file writes no row, and a run killed midway
leaves at most an unrecorded file that no view reads and the next reading of the same file
replaces.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path

import duckdb

from pipelines.files.contracts import Contract
from pipelines.store.conform import PARSED_SUFFIX, raw_columns, raw_rows, raw_table
from pipelines.store.durable import replace_durably
from pipelines.store.warehouse import (
    file_of,
    insert_rows,
    quote_identifier,
    sql_literal,
    table_kind,
)

# The temporary view over the arriving submission's rows, which receiving's checks read.
ARRIVING = "arriving_rows"
# A partial file of a run killed while reading is deleted once it is this old.
PARTIAL_KEPT = dt.timedelta(days=1)


class RawFilesMissing(RuntimeError):
    """Recorded raw files that are not on disk: rows that cannot be read are never skipped."""


def root_of(warehouse: Path) -> Path:
    """Where a warehouse keeps its row files: `<warehouse file>.facts/` beside it (named when
    it held the facts' own files). The record names files relative to it, so a deployment
    restored elsewhere reads its own."""
    return warehouse.resolve().with_name(warehouse.name + ".facts")


def root(con: duckdb.DuckDBPyConnection) -> Path:
    """The open warehouse's row files' folder; for an in-memory one (tests, the file reader's
    own connection), a folder of this process's in the temporary directory."""
    path = file_of(con)
    if path is None:
        return Path(tempfile.gettempdir()) / f"workplan-{os.getpid()}-in-memory.facts"
    return root_of(path)


def raw_folder(con: duckdb.DuckDBPyConnection, contract: Contract) -> Path:
    return root(con) / "raw" / contract.feed


def signature(contract: Contract) -> str:
    """A digest of raw's columns for the feed: a file written under another is read by name."""
    return hashlib.sha256(raw_columns(contract).encode()).hexdigest()[:12]


def held_file(folder: Path, submission_id: str) -> Path:
    """Where a submission's rows are kept in the feed's `folder`. The id is also a column of
    the file: naming the folder after it instead (Hive style) let a query for one submission
    open one file, but DuckDB 2.0 ran out of memory joining a 25M-row file on such a column."""
    return folder / f"{submission_id}.parquet"


def columns_file(con: duckdb.DuckDBPyConnection, contract: Contract, folder: Path) -> Path:
    """A file of no rows with raw's columns, in the view: a feed with no file yet still has its
    columns."""
    path = held_file(folder, f"columns-{signature(contract)}")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        empty = raw_rows(contract, f"select * from ({text_columns(contract)}) limit 0", "null")
        con.execute(f"copy ({empty}) to {sql_literal(str(partial))} (format parquet)")
        os.replace(partial, path)
    return path


def text_columns(contract: Contract) -> str:
    """A query of no rows with the columns `raw_rows` reads: row_number and the texts."""
    names = ", ".join(f"null::varchar as {quote_identifier(c)}" for c in contract.column_names)
    return f"select null::integer as row_number, {names} where false"


def listing(
    con: duckdb.DuckDBPyConnection, contract: Contract, submissions: list[str] | None = None
) -> tuple[list[str], str]:
    """The recorded files of the feed (of `submissions` only, when given) as SQL literals, the
    file of no rows last, and the options `read_parquet` reads them with. Refuses to go on when
    a file is not on disk (a warehouse restored without its folder): its rows would silently be
    missing everywhere."""
    folder = root(con)
    recorded = con.execute(
        "select file, signature from raw.files where feed = $feed "
        "and ($all or list_contains($submissions, submission_id)) order by submission_id",
        {"feed": contract.feed, "all": submissions is None, "submissions": submissions or []},
    ).fetchall()
    files = [folder / file for file, _ in recorded]
    missing = [str(file) for file in files if not file.is_file()]
    if missing:
        raise RawFilesMissing(
            f"{len(missing)} raw file(s) recorded for {contract.feed} are not on disk "
            f"(first: {missing[0]}). Restore the whole backup (`workplan restore`), or rebuild "
            "the warehouse from the archive (`workplan rebuild`)."
        )
    # The file of no rows goes last: first in the list, DuckDB 2.0 ran out of memory on a
    # semi-join (the suite check's `where submission_id in (select …)`) over a 25M-row file.
    empty = columns_file(con, contract, folder / "raw" / contract.feed)
    listed = [sql_literal(str(file)) for file in [*files, empty]]
    # Files written under other columns (a release that changed the contract) are read by
    # name, their missing columns empty; matching by name reads every file's schema first.
    current = signature(contract)
    by_name = str(any(sign != current for _, sign in recorded)).lower()
    return listed, f"union_by_name = {by_name}"


def rows_read(listed: list[str], options: str) -> str:
    """The relation of the rows in the `listed` files."""
    return f"read_parquet([{', '.join(listed)}], {options})"


def create_view(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Point `raw.<feed>` at every recorded file of the feed."""
    listed, options = listing(con, contract)
    if viewed(con, contract, listed, options):
        return
    con.execute(
        f"create or replace view {raw_table(contract)} as "
        f"select * from {rows_read(listed, options)}"
    )


def viewed(
    con: duckdb.DuckDBPyConnection, contract: Contract, listed: list[str], options: str
) -> bool:
    """Whether `raw.<feed>` reads these files already: every step's set-up asks for each feed,
    and making the view again reads a file to bind it (about 5 ms over a district's hundred
    files, some 36 set-ups a run)."""
    row = con.execute(
        "select sql from duckdb_views() where database_name = current_database() "
        "and schema_name = 'raw' and view_name = ?",
        [contract.feed],
    ).fetchone()
    if row is None:
        return False
    # DuckDB keeps the text as it prints it: the list and the options in its own words.
    (sql,) = row
    options_said = ", ".join(f"({option})" for option in options.split(", "))
    return (
        sql.count(".parquet'") == len(listed)
        and options_said in sql
        and all(literal in sql for literal in listed)
    )


def ensure(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Create the feed's raw view over the files `raw.files` records (`sql/setup/raw_files.sql`,
    run once by the caller). A warehouse whose raw rows were a table has each submission's rows
    written to its file once, and the table replaced by the view."""
    if table_kind(con, "raw", contract.feed) == "BASE TABLE":
        table = raw_table(contract)
        folder = raw_folder(con, contract)
        for (submission_id,) in con.execute(
            f"select distinct submission_id from {table} order by 1"
        ).fetchall():
            write(
                con,
                folder,
                submission_id,
                f"select * from {table} where submission_id = $submission_id",
                {"submission_id": submission_id},
            )
            keep(con, contract, submission_id)
        con.execute(f"drop table {table}")
    create_view(con, contract)


def partial_file(folder: Path, submission_id: str) -> Path:
    return folder / f".{submission_id}.{os.getpid()}.tmp"


def write(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    submission_id: str,
    query: str,
    params: dict,
) -> Path:
    """Write the rows of `query` (raw's columns) to the submission's partial file, in their
    order."""
    partial = partial_file(folder, submission_id)
    partial.parent.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"copy ({query}) to {sql_literal(str(partial))} (format parquet, compression zstd)",
        params,
    )
    return partial


def arrive(
    con: duckdb.DuckDBPyConnection, contract: Contract, submission_id: str, rows: str
) -> None:
    """Write an arriving submission's rows (`rows`: a query giving row_number and the
    contract's columns as text), each typed column parsed with the submission's own context
    (`conform.record_columns` recorded it), and show them as `arriving_rows`."""
    partial = write(
        con,
        raw_folder(con, contract),
        submission_id,
        raw_rows(contract, rows, "$submission_id"),
        {"submission_id": submission_id},
    )
    show_arriving(con, partial)


def show_arriving(con: duckdb.DuckDBPyConnection, partial: Path) -> None:
    con.execute(
        f"create or replace temp view {ARRIVING} as "
        f"select * from read_parquet({sql_literal(str(partial))})"
    )


def drop_rows(
    con: duckdb.DuckDBPyConnection, contract: Contract, submission_id: str, rows: list[int]
) -> None:
    """Leave the arriving rows numbered `rows` out of its file (the template's example)."""
    rewrite(
        con,
        contract,
        submission_id,
        f"select * from {ARRIVING} where not list_contains($rows, row_number)",
        {"rows": rows},
    )


def set_parsed(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    submission_id: str,
    column: str,
    value: object,
    rows: list[int],
) -> None:
    """Give the arriving rows numbered `rows` `value` as the column's parsed value (a month
    Excel cut short, settled from the title); the text stays as received."""
    name = quote_identifier(column + PARSED_SUFFIX)
    rewrite(
        con,
        contract,
        submission_id,
        f"select * replace (if(list_contains($rows, row_number), $value, {name}) as {name}) "
        f"from {ARRIVING}",
        {"rows": rows, "value": value},
    )


def rewrite(
    con: duckdb.DuckDBPyConnection, contract: Contract, submission_id: str, query: str, params: dict
) -> None:
    """Write the arriving file anew from `query` over `arriving_rows`, through another name, so
    the file is never half written."""
    partial = partial_file(raw_folder(con, contract), submission_id)
    again = partial.with_name(partial.name + ".again")
    con.execute(
        f"copy ({query}) to {sql_literal(str(again))} (format parquet, compression zstd)", params
    )
    os.replace(again, partial)
    show_arriving(con, partial)


def keep(con: duckdb.DuckDBPyConnection, contract: Contract, submission_id: str) -> int:
    """Give the submission's partial file its final name, on disk, and record it; the rows it
    holds. Inside a transaction: the record commits with the submission's entry, or neither
    does, and a committed record never names a file a power loss took."""
    folder = root(con)
    partial = partial_file(folder / "raw" / contract.feed, submission_id)
    final = held_file(folder / "raw" / contract.feed, submission_id)
    (rows,) = con.execute(
        f"select count(*) from read_parquet({sql_literal(str(partial))})"
    ).fetchone()
    replace_durably(partial, final)
    insert_rows(
        con,
        "raw.files (feed, submission_id, file, signature, row_count)",
        [[contract.feed, submission_id, str(final.relative_to(folder)), signature(contract), rows]],
    )
    return rows


def keep_arriving(con: duckdb.DuckDBPyConnection, contract: Contract, submission_id: str) -> int:
    """Keep the arriving submission's rows: its file named and recorded, and `raw.<feed>`
    reading it, in the caller's transaction: a reader who opens the warehouse after a run was
    killed between two files sees every recorded file's rows and no others."""
    con.execute(f"drop view {ARRIVING}")
    rows = keep(con, contract, submission_id)
    create_view(con, contract)
    return rows


def discard_arriving(
    con: duckdb.DuckDBPyConnection, contract: Contract, submission_id: str
) -> None:
    """Delete a refused file's partial rows; partial files a killed run left a day ago too."""
    folder = raw_folder(con, contract)
    partial_file(folder, submission_id).unlink(missing_ok=True)
    con.execute(f"drop view if exists {ARRIVING}")
    cutoff = dt.datetime.now(dt.UTC) - PARTIAL_KEPT
    for left in folder.glob(".*.tmp*"):
        if dt.datetime.fromtimestamp(left.stat().st_mtime, dt.UTC) < cutoff:
            left.unlink(missing_ok=True)
