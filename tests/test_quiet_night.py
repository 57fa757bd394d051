"""A quiet night re-scores only (issue 16): with nothing new in landing and nothing left undone
since the last runs, the nightly run is the subset that reads the judging date; new files for
one feed make it that feed's sensor run; a run that stopped half way, a new plan or another
warehouse file make it the full refresh again; the run says which, and why.

Tier: the real nightly schedule evaluated with its definitions on a persistent Dagster instance,
the run it asks for executed in process on a temporary deployment; the command-line path through
the real `workplan refresh`.
"""

from __future__ import annotations

import datetime as dt
import shutil

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import build_definitions
from pipelines.instance import local_instance
from pipelines.quiet_night import NIGHTLY_TAG, QUIET
from tests.helpers import drop_csv, settings_for, workplan

TOURISM = "tourism_revenue"
CULTURE = "culture_tourism"
FACT = dg.AssetKey(["marts", "fact_tourism_revenue"])
RAW = dg.AssetKey(["raw", TOURISM])
# What a quiet night runs, listed by hand from the asset graph: the judging date enters at
# marts.feed_status; pace, alerts, the scorecard's history and the published files follow it.
RESCORED = {
    dg.AssetKey(["marts", "feed_status"]),
    dg.AssetKey(["marts", "indicator_progress"]),
    dg.AssetKey(["marts", "indicator_progress_monthly"]),
    dg.AssetKey(["marts", "status_changes"]),
    dg.AssetKey(["ledger", "alerts"]),
    dg.AssetKey(["ledger", "scorecard_history"]),
    dg.AssetKey(["analysts", "warehouse_file"]),
    dg.AssetKey(["analysts", "scorecard"]),
    dg.AssetKey(["analysts", "gx_data_docs"]),
}


def tourism(months: range) -> list[dict]:
    return [dict(period=f"2024-{m:02d}", area="太阳岛", revenue_wan=100 + m) for m in months]


def nightly(settings, instance: dg.DagsterInstance) -> dg.RunRequest:
    defs = build_definitions(settings)
    context = dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=dt.datetime.now(dt.UTC),
        repository_def=defs.get_repository_def(),
    )
    (request,) = defs.resolve_schedule_def("nightly_refresh").evaluate_tick(context).run_requests
    return request


def run(settings, instance: dg.DagsterInstance, request: dg.RunRequest):
    """The requested run of refresh_all, in process, as the daemon would launch it."""
    job = build_definitions(settings).resolve_job_def("refresh_all")
    if request.asset_selection is not None:
        job = job.get_subset(
            asset_selection=set(request.asset_selection),
            asset_check_selection=set(request.asset_check_keys),
        )
    result = job.execute_in_process(instance=instance, tags=request.tags, raise_on_error=False)
    assert result.success
    return {event.asset_key for event in result.get_asset_materialization_events()}


def tourism_status(settings) -> tuple:
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        return con.execute(
            "select strftime(next_period, '%Y-%m'), days_overdue, evaluated_on "
            "from marts.feed_status where feed = ? and department = ?",
            [TOURISM, CULTURE],
        ).fetchone()


@pytest.fixture
def instance(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    with dg.instance_for_test(temp_dir=str(folder)) as instance:
        yield instance


def test_a_quiet_night_rescores_only_and_anything_new_or_undone_makes_it_full(
    tmp_path, instance
) -> None:
    settings = settings_for(tmp_path, as_of_date="2024-04-20")
    drop_csv(settings, TOURISM, CULTURE, "2024-01至02.csv", tourism(range(1, 3)))

    # A new deployment: nothing was ever materialized, so the whole refresh.
    first = nightly(settings, instance)
    assert first.asset_selection is None
    assert first.tags[NIGHTLY_TAG].startswith("full: never materialized")
    assert {RAW, FACT} <= run(settings, instance, first)
    # March, due 04-10, is 10 days late on 04-20.
    assert tourism_status(settings)[:2] == ("2024-03", 10)

    # Nothing new: the re-scoring subset, and the run it asks for materializes just that.
    quiet = nightly(settings, instance)
    assert quiet.tags[NIGHTLY_TAG] == QUIET
    assert set(quiet.asset_selection) == RESCORED
    assert {key.name for key in quiet.asset_check_keys} >= {"month_owed"}
    # Judged a month later: the same March owed, now 40 days late, with no fact rewritten.
    later = settings_for(tmp_path, as_of_date="2024-05-20")
    assert run(later, instance, quiet) == RESCORED
    assert tourism_status(settings) == ("2024-03", 40, dt.date(2024, 5, 20))

    # March arrives: only the tourism feed's landing changed since its raw asset looked, so the
    # night runs what its sensor would: that feed received, validated and staged, then the
    # re-scoring; the other feeds' steps are not run.
    drop_csv(settings, TOURISM, CULTURE, "2024-03.csv", tourism(range(3, 4)))
    partial = nightly(later, instance)
    assert partial.tags[NIGHTLY_TAG] == "partial: new files for tourism_revenue"
    assert {RAW, FACT, dg.AssetKey(["staging", TOURISM])} | RESCORED <= set(partial.asset_selection)
    assert dg.AssetKey(["raw", "projects"]) not in partial.asset_selection
    assert dg.AssetCheckKey(RAW, "gx_suite") in partial.asset_check_keys

    # A run that received it and stopped before staging it (the raw step alone): full, since
    # the staging step is older than what it reads.
    job = build_definitions(later).resolve_job_def("refresh_all")
    assert job.get_subset(asset_selection={RAW}).execute_in_process(instance=instance).success
    undone = nightly(later, instance)
    assert undone.tags[NIGHTLY_TAG] == (
        "full: staging/tourism_revenue is older than raw/tourism_revenue"
    )
    assert {RAW, FACT} <= run(later, instance, undone)
    assert tourism_status(settings)[:2] == ("2024-04", 10)  # April was due by 05-10
    assert nightly(later, instance).tags[NIGHTLY_TAG] == QUIET

    # April arrives and the partial night takes it: published, and the night after is quiet.
    drop_csv(settings, TOURISM, CULTURE, "2024-04.csv", tourism(range(4, 5)))
    partial = nightly(later, instance)
    assert partial.tags[NIGHTLY_TAG] == "partial: new files for tourism_revenue"
    ran = run(later, instance, partial)
    assert {RAW, FACT} | RESCORED <= ran
    assert dg.AssetKey(["raw", "projects"]) not in ran
    assert tourism_status(settings)[:2] == ("2024-05", 0)  # May is due by 06-10
    assert nightly(later, instance).tags[NIGHTLY_TAG] == QUIET

    # A new plan file restages every feed: full.
    drop_csv(settings, "plans", "supervision_office", "extra.csv", [dict(note="x")])
    assert nightly(later, instance).tags[NIGHTLY_TAG] == (
        "full: raw/plans: landing, code or warehouse changed since it looked"
    )

    # Another warehouse file at the same path (restored from a backup, say): full again.
    copy = settings.warehouse.with_name("copy.duckdb")
    shutil.copyfile(settings.warehouse, copy)
    copy.replace(settings.warehouse)
    moved = nightly(later, instance)
    assert moved.tags[NIGHTLY_TAG].startswith("full: raw/")


def test_workplan_refresh_rescores_only_when_nothing_is_new(tmp_path) -> None:
    settings = settings_for(tmp_path)
    drop_csv(settings, TOURISM, CULTURE, "2024-01至02.csv", tourism(range(1, 3)))
    env = {"WORKPLAN_AS_OF_DATE": "2024-04-20"}
    done = workplan(tmp_path, "refresh", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Nightly run," not in done.stdout
    assert tourism_status(settings)[:2] == ("2024-03", 10)

    done = workplan(tmp_path, "refresh", env={"WORKPLAN_AS_OF_DATE": "2024-05-20"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Nightly run, {QUIET}" in done.stdout
    assert tourism_status(settings)[:2] == ("2024-03", 40)
    instance = local_instance(settings)
    (last,) = instance.get_run_records(limit=1)
    assert last.dagster_run.tags[NIGHTLY_TAG] == QUIET
    events = instance.all_logs(
        last.dagster_run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    )
    assert {event.dagster_event.asset_key for event in events} == RESCORED

    # `--full` receives and rebuilds everything all the same.
    done = workplan(tmp_path, "refresh", "--full", env={"WORKPLAN_AS_OF_DATE": "2024-05-20"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Nightly run," not in done.stdout
    (last,) = instance.get_run_records(limit=1)
    assert NIGHTLY_TAG not in last.dagster_run.tags
    events = instance.all_logs(
        last.dagster_run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    )
    assert {RAW, FACT} | RESCORED <= {event.dagster_event.asset_key for event in events}
