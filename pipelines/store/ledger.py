"""Record validation outcomes in the submission ledger, in words a department clerk can act on."""

from __future__ import annotations

import datetime as dt

import duckdb

from pipelines.checks.history import PLANS, Doubt
from pipelines.checks.validation import Finding, Verdict, quarantine
from pipelines.files.contracts import load_contract
from pipelines.files.period import named_months
from pipelines.store.conform import TYPED_SUFFIX, typed_view
from pipelines.store.warehouse import transaction


def place(finding: Finding) -> tuple[str, str]:
    """Where a finding is, as Excel shows it: the row, the column letter and the header."""
    if finding.column_letter and finding.column_name:
        return (
            f"row {finding.row_number}, column {finding.column_letter} ({finding.column_name})",
            f"第{finding.row_number}行 {finding.column_letter} 列（{finding.column_name}）",
        )
    if finding.column_name:
        return (
            f"row {finding.row_number} ({finding.column_name})",
            f"第{finding.row_number}行（{finding.column_name}）",
        )
    return f"row {finding.row_number}", f"第{finding.row_number}行"


def describe(finding: Finding) -> tuple[str, str]:
    """One finding as an English and a Chinese sentence naming row, column, rule and the value
    as typed."""
    found = "empty" if finding.value_found is None else f"'{finding.value_found[:60]}'"
    found_zh = "空" if finding.value_found is None else f"“{finding.value_found[:60]}”"
    where_en, where_zh = place(finding)
    return (
        f"{where_en}: {finding.reason_en} (found {found})",
        f"{where_zh}：{finding.reason_zh}（实际为{found_zh}）",
    )


# How a questioned file is confirmed by its department, quoted in the messages.
CONFIRMATION_LINE = "说明：数据已核实"
# Items of a shrinking register named in a message; the rest are counted.
ITEMS_SHOWN = 10


def number(value: float | None) -> str:
    """A figure as a clerk writes it: no exponent, no trailing zeros."""
    if value is None:
        return "?"
    return f"{value:.4f}".rstrip("0").rstrip(".")


def month(value: dt.date | None) -> str:
    return value.strftime("%Y-%m") if value else "?"


def describe_doubt(doubt: Doubt, feed: str) -> tuple[str, str]:
    """A questioned figure or register as an English and a Chinese sentence: where it is, what it
    is judged against, and what would change (old → new, or the items that would disappear)."""
    contract = load_contract(feed)
    if doubt.kind == "register":
        shown = list(doubt.missing_items[:ITEMS_SHOWN])
        more = len(doubt.missing_items) - len(shown)
        dropped = len(doubt.missing_items)
        return (
            f"the register for {month(doubt.period)}: this correction would cut the "
            f"{doubt.rows_before} items already accepted to {doubt.rows_after}; these {dropped} "
            f"would disappear: {', '.join(shown)}" + (f" and {more} more" if more > 0 else ""),
            f"{month(doubt.period)}的清单：更正后将由已接收的{doubt.rows_before}项减为"
            f"{doubt.rows_after}项，以下{dropped}项将不再出现：{'、'.join(shown)}"
            + (f"等（共{dropped}项）" if more > 0 else ""),
        )
    column = next((c for c in contract.columns if c.name == doubt.column), None)
    header = column.header_zh if column else (doubt.column or "")
    unit = (column.unit if column else None) or ""
    unit_en = f" {unit}" if unit else ""
    about = f"{header}，{doubt.series}" if doubt.series else header
    letter = f" {doubt.column_letter} 列" if doubt.column_letter else ""
    letter_en = f", column {doubt.column_letter}" if doubt.column_letter else ""
    if doubt.kind == "plan":
        plan = next(
            (c.header_zh for c in contract.columns if c.name == dict(PLANS[feed])[doubt.column]),
            "计划",
        )
        label_en, label_zh = f"the {plan} on the same row", f"同行{plan}"
    elif doubt.reference_is_scale:
        label_en = f"the department's median for the column in {month(doubt.reference_period)}"
        label_zh = f"{month(doubt.reference_period)}本单位该列中位数"
    elif doubt.first_reference_period and doubt.first_reference_period != doubt.reference_period:
        span = f"{month(doubt.first_reference_period)}–{month(doubt.reference_period)}"
        span_zh = f"{month(doubt.first_reference_period)}至{month(doubt.reference_period)}"
        label_en, label_zh = f"the median of {span}", f"{span_zh}各月中位数"
    else:
        label_en = f"the figure reported for {month(doubt.reference_period)}"
        label_zh = f"{month(doubt.reference_period)}报送数"
    old, new, fold = number(doubt.reference_value), number(doubt.value), f"{doubt.fold:.0f}"
    typed = (doubt.value_text or "")[:60]
    return (
        f"row {doubt.excel_row}{letter_en} ({about.replace('，', ', ')}): {label_en}, "
        f"{old}{unit_en} → {new}{unit_en} now (typed '{typed}'), about {fold} times apart",
        f"第{doubt.excel_row}行{letter}（{about}）：{label_zh}{old}{unit} → 本次{new}{unit}"
        f"（填报“{typed}”），相差约{fold}倍",
    )


def describe_doubts(doubts: list[Doubt], feed: str) -> tuple[str, str]:
    """All questioned figures of a file, headed by what kind of doubt they are."""
    figures = [describe_doubt(d, feed) for d in doubts if d.kind != "register"]
    registers = [describe_doubt(d, feed) for d in doubts if d.kind == "register"]
    en, zh = [], []
    if figures:
        en.append(
            "figures more than a hundred times away from the department's earlier reports or "
            "plan: " + "; ".join(e for e, _ in figures)
        )
        zh.append("数据与本单位以往报送相差百倍以上：" + "；".join(z for _, z in figures))
    if registers:
        en.append(
            "a correction that would drop more than half of the register already accepted: "
            + "; ".join(e for e, _ in registers)
        )
        zh.append("更正将删去已接收清单的一半以上：" + "；".join(z for _, z in registers))
    return "; ".join(en), "；".join(zh)


def held(verdict: Verdict) -> bool:
    """A file whose figures the history suite questions and the department has not confirmed."""
    return bool(verdict.doubts) and not verdict.doubts_confirmed


def status_of(verdict: Verdict, threshold: float) -> str:
    """Accept, accept with quarantine, or reject when file rules fail, too many rows are bad, or
    figures are questioned and not confirmed (the file is held until the department says)."""
    if verdict.file_errors or verdict.rows_checked == 0 or held(verdict):
        return "rejected"
    if verdict.quarantined_rows > threshold * verdict.rows_checked:
        return "rejected"
    return "accepted_with_quarantine" if verdict.quarantined_rows else "accepted"


def summary(
    verdict: Verdict, status: str, threshold: float, feed: str | None = None
) -> tuple[str | None, str | None]:
    """The ledger's message: why a file was rejected or held, or which rows were held back."""
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
    if held(verdict) and feed:
        doubts_en, doubts_zh = describe_doubts(verdict.doubts, feed)
        rows_en = rows_zh = ""
        if verdict.quarantined_rows:
            rows_en = (
                f" Also, {verdict.quarantined_rows} of {verdict.rows_checked} rows break the "
                f"rules: {en_rows}"
            )
            rows_zh = (
                f"另：{verdict.rows_checked}行中有{verdict.quarantined_rows}行不符合要求：{zh_rows}"
            )
        return (
            f"Held, not loaded: {doubts_en}. If the figures are right, add a line "
            f"'{CONFIRMATION_LINE}' (figures verified) to the file and send it again.{rows_en}",
            f"退回（待核实）：{doubts_zh}。如数据无误，请在表中加一行“{CONFIRMATION_LINE}”后"
            f"重新报送。{rows_zh}",
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


def confirmed_warnings(verdict: Verdict, feed: str) -> tuple[str, str] | None:
    """The warning a confirmed file carries: which figures were questioned and accepted."""
    if not verdict.doubts or not verdict.doubts_confirmed:
        return None
    doubts_en, doubts_zh = describe_doubts(verdict.doubts, feed)
    return (
        f"Accepted as confirmed by the file ('{CONFIRMATION_LINE}'): {doubts_en}",
        f"已按文件中“{CONFIRMATION_LINE}”接收：{doubts_zh}",
    )


def record_verdict(
    con: duckdb.DuckDBPyConnection, feed: str, submission_id: str, verdict: Verdict
) -> str:
    """Write quarantine rows and the ledger status for one submission, atomically."""
    threshold = load_contract(feed).quarantine_threshold
    status = status_of(verdict, threshold)
    message_en, message_zh = summary(verdict, status, threshold, feed)
    warning = confirmed_warnings(verdict, feed)
    accepted = 0 if status == "rejected" else verdict.rows_checked - verdict.quarantined_rows
    with transaction(con):
        con.execute("delete from ledger.quarantine where submission_id = ?", [submission_id])
        if verdict.finding_count:
            quarantine(con, feed, submission_id)
        record_periods(con, feed, submission_id, kept_only=status != "rejected")
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
        if warning:
            # Beside the reader's warnings, once however often the file is validated.
            con.execute(
                "update ledger.submissions set warnings_en = concat_ws('; ', warnings_en, $en), "
                "warnings_zh = concat_ws('；', warnings_zh, $zh) where submission_id = $id "
                "and position($en in coalesce(warnings_en, '')) = 0",
                {"en": warning[0], "zh": warning[1], "id": submission_id},
            )
    return status


def record_periods(
    con: duckdb.DuckDBPyConnection, feed: str, submission_id: str, *, kept_only: bool
) -> None:
    """The months the submission covers, worked out again from its rows at each verdict: for a
    file accepted, the months of the rows that count, so a month whose every row quarantine held
    back is not the file's to replace (a row pasted from last month's file into this month's,
    held for its date, made the file the current one for last month, and last month's accepted
    rows were gone from the scorecard); for a file refused, every month it is about, which the
    scorecard shows as refused."""
    typed = typed_view(load_contract(feed))
    con.execute("delete from ledger.submission_periods where submission_id = ?", [submission_id])
    con.execute(
        f"insert into ledger.submission_periods select distinct t.submission_id, t.period "
        f"from {typed} t where t.submission_id = $id and t.period is not null and (not $kept "
        "or not exists (select 1 from ledger.quarantine q where q.submission_id = t.submission_id "
        "and q.row_number = t.row_number))",
        {"id": submission_id, "kept": kept_only},
    )


def pending(con: duckdb.DuckDBPyConnection, feed: str) -> list[str]:
    """Submissions of a feed that were received but not yet validated, oldest first."""
    rows = con.execute(
        "select submission_id from ledger.submissions where feed = ? and status = 'received' "
        "order by received_at, submission_id",
        [feed],
    ).fetchall()
    return [r[0] for r in rows]


def newly_accepted(
    con: duckdb.DuckDBPyConnection, feed: str
) -> list[tuple[str, list[dt.date], list[str], list[dt.date]]]:
    """Departments with accepted submissions not yet reported to Dagster, marked reported now:
    (department, periods they cover, their ids, periods the department had delivered before).

    The periods delivered before are what decides whether the new files bring the month owed
    (a landing materialization, which the department's freshness follows) or only correct an
    earlier month (no materialization): see assets/landing.py. A submission accepted and
    superseded in the same run counts as neither: its periods came with its replacement.
    """
    with transaction(con):
        rows = con.execute(
            "with fresh as (select s.department, p.period, s.submission_id "
            "from ledger.submissions s join ledger.submission_periods p using (submission_id) "
            "where s.feed = $feed and s.reported_at is null "
            "and s.status in ('accepted', 'accepted_with_quarantine')), "
            "earlier as (select s.department, p.period "
            "from ledger.submissions s join ledger.submission_periods p using (submission_id) "
            "where s.feed = $feed and s.reported_at is not null "
            "and s.status in ('accepted', 'accepted_with_quarantine', 'superseded')) "
            "select f.department, list(distinct f.period order by f.period), "
            "list(distinct f.submission_id order by f.submission_id), "
            "coalesce((select list(distinct e.period order by e.period) from earlier e "
            "where e.department = f.department), []) "
            "from fresh f group by f.department order by f.department",
            {"feed": feed},
        ).fetchall()
        con.execute(
            "update ledger.submissions set reported_at = ? where feed = ? and reported_at is null "
            "and status in ('accepted', 'accepted_with_quarantine')",
            [dt.datetime.now(dt.UTC), feed],
        )
    return [tuple(row) for row in rows]


# Outcomes a file can reach on receipt, before any suite sees it: unreadable or in the wrong
# folder (rejected), or the same content as a file already received (duplicate).
SETTLED_ON_RECEIPT = ("rejected", "duplicate")
# A file that counted, or counted until a later one replaced it.
COUNTED = ("accepted", "accepted_with_quarantine", "superseded")


def take_settled_on_receipt(con: duckdb.DuckDBPyConnection, feed: str) -> list[str]:
    """Files settled on receipt (unreadable, wrong folder, duplicate) that no check has reported.

    Marking them validated makes each one appear in exactly one check run, beside the files that
    run validated, so the check names every file the run dealt with.
    """
    with transaction(con):
        rows = con.execute(
            "select submission_id from ledger.submissions where feed = ? "
            "and list_contains(?, status) and validated_at is null order by submission_id",
            [feed, list(SETTLED_ON_RECEIPT)],
        ).fetchall()
        con.execute(
            "update ledger.submissions set validated_at = ? where feed = ? "
            "and list_contains(?, status) and validated_at is null",
            [dt.datetime.now(dt.UTC), feed, list(SETTLED_ON_RECEIPT)],
        )
    return [r[0] for r in rows]


# What the operator is shown of each file: who sent it, what it is and what became of it.
FILE_COLUMNS = (
    "s.submission_id, s.department, s.file_name, s.status, coalesce(s.rows_read, 0) as rows_read, "
    "coalesce(s.rows_quarantined, 0) as rows_quarantined, s.message_en, s.message_zh, "
    "s.received_at, (select string_agg(strftime(p.period, '%Y-%m'), ', ' order by p.period) "
    "from ledger.submission_periods p where p.submission_id = s.submission_id) as periods"
)


def submissions_by_id(con: duckdb.DuckDBPyConnection, submission_ids: list[str]) -> list[dict]:
    """The ledger's rows for these submissions as the operator reads them, by department and
    file name."""
    if not submission_ids:
        return []
    cursor = con.execute(
        f"select {FILE_COLUMNS} from ledger.submissions s where list_contains(?, s.submission_id) "
        "order by s.department nulls first, s.file_name, s.received_at",
        [list(submission_ids)],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def outstanding_rejections(con: duckdb.DuckDBPyConnection, feed: str) -> list[dict]:
    """Rejected files of a feed that no later file from the department has made good yet.

    A rejected file is made good by the same content accepted later from another folder (the
    clerk moved it to the right one), or by files its department sent later and that were
    accepted (or accepted and since corrected) covering its reporting periods: the periods its
    rows gave, or, for a file refused before any row was read (unreadable, in the wrong folder),
    the months its name gives (2024年3月, 2024-03; a range 1-3月 is met by any of its months).
    A file whose periods nothing tells is made good by any later accepted file of its department.
    Until then the department's last word for the period is a refusal, and the check says so.
    """
    rejected = submissions_of(con, feed, ("rejected",))
    counted = submissions_of(con, feed, COUNTED)
    outstanding = []
    for file in rejected:
        later = [c for c in counted if c["received_at"] > file["received_at"]]
        if any(c["sha256"] == file["sha256"] for c in later):
            continue
        sent = [c for c in later if c["department"] == file["department"]]
        covered = {period for c in sent for period in c["period_list"]}
        if file["period_list"]:
            wanted = [(p.year, {p.month}) for p in file["period_list"]]
        else:
            wanted = named_months(file["file_name"])
        if not wanted and sent:
            continue
        if wanted and all(
            any(p.month in months and year in (None, p.year) for p in covered)
            for year, months in wanted
        ):
            continue
        outstanding.append(file)
    return outstanding


def submissions_of(
    con: duckdb.DuckDBPyConnection, feed: str, statuses: tuple[str, ...]
) -> list[dict]:
    """A feed's submissions in these statuses as the operator reads them, with their periods and
    content hash, by department and arrival."""
    cursor = con.execute(
        f"select {FILE_COLUMNS}, s.sha256, (select list(p.period order by p.period) "
        "from ledger.submission_periods p where p.submission_id = s.submission_id) as period_list "
        "from ledger.submissions s where s.feed = ? and list_contains(?, s.status) "
        "order by s.department nulls first, s.received_at, s.file_name",
        [feed, list(statuses)],
    )
    names = [d[0] for d in cursor.description]
    return [
        {**row, "period_list": row["period_list"] or []}
        for row in (dict(zip(names, r, strict=True)) for r in cursor.fetchall())
    ]


def submissions_version(con: duckdb.DuckDBPyConnection, feed: str, staged: bool = False) -> str:
    """A digest of what a feed's tables hold, read in milliseconds from the ledger: of the
    submissions received (the raw table's rows follow from these alone); `staged`, also of each
    submission's verdict and of the feed's staging views' definitions (the staging view's rows
    follow from these). An unchanged digest means unchanged contents."""
    views = [feed, feed + TYPED_SUFFIX] if staged else []
    (digest,) = con.execute(
        """
        select md5(
            coalesce((
                select string_agg(
                    if($staged, concat_ws('|', submission_id, status, validated_at), submission_id),
                    ',' order by submission_id
                )
                from ledger.submissions
                where feed = $feed
            ), '')
            || coalesce((
                select string_agg(sql, ';' order by view_name)
                from duckdb_views()
                where database_name = current_database()
                    and schema_name = 'staging'
                    and list_contains($views, view_name)
            ), '')
        )
        """,
        {"feed": feed, "staged": staged, "views": views},
    ).fetchone()
    return digest
