"""Receiving and validating submissions: what a clerk's file becomes in the ledger.

Tier: functions on small data, with real GX. Files are dropped with `drop_csv` (header on line 1,
so the first data row is line 2), received into a temporary DuckDB file, validated with the
feed's suite from expectations/*.json and recorded with `ledger.record_verdict`.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipelines.checks.validation import validate_submissions
from pipelines.files.contracts import FEEDS, load_contract
from pipelines.settings import EXPECTATIONS_ROOT, Settings
from pipelines.store.ingest import prepare, receive_feed
from pipelines.store.ledger import record_verdict
from pipelines.store.warehouse import connect
from tests.helpers import credit_code, drop_csv

TOURISM = "tourism_revenue"
ENTERPRISES = "enterprise_registrations"


@pytest.fixture
def con(settings: Settings):
    with connect(settings.warehouse) as connection:
        prepare(connection)
        yield connection


def tourism_rows(count: int) -> list[dict]:
    return [
        dict(period="2024-03", area=f"景区{i:02d}", visitors=1000 + i, revenue_wan=100 + i)
        for i in range(count)
    ]


def enterprise_rows(count: int) -> list[dict]:
    return [
        dict(
            period="2024-03",
            credit_code=credit_code(i),
            enterprise_name=f"哈尔滨新区企业{i}",
            event_type="新登记",
            event_date="2024-03-05",
        )
        for i in range(count)
    ]


def submit(con, settings: Settings, feed: str) -> dict[str, str]:
    """Receive the feed's new files, validate them in one batch, record verdicts: {file: id}."""
    received = receive_feed(con, settings.landing, settings.archive, feed)
    ids = [s.submission_id for s in received if s.status == "received"]
    for submission_id, verdict in validate_submissions(con, feed, ids).items():
        record_verdict(con, feed, submission_id, verdict)
    return {s.file_name: s.submission_id for s in received}


def ledger_row(con, submission_id: str) -> dict:
    cursor = con.execute(
        "select status, rows_read, rows_accepted, rows_quarantined, message_en, message_zh "
        "from ledger.submissions where submission_id = ?",
        [submission_id],
    )
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def quarantine(con, submission_id: str) -> list[tuple]:
    return con.execute(
        "select row_number, column_name, rule, value_found, reason_en, reason_zh "
        "from ledger.quarantine where submission_id = ? order by row_number, rule",
        [submission_id],
    ).fetchall()


def test_clean_file_is_accepted_without_quarantine(con, settings: Settings) -> None:
    drop_csv(settings, TOURISM, "culture_tourism", "2024-03.csv", tourism_rows(10))
    (submission_id,) = submit(con, settings, TOURISM).values()
    assert ledger_row(con, submission_id) == dict(
        status="accepted",
        rows_read=10,
        rows_accepted=10,
        rows_quarantined=0,
        message_en=None,
        message_zh=None,
    )
    assert quarantine(con, submission_id) == []


def test_one_negative_revenue_is_quarantined_at_its_source_line(con, settings: Settings) -> None:
    rows = tourism_rows(10)
    rows[3]["revenue_wan"] = -5  # the fourth data row: line 5 of the file
    drop_csv(settings, TOURISM, "culture_tourism", "2024-03.csv", rows)
    (submission_id,) = submit(con, settings, TOURISM).values()
    assert quarantine(con, submission_id) == [
        (5, "旅游收入", "not_negative", "-5", "旅游收入 cannot be negative", "“旅游收入”不能为负数")
    ]
    ledger = ledger_row(con, submission_id)
    assert ledger["status"] == "accepted_with_quarantine"
    assert (ledger["rows_accepted"], ledger["rows_quarantined"]) == (9, 1)
    assert (
        "row 5, column D (旅游收入): 旅游收入 cannot be negative (found '-5')"
        in ledger["message_en"]
    )
    assert "第5行 D 列（旅游收入）：“旅游收入”不能为负数（实际为“-5”）" in ledger["message_zh"]


def test_file_with_mostly_bad_rows_is_rejected_naming_a_row(con, settings: Settings) -> None:
    rows = tourism_rows(5)
    for row in rows[1:]:
        row["revenue_wan"] = -1
    drop_csv(settings, TOURISM, "culture_tourism", "2024-03.csv", rows)
    (submission_id,) = submit(con, settings, TOURISM).values()
    ledger = ledger_row(con, submission_id)
    assert (ledger["status"], ledger["rows_accepted"], ledger["rows_quarantined"]) == (
        "rejected",
        0,
        4,
    )
    assert ledger["message_en"].startswith("Rejected: 4 of 5 rows (80%) break the rules")
    assert (
        "row 3, column D (旅游收入): 旅游收入 cannot be negative (found '-1')"
        in ledger["message_en"]
    )
    assert "第3行 D 列（旅游收入）：“旅游收入”不能为负数" in ledger["message_zh"]


@pytest.mark.parametrize(
    ("feed", "rows", "ranges"),
    [
        (TOURISM, tourism_rows(4), ["2024年1-3月", "1—3月", "2024.1-2024.3"]),
        (ENTERPRISES, enterprise_rows(4), ["2024年1月至3月", "2024-01~2024-03", "１-３月"]),
    ],
)
def test_a_range_of_months_in_a_monthly_feed_is_quarantined(
    con, settings: Settings, feed: str, rows: list[dict], ranges: list[str]
) -> None:
    """A monthly feed's 报告期 written as a range (1-3月) comes with the year's figures so far,
    which the month parser would read as March's own: each such row is held, naming the range,
    and a plain month beside them (2024-03, 2024年3月) is not."""
    for row, period in zip(rows[1:], ranges, strict=True):
        row["period"] = period
    rows[0]["period"] = "2024年3月"
    department = "culture_tourism" if feed == TOURISM else "market_regulation"
    drop_csv(settings, feed, department, "一季度.csv", rows)
    (submission_id,) = submit(con, settings, feed).values()
    held = quarantine(con, submission_id)
    # A range the month parser cannot read at all is a month_format finding as well.
    assert {row for row, *_ in held} == {3, 4, 5}
    assert [(row, found) for row, _, rule, found, _, _ in held if rule == "period_is_a_range"] == [
        (3, ranges[0]),
        (4, ranges[1]),
        (5, ranges[2]),
    ]
    assert ledger_row(con, submission_id)["status"] == "rejected"  # 3 of 4 rows held
    assert (
        "“报告期”为月份区间（如“1-9月”），对应的是累计数"
        in ledger_row(con, submission_id)["message_zh"]
    )


def test_a_month_still_to_come_is_quarantined_as_a_mistyped_year(con, settings: Settings) -> None:
    """2042-03 for 2024-03: a file reports months gone by, so a period after this month is held,
    asking about the year; this month itself is no future month."""
    rows = tourism_rows(6)
    rows[2]["period"] = "2042-03"
    rows[3]["period"] = dt.date.today().strftime("%Y-%m")
    drop_csv(settings, TOURISM, "culture_tourism", "2024-03.csv", rows)
    (submission_id,) = submit(con, settings, TOURISM).values()
    assert [(row, rule, found) for row, _, rule, found, _, _ in quarantine(con, submission_id)] == [
        (4, "period_in_future", "2042-03")
    ]
    assert (
        "“报告期”是尚未到来的月份：年份是否填错（如把2024写成2042）？"
        in ledger_row(con, submission_id)["message_zh"]
    )


def test_value_outside_the_allowed_list_is_quarantined(con, settings: Settings) -> None:
    rows = enterprise_rows(10)
    rows[0]["event_type"] = "注销"
    drop_csv(settings, ENTERPRISES, "market_regulation", "2024-03.csv", rows)
    (submission_id,) = submit(con, settings, ENTERPRISES).values()
    assert [r[:4] for r in quarantine(con, submission_id)] == [
        (2, "事项类型", "allowed_values", "注销")
    ]
    assert ledger_row(con, submission_id)["status"] == "accepted_with_quarantine"


def test_non_number_in_a_decimal_column_is_quarantined(con, settings: Settings) -> None:
    rows = [
        dict(period="2024-03", project_code=f"ZS-{i}", project_name=f"项目{i}",
             project_type="招商引资", contracted_amount_wan=100 * i)
        for i in range(10)
    ]  # fmt: skip
    rows[9]["contracted_amount_wan"] = "abc"
    drop_csv(settings, "projects", "investment", "2024-03.csv", rows)
    (submission_id,) = submit(con, settings, "projects").values()
    assert [r[:4] for r in quarantine(con, submission_id)] == [
        (11, "协议引资额", "decimal_format", "abc")
    ]


def test_non_number_in_a_required_column_is_one_finding(con, settings: Settings) -> None:
    rows = tourism_rows(10)
    rows[0]["revenue_wan"] = "abc"
    drop_csv(settings, TOURISM, "culture_tourism", "2024-03.csv", rows)
    (submission_id,) = submit(con, settings, TOURISM).values()
    assert [r[:4] for r in quarantine(con, submission_id)] == [
        (2, "旅游收入", "decimal_format", "abc")
    ]


def test_duplicate_key_within_a_submission_quarantines_both_rows(con, settings: Settings) -> None:
    first = tourism_rows(12)
    first[6]["area"] = first[1]["area"]  # lines 3 and 8 share 2024-03 + 景区01
    drop_csv(settings, TOURISM, "culture_tourism", "a.csv", first)
    # A corrected resend repeats every key of the first file; across submissions that is fine.
    second = tourism_rows(11)
    second[0]["revenue_wan"] = 150
    drop_csv(settings, TOURISM, "culture_tourism", "b.csv", second)
    ids = submit(con, settings, TOURISM)
    assert [(r[0], r[2]) for r in quarantine(con, ids["a.csv"])] == [
        (3, "duplicate_key"),
        (8, "duplicate_key"),
    ]
    assert quarantine(con, ids["b.csv"]) == []
    assert ledger_row(con, ids["b.csv"])["status"] == "accepted"


@pytest.mark.parametrize(
    "code",
    ["91230109MA0000001", "91230109MA00000O1X", "91230109ma00000011", "9123010 MA00000011"],
    ids=["17-characters", "letter-O", "lower-case", "inner-space"],
)
def test_malformed_credit_code_is_quarantined(con, settings: Settings, code: str) -> None:
    rows = enterprise_rows(10)
    rows[4]["credit_code"] = code
    drop_csv(settings, ENTERPRISES, "market_regulation", "2024-03.csv", rows)
    (submission_id,) = submit(con, settings, ENTERPRISES).values()
    assert [r[:4] for r in quarantine(con, submission_id)] == [
        (6, "统一社会信用代码", "credit_code_format", code)
    ]


def test_credit_code_with_wrong_check_character_is_quarantined(con, settings: Settings) -> None:
    rows = enterprise_rows(10)
    good = rows[4]["credit_code"]
    rows[4]["credit_code"] = good[:-1] + ("1" if good[-1] != "1" else "2")
    drop_csv(settings, ENTERPRISES, "market_regulation", "2024-03.csv", rows)
    (submission_id,) = submit(con, settings, ENTERPRISES).values()
    assert [r[0] for r in quarantine(con, submission_id)] == [6]


def test_each_verdict_counts_only_its_own_failed_expectations(con, settings: Settings) -> None:
    drop_csv(settings, TOURISM, "culture_tourism", "clean.csv", tourism_rows(10))
    bad = tourism_rows(10)
    bad[0]["revenue_wan"] = -5
    drop_csv(settings, TOURISM, "culture_tourism", "bad.csv", bad)
    received = receive_feed(con, settings.landing, settings.archive, TOURISM)
    ids = {s.file_name: s.submission_id for s in received}
    verdicts = validate_submissions(con, TOURISM, list(ids.values()))
    assert verdicts[ids["bad.csv"]].expectations_failed == 1
    assert verdicts[ids["clean.csv"]].expectations_failed == 0


def test_file_in_another_departments_folder_is_rejected_on_receipt(con, settings: Settings) -> None:
    drop_csv(settings, TOURISM, "investment", "2024-03.csv", tourism_rows(3))
    (submission,) = receive_feed(con, settings.landing, settings.archive, TOURISM)
    # The ledger keeps the folder it came from, so the clerk sees where it was dropped.
    assert (submission.status, submission.department, submission.rows_read) == (
        "rejected",
        "investment",
        0,
    )
    assert "(culture_tourism)" in submission.message_en
    assert "'investment'" in submission.message_en
    (message_zh,) = con.execute("select message_zh from ledger.submissions").fetchone()
    assert "（culture_tourism）" in message_zh
    assert con.execute("select count(*) from raw.tourism_revenue").fetchone() == (0,)


def test_file_moved_to_the_right_folder_after_rejection_is_received(
    con, settings: Settings
) -> None:
    wrong = drop_csv(settings, TOURISM, "investment", "2024-03.csv", tourism_rows(3))
    (rejected,) = receive_feed(con, settings.landing, settings.archive, TOURISM)
    assert rejected.status == "rejected"
    right = settings.landing / TOURISM / "culture_tourism" / "2024-03.csv"
    right.parent.mkdir(parents=True)
    wrong.rename(right)
    received = receive_feed(con, settings.landing, settings.archive, TOURISM)
    assert [(s.department, s.status) for s in received] == [("culture_tourism", "received")]


def test_same_bytes_dropped_twice_are_loaded_once_and_the_copy_recorded(
    con, settings: Settings
) -> None:
    drop_csv(settings, TOURISM, "culture_tourism", "2024-03.csv", tourism_rows(3))
    drop_csv(settings, TOURISM, "culture_tourism", "2024-03 (1).csv", tourism_rows(3))
    received = receive_feed(con, settings.landing, settings.archive, TOURISM)
    assert [(s.file_name, s.status, s.rows_read) for s in received] == [
        ("2024-03 (1).csv", "received", 3),
        ("2024-03.csv", "duplicate", 0),
    ]
    assert "2024-03 (1).csv" in received[1].message_en
    # Scanning the landing folder again records nothing new.
    assert receive_feed(con, settings.landing, settings.archive, TOURISM) == []
    assert con.execute("select count(*) from raw.tourism_revenue").fetchone() == (3,)
    assert con.execute(
        "select count(*), count(duplicate_of) from ledger.submissions"
    ).fetchone() == (2, 1)


def test_unparseable_file_does_not_block_the_feed(con, settings: Settings) -> None:
    ragged = settings.landing / "projects" / "investment" / "a.csv"
    ragged.parent.mkdir(parents=True)
    ragged.write_text(
        "报告期,项目编号,项目名称,项目类别,协议引资额\n2024-03,A,甲,招商引资,5\n2024-03,B,乙,招商引资\n",
        encoding="utf-8",
    )
    good = [dict(period="2024-03", project_code="C", project_name="丙", project_type="招商引资")]
    drop_csv(settings, "projects", "investment", "b.csv", good)
    received = receive_feed(con, settings.landing, settings.archive, "projects")
    assert [s.file_name for s in received] == ["a.csv", "b.csv"]
    assert received[1].status == "received"


def suite_of(feed: str) -> list[dict]:
    return json.loads((EXPECTATIONS_ROOT / f"{feed}.json").read_text(encoding="utf-8"))[
        "expectations"
    ]


def columns_named(expectation: dict) -> set[str]:
    """Contract columns a rule is about; derived columns (period__end) count as their source."""
    kwargs = expectation["kwargs"]
    named = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return {n.split("__")[0] for n in named} | set(kwargs.get("column_list", ()))


# Optional free text with nothing to check: the only contract columns no suite names.
CELL_RULES = {"cell_error", "formula_not_calculated", "number_lost_digits", "percent_not_the_unit"}
UNCHECKED = {
    ("enterprise_registrations", "industry"),
    ("headline_statistics", "metric_name"),
    ("headline_statistics", "unit"),
}


@pytest.mark.parametrize("feed", FEEDS)
def test_suite_covers_every_contract_column(feed: str) -> None:
    contract = load_contract(feed)
    suite = suite_of(feed)
    # The cell rules (error values, uncalculated formulas…) run on every column; this test is
    # about each column's own rules.
    own = [e for e in suite if e["meta"]["rule"] not in CELL_RULES]
    named = set().union(*(columns_named(e) for e in own))
    assert named - set(contract.column_names) == {"submission_id"}
    unchecked = {c.name for c in contract.columns if c.name not in named}
    assert unchecked == {column for f, column in UNCHECKED if f == feed}
    for column in contract.columns:
        rules = {e["meta"]["rule"] for e in suite if column.name in columns_named(e)}
        if column.type != "text":
            assert f"{column.type}_format" in rules, column.name
        if column.allowed:
            assert "allowed_values" in rules, column.name
        if column.min is not None:
            assert "not_negative" in rules, column.name
    (unique,) = [e for e in suite if e["meta"]["rule"] == "duplicate_key"]
    assert unique["kwargs"]["column_list"] == ["submission_id", *contract.business_key]


@pytest.mark.parametrize("feed", FEEDS)
def test_every_required_column_has_an_unconditional_not_null(feed: str) -> None:
    not_null = {
        e["kwargs"]["column"].removesuffix("__text")
        for e in suite_of(feed)
        if e["type"] == "expect_column_values_to_not_be_null" and "row_condition" not in e["kwargs"]
    }
    assert {c.name for c in load_contract(feed).required} <= not_null


@pytest.mark.parametrize("feed", FEEDS)
def test_allowed_values_in_suites_match_the_contract(feed: str) -> None:
    in_set = {
        e["kwargs"]["column"]: e["kwargs"]["value_set"]
        for e in suite_of(feed)
        if e["type"] == "expect_column_values_to_be_in_set"
    }
    assert in_set == {c.name: list(c.allowed) for c in load_contract(feed).columns if c.allowed}
