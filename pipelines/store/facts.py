"""The fact tables, kept by submission: rows are added and taken out per (submission, period).

Rebuilding a fact table from staging rewrites every row each run: at national scale a quiet
night spent most of its time writing the same 25M rows into the facts and again into the
analysts' file. Instead `staging.fact_contents` records which (submission, period) pairs each
copy of a fact table holds, the warehouse's and the analysts', and a run compares that with what
should be there: nothing changed, nothing is written; a new month's file adds its own rows; a
correction takes out exactly the rows of the months it replaces. `staging.<fact>` (a view,
sql/marts/facts.sql) says what a fact table's rows are; the table is that view kept up to date.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import duckdb

from pipelines.store.warehouse import (
    column_types,
    quote_identifier,
    run_sql,
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
# The analysts' copies are named by the warehouse table, so the two records never mix.
ANALYSTS_HOLDER = "analysts:"
# A holder no record names: compared with it, a copy holds nothing.
EMPTY_HOLDER = "(empty)"


def holder(table: str) -> str:
    return f"{MARTS}.{table}"


def ensure_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Create the views, the contents record and the (empty at first) fact tables.

    A fact table whose columns differ from its view's (a warehouse from before the facts were
    kept by submission has no record of what they hold; a release that changed a fact's
    columns) is dropped and made again empty, with its record cleared: the next facts step fills
    it from staging, the one time it is written whole. Part of `prepare`, so all or nothing.
    """
    recorded = table_kind(con, "staging", "fact_contents") is not None
    run_sql(con, "setup/fact_contents")
    run_sql(con, "marts/facts")
    (database,) = con.execute("select current_database()").fetchone()
    for table in FACTS:
        qualified = f"{MARTS}.{quote_identifier(table)}"
        wanted = column_types(con, database, "staging", table)
        if table_kind(con, MARTS, table) is not None and (
            not recorded or column_types(con, database, MARTS, table) != wanted
        ):
            con.execute(f"drop table {qualified}")
            con.execute("delete from staging.fact_contents where holder = ?", [holder(table)])
        con.execute(
            f"create table if not exists {qualified} as "
            f"select * from staging.{quote_identifier(table)} limit 0"
        )


def changes(
    con: duckdb.DuckDBPyConnection, copy: str, feed: str, source_holder: str | None
) -> tuple[int, int]:
    """Fill the temporary tables fact_leaving and fact_arriving for the copy `copy`; how many
    (submission, period) pairs leave it and arrive in it."""
    run_sql(
        con,
        "marts/fact_wanted",
        {"holder": copy, "feed": feed, "source_holder": source_holder},
    )
    return con.execute(
        "select (select count(*) from fact_leaving), (select count(*) from fact_arriving)"
    ).fetchone()


def apply(con: duckdb.DuckDBPyConnection, target: str, source: str) -> tuple[int, int]:
    """Take the leaving pairs' rows out of `target` and add the arriving pairs' rows from
    `source` (both qualified, quoted names); the rows taken out and added."""
    return tuple(run_sql(con, "marts/fact_apply", qualified={"target": target, "source": source}))


def update_facts(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    """Bring one fact table in step with the feed's current submissions, atomically: what
    changed, in pairs and rows (all zero on a night with nothing new, when nothing is written)."""
    copy = holder(table)
    with transaction(con):
        leaving, arriving = changes(con, copy, FACTS[table], None)
        removed = added = 0
        if leaving or arriving:
            removed, added = apply(
                con, f"{MARTS}.{quote_identifier(table)}", f"staging.{quote_identifier(table)}"
            )
            run_sql(con, "marts/fact_record", {"holder": copy})
    return {
        "periods_added": arriving,
        "periods_removed": leaving,
        "rows_added": added,
        "rows_removed": removed,
    }


# Publishing: the analysts' copies of the fact tables are kept by submission too.


def file_identity(path: Path) -> str | None:
    """Which file is at `path` (inode, size, modification time); None when there is none."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return f"{found.st_ino}:{found.st_size}:{found.st_mtime_ns}"


def published_file_known(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """Whether the analysts' file at `path` is the one the analysts: records describe, so it
    can be copied and brought up to date instead of written whole."""
    identity = file_identity(path)
    (known,) = con.execute(
        "select count(*) from staging.published_file where identity = ?", [identity]
    ).fetchone()
    return identity is not None and known > 0


def forget_published_file(con: duckdb.DuckDBPyConnection) -> None:
    """Before a publish: until the new file is in place and recorded, no file is known, so a
    publish cut short is followed by one that writes the file whole."""
    with transaction(con):
        con.execute("delete from staging.published_file")


def sync_published(con: duckdb.DuckDBPyConnection, target: str, emptied: Collection[str]) -> None:
    """Bring the analysts' fact tables in the attached database `target` in step with the
    warehouse's, by submission. `emptied` are the tables just made empty there (a new file,
    changed columns): everything the warehouse's table holds arrives in them. Writes to
    `target` and temporary tables only (a transaction writes one database): the record is
    written by `record_published`, once the file is in place."""
    for table in FACTS:
        copy = ANALYSTS_HOLDER + holder(table)
        # An emptied table holds nothing, whatever its record said: compare with no record.
        held = EMPTY_HOLDER if table in emptied else copy
        leaving, arriving = changes(con, held, FACTS[table], holder(table))
        for name in ("leaving", "arriving"):
            con.execute(
                f"create or replace temp table {quote_identifier(f'{name}_{table}')} as "
                f"select * from {quote_identifier(f'fact_{name}')}"
            )
        if not (leaving or arriving):
            continue  # the copy already holds these rows: not a row is read or written
        apply(
            con, f"{target}.{MARTS}.{quote_identifier(table)}", f"{MARTS}.{quote_identifier(table)}"
        )


def record_published(con: duckdb.DuckDBPyConnection, path: Path, emptied: Collection[str]) -> None:
    """Once the new analysts' file is in place: record what its fact tables hold and which file
    it is, in one transaction."""
    with transaction(con):
        for table in FACTS:
            copy = ANALYSTS_HOLDER + holder(table)
            if table in emptied:
                con.execute("delete from staging.fact_contents where holder = ?", [copy])
            for name in ("leaving", "arriving"):
                con.execute(
                    f"create or replace temp table {quote_identifier(f'fact_{name}')} as "
                    f"select * from {quote_identifier(f'{name}_{table}')}"
                )
            run_sql(con, "marts/fact_record", {"holder": copy})
        con.execute("delete from staging.published_file")
        con.execute("insert into staging.published_file values (?)", [file_identity(path)])


def contents_version(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A digest of the (submission, period, verdict) pairs the fact table holds, as recorded in
    staging.fact_contents: its rows follow from these alone."""
    (digest,) = con.execute(
        "select md5(coalesce(string_agg(concat_ws('|', submission_id, period, validated_at), ',' "
        "order by submission_id, period), '')) from staging.fact_contents where holder = ?",
        [holder(table)],
    ).fetchone()
    return digest
