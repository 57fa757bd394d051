"""The scorecard's status tells the truth about data: the month owed decides it, a missing month
reads 数据缺报 and a rejected one 已退回待重报 (never an older month's pace word), and after the
plan year a target reads 已完成 or 未完成. Real files, real refresh runs, judged on chosen days;
every expected value is worked out by hand beside it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import duckdb

from pipelines.reports.report import load_scorecard
from tests.helpers import drop_csv, run_refresh, settings_for
from tests.test_indicators import events

TOURISM = ("tourism_revenue", "culture_tourism")


def months(year: int, revenue: float, upto: int = 12) -> list[dict]:
    return [
        dict(period=f"{year}-{m:02d}", area="太阳岛", revenue_wan=revenue)
        for m in range(1, upto + 1)
    ]


def judged(settings, day: str) -> dict:
    """Refresh the deployment judged on `day`; T12's and the others' scorecard rows."""
    on_day = replace(settings, as_of_date=day)
    assert run_refresh(on_day).success
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        cursor = con.execute(
            "select indicator_id, status, status_zh, status_month, as_of, actual_value, "
            "last_status, last_status_zh, gap_pp, projected_year_end "
            "from marts.indicator_progress"
        )
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_a_missing_then_rejected_then_resent_month(tmp_path) -> None:
    settings = settings_for(tmp_path)
    # 2023: 100 万元 a month. 2024: 130 in January and February, so year-to-date growth is
    # (260 - 200) / 200 = 30%, exactly the target of >= 30%: share 1.0, on pace (rates expect 1).
    drop_csv(settings, *TOURISM, "2023全年.csv", months(2023, 100))
    drop_csv(settings, *TOURISM, "2024年1-2月.csv", months(2024, 130, upto=2))

    # 20 March: February (due 10 March) is the month owed and is there.
    t12 = judged(settings, "2024-03-20")["T12"]
    assert (t12["status"], t12["status_month"], t12["as_of"]) == (
        "on_pace",
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 1),
    )
    assert t12["actual_value"] == 30.0
    # A growth target is reported by its gap: 30% against >= 30% is 0 percentage points.
    assert t12["gap_pp"] == 0.0

    # 20 April: March (due 10 April) is owed and missing. February's figure stays beside it.
    t12 = judged(settings, "2024-04-20")["T12"]
    assert (t12["status"], t12["status_zh"], t12["status_month"]) == (
        "no_data",
        "数据缺报",
        dt.date(2024, 3, 1),
    )
    assert (t12["as_of"], t12["actual_value"], t12["last_status_zh"]) == (
        dt.date(2024, 2, 1),
        30.0,
        "达进度",
    )

    # March arrives with a negative revenue: the file is rejected, so March is owed again.
    drop_csv(
        settings,
        *TOURISM,
        "2024年3月.csv",
        [dict(months(2024, 1)[0], period="2024-03", revenue_wan=-5)],
    )
    t12 = judged(settings, "2024-04-20")["T12"]
    assert (t12["status"], t12["status_zh"]) == ("resubmit", "已退回待重报")
    assert t12["as_of"] == dt.date(2024, 2, 1)

    # The corrected March: 3 x 130 against 3 x 100 is again +30%, on pace in March.
    drop_csv(
        settings,
        *TOURISM,
        "2024年3月（更正）.csv",
        [dict(period="2024-03", area="太阳岛", revenue_wan=130)],
    )
    t12 = judged(settings, "2024-04-20")["T12"]
    assert (t12["status"], t12["status_month"], t12["as_of"]) == (
        "on_pace",
        dt.date(2024, 3, 1),
        dt.date(2024, 3, 1),
    )

    # The leaders' summary counts every status, these included.
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        counts = load_scorecard(con).status_counts()
    assert sum(counts.values()) == 21 and counts["on_pace"] >= 1


def test_after_the_plan_year_a_target_is_met_or_missed_never_a_pace_word(tmp_path) -> None:
    settings = settings_for(tmp_path)
    # Tourism: 2023 at 100 a month, 2024 at 110 from January to November.
    drop_csv(settings, *TOURISM, "2023全年.csv", months(2023, 100))
    drop_csv(settings, *TOURISM, "2024年1-11月.csv", months(2024, 110, upto=11))
    # Foreign-trade registrations: 30 in January reach the target of >= 30 for the year.
    drop_csv(
        settings,
        "enterprise_registrations",
        "commerce",
        "2024-01.csv",
        events("2024-01", ["外贸备案"] * 30),
    )
    pace_words = {"ahead", "on_pace", "behind"}

    # 5 January 2025: the year is over, December not yet due (10 January). Tourism's +10% to
    # November is short of 30% but December may still come: it awaits it. The registrations
    # target is already met. Agriculture never reported: November is owed and missing.
    early = judged(settings, "2025-01-05")
    assert (early["T12"]["status"], early["T12"]["status_zh"]) == ("awaiting_final", "待年终数据")
    assert early["T12"]["as_of"] == dt.date(2024, 11, 1)
    assert (early["T09"]["status"], early["T09"]["status_zh"]) == ("met", "已完成")
    assert (early["T21"]["status"], early["T21"]["status_month"]) == (
        "no_data",
        dt.date(2024, 11, 1),
    )
    assert not pace_words & {row["status"] for row in early.values()}

    # December arrives at 110: (12 x 110 - 12 x 100) / 1200 = +10% for the year: missed.
    drop_csv(settings, *TOURISM, "2024年12月.csv", [months(2024, 110)[11]])
    year_end = judged(settings, "2025-01-20")
    assert (year_end["T12"]["status"], year_end["T12"]["status_zh"]) == ("missed", "未完成")
    assert year_end["T12"]["actual_value"] == 10.0
    assert year_end["T12"]["gap_pp"] == -20.0  # 10% against 30%: 20 points short
    assert year_end["T09"]["status"] == "met"
    # New registrations: nothing ever came; December is owed: no figure, not a pace word.
    assert (year_end["T08"]["status"], year_end["T08"]["status_month"]) == (
        "no_data",
        dt.date(2024, 12, 1),
    )
    assert not pace_words & {row["status"] for row in year_end.values()}


def test_a_count_is_projected_to_a_whole_number(tmp_path) -> None:
    settings = settings_for(tmp_path)
    # Foreign-trade registrations: 2, 1, 2, 1 and 1 from January to May, 7 in all.
    for month, count in ((1, 2), (2, 1), (3, 2), (4, 1), (5, 1)):
        period = f"2024-{month:02d}"
        drop_csv(
            settings,
            "enterprise_registrations",
            "commerce",
            f"{period}.csv",
            events(period, ["外贸备案"] * count),
        )
    t09 = judged(settings, "2024-06-20")["T09"]  # May was due on 10 June
    assert (t09["actual_value"], t09["as_of"]) == (7.0, dt.date(2024, 5, 1))
    # 7 x 12 / 5 = 16.8 registrations: 17 by the year's end, a whole number.
    assert t09["projected_year_end"] == 17.0
    assert t09["gap_pp"] is None  # a count has no gap in percentage points
