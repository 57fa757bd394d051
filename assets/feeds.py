"""Per-feed assets: the raw submissions as received, their GX suite as a blocking check, and
the conformed staging table. One factory builds the three for each feed from its contract."""

from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from assets.landing import landing_key
from assets.metadata import markdown_text, table_metadata
from pipelines.checks.validation import validate_submissions
from pipelines.files.contracts import FEEDS, load_contract
from pipelines.reports.receipts import write_receipts
from pipelines.resources import Warehouse
from pipelines.store.ingest import ensure_staging_view, receive_feed, receive_stray
from pipelines.store.ingest import stray_files as stray_files_in
from pipelines.store.ledger import newly_accepted, pending, record_verdict, take_receipt_rejections
from pipelines.store.warehouse import run_sql

SUITE_CHECK = "gx_suite"


def raw_key(feed: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", feed])


def staging_key(feed: str) -> dg.AssetKey:
    return dg.AssetKey(["staging", feed])


def raise_rejection_alerts(con) -> None:
    """Alert the sending department once per rejected file; delivery happens after the run
    (pipelines.reports.alerts), never while it holds the warehouse."""
    run_sql(con, "ledger/rejection_alerts")


STRAY_FILES = dg.AssetKey(["raw", "stray_files"])
DEPARTMENTS = dg.AssetKey(["reference", "departments"])


@dg.asset(key=STRAY_FILES, group_name="ledger", kinds={"duckdb"}, deps=[DEPARTMENTS])
def stray_files(context: AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Files dropped in landing outside every feed's folder (in landing itself, or in a folder
    named for no feed): archived and recorded in ledger.submissions as rejected, saying where
    they belong, with an alert, so nothing that arrives goes unrecorded."""
    landing = Path(warehouse.landing)
    with warehouse.connect() as con:
        received = [
            s
            for path in stray_files_in(landing)
            if (s := receive_stray(con, landing, Path(warehouse.archive), path)) is not None
        ]
        raise_rejection_alerts(con)
    for submission in received:
        context.log.warning(f"{submission.file_name}: outside every feed's folder, rejected")
    return dg.MaterializeResult(
        metadata={
            "files_received": len(received),
            "files": dg.MetadataValue.md(
                "\n".join(f"- {markdown_text(s.file_name)}" for s in received) or "none"
            ),
        }
    )


def build_raw_asset(feed: str) -> dg.AssetsDefinition:
    contract = load_contract(feed)

    @dg.asset(
        key=raw_key(feed),
        # The departments' names, which rejection alerts give in Chinese, are loaded first.
        deps=[
            *(landing_key(feed, department) for department in contract.departments),
            DEPARTMENTS,
        ],
        group_name=feed,
        kinds={"duckdb"},
        tags={"feed": feed},
        description=(
            f"{contract.title_en} ({contract.title_zh}) as received: every file dropped in "
            f"landing/{feed}/<department>/, archived by SHA-256, recorded in ledger.submissions "
            f"and loaded as text into raw.{feed}, one row per source row. Grain: {contract.grain}"
        ),
    )
    def raw_feed(context: AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            received = receive_feed(con, Path(warehouse.landing), Path(warehouse.archive), feed)
            raise_rejection_alerts(con)
            metadata = table_metadata(con, "raw", feed)
        for submission in received:
            note = f"; {submission.message_en}" if submission.message_en else ""
            context.log.info(
                f"{submission.file_name} ({submission.department}): {submission.status}, "
                f"{submission.rows_read} rows{note}"
            )
        metadata["files_received"] = dg.MetadataValue.int(len(received))
        metadata["submissions"] = dg.MetadataValue.md(
            "\n".join(
                f"- `{s.submission_id}` {markdown_text(s.department or '?')} / "
                f"{markdown_text(s.file_name)}: **{s.status}**"
                for s in received
            )
            or "no new files"
        )
        return dg.MaterializeResult(metadata=metadata)

    return raw_feed


def build_suite_check(feed: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_key(feed),
        name=SUITE_CHECK,
        blocking=True,
        description=f"Runs the GX suite expectations/{feed}.json on each new submission, inside "
        "DuckDB (or with GX's pandas engine when WORKPLAN_VALIDATION_ENGINE=gx): bad rows go "
        "to ledger.quarantine with a reason; a file failing file-level rules, or with more bad "
        "rows than the feed's threshold, is rejected. A rejected file fails the check as a "
        "warning: it is kept out of staging by its status, so the other feeds' data still flows. "
        "A validation that cannot complete fails the step and blocks everything downstream.",
    )
    def suite_check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            verdicts = validate_submissions(
                con, feed, pending(con, feed), warehouse.validation_engine
            )
            outcomes = {
                submission_id: (record_verdict(con, feed, submission_id, verdict), verdict)
                for submission_id, verdict in verdicts.items()
            }
            run_sql(con, "ledger/supersede", {"feed": feed})
            raise_rejection_alerts(con)
            rejected_on_receipt = take_receipt_rejections(con, feed)
        # After the commit above: a receipt never says more than the ledger holds.
        with warehouse.connect() as con:
            receipts = write_receipts(con, feed, Path(warehouse.outbox_path))
        rejected = [s for s, (status, _) in outcomes.items() if status == "rejected"]
        rejected += rejected_on_receipt
        return dg.AssetCheckResult(
            passed=not rejected,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rejected": dg.MetadataValue.text(", ".join(rejected) or "none"),
                "submissions_validated": len(outcomes),
                "submissions_rejected": len(rejected),
                "rows_quarantined": sum(v.quarantined_rows for _, v in outcomes.values()),
                "receipts_written": len(receipts),
                "outcomes": dg.MetadataValue.md(
                    "\n".join(
                        f"- `{s}`: **{status}**, {v.quarantined_rows}/{v.rows_checked} rows "
                        f"quarantined, {v.expectations_failed}/{v.expectations_run} "
                        "expectations failed"
                        for s, (status, v) in outcomes.items()
                    )
                    or "nothing new to validate"
                ),
            },
        )

    return suite_check


def build_staging_asset(feed: str) -> dg.AssetsDefinition:
    contract = load_contract(feed)

    @dg.asset(
        key=staging_key(feed),
        deps=[raw_key(feed)],
        group_name=feed,
        kinds={"duckdb"},
        tags={"feed": feed},
        description=(
            f"{contract.title_en}, typed and conformed: rows of the current (latest accepted) "
            f"submission for each department and period, without quarantined rows; view "
            f"staging.{feed} over the rows typed on receipt. Grain: {contract.grain}"
        ),
    )
    def staging_feed(context: AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            ensure_staging_view(con, load_contract(feed))
            for department, periods, submissions in newly_accepted(con, feed):
                context.log_event(
                    dg.AssetMaterialization(
                        asset_key=landing_key(feed, department),
                        description=f"Accepted {len(submissions)} new submission(s)",
                        metadata={
                            "periods": ", ".join(periods),
                            "submissions": ", ".join(submissions),
                        },
                    )
                )
            return dg.MaterializeResult(metadata=table_metadata(con, "staging", feed))

    return staging_feed


raw_assets = [build_raw_asset(feed) for feed in FEEDS]
suite_checks = [build_suite_check(feed) for feed in FEEDS]
staging_assets = [build_staging_asset(feed) for feed in FEEDS]
