"""The fact tables: views over the raw files, never a copy of a row.

Each received submission's rows are written once, to its raw file (`pipelines.store.raw_files`).
`marts.<fact>` is a view over the raw files of the feed's current submissions: their typed rows
of the periods they count for, less the rows held in quarantine (sql/staging/conformed.sql), as
the fact's columns (sql/facts/<fact>.sql). The warehouse and every analysts' file hold the same
view, reading the same immutable files; neither holds a fact row. Which submission counts for
which period is the small table `marts.current_submissions`, replaced by the facts step: a night
with nothing new writes nothing, a new month's file adds its file to the views, a correction
takes the months it replaces out of the earlier file's rows, which stay in raw as received.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.files.contracts import load_contract
from pipelines.store import raw_files
from pipelines.store.conform import typed_columns
from pipelines.store.warehouse import (
    fill,
    quote_identifier,
    run_sql,
    sql_literal,
    sql_text,
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


def conformed_rows(
    con: duckdb.DuckDBPyConnection, feed: str, submissions: list[str], current: str
) -> str:
    """The feed's conformed rows (sql/staging/conformed.sql) read from the raw files of
    `submissions` alone, the current submissions being the relation `current`."""
    contract = load_contract(feed)
    rows = raw_files.rows_read(*raw_files.listing(con, contract, submissions))
    typed = f"(select {typed_columns(contract, texts=False)} from {rows})"
    return "(" + fill(sql_text("staging/conformed"), typed=typed, current=current) + ")"


def view_query(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The query marts.<table> is, in the warehouse and in the analysts' file: the conformed
    rows of the raw files of the feed's current submissions as marts.current_submissions (the
    last facts step) names them."""
    feed = FACTS[table]
    submissions = [
        submission_id
        for (submission_id,) in con.execute(
            "select distinct submission_id from marts.current_submissions where feed = ? "
            "order by 1",
            [feed],
        ).fetchall()
    ]
    source = conformed_rows(con, feed, submissions, f"{MARTS}.current_submissions")
    return fill(sql_text(f"facts/{table}"), source=source)


def create_view(con: duckdb.DuckDBPyConnection, table: str) -> None:
    qualified = f"{MARTS}.{quote_identifier(table)}"
    if table_kind(con, MARTS, table) == "BASE TABLE":
        # A warehouse from before: its fact tables are replaced by the views.
        con.execute(f"drop table {qualified}")
    con.execute(f"create or replace view {qualified} as {view_query(con, table)}")


def ensure_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Create the current submissions' record, the event counts and the marts.<fact> views.
    Part of `prepare`, so all or nothing; a warehouse whose facts were tables or files of their
    own has them replaced by the views."""
    run_sql(con, "setup/facts")
    for table in FACTS:
        create_view(con, table)


def update_facts(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """Bring the fact views in step with the feeds' current submissions, atomically: the
    record of which submission counts for which period replaced, and each view reading the raw
    files of its feed's. What changed per fact, in (submission, period) pairs: all zero on a
    night with nothing new."""
    with transaction(con):
        run_sql(con, "marts/current_submissions")
        changes = {
            feed: {"periods_removed": removed, "periods_added": added}
            for feed, removed, added in con.execute(
                "select feed, periods_removed, periods_added from current_changes"
            ).fetchall()
        }
        for table in FACTS:
            create_view(con, table)
    unchanged = {"periods_removed": 0, "periods_added": 0}
    return {table: changes.get(feed, unchanged) for table, feed in FACTS.items()}


def count_arriving(con: duckdb.DuckDBPyConnection, feed: str, counts: str, name: str) -> None:
    """Bring the counts table `counts` in step with the feed's current (submission, month)
    pairs, counting those not counted yet with `sql/marts/<name>.sql` over their submissions'
    raw files alone: a month's file is read, not the year."""
    run_sql(con, "marts/pairs_arriving", {"feed": feed}, qualified={"counts": counts})
    arriving = [
        submission_id
        for (submission_id,) in con.execute(
            "select distinct submission_id from pairs_arriving order by 1"
        ).fetchall()
    ]
    if arriving:
        rows = conformed_rows(con, feed, arriving, "staging.current_submissions")
        run_sql(con, f"marts/{name}", {"feed": feed}, qualified={"rows": rows})


def count_rows(con: duckdb.DuckDBPyConnection, feed: str) -> list[tuple]:
    """The feed's conformed rows per department and month, (department, period, submission_id,
    rows) in that order, a month's current submission beside it: staging.<feed>'s and, once
    the facts step has run, its fact's."""
    # count_arriving leaves the feed's current pairs alone in the table: no join is needed.
    count_arriving(con, feed, "staging.pair_rows", "pair_rows")
    return con.execute(
        "select department, period, submission_id, sum(row_count) from staging.pair_rows "
        "where feed = ? group by all "
        "order by department nulls last, period nulls last, submission_id",
        [feed],
    ).fetchall()


def count_events(con: duckdb.DuckDBPyConnection) -> None:
    """Bring the per-(submission, month) event counts marts.feed_metrics sums in step with the
    registrations' current submissions: only submissions not counted before are read."""
    count_arriving(con, "enterprise_registrations", "staging.pair_events", "pair_events")


def contents_version(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A digest of the (submission, period) pairs the fact's view keeps and their verdicts'
    times (a submission validated again may hold other rows in quarantine): its rows follow
    from these and the immutable raw files alone."""
    (digest,) = con.execute(
        "select md5(coalesce(string_agg(c.submission_id || '|' || c.period || '|' "
        "|| coalesce(s.validated_at::varchar, ''), ',' order by c.submission_id, c.period), "
        "'')) from marts.current_submissions as c "
        "left join ledger.submissions as s on c.submission_id = s.submission_id "
        "where c.feed = ?",
        [FACTS[table]],
    ).fetchone()
    return digest


def repoint_views(analysts: Path, before: Path, after: Path) -> None:
    """Make the fact views of the analysts' file at `analysts` read files under `after` where
    they read them under `before`: a deployment restored elsewhere reads its own copies of the
    raw files, not those of the deployment it was backed up from. The descriptions stay."""
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
