"""The fact tables: each current submission's rows written once, to Parquet both databases read.

A fact table used to be written twice, into the warehouse and again into the analysts' file (and
that file copied byte for byte on every publish). Now the rows of each (submission, period) that
counts are written once, as an immutable Parquet file under `<warehouse>.facts/<fact>/`, and
`marts.<fact>` is a view over the live files, in the warehouse and in every analysts' file the
same. `staging.fact_files` records which files hold which pairs: a run compares that with the
feed's current submissions (sql/marts/fact_changes.sql); nothing changed, nothing is written; a
new month's file writes its own rows; a correction retires exactly the files of the months it
replaces. `staging.<fact>` (a view, sql/marts/facts.sql) says what a fact's rows are.

Files are never overwritten while a reader may hold them: a new pair gets a new name, a retired
file stays a day (RETIRED_KEPT) for an analyst who still has an earlier analysts' file open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from pipelines.store.warehouse import (
    column_types,
    insert_rows,
    quote_identifier,
    run_sql,
    sql_literal,
    table_kind,
    transaction,
)

# Each fact table and the feed whose current submissions it holds.
FACTS = {
    "fact_projects": "projects",
    "fact_enterprise_events": "enterprise_registrations",
    "fact_tourism_revenue": "tourism_revenue",
    "fact_school_places": "school_places",
    "fact_headline_statistics": "headline_statistics",
}
MARTS = "marts"
# How long a file no longer counted is kept: an analysts' file published before may read it.
RETIRED_KEPT = dt.timedelta(days=1)


def facts_folder_of(warehouse: Path) -> Path:
    """Where a warehouse keeps its fact files: `<warehouse file>.facts/` beside it. The record
    names files relative to it, so a deployment restored elsewhere reads its own."""
    return warehouse.resolve().with_name(warehouse.name + ".facts")


def facts_folder(con: duckdb.DuckDBPyConnection) -> Path:
    """The open warehouse's fact folder; for an in-memory one (tests, the file reader's own
    connection), a folder of this process's in the temporary directory."""
    (path,) = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    if path is None:
        return Path(tempfile.gettempdir()) / f"workplan-{os.getpid()}-in-memory.facts"
    return facts_folder_of(Path(path))


def signature(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A digest of the fact's columns and types: files written under another are not read."""
    (database,) = con.execute("select current_database()").fetchone()
    columns = column_types(con, database, "staging", table)
    return hashlib.sha256(repr(columns).encode()).hexdigest()[:12]


def columns_file(con: duckdb.DuckDBPyConnection, table: str) -> Path:
    """A file of no rows with the fact's columns, in every view: a fact with no live pair still
    has its columns, and every file before it has the same."""
    path = facts_folder(con) / table / f"columns-{signature(con, table)}.parquet"
    if not path.exists():
        write_empty(con, table, path)
    return path


def write_empty(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """Write a file of the fact's columns and no row to `path`, through a temporary name, so a
    reader or a later run never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    con.execute(
        f"copy (select * from staging.{quote_identifier(table)} limit 0) "
        f"to {sql_literal(str(partial))} (format parquet, compression zstd)"
    )
    os.replace(partial, path)


def view_query(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The query marts.<table> is, in the warehouse and in the analysts' file: the live files."""
    folder = facts_folder(con)
    # The file of no rows goes last: first in the list, DuckDB 2.0 ran out of memory on a
    # semi-join (`where … in (select …)`) over a 25M-row file after it.
    files = [
        folder / file
        for (file,) in con.execute(
            "select file from staging.fact_files where fact_table = ? and retired_at is null "
            "order by period, submission_id, file",
            [table],
        ).fetchall()
    ] + [columns_file(con, table)]
    listed = ", ".join(sql_literal(str(file)) for file in files)
    return f"select * from read_parquet([{listed}])"


def create_view(con: duckdb.DuckDBPyConnection, table: str) -> None:
    qualified = f"{MARTS}.{quote_identifier(table)}"
    if table_kind(con, MARTS, table) == "BASE TABLE":
        # A warehouse from before: its fact tables are replaced by the files' views.
        con.execute(f"drop table {qualified}")
    con.execute(f"create or replace view {qualified} as {view_query(con, table)}")


def ensure_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Create the staging views, the files' record and the marts.<fact> views. Part of
    `prepare`, so all or nothing; a warehouse whose facts were tables has them replaced by views
    over files the next facts step writes."""
    run_sql(con, "setup/fact_files")
    run_sql(con, "marts/facts")
    for table in FACTS:
        create_view(con, table)


def forget_missing(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Forget live files that are not on disk (a warehouse restored or rebuilt without its fact
    files): their pairs are written again."""
    root = facts_folder(con)
    for (file,) in con.execute(
        "select file from staging.fact_files where fact_table = ? and retired_at is null",
        [table],
    ).fetchall():
        if not (root / file).is_file():
            con.execute(
                "delete from staging.fact_files where fact_table = ? and file = ?", [table, file]
            )


def write_pairs(
    con: duckdb.DuckDBPyConnection, table: str, sign: str, submission_id: str
) -> list[tuple]:
    """Write the arriving pairs of one submission, a file per period, in one pass over its
    rows; the record rows for them."""
    pairs = con.execute(
        "select period, validated_at from fact_arriving where submission_id = ? order by period",
        [submission_id],
    ).fetchall()
    root = facts_folder(con)
    folder = root / table / submission_id
    scratch = folder / f".partitions.{os.getpid()}.tmp"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.parent.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"copy (select * from staging.{quote_identifier(table)} where submission_id = $s "
        "and period in (select period from fact_arriving where submission_id = $s)) "
        f"to {sql_literal(str(scratch))} (format parquet, compression zstd, "
        "partition_by (period), write_partition_columns true)",
        {"s": submission_id},
    )
    written = {}
    for part in sorted(scratch.rglob("*.parquet")):
        period, rows = con.execute(
            "select min(period)::date, count(*) from read_parquet(?)", [str(part)]
        ).fetchone()
        written.setdefault(period, []).append((part, rows))
    records = []
    for period, validated_at in pairs:
        stamp = hashlib.sha256(f"{validated_at}|{sign}".encode()).hexdigest()[:12]
        # A pair whose rows are all in quarantine gets a file of none: recorded, it is held,
        # not written again every night.
        parts = written.get(period) or [(None, 0)]
        for index, (part, rows) in enumerate(parts):
            final = folder / f"{period:%Y-%m-%d}-{stamp}-{index}.parquet"
            if part is None:
                write_empty(con, table, final)
            else:
                os.replace(part, final)
            records.append(
                (
                    table,
                    submission_id,
                    period,
                    validated_at,
                    sign,
                    str(final.relative_to(root)),
                    rows,
                    None,
                )
            )
    shutil.rmtree(scratch, ignore_errors=True)
    return records


def update_facts(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    """Bring one fact table in step with the feed's current submissions: write the arriving
    pairs' files, retire the leaving ones' and point the view at the live files, atomically as
    far as the record goes (a run killed after writing files leaves them unrecorded, and the
    next run writes the same pairs again). What changed, in pairs and rows: all zero on a night
    with nothing new, when nothing is written."""
    sign = signature(con, table)
    with transaction(con):
        forget_missing(con, table)
        run_sql(
            con,
            "marts/fact_changes",
            {"fact_table": table, "feed": FACTS[table], "signature": sign},
        )
        leaving, arriving = con.execute(
            "select (select count(*) from fact_leaving), (select count(*) from fact_arriving)"
        ).fetchone()
        (removed,) = con.execute(
            "select coalesce(sum(f.row_count), 0) from staging.fact_files as f "
            "semi join fact_leaving as l on f.submission_id = l.submission_id "
            "and f.period = l.period where f.fact_table = ? and f.retired_at is null",
            [table],
        ).fetchone()
        con.execute(
            "update staging.fact_files as f set retired_at = now() from fact_leaving as l "
            "where f.fact_table = ? and f.retired_at is null and f.submission_id = "
            "l.submission_id and f.period = l.period",
            [table],
        )
        records = []
        for (submission_id,) in con.execute(
            "select distinct submission_id from fact_arriving order by 1"
        ).fetchall():
            records.extend(write_pairs(con, table, sign, submission_id))
        insert_rows(con, "staging.fact_files", records)
        if leaving or arriving or table_kind(con, MARTS, table) != "VIEW":
            create_view(con, table)
        remove_retired(con, table)
    return {
        "periods_added": arriving,
        "periods_removed": leaving,
        "rows_added": sum(record[6] for record in records),
        "rows_removed": int(removed),
    }


def remove_retired(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Delete the files retired more than RETIRED_KEPT ago that no live pair names again.

    A file of the table's folder that no record names (a run killed before it recorded what it
    wrote, or a warehouse rebuilt beside its folder, whose earlier analysts' file may still read
    it) is recorded as retired when first seen, so it too is deleted a day later. Scratch folders
    of a killed run's writes are deleted once as old."""
    now = dt.datetime.now(dt.UTC)
    cutoff = now - RETIRED_KEPT
    root = facts_folder(con)
    recorded = {
        file
        for (file,) in con.execute(
            "select file from staging.fact_files where fact_table = ?", [table]
        ).fetchall()
    }
    for path in (root / table).glob("*/*.parquet"):
        file = str(path.relative_to(root))
        try:
            period = dt.date.fromisoformat(path.name[:10])
        except ValueError:
            continue  # not a name this module writes: left alone
        if file not in recorded:
            con.execute(
                "insert into staging.fact_files values (?, ?, ?, null, '', ?, 0, ?)",
                [table, path.parent.name, period, file, now],
            )
    expired = [
        file
        for (file,) in con.execute(
            "select file from staging.fact_files where fact_table = $t and retired_at < $cutoff "
            "and file not in (select file from staging.fact_files where fact_table = $t "
            "and retired_at is null)",
            {"t": table, "cutoff": cutoff},
        ).fetchall()
    ]
    for file in expired:
        (root / file).unlink(missing_ok=True)
    con.execute(
        "delete from staging.fact_files where fact_table = ? and retired_at < ?", [table, cutoff]
    )
    for scratch in (root / table).glob("*/.partitions.*.tmp"):
        if dt.datetime.fromtimestamp(scratch.stat().st_mtime, dt.UTC) < cutoff:
            shutil.rmtree(scratch, ignore_errors=True)


def repoint_views(analysts: Path, before: Path, after: Path) -> None:
    """Make the fact views of the analysts' file at `analysts` read files under `after` where
    they read them under `before`: a deployment restored elsewhere reads its own copies of the
    fact files, not those of the deployment it was backed up from. The descriptions stay."""
    with duckdb.connect(str(analysts)) as con:
        views = con.execute(
            "select view_name, sql, comment from duckdb_views() where schema_name = ? "
            "and not internal",
            [MARTS],
        ).fetchall()
        columns = con.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where schema_name = ? and comment is not null",
            [MARTS],
        ).fetchall()
        old, new = sql_literal(str(before))[:-1], sql_literal(str(after))[:-1]
        for view, text, comment in views:
            if old not in text:
                continue
            con.execute(text.replace(old, new).replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
            qualified = f"{MARTS}.{quote_identifier(view)}"
            if comment:
                con.execute(f"comment on view {qualified} is {sql_literal(comment)}")
            for column, described in ((c, d) for t, c, d in columns if t == view):
                con.execute(
                    f"comment on column {qualified}.{quote_identifier(column)} is "
                    f"{sql_literal(described)}"
                )


def count_events(con: duckdb.DuckDBPyConnection) -> None:
    """Bring the per-file event counts marts.feed_metrics sums in step with the live files of
    marts.fact_enterprise_events: only files not counted before are read."""
    table = "fact_enterprise_events"
    root = facts_folder(con)
    new = [
        file
        for (file,) in con.execute(
            "select file from staging.fact_files where fact_table = ? and retired_at is null "
            "and row_count > 0 and file not in (select file from staging.fact_event_counts) "
            "order by file",
            [table],
        ).fetchall()
    ]
    # The fact's file of no rows ends the list, so a night with nothing new reads a list.
    paths = [root / file for file in new] + [columns_file(con, table)]
    run_sql(
        con,
        "marts/event_counts",
        {"paths": [str(path) for path in paths], "files": [*new, ""]},
    )


def contents_version(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A digest of the files the fact's view reads: its rows follow from these alone."""
    (digest,) = con.execute(
        "select md5(coalesce(string_agg(file, ',' order by file), '')) "
        "from staging.fact_files where fact_table = ? and retired_at is null",
        [table],
    ).fetchone()
    return digest
