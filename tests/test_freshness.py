"""Freshness by the month owed, as the operator sees it in the Dagster UI: one deployment, the real
`workplan ui` (webserver and daemon), its GraphQL API, files dropped into landing, and the
`workplan refresh` command judging the same deployment on other days.

On every judging date the UI's freshness of each of the 12 landing assets (feed × department)
must say what marts.feed_status says: FAIL (Dagster's "degraded") for an overdue department,
PASS ("healthy") for one on time or complete. A correction of an older month does not refresh a
late department; the month it owed does. Freshness state is read through GraphQL
(`assetNodes { freshnessStatusInfo }`), the same field the asset pages show.

The deployment keeps 2024-11-20 as its judging date (as the demo keeps its own), so the sensors'
runs judge on that day; `workplan refresh` with WORKPLAN_AS_OF_DATE judges on another.
"""

from __future__ import annotations

from dataclasses import replace

import dagster as dg
import duckdb
import pytest
import yaml
from dagster._core.instance.ref import InstanceRef  # how `dagster dev` builds a throwaway one

from pipelines.settings import PROJECT_ROOT
from tests.helpers import (
    drop_csv,
    graphql,
    receive_plan,
    run_refresh,
    runs_of,
    settings_for,
    wait_for,
    workplan,
    workplan_ui,
)

TOURISM, CULTURE = "tourism_revenue", "culture_tourism"
SCHOOLS, EDUCATION = "school_places", "education"
KEPT_DAY = "2024-11-20"
# The 12 obligations; science_technology sends headline_statistics once a year (December).
OBLIGATIONS = [
    ("enterprise_registrations", "commerce"),
    ("enterprise_registrations", "market_regulation"),
    ("enterprise_registrations", "science_technology"),
    ("headline_statistics", "agriculture"),
    ("headline_statistics", "finance"),
    ("headline_statistics", "human_resources"),
    ("headline_statistics", "science_technology"),
    ("headline_statistics", "statistics"),
    ("projects", "development_reform"),
    ("projects", "investment"),
    ("school_places", "education"),
    ("tourism_revenue", "culture_tourism"),
]
# What the UI shows for each verdict of marts.feed_status.
UI_STATUS = {"overdue": "DEGRADED", "on_time": "HEALTHY", "complete": "HEALTHY"}


def tourism(months: range, revenue: int = 100) -> list[dict]:
    return [dict(period=f"2024-{m:02d}", area="太阳岛", revenue_wan=revenue + m) for m in months]


def schools(months: range) -> list[dict]:
    """The education bureau's register: one school, the same each month (a snapshot feed)."""
    return [
        dict(
            period=f"2024-{m:02d}",
            school_project="第一小学扩建",
            stage="小学",
            places=1080,
            planned_delivery_on="2024-09-01",
        )
        for m in months
    ]


def freshness(port: int) -> dict[tuple[str, str], str]:
    """Each landing asset's freshness as the UI shows it."""
    data = graphql(
        port, "{ assetNodes { assetKey { path } freshnessStatusInfo { freshnessStatus } } }"
    )
    return {
        tuple(node["assetKey"]["path"][1:]): (node["freshnessStatusInfo"] or {}).get(
            "freshnessStatus"
        )
        for node in data["assetNodes"]
        # The plan's folder owes no month: it has no freshness.
        if node["assetKey"]["path"][0] == "landing" and node["assetKey"]["path"][1] != "plans"
    }


def feed_status(settings) -> dict[tuple[str, str], tuple[str, str]]:
    """marts.feed_status from the analysts' copy: (status, day judged) per obligation."""
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        rows = con.execute(
            "select feed, department, status, strftime(evaluated_on, '%Y-%m-%d') "
            "from marts.feed_status"
        ).fetchall()
    return {(feed, dept): (status, day) for feed, dept, status, day in rows}


def month_owed(port: int, feed: str, department: str) -> dict:
    """The latest month_owed check of a landing asset: passed, description, metadata."""
    query = (
        '{ assetCheckExecutions(assetKey: {path: ["landing", "FEED", "DEPT"]}, '
        'checkName: "month_owed", limit: 1) { evaluation { success description '
        "metadataEntries { label ... on TextMetadataEntry { text } "
        "... on IntMetadataEntry { intValue } } } } }"
    )
    data = graphql(port, query.replace("FEED", feed).replace("DEPT", department))
    evaluation = data["assetCheckExecutions"][0]["evaluation"]
    entries = {e["label"]: e.get("text", e.get("intValue")) for e in evaluation["metadataEntries"]}
    return {"passed": evaluation["success"], "description": evaluation["description"]} | entries


def landing_materializations(port: int, feed: str, department: str) -> list[dict[str, str]]:
    """The landing asset's materializations, newest first, as their metadata."""
    query = (
        '{ assetOrError(assetKey: {path: ["landing", "FEED", "DEPT"]}) { ... on Asset { '
        "assetMaterializations(limit: 20) { metadataEntries { label "
        "... on TextMetadataEntry { text } } } } } }"
    )
    data = graphql(port, query.replace("FEED", feed).replace("DEPT", department))
    return [
        {e["label"]: e.get("text") for e in m["metadataEntries"]}
        for m in data["assetOrError"]["assetMaterializations"]
    ]


def finished(port: int, job: str, count: int) -> bool:
    runs = runs_of(port, job)
    return len(runs) == count and all(r["status"] == "SUCCESS" for r in runs)


def agree(port: int, settings, day: str) -> dict[tuple[str, str], str]:
    """Assert the UI's freshness and marts.feed_status (judged on `day`) agree on all 12
    obligations; return the UI's freshness."""
    status = wait_for(
        lambda: (s := feed_status(settings)) and {d for _, d in s.values()} == {day} and s,
        f"marts.feed_status judged on {day}",
    )
    shown = freshness(port)
    assert sorted(shown) == sorted(status) == OBLIGATIONS
    assert shown == {key: UI_STATUS[verdict] for key, (verdict, _) in status.items()}
    return shown


def expected(healthy: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    return {key: "HEALTHY" if key in healthy else "DEGRADED" for key in OBLIGATIONS}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory):
    """A deployment judged on 2024-11-20: culture_tourism sent January-September (October,
    due 11-10, is late), education January-October (November is due 12-10)."""
    home = tmp_path_factory.mktemp("freshness")
    settings = settings_for(home)
    replace(settings, as_of_date=KEPT_DAY).keep_judging_date()
    # The deployment's plan (settings_for drops the seed's) was received before: the months owed
    # are the plan year's whichever feed's run the daemon starts first.
    receive_plan(replace(settings, as_of_date=KEPT_DAY))
    drop_csv(settings, TOURISM, CULTURE, "2024年1-9月旅游收入.csv", tourism(range(1, 10)))
    drop_csv(settings, SCHOOLS, EDUCATION, "2024年1-10月学位.csv", schools(range(1, 11)))
    with workplan_ui(home) as port:
        yield settings, port


def test_freshness_follows_the_month_owed_on_every_judging_date(deployment):
    settings, port = deployment
    annual = ("headline_statistics", "science_technology")

    # 1. The sensors' runs, judged on the kept day: culture_tourism owes October (due 11-10,
    # 10 days late), education owes November (due 12-10), science_technology December 2024
    # (due 2025-01-15); every other department owes January (due in February).
    wait_for(lambda: finished(port, f"ingest_{TOURISM}", 1), "the tourism file's run")
    wait_for(lambda: finished(port, f"ingest_{SCHOOLS}", 1), "the schools file's run")
    assert agree(port, settings, KEPT_DAY) == expected({(SCHOOLS, EDUCATION), annual})
    late = month_owed(port, TOURISM, CULTURE)
    assert late["passed"] is False
    assert (late["period_owed"], late["due"], late["days_overdue"]) == ("2024-10", "2024-11-10", 10)
    assert late["description"] == (
        "文化广电和旅游局: 2024-10 was due by 2024-11-10, 10 days overdue on 2024-11-20. "
        "文化广电和旅游局：2024-10数据应于2024-11-10前报送，已逾期10天（数据缺报）。"
    )
    assert month_owed(port, SCHOOLS, EDUCATION)["passed"] is True
    # One materialization: the file brought January, the month owed, and everything to September.
    (first,) = landing_materializations(port, TOURISM, CULTURE)
    assert (first["period"], first["delivered_through"], first["next_period_owed"]) == (
        "2024-01",
        "2024-09",
        "2024-10",
    )

    # 2. A correction of March: accepted (the figures change), but it is not the month owed, so
    # the landing asset is not materialized and culture_tourism stays late in the UI and the mart.
    drop_csv(settings, TOURISM, CULTURE, "2024-03 更正.csv", tourism(range(3, 4), revenue=107))
    wait_for(lambda: finished(port, f"ingest_{TOURISM}", 2), "the correction's run")
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        (status,) = con.execute(
            "select status from ledger.submissions where file_name = '2024-03 更正.csv'"
        ).fetchone()
    assert status == "accepted"
    assert agree(port, settings, KEPT_DAY) == expected({(SCHOOLS, EDUCATION), annual})
    assert len(landing_materializations(port, TOURISM, CULTURE)) == 1

    # 3. October, the month owed: materialized with its period, and fresh in both.
    drop_csv(settings, TOURISM, CULTURE, "2024-10.csv", tourism(range(10, 11)))
    wait_for(lambda: finished(port, f"ingest_{TOURISM}", 3), "October's run")
    healthy = {(SCHOOLS, EDUCATION), annual, (TOURISM, CULTURE)}
    assert agree(port, settings, KEPT_DAY) == expected(healthy)
    newest = landing_materializations(port, TOURISM, CULTURE)[0]
    assert (newest["period"], newest["next_period_owed"]) == ("2024-10", "2024-11")
    assert month_owed(port, TOURISM, CULTURE)["period_owed"] == "2024-11"

    # 4. The same deployment judged on 2024-12-20 by `workplan refresh`: November was due by
    # 12-10 from both culture_tourism and education; the yearly return is not due yet.
    done = workplan(settings.home, "refresh", env={"WORKPLAN_AS_OF_DATE": "2024-12-20"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert agree(port, settings, "2024-12-20") == expected({annual})
    assert month_owed(port, SCHOOLS, EDUCATION)["days_overdue"] == 10

    # 5. Judged on 2024-02-05, before any deadline: January is due by 02-10 (02-15 for
    # headline_statistics), so every department is on time, even those that sent nothing.
    done = workplan(settings.home, "refresh", env={"WORKPLAN_AS_OF_DATE": "2024-02-05"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert agree(port, settings, "2024-02-05") == expected(set(OBLIGATIONS))
    # No landing asset was materialized by the re-judging runs.
    assert len(landing_materializations(port, TOURISM, CULTURE)) == 2


def test_the_ui_is_the_projects_instance_offline_without_prompts(deployment):
    settings, port = deployment
    # The sign-up/newsletter box ("nux") is off, and Dagster's own freshness daemon, which judges
    # by the wall clock and would overwrite the verdicts above, does not run.
    assert graphql(port, "{ shouldShowNux }") == {"shouldShowNux": False}
    daemons = graphql(
        port, "{ instance { daemonHealth { allDaemonStatuses { daemonType required } } } }"
    )["instance"]["daemonHealth"]["allDaemonStatuses"]
    running = {d["daemonType"] for d in daemons if d["required"]}
    assert "SENSOR" in running and "FRESHNESS_DAEMON" not in running
    # The UI runs on the deployment's own home, with the project's settings file.
    instance_file = settings.dagster_home / "dagster.yaml"
    assert instance_file.read_bytes() == (PROJECT_ROOT / "dagster.yaml").read_bytes()
    config = yaml.safe_load(instance_file.read_text())
    assert config["telemetry"] == {"enabled": False}
    assert config["nux"] == {"enabled": False}
    assert config["freshness"] == {"enabled": False}
    assert (settings.dagster_home / "storage").is_dir()  # history kept, not a throwaway home


@pytest.mark.parametrize("profile", ["dagster.yaml", "deploy/dagster.yaml"])
def test_every_instance_profile_is_offline_and_leaves_freshness_to_the_pipeline(profile, tmp_path):
    """The project's embedded profile, and the production one an operator copies into
    $DAGSTER_HOME: no telemetry, no sign-up prompt, no wall-clock freshness daemon. A plain
    `dagster dev` in the repository root is configured by the root file too (its throwaway
    instance reads dagster.yaml from the folder it starts in), so it also phones nowhere."""
    config = yaml.safe_load((PROJECT_ROOT / profile).read_text(encoding="utf-8"))
    assert (config["telemetry"], config["nux"], config["freshness"]) == (
        {"enabled": False},
        {"enabled": False},
        {"enabled": False},
    )
    if profile == "dagster.yaml":
        ref = InstanceRef.from_dir(str(tmp_path), config_dir=str(PROJECT_ROOT))
        with dg.DagsterInstance.from_ref(ref) as instance:
            assert not instance.telemetry_enabled
            assert not instance.nux_enabled
            assert not instance.freshness_enabled


def test_a_later_month_sent_over_a_gap_does_not_refresh_the_department(tmp_path):
    """In process, judged on 2024-06-20: January-March, then May without April. April (due
    05-10) is still owed, so May neither materializes the landing asset nor makes it fresh;
    April does, and the department then owes June (due 07-10)."""
    settings = settings_for(tmp_path, as_of_date="2024-06-20")
    key = dg.AssetKey(["landing", TOURISM, CULTURE])
    instance = dg.DagsterInstance.ephemeral()

    def run_with(name: str, months: range) -> tuple[list[dict], dg.AssetCheckEvaluation]:
        drop_csv(settings, TOURISM, CULTURE, name, tourism(months))
        result = run_refresh(settings, instance)
        assert result.success
        landed = [
            {k: v.value for k, v in e.materialization.metadata.items()}
            for e in result.get_asset_materialization_events()
            if e.asset_key == key
        ]
        (check,) = [
            e
            for e in result.get_asset_check_evaluations()
            if e.asset_key == key and e.check_name == "month_owed"
        ]
        return landed, check

    def freshness_state() -> str:
        return instance.get_freshness_state_records([key])[key].freshness_state.value

    landed, check = run_with("2024-01至03.csv", range(1, 4))
    assert [m["period"] for m in landed] == ["2024-01"]
    assert (check.passed, check.metadata["period_owed"].value) == (False, "2024-04")
    assert freshness_state() == "FAIL"

    landed, check = run_with("2024-05.csv", range(5, 6))
    assert landed == []
    assert (check.passed, check.metadata["days_overdue"].value) == (False, 41)
    assert freshness_state() == "FAIL"

    landed, check = run_with("2024-04.csv", range(4, 5))
    assert landed == [
        {
            "period": "2024-04",
            "periods_received": "2024-04",
            "delivered_through": "2024-05",
            "next_period_owed": "2024-06",
            "submissions": landed[0]["submissions"],
        }
    ]
    assert (check.passed, check.metadata["period_owed"].value) == (True, "2024-06")
    assert check.metadata["due"].value == "2024-07-10"
    assert freshness_state() == "PASS"
