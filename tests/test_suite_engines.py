"""The two validation engines agree: the suites compiled to DuckDB SQL flag exactly the rows,
rules and values GX's own engine flags, on the bad-input corpus and on a file that breaks every
kind of rule the suites use. The compiler refuses what it cannot evaluate as GX would.

Tier: functions on small data, with real GX and a real DuckDB file.
"""

from __future__ import annotations

import pytest

from pipelines.checks.credit_code import check_character
from pipelines.checks.suite_sql import SUPPORTED, SuiteNotCompilable, compile_suite
from pipelines.checks.suites import Rule, load_rules
from pipelines.checks.validation import validate_submissions
from pipelines.files.contracts import FEEDS
from pipelines.store.ingest import prepare, receive_feed
from pipelines.store.warehouse import connect
from tests.helpers import drop_csv, settings_for
from tests.test_bad_inputs import corpus  # noqa: F401 - the bad-input corpus, as a fixture

ENTERPRISES = "enterprise_registrations"


def flagged(con, feed: str, ids: list[str], engine: str):
    """What an engine flags: every (submission, row, expectation, value) and the file errors."""
    verdicts = validate_submissions(con, feed, ids, engine)
    rows = con.execute("select * from suite_findings order by all").fetchall()
    return rows, {s: v.file_errors for s, v in verdicts.items()}


def submissions_with_rows(con, feed: str) -> list[str]:
    return [
        s
        for (s,) in con.execute(
            "select submission_id from ledger.submissions where feed = ? and rows_read > 0 "
            "order by 1",
            [feed],
        ).fetchall()
    ]


def test_engines_agree_on_the_bad_input_corpus(corpus) -> None:  # noqa: F811
    con, _ = corpus
    types = set()
    for feed in FEEDS:
        ids = submissions_with_rows(con, feed)
        if not ids:
            continue
        in_sql, in_gx = flagged(con, feed, ids, "duckdb"), flagged(con, feed, ids, "gx")
        assert in_sql == in_gx, feed
        types |= {load_rules(feed)[e].type for _, _, e, _ in in_sql[0]}
    assert len(types) >= 4, types  # the corpus exercises several kinds of rule


def every_rule_broken() -> list[dict]:
    """Registrations whose rows between them break each kind of row rule the suite has."""
    good = "91230109MA0000001" + check_character("91230109MA0000001")
    row = dict(
        period="2024-03",
        credit_code=good,
        enterprise_name="哈尔滨新区企业",
        event_type="新登记",
        event_date="2024-03-05",
    )
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    return [
        row,
        row,  # the same key twice
        row | dict(period=""),  # required
        row | dict(period="三月"),  # not a month
        row | dict(credit_code="ABC"),  # wrong shape
        row | dict(credit_code=wrong_check, event_date="2024-03-06"),  # wrong check character
        row | dict(event_type="注销", event_date="2024-03-07"),  # not in the allowed list
        row | dict(event_date="2024-04-01"),  # after the period's end
        row | dict(event_date="2024-02-28"),  # before the period
        row | dict(enterprise_name="企" * 201, event_date="2024-03-08"),  # too long
        row | dict(period="2022-03", event_date="2022-03-05"),  # outside the plan's years
        row | dict(event_date="2024-02-30"),  # no such day
        row | dict(enterprise_name="#N/A", event_date="2024-03-09"),  # an error cell
        row | dict(credit_code="9.14403E+17", event_date="2024-03-10"),  # digits lost
    ]


def test_engines_agree_on_every_kind_of_rule(tmp_path) -> None:
    settings = settings_for(tmp_path)
    drop_csv(settings, ENTERPRISES, "market_regulation", "2024-03.csv", every_rule_broken())
    with connect(settings.warehouse) as con:
        prepare(con)
        ids = [
            s.submission_id
            for s in receive_feed(con, settings.landing, settings.archive, ENTERPRISES)
        ]
        in_sql, in_gx = (
            flagged(con, ENTERPRISES, ids, "duckdb"),
            flagged(con, ENTERPRISES, ids, "gx"),
        )
    assert in_sql == in_gx
    rules = load_rules(ENTERPRISES)
    broken = {rules[e].type for _, _, e, _ in in_sql[0]}
    row_types = {t for t in SUPPORTED if not t.startswith("expect_table_")}
    used = {r.type for r in rules if not r.is_table_rule}
    assert broken == used and used <= row_types
    # A duplicate names its key as the clerk typed it, not "empty". The key has no period, so
    # the rows with a missing or unreadable period share it with the first two.
    key = "91230109MA0000001" + check_character("91230109MA0000001") + " / 新登记 / 2024-03-05"
    duplicate = [v for _, _, e, v in in_sql[0] if rules[e].rule == "duplicate_key"]
    assert duplicate == [key] * 4


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"column": "area", "mostly": 0.9}, "uses mostly"),
        ({"column": "area", "row_condition": {"type": "comparison"}}, "row condition"),
    ],
)
def test_compiler_refuses_options_it_cannot_honour(kwargs: dict, words: str) -> None:
    rule = Rule(0, "expect_column_values_to_not_be_null", kwargs, "required", "en", "zh")
    with pytest.raises(SuiteNotCompilable, match=words):
        compile_suite("tourism_revenue", (rule,), {"area", "submission_id", "row_number"})


def test_compiler_refuses_an_unknown_expectation_and_a_missing_column() -> None:
    unknown = Rule(0, "expect_column_median_to_be_between", {"column": "area"}, "r", "en", "zh")
    with pytest.raises(SuiteNotCompilable, match="is not supported"):
        compile_suite("tourism_revenue", (unknown,), {"area"})
    missing = Rule(0, "expect_column_values_to_not_be_null", {"column": "nowhere"}, "r", "e", "z")
    with pytest.raises(SuiteNotCompilable, match="nowhere"):
        compile_suite("tourism_revenue", (missing,), {"area"})


def test_pair_rules_must_ignore_rows_with_a_missing_value() -> None:
    rule = Rule(
        0,
        "expect_column_pair_values_a_to_be_greater_than_b",
        {"column_A": "a", "column_B": "b", "ignore_row_if": "both_values_are_missing"},
        "r",
        "en",
        "zh",
    )
    with pytest.raises(SuiteNotCompilable, match="either_value_is_missing"):
        compile_suite("tourism_revenue", (rule,), {"a", "b"})
