"""The landing sensors and the nightly schedule, evaluated under Dagster's build contexts.

Tier: sensors and schedules. Definitions are built on a temporary deployment; each sensor tick
runs against an ephemeral instance with the definitions' own Warehouse resource, passing the
cursor from one tick to the next as the daemon would.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.definitions import build_definitions
from pipelines.files.contracts import FEEDS
from pipelines.settings import Settings
from pipelines.store.arrivals import SETTLE_SECONDS
from tests.helpers import drop_csv, run_refresh, settings_for

ROWS = [dict(period="2024-03", project_code="ZS-1", project_name="一号", project_type="招商引资")]


@pytest.fixture(scope="module")
def defs(tmp_path_factory: pytest.TempPathFactory) -> dg.Definitions:
    return build_definitions(settings_for(tmp_path_factory.mktemp("sensors")))


@pytest.fixture
def deployment(tmp_path: Path) -> tuple[Settings, dg.Definitions]:
    settings = settings_for(tmp_path)
    return settings, build_definitions(settings)


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def settle(path: Path) -> Path:
    """Date the file a minute back, as if its copy finished long before this tick."""
    then = time.time() - 60
    os.utime(path, (then, then))
    return path


def tick(defs: dg.Definitions, instance, cursor: str | None, feed: str = "projects"):
    context = dg.build_sensor_context(
        instance=instance, resources={"warehouse": defs.resources["warehouse"]}, cursor=cursor
    )
    return defs.resolve_sensor_def(f"landing_{feed}").evaluate_tick(context)


@pytest.mark.parametrize("feed", FEEDS)
def test_each_feed_has_a_running_sensor_for_its_ingest_job(defs, feed: str) -> None:
    sensor = defs.resolve_sensor_def(f"landing_{feed}")
    assert sensor.job_name == f"ingest_{feed}"
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    # Under the daemon's 5 s loop, so every loop evaluates it: a drop is seen within seconds.
    assert sensor.minimum_interval_seconds < 5


def test_sensor_skips_when_nothing_landed(deployment, instance) -> None:
    _, defs = deployment
    result = tick(defs, instance, cursor=None)
    assert result.run_requests == []
    assert result.skip_message == "no new files"


def test_settled_file_requests_one_run_once(deployment, instance) -> None:
    settings, defs = deployment
    settle(drop_csv(settings, "projects", "investment", "2024-03.csv", ROWS))
    first = tick(defs, instance, cursor=None)
    (request,) = first.run_requests
    assert request.run_key.startswith("projects-")
    assert request.tags["feed"] == "projects"
    assert request.tags["files"] == "1"
    assert request.job_name in (None, "ingest_projects")  # None: the sensor's own job
    again = tick(defs, instance, cursor=first.cursor)
    assert again.run_requests == []
    assert again.skip_message == "no new files"


def test_same_bytes_under_another_name_are_recorded_by_a_run_of_their_own(
    deployment, instance
) -> None:
    # The ledger records the copy (as a duplicate of the first), so it must not wait for the
    # nightly run; dropped again unchanged at the same path, the ledger would skip it: no run.
    settings, defs = deployment
    path = settle(drop_csv(settings, "projects", "investment", "2024-03.csv", ROWS))
    first = tick(defs, instance, cursor=None)
    copy = path.with_name("2024-03 - 副本.csv")
    copy.write_bytes(path.read_bytes())
    settle(copy)
    second = tick(defs, instance, cursor=first.cursor)
    [request] = second.run_requests
    assert request.run_key != first.run_requests[0].run_key
    content = path.read_bytes()
    path.unlink()
    path.write_bytes(content)
    settle(path)
    assert tick(defs, instance, cursor=second.cursor).run_requests == []


def test_a_file_moved_from_the_wrong_folder_starts_a_run(deployment, instance) -> None:
    settings, defs = deployment
    wrong = settle(drop_csv(settings, "projects", "education", "2024-03.csv", ROWS))
    first = tick(defs, instance, cursor=None)
    right = settings.landing / "projects" / "investment" / "2024-03.csv"
    right.parent.mkdir(parents=True)
    wrong.rename(right)
    [request] = tick(defs, instance, cursor=first.cursor).run_requests
    # Its own run key: Dagster would drop a request whose key an earlier run already used.
    assert request.run_key != first.run_requests[0].run_key


def test_changed_file_requests_a_new_run_with_a_new_key(deployment, instance) -> None:
    settings, defs = deployment
    settle(drop_csv(settings, "projects", "investment", "2024-03.csv", ROWS))
    first = tick(defs, instance, cursor=None)
    corrected = [{**ROWS[0], "project_name": "一号（更正）"}]
    settle(drop_csv(settings, "projects", "investment", "2024-03.csv", corrected))
    second = tick(defs, instance, cursor=first.cursor)
    (request,) = second.run_requests
    assert request.run_key != first.run_requests[0].run_key


def test_file_still_being_copied_waits(deployment, instance) -> None:
    settings, defs = deployment
    path = drop_csv(settings, "projects", "investment", "2024-03.csv", ROWS)
    # An mtime an hour ahead is "modified less than settle_seconds ago" on any clock.
    ahead = time.time() + 3600
    os.utime(path, (ahead, ahead))
    waiting = tick(defs, instance, cursor=None)
    assert waiting.run_requests == []
    settle(path)
    assert len(tick(defs, instance, cursor=waiting.cursor).run_requests) == 1


def test_file_still_settling_is_taken_in_the_same_tick(deployment, instance) -> None:
    settings, defs = deployment
    drop_csv(settings, "projects", "investment", "2024-03.csv", ROWS)  # modified just now
    started = time.monotonic()
    (request,) = tick(defs, instance, cursor=None).run_requests
    assert request.tags["files"] == "1"
    assert time.monotonic() - started < 2 * SETTLE_SECONDS + 1


def test_sensor_watches_only_its_own_feed(deployment, instance) -> None:
    settings, defs = deployment
    tourism = [dict(period="2024-03", area="太阳岛", revenue_wan=10)]
    settle(drop_csv(settings, "tourism_revenue", "culture_tourism", "2024-03.csv", tourism))
    assert tick(defs, instance, cursor=None).run_requests == []
    (request,) = tick(defs, instance, cursor=None, feed="tourism_revenue").run_requests
    assert request.run_key.startswith("tourism_revenue-")


def test_nightly_refresh_schedule(defs) -> None:
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "refresh_all"


def test_nightly_refresh_tick_requests_a_run(defs, instance) -> None:
    schedule = defs.resolve_schedule_def("nightly_refresh")
    at = dt.datetime(2024, 3, 15, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=at)
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.tags["dagster/schedule_name"] == "nightly_refresh"


def test_refresh_all_covers_every_feed(defs) -> None:
    keys = defs.resolve_job_def("refresh_all").asset_layer.executable_asset_keys
    assert {dg.AssetKey(["raw", feed]) for feed in FEEDS} <= keys


def test_a_sensor_starting_on_an_existing_deployment_runs_only_what_the_ledger_lacks(
    deployment, instance
) -> None:
    # A deployment whose files were received (by `workplan demo`, say), opened by a Dagster
    # instance whose sensors have no cursor yet: nothing is run again, a new file is.
    settings, defs = deployment
    settle(drop_csv(settings, "projects", "investment", "2024-03.csv", ROWS))
    assert run_refresh(settings).success
    first = tick(defs, instance, cursor=None)
    assert first.run_requests == [] and first.skip_message == "no new files"
    settle(drop_csv(settings, "projects", "investment", "2024-04.csv", ROWS))
    [request] = tick(defs, instance, cursor=first.cursor).run_requests
    assert request.tags["files"] == "1"
