"""The code location loads and holds what the operators rely on."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from assets import reference
from pipelines.definitions import build_definitions
from pipelines.files.contracts import FEEDS
from pipelines.settings import PROJECT_ROOT
from pipelines.store.warehouse import connect
from tests.helpers import settings_for


def test_definitions_hold_assets_checks_sensors_and_schedule(tmp_path):
    defs = build_definitions(settings_for(tmp_path))
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for feed in FEEDS:
        assert {f"raw/{feed}", f"staging/{feed}"} <= keys
    assert {
        "reference/targets",
        "marts/dim_indicator",
        "marts/dim_department",
        "marts/fact_projects",
        "marts/fact_enterprise_events",
        "marts/fact_tourism_revenue",
        "marts/fact_school_places",
        "marts/fact_headline_statistics",
        "marts/indicator_progress",
        "marts/indicator_progress_monthly",
        "analysts/warehouse_file",
    } <= keys
    checks = {
        (c.asset_key.to_user_string(), c.name): c
        for checks_def in defs.asset_checks
        for c in checks_def.check_specs
    }
    for feed in FEEDS:
        assert checks[(f"raw/{feed}", "gx_suite")].blocking
    sensors = {s.name: s for s in defs.sensors}
    assert set(sensors) == {f"landing_{feed}" for feed in FEEDS} | {"deliver_alerts"}
    assert not sensors["deliver_alerts"].targets  # delivery starts no run, takes no run slot
    assert all(s.default_status == dg.DefaultSensorStatus.RUNNING for s in sensors.values())
    (schedule,) = defs.schedules
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert schedule.job_name == "refresh_all"


def test_every_asset_has_a_description_and_group(tmp_path):
    graph = build_definitions(settings_for(tmp_path)).resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and len(node.description) > 40, key
        assert node.group_name != "default", key


def test_asset_keys_follow_the_warehouse_schemas(tmp_path):
    graph = build_definitions(settings_for(tmp_path)).resolve_asset_graph()
    prefixes = {key.path[0] for key in graph.get_all_asset_keys()}
    # landing/<feed>/<department> mirrors the drop folders rather than a schema.
    assert prefixes == {"landing", "reference", "raw", "staging", "marts", "ledger", "analysts"}


def test_each_department_feed_has_a_freshness_policy_by_its_due_day(tmp_path):
    graph = build_definitions(settings_for(tmp_path)).resolve_asset_graph()
    monthly = graph.get(dg.AssetKey(["landing", "projects", "investment"])).freshness_policy
    assert (monthly.deadline_cron, monthly.timezone) == ("0 0 11 * *", "Asia/Shanghai")
    annual = graph.get(
        dg.AssetKey(["landing", "headline_statistics", "science_technology"])
    ).freshness_policy
    assert annual.deadline_cron == "0 0 16 1 *"
    landing = [k for k in graph.get_all_asset_keys() if k.path[0] == "landing"]
    assert len(landing) == 13  # one per feed and department obligation, and the plan's folder
    # A plan is sent when published or revised: it owes no month and has no freshness.
    plan = graph.get(dg.AssetKey(["landing", "plans", "supervision_office"]))
    assert plan.freshness_policy is None


def test_workspace_module_loads_with_defaults():
    from pipelines import definitions

    assert isinstance(definitions.defs, dg.Definitions)
    assert definitions.defs.resolve_job_def("refresh_all").name == "refresh_all"


def test_the_instance_runs_one_run_at_a_time_and_phones_nowhere(tmp_path):
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        queue = instance.run_coordinator.get_run_queue_config()
        assert queue.max_concurrent_runs == 1  # DuckDB has one writer
        assert not instance.telemetry_enabled


def test_reference_reloads_only_when_its_sources_change(tmp_path, monkeypatch):
    warehouse = build_definitions(settings_for(tmp_path)).resources["warehouse"]

    def departments_after_a_run() -> int:
        result = dg.materialize([reference.reference_catalog], resources={"warehouse": warehouse})
        assert len(result.get_asset_materialization_events()) == 2  # reported, loaded or not
        with connect(Path(warehouse.path), read_only=True) as con:
            return con.execute("select count(*) from reference.departments").fetchone()[0]

    loaded = departments_after_a_run()  # a new warehouse: loaded
    assert loaded > 10
    with connect(Path(warehouse.path)) as con:
        con.execute("delete from reference.departments")
    assert departments_after_a_run() == 0  # sources unchanged: left as it was
    monkeypatch.setattr(reference, "sources_digest", lambda: "a changed catalog")
    assert departments_after_a_run() == loaded


def test_every_asset_has_owners_kinds_and_a_code_reference(tmp_path):
    graph = build_definitions(settings_for(tmp_path)).resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners and all(o.startswith("team:") for o in node.owners), key
        assert node.kinds, key
        if key.path[0] != "landing":  # what departments owe is external: no code builds it
            (reference,) = node.metadata["dagster/code_references"].code_references
            assert Path(reference.file_path).is_relative_to(PROJECT_ROOT / "assets"), key
    owners = {
        key.to_user_string(): set(graph.get(key).owners) for key in graph.get_all_asset_keys()
    }
    # A department owns its landing folder and, with the other senders, the feed's tables.
    assert owners["landing/school_places/education"] == {"team:education"}
    for layer in ("raw", "staging"):
        assert owners[f"{layer}/projects"] == {"team:investment", "team:development_reform"}
        assert owners[f"{layer}/tourism_revenue"] == {"team:culture_tourism"}
    # The data office owns what it builds from them.
    for key, teams in owners.items():
        if key.split("/")[0] in {"reference", "marts", "ledger", "analysts"}:
            assert teams == {"team:data_office"}, key
    for table in ("targets", "departments", "feed_departments"):
        node = graph.get(dg.AssetKey(["reference", table]))
        # The targets come from the supervision office's plan files (CSV or workbook).
        assert node.kinds == ({"duckdb", "file"} if table == "targets" else {"duckdb", "csv"})
        assert node.metadata["dagster/table_name"].value == f"reference.{table}"


def test_the_marts_have_blocking_checks(tmp_path):
    defs = build_definitions(settings_for(tmp_path))
    checks = {
        (c.asset_key.to_user_string(), c.name): c
        for checks_def in defs.asset_checks
        for c in checks_def.check_specs
    }
    assert checks[("marts/indicator_progress", "all_indicators_present")].blocking
    assert checks[("marts/indicator_progress_monthly", "owed_months_scored")].blocking
    for table in (
        "fact_projects",
        "fact_enterprise_events",
        "fact_tourism_revenue",
        "fact_school_places",
        "fact_headline_statistics",
    ):
        check = checks[(f"marts/{table}", "reconciles_with_ledger")]
        assert check.blocking and f"marts.{table}" in check.description
    # The refresh and each feed's job run the checks of the marts they rebuild.
    job = defs.resolve_job_def("refresh_all")
    assert {
        ("marts/indicator_progress", "all_indicators_present"),
        ("marts/fact_school_places", "reconciles_with_ledger"),
    } <= {
        (k.asset_key.to_user_string(), k.name) for k in job.asset_layer.asset_graph.asset_check_keys
    }


def test_a_feed_run_receives_only_its_own_feed_and_a_plan_run_restages_every_feed(tmp_path):
    """A department's file starts a run that receives, validates and stages that feed alone
    (every step costs the operator's wait), yet rebuilds the reference data and marts it reads;
    a plan changes the months every feed owes, so its run restages them all."""
    defs = build_definitions(settings_for(tmp_path))

    def steps(feed: str) -> set[str]:
        job = defs.resolve_job_def(f"ingest_{feed}")
        return {node.name for node in job.graph.node_defs}

    registrations = steps("enterprise_registrations")
    feed_steps = {f"{layer}__{feed}" for layer in ("raw", "staging") for feed in FEEDS}
    assert registrations & feed_steps == {
        "raw__enterprise_registrations",
        "staging__enterprise_registrations",
    }
    assert {
        "reference_catalog",
        "reference__targets",
        "dimensions",
        "facts",
        "analysts__warehouse_file",
    } <= (registrations)
    assert steps("plans") & feed_steps == {
        "raw__plans",
        "staging__plans",
        *(f"staging__{feed}" for feed in FEEDS if feed != "plans"),
    }
