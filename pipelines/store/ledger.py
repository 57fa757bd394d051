"""Record validation outcomes in the submission ledger, in words a department clerk can act on."""

from __future__ import annotations

import datetime as dt

import duckdb

from pipelines.checks.validation import Finding, Verdict, quarantine
from pipelines.files.contracts import load_contract
from pipelines.store.warehouse import transaction


def describe(finding: Finding) -> tuple[str, str]:
    """One finding as an English and a Chinese sentence naming row, column, rule and value."""
    found = "empty" if finding.value_found is None else f"'{finding.value_found[:60]}'"
    found_zh = "空" if finding.value_found is None else f"“{finding.value_found[:60]}”"
    return (
        f"row {finding.row_number}: {finding.reason_en} (found {found})",
        f"第{finding.row_number}行：{finding.reason_zh}（实际为{found_zh}）",
    )


def status_of(verdict: Verdict, threshold: float) -> str:
    """Accept, accept with quarantine, or reject when file rules fail or too many rows are bad."""
    if verdict.file_errors or verdict.rows_checked == 0:
        return "rejected"
    if verdict.quarantined_rows > threshold * verdict.rows_checked:
        return "rejected"
    return "accepted_with_quarantine" if verdict.quarantined_rows else "accepted"


def summary(verdict: Verdict, status: str, threshold: float) -> tuple[str | None, str | None]:
    """The ledger's message: why a file was rejected, or which rows were held back."""
    if status == "accepted":
        return None, None
    lines = [describe(f) for f in verdict.examples]
    more = verdict.finding_count - len(lines)
    en_rows = "; ".join(en for en, _ in lines) + (f"; and {more} more" if more > 0 else "")
    zh_rows = "；".join(zh for _, zh in lines) + (f"；另有{more}处" if more > 0 else "")
    if verdict.file_errors:
        return (
            "Rejected: " + "; ".join(en for en, _ in verdict.file_errors),
            "退回：" + "；".join(zh for _, zh in verdict.file_errors),
        )
    share = verdict.quarantined_rows / verdict.rows_checked
    if status == "rejected":
        return (
            f"Rejected: {verdict.quarantined_rows} of {verdict.rows_checked} rows ({share:.0%}) "
            f"break the rules, more than the {threshold:.0%} allowed. Fix and resend: {en_rows}",
            f"退回：{verdict.rows_checked}行中有{verdict.quarantined_rows}行（{share:.0%}）不符合要求，"
            f"超过允许的{threshold:.0%}。请修改后重新报送：{zh_rows}",
        )
    return (
        f"Accepted; {verdict.quarantined_rows} of {verdict.rows_checked} rows held in quarantine "
        f"until corrected: {en_rows}",
        f"已接收；{verdict.rows_checked}行中有{verdict.quarantined_rows}行暂不计入，请更正：{zh_rows}",
    )


def record_verdict(
    con: duckdb.DuckDBPyConnection, feed: str, submission_id: str, verdict: Verdict
) -> str:
    """Write quarantine rows and the ledger status for one submission, atomically."""
    threshold = load_contract(feed).quarantine_threshold
    status = status_of(verdict, threshold)
    message_en, message_zh = summary(verdict, status, threshold)
    accepted = 0 if status == "rejected" else verdict.rows_checked - verdict.quarantined_rows
    with transaction(con):
        con.execute("delete from ledger.quarantine where submission_id = ?", [submission_id])
        if verdict.finding_count:
            quarantine(con, feed, submission_id)
        con.execute(
            "update ledger.submissions set status = ?, rows_accepted = ?, rows_quarantined = ?, "
            "message_en = ?, message_zh = ?, validated_at = ? where submission_id = ?",
            [
                status,
                accepted,
                verdict.quarantined_rows,
                message_en,
                message_zh,
                dt.datetime.now(dt.UTC),
                submission_id,
            ],
        )
    return status


def pending(con: duckdb.DuckDBPyConnection, feed: str) -> list[str]:
    """Submissions of a feed that were received but not yet validated, oldest first."""
    rows = con.execute(
        "select submission_id from ledger.submissions where feed = ? and status = 'received' "
        "order by received_at, submission_id",
        [feed],
    ).fetchall()
    return [r[0] for r in rows]


def newly_accepted(con: duckdb.DuckDBPyConnection, feed: str) -> list[tuple[str, list, list]]:
    """Departments with accepted submissions not yet reported to Dagster, marked reported now.

    Each becomes one materialization of the department's landing asset, which is what its
    freshness policy watches.
    """
    with transaction(con):
        rows = con.execute(
            "select s.department, list(distinct strftime(p.period, '%Y-%m') order by 1), "
            "list(distinct s.submission_id order by 1) "
            "from ledger.submissions s join ledger.submission_periods p using (submission_id) "
            "where s.feed = ? and s.reported_at is null "
            "and s.status in ('accepted', 'accepted_with_quarantine') group by s.department "
            "order by s.department",
            [feed],
        ).fetchall()
        con.execute(
            "update ledger.submissions set reported_at = ? where feed = ? and reported_at is null "
            "and status in ('accepted', 'accepted_with_quarantine')",
            [dt.datetime.now(dt.UTC), feed],
        )
    return [(department, periods, submissions) for department, periods, submissions in rows]


def take_receipt_rejections(con: duckdb.DuckDBPyConnection, feed: str) -> list[str]:
    """Files rejected on receipt (unreadable, wrong folder) that no check has reported yet.

    Marking them validated makes each one fail exactly one check run.
    """
    with transaction(con):
        rows = con.execute(
            "select submission_id from ledger.submissions where feed = ? and status = 'rejected' "
            "and validated_at is null order by submission_id",
            [feed],
        ).fetchall()
        con.execute(
            "update ledger.submissions set validated_at = ? where feed = ? "
            "and status = 'rejected' and validated_at is null",
            [dt.datetime.now(dt.UTC), feed],
        )
    return [r[0] for r in rows]
