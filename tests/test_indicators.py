"""Each kind of indicator, scored from small hand-made department files through the real path
(files -> raw -> GX checks -> staging -> marts) with `dg.materialize` on a temporary DuckDB.

Every expected number is worked out by hand in the comments next to it, from the rows below.
Pace band 0.05: on pace within ±5 points (of the target) around 序时进度 (3/12 = 0.25 for March).
"""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from pipelines.checks.credit_code import check_character
from pipelines.definitions import build_definitions
from tests.helpers import drop_csv, settings_for


def investment_rows(period: str) -> list[dict]:
    if period == "2023-03":
        return [
            # 2023 register: utilised capital in 2023 up to March = 8,000 万元.
            dict(
                period=period,
                project_code="ZS23-1",
                project_name="甲",
                project_type="招商引资",
                signed_on="2023-02-01",
                contracted_amount_wan=90000,
                utilised_capital_ytd_wan=8000,
            ),
        ]
    return [
        dict(
            period=period,
            project_code="ZS24-1",
            project_name="一号",
            project_type="招商引资",
            investor="某公司",
            capital_source="内资",
            signed_on="2024-01-15",
            contracted_amount_wan=120000,
            utilised_capital_ytd_wan=3000,
        ),
        dict(
            period=period,
            project_code="ZS24-2",
            project_name="二号",
            project_type="招商引资",
            capital_source="外资",
            signed_on="2024-02-10",
            contracted_amount_wan="250000.5",
            utilised_capital_ytd_wan=2000,
        ),
        dict(
            period=period,
            project_code="ZS24-3",
            project_name="三号",
            project_type="招商引资",
            signed_on="2024-03-20",
            contracted_amount_wan=80000,
            utilised_capital_ytd_wan=1000,
        ),
        # Signed in 2023: counts for utilised capital this year, not as a 2024 signing.
        dict(
            period=period,
            project_code="ZS23-1",
            project_name="甲",
            project_type="招商引资",
            signed_on="2023-02-01",
            contracted_amount_wan=90000,
            utilised_capital_ytd_wan=4000,
        ),
    ]


KEY_PROJECTS = [
    dict(
        period="2024-03",
        project_code="ZD-1",
        project_name="新开工",
        project_type="省市重点",
        project_level="省级",
        approved_on="2023-12-01",
        started_on="2024-02-01",
        planned_annual_investment_wan=500000,
        completed_investment_ytd_wan=350000,
    ),
    dict(
        period="2024-03",
        project_code="ZD-2",
        project_name="未开工",
        project_type="省市重点",
        project_level="市级",
        approved_on="2024-01-10",
        planned_annual_investment_wan=100000,
        completed_investment_ytd_wan=0,
    ),
    dict(
        period="2024-03",
        project_code="ZD-3",
        project_name="续建",
        project_type="省市重点",
        project_level="市级",
        approved_on="2023-01-10",
        started_on="2023-06-01",
        completed_investment_ytd_wan=150000,
    ),
]


def events(period: str, kinds: list[str]) -> list[dict]:
    """One event row per kind, each with a distinct credit code, dated the 5th of the month."""
    rows = []
    for kind in kinds:
        first17 = f"91230109{len(rows):02d}{period.replace('-', '')}{kinds.index(kind):03d}"[:17]
        first17 = first17.ljust(17, "0")
        rows.append(
            dict(
                period=period,
                credit_code=first17 + check_character(first17),
                enterprise_name=f"企业{len(rows)}",
                event_type=kind,
                event_date=f"{period}-05",
            )
        )
    return rows


def headline(period: str, metric: str, value=None, growth=None) -> dict:
    return dict(period=period, metric_code=metric, value_ytd=value, growth_pct=growth)


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory):
    # Judged on 20 April 2024, when March (due on the 10th or 15th) is the month owed: a later
    # date would find April missing and show 数据缺报, as test_status_truth.py proves.
    settings = settings_for(tmp_path_factory.mktemp("indicators"), as_of_date="2024-04-20")
    for period in ("2023-03", "2024-03"):
        drop_csv(settings, "projects", "investment", f"{period}招商.csv", investment_rows(period))
    drop_csv(settings, "projects", "development_reform", "2024-03重点.csv", KEY_PROJECTS)
    # New registrations: 2 + 3 + 1 over January to March.
    for period, count in (("2024-01", 2), ("2024-02", 3), ("2024-03", 1)):
        drop_csv(
            settings,
            "enterprise_registrations",
            "market_regulation",
            f"{period}.csv",
            events(period, ["新登记"] * count),
        )
    # High-tech: (3 certified - 1 revoked) + 2 certified + (0 - 1 revoked) = 3 net.
    for period, kinds in (
        ("2024-01", ["高企认定"] * 3 + ["高企撤销"]),
        ("2024-02", ["高企认定"] * 2),
        ("2024-03", ["高企撤销"]),
    ):
        drop_csv(
            settings,
            "enterprise_registrations",
            "science_technology",
            f"{period}.csv",
            events(period, kinds),
        )
    # Foreign-trade filings: January (3) and March (1) reported, February missing.
    for period, count in (("2024-01", 3), ("2024-03", 1)):
        drop_csv(
            settings,
            "enterprise_registrations",
            "commerce",
            f"{period}.csv",
            events(period, ["外贸备案"] * count),
        )
    # Tourism: 2023 = 100 + 80 + 60 = 240; 2024 = 130 + 100 + 80 = 310 (万元, per month).
    for year, values in (("2023", (100, 80, 60)), ("2024", (130, 100, 80))):
        for month, value in zip(("01", "02", "03"), values, strict=True):
            drop_csv(
                settings,
                "tourism_revenue",
                "culture_tourism",
                f"{year}{month}.csv",
                [dict(period=f"{year}-{month}", area="太阳岛", revenue_wan=value)],
            )
    drop_csv(
        settings,
        "headline_statistics",
        "statistics",
        "2023-03.csv",
        [
            headline("2023-03", "retail_sales", 100.0),
            headline("2023-03", "fixed_asset_investment", 200.0),
        ],
        encoding="gb18030",
    )
    drop_csv(
        settings,
        "headline_statistics",
        "statistics",
        "2024-03.csv",
        [
            headline("2024-03", "retail_sales", 107.0),
            headline("2024-03", "fixed_asset_investment", 220.8),
            headline("2024-03", "gdp", 480.0, 6.4),
            headline("2024-03", "resident_income", 9800, 6.2),
        ],
        encoding="gb18030",
    )
    drop_csv(
        settings,
        "headline_statistics",
        "finance",
        "2023-03.csv",
        [headline("2023-03", "budget_revenue", 50.0)],
    )
    drop_csv(
        settings,
        "headline_statistics",
        "finance",
        "2024-03.csv",
        [headline("2024-03", "budget_revenue", 53.5)],
    )
    drop_csv(
        settings,
        "headline_statistics",
        "human_resources",
        "2024-03.csv",
        [headline("2024-03", "industry_education_centres", 7)],
    )
    drop_csv(
        settings,
        "headline_statistics",
        "agriculture",
        "2024-03.csv",
        [headline("2024-03", "demonstration_field_area", 10000)],
    )
    drop_csv(
        settings,
        "headline_statistics",
        "science_technology",
        "2023-12.csv",
        [headline("2023-12", "high_tech_stock", 1400)],
    )
    # No school_places file at all: T13 must say no_data.

    defs = build_definitions(settings)
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources=defs.resources,
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        rows = con.execute("select * from marts.indicator_progress").df()
        monthly = con.execute("select * from marts.indicator_progress_monthly").df()
    return rows.set_index("indicator_id"), monthly


def row(marts, indicator: str):
    return marts[0].loc[indicator]


def test_count_against_more_than(marts):
    t01 = row(marts, "T01")  # three projects signed in 2024 by March; the 2023 one does not count
    assert t01.actual_value == 3
    assert t01.comparator == ">"
    assert t01.expected_progress == pytest.approx(0.25)
    assert t01.pct_of_target == pytest.approx(0.03)  # 3 / 100
    assert t01.projected_year_end == pytest.approx(12)  # 3 * 12 / 3
    assert (t01.status, t01.status_zh) == ("behind", "欠进度")


def test_amount_summed_from_wan_into_yi(marts):
    # (120,000 + 250,000.5 + 80,000) 万元 = 450,000.5 万元 = 45.00005 亿元
    assert row(marts, "T02").actual_value == pytest.approx(45.00005)
    assert row(marts, "T02").unit == "亿元"
    # Key projects: 350,000 + 0 + 150,000 万元 = 50 亿元; 50/150 = 0.333 >= 0.25 + 0.05: ahead.
    t05 = row(marts, "T05")
    assert t05.actual_value == pytest.approx(50)
    assert t05.status == "ahead"
    # Newly started in 2024: only ZD-1 (ZD-2 not started, ZD-3 started in 2023).
    assert row(marts, "T04").actual_value == 1


def test_growth_from_snapshot_against_same_month_last_year(marts):
    # Utilised capital 2024-03 = 3,000 + 2,000 + 1,000 + 4,000 = 10,000; 2023-03 = 8,000: +25%.
    t03 = row(marts, "T03")
    assert t03.actual_value == pytest.approx(25.0)
    assert t03.pct_of_target == pytest.approx(1.25)  # 25 / 20 >= 1 + 0.05: ahead
    assert t03.status == "ahead"
    assert t03.expected_progress != t03.expected_progress  # NaN: rates have no 序时进度


def test_growth_from_cumulative_monthly_figures(marts):
    # Retail sales 1-3月 cumulative: 107 / 100 - 1 = +7.0%, outside 8% ± 0.5: behind.
    t17 = row(marts, "T17")
    assert t17.actual_value == pytest.approx(7.0)
    assert t17.status == "behind"
    # Tourism flows summed from January: 310 / 240 - 1 = 29.1666...% -> 29.17.
    t12 = row(marts, "T12")
    assert t12.actual_value == pytest.approx(29.17)
    assert t12.status == "on_pace"  # 29.17 / 30 = 0.972 >= 1 - 0.05


def test_net_increase_and_stock(marts):
    t06 = row(marts, "T06")
    assert t06.actual_value == 3  # (3 - 1) + 2 + (0 - 1)
    assert t06.pct_of_target == pytest.approx(3 / 200)
    # Stock = 1,400 reported for December 2023 + 3 = 1,403.
    t07 = row(marts, "T07")
    assert t07.actual_value == 1403
    # Pace path from 1,400 to 1,500: (1,400 + 100 * 3/12) / 1,500 = 0.95.
    assert t07.expected_progress == pytest.approx(0.95)
    assert t07.pct_of_target == pytest.approx(1403 / 1500, abs=1e-4)  # kept to 4 places
    assert t07.status == "on_pace"  # 0.9353 is within 0.95 ± 0.05
    assert t07.projected_year_end == pytest.approx(1412)  # 1,400 + 3 * 12 / 3


def test_about_target_inside_and_outside_its_band(marts):
    # Fixed-asset investment: 220.8 / 200 - 1 = +10.4%, inside 10% ± 0.5.
    t18 = row(marts, "T18")
    assert t18.actual_value == pytest.approx(10.4)
    assert t18.tolerance == 0.5
    assert (t18.status, t18.status_zh) == ("on_pace", "达进度")
    # Budget revenue: 53.5 / 50 - 1 = +7.0%, above 6% ± 0.5.
    t15 = row(marts, "T15")
    assert t15.actual_value == pytest.approx(7.0)
    assert (t15.status, t15.status_zh) == ("ahead", "超进度")


def test_relative_target_follows_gdp_growth(marts):
    t19 = row(marts, "T19")
    assert t19.actual_value == pytest.approx(6.4)  # reported, comparable prices
    t16 = row(marts, "T16")
    assert t16.actual_value == pytest.approx(6.2)
    assert t16.reference_value == pytest.approx(6.4)  # T19's actual, same month
    assert t16.pct_of_target == pytest.approx(6.2 / 6.4, abs=1e-4)
    assert t16.status == "on_pace"  # |6.2 - 6.4| = 0.2 <= 0.5


def test_level_met(marts):
    t21 = row(marts, "T21")
    assert t21.actual_value == 10000
    assert (t21.status, t21.status_zh) == ("met", "已完成")
    t10 = row(marts, "T10")
    assert t10.status == "ahead"  # 7 / 20 = 0.35 >= 0.25 + 0.05


def test_feed_not_reported_is_no_data(marts):
    t13 = row(marts, "T13")
    assert (t13.status, t13.status_zh) == ("no_data", "数据缺报")
    assert t13.actual_value != t13.actual_value  # NaN: no value
    assert t13.as_of is None or t13.as_of != t13.as_of
    for indicator in ("T11", "T14", "T20"):  # metrics nobody reported
        assert row(marts, indicator).status == "no_data"


def test_a_missing_month_stops_a_flow_year_to_date(marts):
    # Commerce reported January and March, not February: only January's total stands.
    t09 = row(marts, "T09")
    assert t09.actual_value == 3
    assert str(t09.as_of)[:7] == "2024-01"
    # 3 / 30 = 0.10 against 1/12 = 0.083: within the band of ±0.05, in January. But March is
    # the month owed on 20 April and has no year-to-date figure (February is missing), so the
    # current status says so, with January's figure and status beside it.
    assert (t09.last_status, t09.last_status_zh) == ("on_pace", "达进度")
    assert (t09.status, t09.status_zh) == ("no_data", "数据缺报")
    assert str(t09.status_month)[:7] == "2024-03"
    monthly = marts[1].set_index(["indicator_id", "month"])
    assert monthly.loc["T09"].status.tolist()[:3] == ["on_pace", "no_data", "no_data"]


def test_new_registrations_year_to_date(marts):
    t08 = row(marts, "T08")
    assert t08.actual_value == 6  # 2 + 3 + 1
    monthly = marts[1].set_index(["indicator_id", "month"]).loc["T08"]
    assert monthly.actual_value.tolist()[:3] == [2, 5, 6]


def test_scorecard_has_every_indicator_with_the_submissions_behind_it(marts):
    rows = marts[0]
    assert len(rows) == 21
    assert len(row(marts, "T08").submission_ids) == 3  # one file per month, January to March
    assert len(row(marts, "T13").submission_ids) == 0
