"""The marts analysts and leaders read: dimensions, one fact table per feed, and the scorecard,
with asset checks that the scorecard is whole and the facts agree with the ledger."""

from pathlib import Path

import dagster as dg

from assets.feeds import staging_key
from assets.metadata import (
    DATA_OFFICE,
    markdown_table,
    table_metadata,
    table_name,
    versioned_table_metadata,
)
from pipelines.resources import Scoring, Warehouse
from pipelines.store.archive import missing_copies
from pipelines.store.facts import (
    FACTS,
    contents_version,
    count_events,
    count_rows,
    update_facts,
)
from pipelines.store.warehouse import quote_identifier, run_sql, sql_text

MARTS = "marts"
# The data office builds the marts and answers for them; departments own what they send.
OWNERS = [DATA_OFFICE]


def mart_spec(table: str, description: str, deps: list) -> dg.AssetSpec:
    return dg.AssetSpec(
        [MARTS, table],
        group_name=MARTS,
        description=description,
        deps=deps,
        kinds={"duckdb"},
        owners=OWNERS,
        metadata=table_name(MARTS, table),
    )


def materialize_sql(warehouse: Warehouse, sql_name: str, tables: list[str], params: dict):
    """Run one SQL file and report each table it builds."""
    with warehouse.connect() as con:
        run_sql(con, sql_name, params)
        for table in tables:
            yield dg.MaterializeResult(
                asset_key=[MARTS, table], metadata=table_metadata(con, MARTS, table)
            )


REFERENCE = [
    dg.AssetKey(["reference", "targets"]),
    dg.AssetKey(["reference", "departments"]),
    dg.AssetKey(["reference", "feed_departments"]),
]


@dg.multi_asset(
    specs=[
        mart_spec(
            "dim_department",
            "Departments, one row each (code, Chinese and English "
            "name); table marts.dim_department.",
            REFERENCE,
        ),
        mart_spec(
            "dim_indicator",
            "Each plan year's indicators with the target version in force, one row per plan "
            "year and indicator: target, comparator, tolerance, unit, measure, lead department, "
            "feed; table marts.dim_indicator.",
            REFERENCE,
        ),
        mart_spec(
            "target_history",
            "Every version of every plan year's targets, with is_current; "
            "a revised target adds a version and the original stays; "
            "table marts.target_history.",
            REFERENCE,
        ),
    ]
)
def dimensions(warehouse: Warehouse):
    """Departments and the indicator catalog as analysts query them."""
    yield from materialize_sql(
        warehouse,
        "marts/dimensions",
        ["dim_department", "target_history", "dim_indicator"],
        {},
    )


@dg.multi_asset(
    specs=[
        mart_spec(
            table,
            f"Conformed {feed} rows of the current submissions, one row per "
            f"row of the feed's grain, amounts also in 亿元; table marts.{table}.",
            [staging_key(feed)],
        )
        for table, feed in FACTS.items()
    ]
)
def facts(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """One fact table per feed: a view, here and in the analysts' file, over the raw files of
    the feed's current submissions (pipelines/store/facts.py). A run records which submission
    now counts for which period and points the views at their files; no row is written."""
    with warehouse.connect() as con:
        changed = update_facts(con)
        for table in FACTS:
            metadata = versioned_table_metadata(
                context.instance,
                dg.AssetKey([MARTS, table]),
                con,
                MARTS,
                table,
                contents_version(con, table),
                count_rows(con, FACTS[table]),
            )
            metadata.update(
                {name: dg.MetadataValue.int(count) for name, count in changed[table].items()}
            )
            yield dg.MaterializeResult(asset_key=[MARTS, table], metadata=metadata)


@dg.asset(
    key=[MARTS, "feed_metrics"],
    owners=OWNERS,
    metadata=table_name(MARTS, "feed_metrics"),
    group_name=MARTS,
    kinds={"duckdb"},
    deps=[dg.AssetKey([MARTS, t]) for t in FACTS],
)
def feed_metrics(warehouse: Warehouse) -> dg.MaterializeResult:
    """Every feed as one value per department, metric and month (year to date), with the
    submissions behind it; months with missing data are absent. Table marts.feed_metrics."""
    with warehouse.connect() as con:
        count_events(con)
        run_sql(con, "marts/feed_metrics")
        return dg.MaterializeResult(metadata=table_metadata(con, MARTS, "feed_metrics"))


@dg.asset(
    key=[MARTS, "indicator_actuals"],
    owners=OWNERS,
    metadata=table_name(MARTS, "indicator_actuals"),
    group_name=MARTS,
    kinds={"duckdb"},
    deps=[dg.AssetKey([MARTS, "feed_metrics"]), dg.AssetKey([MARTS, "dim_indicator"])],
)
def indicator_actuals(warehouse: Warehouse) -> dg.MaterializeResult:
    """Each indicator's actual per month of each plan year as that year's catalog row defines it
    (count, sum, growth vs the same months of the year before, stock, relative), keyed by plan
    year, indicator and month; table marts.indicator_actuals."""
    with warehouse.connect() as con:
        run_sql(con, "marts/indicator_actuals")
        return dg.MaterializeResult(metadata=table_metadata(con, MARTS, "indicator_actuals"))


@dg.asset(
    key=[MARTS, "feed_status"],
    owners=OWNERS,
    metadata=table_name(MARTS, "feed_status"),
    group_name=MARTS,
    kinds={"duckdb"},
    deps=[*[staging_key(feed) for feed in FACTS.values()], *REFERENCE],
)
def feed_status(warehouse: Warehouse, scoring: Scoring) -> dg.MaterializeResult:
    """Per feed and department: last period received, next period owed, its due date, days
    overdue and 数据缺报 on the evaluation date; table marts.feed_status."""
    with warehouse.connect() as con:
        run_sql(
            con,
            "marts/feed_status",
            {"as_of_date": scoring.evaluation_date()},
        )
        metadata = table_metadata(con, MARTS, "feed_status")
        (overdue,) = con.execute(
            "select count(*) from marts.feed_status where is_overdue"
        ).fetchone()
    metadata["overdue_feeds"] = dg.MetadataValue.int(overdue)
    return dg.MaterializeResult(metadata=metadata)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["ledger", "scorecard_history"],
            group_name="ledger",
            kinds={"duckdb"},
            owners=OWNERS,
            metadata=table_name("ledger", "scorecard_history"),
            deps=[dg.AssetKey([MARTS, "indicator_progress"])],
            description="Append-only: each indicator's reading (as of, actual, status, "
            "submissions) whenever it changed, with the time it was recorded; answers 'what "
            "did the scorecard say on date X'; table ledger.scorecard_history.",
        ),
        mart_spec(
            "status_changes",
            "Every change of an indicator's status, with the submissions that arrived with "
            "it and the restatements among them; table marts.status_changes.",
            [dg.AssetKey(["ledger", "scorecard_history"])],
        ),
    ]
)
def scorecard_history(warehouse: Warehouse):
    """Record the scorecard's readings over time and list the status changes."""
    with warehouse.connect() as con:
        run_sql(con, "marts/scorecard_history")
        yield dg.MaterializeResult(
            asset_key=["ledger", "scorecard_history"],
            metadata=table_metadata(con, "ledger", "scorecard_history"),
        )
        yield dg.MaterializeResult(
            asset_key=[MARTS, "status_changes"],
            metadata=table_metadata(con, MARTS, "status_changes"),
        )


def raise_missing_copy_alerts(con, archive_root: Path) -> None:
    """An alert for each file the scorecard rests on whose archive copy is gone: without it the
    warehouse cannot be rebuilt (`workplan rebuild`)."""
    missing = missing_copies(con, archive_root)
    if not missing:
        return
    con.executemany(
        "insert or ignore into ledger.alerts (alert_key, raised_at, kind, feed, department, "
        "subject, message_en, message_zh) values (?, now(), 'archive_missing', ?, ?, ?, ?, ?)",
        [
            [
                f"archive:{submission_id}",
                feed,
                department,
                file_name,
                f"The archive copy of {file_name} ({department}, {feed}) is missing: "
                f"{archive_path} under the archive. Restore it from a backup or ask the "
                "department to send the file again; until then the warehouse cannot be rebuilt "
                "from the archive.",
                f"“{file_name}”的存档副本缺失（{archive_path}）：请从备份恢复，或请报送单位"
                "重新报送该文件；在此之前无法从存档重建数据仓库。",
            ]
            for submission_id, feed, department, file_name, archive_path in missing
        ],
    )


@dg.asset(
    key=["ledger", "alerts"],
    owners=OWNERS,
    metadata=table_name("ledger", "alerts"),
    group_name="ledger",
    kinds={"duckdb"},
    deps=[dg.AssetKey([MARTS, "feed_status"])],
)
def alerts(warehouse: Warehouse) -> dg.MaterializeResult:
    """Alerts for departments: one per rejected file (raised when it is rejected) and one per
    overdue period of a feed (raised here from marts.feed_status), and for operators one per
    archive copy gone missing; table ledger.alerts. They are
    delivered to the configured webhook after the run, by the deliver_alerts sensor or the
    command line, so a slow webhook never holds a run or the warehouse."""
    with warehouse.connect() as con:
        run_sql(con, "ledger/overdue_alerts")
        raise_missing_copy_alerts(con, Path(warehouse.archive))
        metadata = table_metadata(con, "ledger", "alerts")
        (undelivered,) = con.execute(
            "select count(*) from ledger.alerts where sent_at is null"
        ).fetchone()
    metadata["undelivered"] = dg.MetadataValue.int(undelivered)
    return dg.MaterializeResult(metadata=metadata)


@dg.multi_asset(
    specs=[
        mart_spec(
            "indicator_progress_monthly",
            "Each indicator scored every month of each plan year, keyed by plan year, "
            "indicator and month: actual, 序时进度, share of target, status, projection; "
            "table marts.indicator_progress_monthly.",
            [dg.AssetKey([MARTS, "indicator_actuals"]), dg.AssetKey([MARTS, "feed_status"])],
        ),
        mart_spec(
            "indicator_progress",
            "The scorecard: one row per plan year and indicator at its latest "
            "month with data, with status (met/ahead/on_pace/behind/no_data and 已完成/"
            "超进度/达进度/欠进度/数据缺报; a finished year 已完成/未完成) and "
            "is_current_plan_year; table marts.indicator_progress.",
            [dg.AssetKey([MARTS, "indicator_actuals"]), dg.AssetKey([MARTS, "feed_status"])],
        ),
    ]
)
def indicator_progress(warehouse: Warehouse, scoring: Scoring):
    """Score every indicator against its target, month by month and as of its latest month."""
    yield from materialize_sql(
        warehouse,
        "marts/indicator_progress",
        ["indicator_progress_monthly", "indicator_progress"],
        {
            "pace_band": scoring.pace_band,
            "as_of_date": scoring.evaluation_date(),
        },
    )


# Asset checks on the marts. Each is blocking: a scorecard missing an indicator, facts that do
# not add up to what the ledger accepted, or an owed month left unscored must not reach the
# analysts' file or the leaders' report; the last good copy stays published meanwhile.

INDICATORS_CHECK = "all_indicators_present"
RECONCILE_CHECK = "reconciles_with_ledger"
OWED_MONTHS_CHECK = "owed_months_scored"
STATUSES = ("met", "ahead", "on_pace", "behind", "no_data")


def query(con, name: str, params: dict, identifiers: dict | None = None) -> list[dict]:
    """The rows of the single query in sql/<name>.sql, as dicts."""
    text = sql_text(name)
    for key, identifier in (identifiers or {}).items():
        text = text.replace("{" + key + "}", quote_identifier(identifier))
    cursor = con.execute(text, {k: v for k, v in params.items() if f"${k}" in text})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def rows_markdown(rows: list[dict], columns: list[str]) -> dg.MetadataValue:
    return dg.MetadataValue.md(
        markdown_table(columns, [tuple(r[c] for c in columns) for r in rows])
    )


@dg.asset_check(
    asset=dg.AssetKey([MARTS, "indicator_progress"]),
    name=INDICATORS_CHECK,
    blocking=True,
    description="Each indicator of each plan the supervision office sent (staging.plans) has "
    "exactly one row per plan year in the scorecard marts.indicator_progress, and no other "
    "indicator does. Fails, blocking the analysts' file and the leaders' report, when one is "
    "missing (e.g. its row was lost from reference.targets) or doubled.",
)
def all_indicators_present(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        problems = query(con, "checks/indicators_present", {})
        (expected,) = con.execute(
            "select count(distinct (year(period), indicator_id)) from staging.plans"
        ).fetchone()
        (found,) = con.execute(
            "select count(distinct (plan_year, indicator_id)) from marts.indicator_progress"
        ).fetchone()
    return dg.AssetCheckResult(
        passed=not problems,
        description=(
            f"All {expected} indicators present, one row each"
            if not problems
            else "Not every indicator is on the scorecard exactly once: "
            + ", ".join(f"{p['plan_year']} {p['indicator_id']} {p['problem']}" for p in problems)
        ),
        metadata={
            "indicators_expected": int(expected),
            "indicators_found": int(found),
            "problems": rows_markdown(problems, ["plan_year", "indicator_id", "problem"])
            if problems
            else dg.MetadataValue.md("none"),
        },
    )


def reconcile_spec(table: str, feed: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        RECONCILE_CHECK,
        asset=dg.AssetKey([MARTS, table]),
        blocking=True,
        description=f"marts.{table} holds exactly the rows the ledger accepted from the current "
        f"{feed} submissions: for each submission, fact rows = ledger.submissions.rows_accepted "
        "(at most that when a later file replaced some of its months), and no row from a "
        "submission that does not count. Fails, blocking what is built from the facts, when a "
        "row was lost or doubled between the ledger and the mart.",
    )


def reconcile_result(con, table: str, feed: str) -> dg.AssetCheckResult:
    rows = query(con, "checks/facts_reconcile", {"feed": feed}, {"fact": table})
    wrong = [r for r in rows if not r["reconciles"]]
    accepted = sum(r["rows_accepted"] or 0 for r in rows)
    facts = sum(r["fact_rows"] for r in rows)
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey([MARTS, table]),
        check_name=RECONCILE_CHECK,
        passed=not wrong,
        description=(
            f"{facts} fact rows from {len(rows)} current submissions agree with the ledger"
            if not wrong
            else f"{len(wrong)} submission(s) of {feed} do not reconcile with marts.{table}"
        ),
        metadata={
            "current_submissions": len(rows),
            "rows_accepted": accepted,
            "fact_rows": facts,
            "not_reconciled": len(wrong),
            "submissions": rows_markdown(
                rows,
                [
                    "submission_id",
                    "department",
                    "file_name",
                    "rows_accepted",
                    "fact_rows",
                    "wholly_current",
                    "reconciles",
                ],
            ),
        },
    )


# One step for the five fact tables (they are built in one step too): a step per check costs a
# tenth of a second each on every run, and the drop-to-published time is what clerks wait for.
@dg.multi_asset_check(
    specs=[reconcile_spec(table, feed) for table, feed in FACTS.items()],
    name="facts_reconcile_with_ledger",
)
def facts_reconcile_with_ledger(warehouse: Warehouse):
    with warehouse.connect() as con:
        for table, feed in FACTS.items():
            yield reconcile_result(con, table, feed)


@dg.asset_check(
    asset=dg.AssetKey([MARTS, "indicator_progress_monthly"]),
    name=OWED_MONTHS_CHECK,
    blocking=True,
    description="Every month owed is scored or marked missing: for each indicator, each month "
    "of the plan year whose figure was due by the scorecard's evaluation date (the feed's due "
    "day of the following month; quarter ends for quarterly figures; December for an annual "
    "reporter) has a row in marts.indicator_progress_monthly with a status, 数据缺报 (no_data) "
    "when the data is missing. Fails, blocking the published scorecard, when one has none.",
)
def owed_months_scored(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        owed = query(con, "checks/owed_months", {})
    unscored = [r for r in owed if r["status"] not in STATUSES]
    missing = sum(r["status"] == "no_data" for r in owed)
    return dg.AssetCheckResult(
        passed=not unscored,
        description=(
            f"All {len(owed)} owed indicator-months are scored ({missing} marked 数据缺报)"
            if not unscored
            else f"{len(unscored)} owed indicator-month(s) neither scored nor marked missing: "
            + ", ".join(f"{r['indicator_id']} {r['month']:%Y-%m}" for r in unscored[:10])
        ),
        metadata={
            "months_owed": len(owed),
            "months_no_data": missing,
            "months_unscored": len(unscored),
            "unscored": rows_markdown(unscored, ["plan_year", "indicator_id", "month", "status"])
            if unscored
            else dg.MetadataValue.md("none"),
        },
    )
