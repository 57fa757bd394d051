"""Per-feed assets: the raw submissions as received, their GX suite as a blocking check, and
the conformed staging table. One factory builds the three for each feed from its contract."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
from dagster import AssetExecutionContext

from assets.landing import landing_key, owed_from, report_landing
from assets.metadata import DATA_OFFICE, feed_owners, markdown_text, versioned_table_metadata
from pipelines.checks import data_docs
from pipelines.checks.validation import GX_MAX_ROWS, Validation, validate_batch
from pipelines.files.contracts import FEEDS, load_contract
from pipelines.files.senders import department_names
from pipelines.quiet_night import LANDING_STATE, STRAY_SCOPE, landing_state
from pipelines.reports.receipts import STATUS_ZH, write_receipts
from pipelines.resources import Warehouse
from pipelines.settings import TIMEZONE
from pipelines.store.facts import count_rows
from pipelines.store.ingest import ensure_staging_view, receive_feed, receive_stray
from pipelines.store.ingest import stray_files as stray_files_in
from pipelines.store.ledger import (
    outstanding_rejections,
    pending,
    record_verdict,
    submissions_by_id,
    submissions_version,
    take_settled_on_receipt,
)
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


@dg.asset(
    key=STRAY_FILES, group_name="ledger", kinds={"duckdb"}, owners=[DATA_OFFICE], deps=[DEPARTMENTS]
)
def stray_files(context: AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Files dropped in landing outside every feed's folder (in landing itself, or in a folder
    named for no feed): archived and recorded in ledger.submissions as rejected, saying where
    they belong, with an alert, so nothing that arrives goes unrecorded."""
    landing = Path(warehouse.landing)
    with warehouse.connect() as con:
        looked = landing_state(landing, Path(warehouse.path), STRAY_SCOPE)
        received = [
            s
            for path in stray_files_in(landing)
            if (s := receive_stray(con, landing, Path(warehouse.archive), path)) is not None
        ]
        raise_rejection_alerts(con)
    for submission in received:
        context.log.warning(f"{submission.file_name}: outside every feed's folder, rejected")
    tag_rejections(context, len(received))
    return dg.MaterializeResult(
        metadata={
            LANDING_STATE: looked,
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
        owners=feed_owners(feed),
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
            f"and its rows written once, as received and as parsed, to a Parquet file per "
            f"submission that raw.{feed} reads, one row per source row. Grain: {contract.grain}"
        ),
    )
    def raw_feed(context: AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            looked = landing_state(Path(warehouse.landing), Path(warehouse.path), feed)
            received = receive_feed(con, Path(warehouse.landing), Path(warehouse.archive), feed)
            raise_rejection_alerts(con)
            version = submissions_version(con, feed)
            metadata = versioned_table_metadata(
                context.instance, context.asset_key, con, "raw", feed, version
            )
            files = submissions_by_id(con, [s.submission_id for s in received])
        for submission in received:
            note = f"; {submission.message_en}" if submission.message_en else ""
            log = context.log.warning if submission.status == "rejected" else context.log.info
            log(
                f"{submission.file_name} ({submission.department}): {submission.status}, "
                f"{submission.rows_read} rows{note}"
            )
        metadata["files_received"] = dg.MetadataValue.int(len(received))
        metadata[LANDING_STATE] = dg.MetadataValue.text(looked)
        # As received: a file read well is 'received' until the suite check judges it.
        metadata["submissions"] = files_table(files)
        return dg.MaterializeResult(metadata=metadata)

    return raw_feed


# How much of a ledger message a table cell shows: the first reasons, the rest in the ledger.
REASON_CHARS = 300
# The run tag that says how many files a run rejected, summed over its steps.
REJECTED_TAG = "rejected"

FILE_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("department", description="报送单位"),
        dg.TableColumn("file", description="文件名"),
        dg.TableColumn("status", description="处理状态"),
        dg.TableColumn("rows_read", "int", description="读取行数"),
        dg.TableColumn("rows_quarantined", "int", description="暂不计入行数"),
        dg.TableColumn("reason_en", description="Why, first reasons"),
        dg.TableColumn("reason_zh", description="原因（前几条）"),
    ]
)
OUTSTANDING_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("department", description="报送单位"),
        dg.TableColumn("file", description="文件名"),
        dg.TableColumn("received", description="接收时间"),
        dg.TableColumn("periods", description="报告期"),
        dg.TableColumn("reason_en", description="Why, first reasons"),
        dg.TableColumn("reason_zh", description="原因（前几条）"),
    ]
)


def department_label(department: str | None) -> str:
    """A department by its Chinese name; a folder that is no department's, as it was named."""
    if not department:
        return "（无报送单位文件夹）"
    return department_names().get(department, f"“{department}”（非报送单位文件夹）")


def status_label(status: str) -> str:
    """The ledger's status beside the words a clerk's receipt uses for it."""
    words = STATUS_ZH.get(status)
    return f"{status}（{words[0]}）" if words else status


def first_reasons(message: str | None) -> str:
    if not message:
        return ""
    return message if len(message) <= REASON_CHARS else message[: REASON_CHARS - 1] + "…"


def received_label(received_at: dt.datetime | None) -> str:
    if received_at is None:
        return ""
    return received_at.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M")


def files_table(files: list[dict]) -> dg.TableMetadataValue:
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord(
                {
                    "department": department_label(f["department"]),
                    "file": f["file_name"],
                    "status": status_label(f["status"]),
                    "rows_read": int(f["rows_read"]),
                    "rows_quarantined": int(f["rows_quarantined"]),
                    "reason_en": first_reasons(f["message_en"]),
                    "reason_zh": first_reasons(f["message_zh"]),
                }
            )
            for f in files
        ],
        schema=FILE_SCHEMA,
    )


def outstanding_table(files: list[dict]) -> dg.TableMetadataValue:
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord(
                {
                    "department": department_label(f["department"]),
                    "file": f["file_name"],
                    "received": received_label(f["received_at"]),
                    "periods": f["periods"] or "",
                    "reason_en": first_reasons(f["message_en"]),
                    "reason_zh": first_reasons(f["message_zh"]),
                }
            )
            for f in files
        ],
        schema=OUTSTANDING_SCHEMA,
    )


def named(files: list[dict]) -> tuple[str, str]:
    """Files named for a one-line summary, in English and Chinese."""
    return (
        "; ".join(f"{department_label(f['department'])} '{f['file_name']}'" for f in files),
        "；".join(f"{department_label(f['department'])}“{f['file_name']}”" for f in files),
    )


def check_summary(files: list[dict], outstanding: list[dict]) -> str:
    """What the check found, in a line of English and a line of Chinese: the run's files and
    the rejected files still waiting for their department's corrected file."""
    rejected = [f for f in files if f["status"] == "rejected"]
    if files:
        run_en = f"{len(files)} file(s) in this run, {len(rejected)} rejected."
        run_zh = f"本次处理{len(files)}个文件，退回{len(rejected)}个。"
    else:
        run_en, run_zh = "No new file in this run.", "本次没有新文件。"
    if outstanding:
        names_en, names_zh = named(outstanding)
        waiting_en = (
            f" {len(outstanding)} rejected file(s) not yet replaced by an accepted one: {names_en}."
        )
        waiting_zh = f"尚有{len(outstanding)}个退回文件未被重新报送的文件替代：{names_zh}。"
    else:
        waiting_en, waiting_zh = " No rejected file is outstanding.", "没有待重新报送的退回文件。"
    return f"{run_en}{waiting_en}\n{run_zh}{waiting_zh}"


def tag_rejections(context: dg.OpExecutionContext | dg.AssetCheckExecutionContext, count: int):
    """Add `count` to the run's `rejected` tag, so the runs list shows a run that rejected files
    (the run itself succeeds: a rejected file is an outcome, not a failure). Steps run one at a
    time in process, so reading and re-writing the tag cannot lose a count."""
    if count <= 0:
        return
    instance, run_id = context.instance, context.run.run_id
    run = instance.get_run_by_id(run_id)
    before = run.tags.get(REJECTED_TAG, "0") if run else "0"
    total = (int(before) if before.isdigit() else 0) + count
    instance.add_run_tags(run_id, {REJECTED_TAG: str(total)})


def engine_metadata(
    validation: Validation, kept: list[data_docs.KeptValidation], site: Path | None, files
) -> dict[str, dg.MetadataValue]:
    """Which engine judged the run's files and why, and where GX's results and Data Docs are:
    file:// links (the site is static files under the deployment's reports folder; open them
    on the server, or copy the folder: it needs no network). When the compiled-SQL engine ran,
    the metadata says so: there is no GX result to show for those files."""
    metadata: dict[str, dg.MetadataValue] = {
        "validation_engine": dg.MetadataValue.text(validation.engine.engine),
        "validation_engine_reason": dg.MetadataValue.text(validation.engine.reason),
    }
    if validation.engine.engine == "duckdb":
        metadata["gx_validation_result"] = dg.MetadataValue.text(
            "none: the suite ran compiled to SQL, so GX kept no result and drew no Data Docs "
            "page for this run (无 GX 校验结果：本批按 SQL 引擎校验)"
        )
    if not kept:
        return metadata
    names = {
        f["submission_id"]: f"{department_label(f['department'])} {f['file_name']}" for f in files
    }
    rows = [
        f"| {markdown_text('; '.join(names.get(i, i) for i in k.submission_ids))} "
        f"| [{k.page.name}]({k.page.as_uri()}) | `{k.result}` |"
        for k in kept
    ]
    metadata["gx_validation_results"] = dg.MetadataValue.md(
        "| file(s) | GX Data Docs page | GX validation result (JSON) |\n|---|---|---|\n"
        + "\n".join(rows)
    )
    if site is not None:
        metadata["gx_data_docs"] = dg.MetadataValue.url(site.as_uri())
        metadata["gx_data_docs_page"] = dg.MetadataValue.path(str(kept[0].page))
    return metadata


def build_suite_check(feed: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_key(feed),
        name=SUITE_CHECK,
        blocking=True,
        description=f"Runs the GX suite expectations/{feed}.json on each new submission with "
        f"Great Expectations' own engine when the batch has at most "
        f"{GX_MAX_ROWS:,} rows (every district file), keeping GX's validation result beside the "
        "archive, to be drawn as GX Data Docs (linked in the metadata); a larger batch runs "
        "the same suite compiled to SQL inside DuckDB (WORKPLAN_VALIDATION_ENGINE=gx or duckdb "
        "forces one; the metadata says which ran and why). Bad rows go "
        "to ledger.quarantine with a reason; a file failing file-level rules, or with more bad "
        "rows than the feed's threshold, is rejected. The result lists every file of the run "
        "(those refused on receipt too) with its department, status, rows and first reasons, and "
        "every rejected file not yet replaced by an accepted one from its department: the check "
        "fails as a warning until then. A rejected file is kept out of staging by its status, so "
        "the other feeds' data still flows. A validation that cannot complete fails the step and "
        "blocks everything downstream.",
    )
    def suite_check(
        context: dg.AssetCheckExecutionContext, warehouse: Warehouse
    ) -> dg.AssetCheckResult:
        archive, reports = Path(warehouse.archive), Path(warehouse.reports_path)
        with warehouse.connect() as con:
            validation = validate_batch(con, feed, pending(con, feed), warehouse.validation_engine)
            verdicts = validation.verdicts
            # Kept before the ledger records the verdicts, so every verdict has its GX result.
            kept = [
                data_docs.keep(archive, reports, result, context.run.run_id)
                for result in validation.gx_results
            ]
            outcomes = {
                submission_id: (record_verdict(con, feed, submission_id, verdict), verdict)
                for submission_id, verdict in verdicts.items()
            }
            run_sql(con, "ledger/supersede", {"feed": feed})
            raise_rejection_alerts(con)
            settled_on_receipt = take_settled_on_receipt(con, feed)
            files = submissions_by_id(con, [*outcomes, *settled_on_receipt])
            outstanding = outstanding_rejections(con, feed)
        # After the commit above: a receipt never says more than the ledger holds.
        with warehouse.connect() as con:
            receipts = write_receipts(con, feed, Path(warehouse.outbox_path))
        rejected = [f for f in files if f["status"] == "rejected"]
        tag_rejections(context, len(rejected))
        # Drawn by analysts/gx_data_docs after the publish: the pages cost the file's wait.
        site = data_docs.site_root(reports) / "index.html" if kept else None
        return dg.AssetCheckResult(
            passed=not outstanding,
            severity=dg.AssetCheckSeverity.WARN,
            description=check_summary(files, outstanding),
            metadata={
                "files": files_table(files),
                "rejections_outstanding": outstanding_table(outstanding),
                "files_in_run": len(files),
                "submissions_validated": len(outcomes),
                "submissions_rejected": len(rejected),
                "rejections_outstanding_count": len(outstanding),
                "rows_quarantined": sum(v.quarantined_rows for _, v in outcomes.values()),
                "receipts_written": len(receipts),
                **engine_metadata(validation, kept, site, files),
            },
        )

    return suite_check


def build_staging_asset(feed: str) -> dg.AssetsDefinition:
    contract = load_contract(feed)

    @dg.asset(
        key=staging_key(feed),
        owners=feed_owners(feed),
        deps=[raw_key(feed), *owed_from(feed)],
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
            # The landing assets of departments whose files brought the month owed.
            report_landing(context, con, feed)
            version = submissions_version(con, feed, staged=True)
            groups = count_rows(con, feed)
            return dg.MaterializeResult(
                metadata=versioned_table_metadata(
                    context.instance, context.asset_key, con, "staging", feed, version, groups
                )
            )

    return staging_feed


raw_assets = [build_raw_asset(feed) for feed in FEEDS]
suite_checks = [build_suite_check(feed) for feed in FEEDS]
staging_assets = [build_staging_asset(feed) for feed in FEEDS]
