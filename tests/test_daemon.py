"""Against the real Dagster daemon and webserver: `workplan ui` on 127.0.0.1 with a temporary
home. Files are dropped into the landing folder and the test waits until the published analysts'
file and Dagster's GraphQL API show what each drop should have done. Every process started here
is stopped at the end, whatever happens."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.instance import local_instance
from pipelines.launcher import PID_TAG
from pipelines.settings import PROJECT_ROOT
from tests.helpers import drop_csv, runs_of, sensor_ticks, settings_for, wait_for, workplan_ui

TOURISM = "tourism_revenue"
DEPARTMENT = "culture_tourism"
SETTLE_SECONDS = 12  # two of the daemon's 5 s sensor loops plus the 1 s settle, with room


def t12(analysts: Path):
    with duckdb.connect(str(analysts), read_only=True) as con:
        return con.execute(
            "select actual_value, strftime(as_of, '%Y-%m') from marts.indicator_progress "
            "where indicator_id = 'T12'"
        ).fetchone()


def ledger(analysts: Path) -> dict[str, str]:
    with duckdb.connect(str(analysts), read_only=True) as con:
        return dict(con.execute("select file_name, status from ledger.submissions").fetchall())


def tourism(period_revenue: dict[str, int]) -> list[dict]:
    return [dict(period=p, area="太阳岛", revenue_wan=v) for p, v in period_revenue.items()]


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("daemon")
    with workplan_ui(home) as port:
        yield settings_for(home), port


def test_drops_old_files_restatements_and_duplicates_through_the_daemon(daemon):
    settings, port = daemon
    job = f"ingest_{TOURISM}"

    # 1. A drop: January 2024 against January 2023, 130 / 100 - 1 = +30%.
    drop_csv(
        settings, TOURISM, DEPARTMENT, "2024-01.csv", tourism({"2023-01": 100, "2024-01": 130})
    )
    assert wait_for(lambda: t12(settings.analysts) == (30.0, "2024-01"), "the first drop")

    # 2. An old-dated file (mtime in 2001) is not skipped: February, (130+150)/(100+100) = +40%.
    old = drop_csv(
        settings, TOURISM, DEPARTMENT, "2024-02.csv", tourism({"2023-02": 100, "2024-02": 150})
    )
    os.utime(old, (978307200, 978307200))
    assert wait_for(lambda: t12(settings.analysts) == (40.0, "2024-02"), "the old-dated file")

    # 3. A corrected January: (160+150)/(100+100) = +55%; the first file is superseded.
    drop_csv(
        settings, TOURISM, DEPARTMENT, "2024-01 更正.csv", tourism({"2023-01": 100, "2024-01": 160})
    )
    assert wait_for(lambda: t12(settings.analysts) == (55.0, "2024-02"), "the restatement")
    assert ledger(settings.analysts)["2024-01.csv"] == "superseded"

    # 4. The same bytes again under another name: an arrival the ledger records (as a duplicate,
    # within the latency target, not at the nightly run), which changes no figure.
    wait_for(lambda: all(r["status"] == "SUCCESS" for r in runs_of(port, job)), "runs to finish")
    assert len(runs_of(port, job)) == 3
    folder = settings.landing / TOURISM / DEPARTMENT
    shutil.copyfile(folder / "2024-01 更正.csv", folder / "2024-01 更正 (2).csv")
    assert wait_for(
        lambda: ledger(settings.analysts).get("2024-01 更正 (2).csv") == "duplicate", "the copy"
    )
    assert t12(settings.analysts) == (55.0, "2024-02")
    # 5. Dropped again unchanged at the same path: the ledger would skip it, so no run starts.
    wait_for(lambda: all(r["status"] == "SUCCESS" for r in runs_of(port, job)), "runs to finish")
    before = len(runs_of(port, job))
    content = (folder / "2024-02.csv").read_bytes()
    (folder / "2024-02.csv").unlink()
    (folder / "2024-02.csv").write_bytes(content)
    time.sleep(SETTLE_SECONDS)
    assert len(runs_of(port, job)) == before == 4


def forked_runs(home: Path, job: str) -> list[bool]:
    """For each of a job's runs, oldest first: whether it ran in a process forked from the
    deployment's warm process, the pid its tag names."""
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name=job))
        return [
            any(
                e.message
                == f"Started process for run (pid: {run.tags.get(PID_TAG)}), forked from the "
                "deployment's warm process."
                for e in instance.all_logs(run.run_id)
            )
            for run in reversed(runs)
        ]


def test_runs_fork_from_a_warm_process_replaced_when_the_judging_date_changes(daemon):
    """Each run of the sensors is a fork of a process that imported the code once (seconds off
    every drop); a judging date kept after that process started reaches the next run."""
    settings, port = daemon
    job = f"ingest_{TOURISM}"
    wait_for(lambda: all(r["status"] == "SUCCESS" for r in runs_of(port, job)), "runs to finish")
    assert forked_runs(settings.home, job) == [True] * 4  # the previous test's four runs

    replace(settings, as_of_date="2024-12-20").keep_judging_date()
    # March 2024: (160 + 150 + 120) / (100 + 100 + 100) = 430 / 300, +43.33%.
    drop_csv(
        settings, TOURISM, DEPARTMENT, "2024-03.csv", tourism({"2023-03": 100, "2024-03": 120})
    )

    def judged() -> tuple | None:
        with duckdb.connect(str(settings.analysts), read_only=True) as con:
            return con.execute(
                "select round(actual_value, 2), evaluated_on::varchar from "
                "marts.indicator_progress where indicator_id = 'T12' and plan_year = 2024"
            ).fetchone()

    assert wait_for(lambda: judged() == (43.33, "2024-12-20"), "the run on the new date")
    assert forked_runs(settings.home, job) == [True] * 5


def test_an_existing_home_gets_the_projects_instance_settings(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))  # local_instance sets it; restored after
    settings = settings_for(tmp_path)
    stale = settings.dagster_home / "dagster.yaml"
    stale.parent.mkdir(parents=True)
    stale.write_text("run_queue:\n  max_concurrent_runs: 4\n")
    with local_instance(settings) as instance:
        assert stale.read_bytes() == (PROJECT_ROOT / "dagster.yaml").read_bytes()
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1


def test_the_demo_opened_in_the_ui_judges_as_the_demo_did_and_runs_nothing_again(
    demo, tmp_path_factory
):
    demo_home, _ = demo
    home = tmp_path_factory.mktemp("demo-ui") / "home"
    shutil.copytree(demo_home, home)
    analysts = home / "warehouse" / "analysts.duckdb"
    # What the demo (and any command run on it since) left in the instance.
    before = {job: len(runs_of_instance(home, job)) for job in ("refresh_all", f"ingest_{TOURISM}")}
    with workplan_ui(home) as port:
        # The sensors start with no cursor on a deployment whose ledger holds every file: their
        # ticks find nothing new, and no run starts.
        for feed in ("projects", "tourism_revenue"):
            wait_for(
                lambda f=feed: any(
                    t["skipReason"] == "no new files" for t in sensor_ticks(port, f"landing_{f}")
                ),
                f"a tick of landing_{feed}",
            )
        assert {job: len(runs_of(port, job)) for job in before} == before
        # A department's copy of a file it sent: the run it starts re-scores the marts, on the
        # day the deployment keeps (the demo's), not today's.
        folder = home / "landing" / TOURISM / DEPARTMENT
        sent = sorted(folder.iterdir())[-1]
        shutil.copyfile(sent, folder / f"副本-{sent.name}")
        job = f"ingest_{TOURISM}"
        wait_for(
            lambda: (
                len(runs_of(port, job)) == before[job] + 1
                and runs_of(port, job)[0]["status"] == "SUCCESS"
            ),
            "the copy's run",
        )
    with duckdb.connect(str(analysts), read_only=True) as con:
        (copies,) = con.execute(
            "select count(*) from ledger.submissions where status = 'duplicate'"
        ).fetchone()
        assert copies == 1
        judged = con.execute("select distinct evaluated_on from marts.indicator_progress")
        assert [str(day) for (day,) in judged.fetchall()] == ["2025-11-20"]
        overdue = con.execute(
            "select max(days_overdue) from marts.feed_status where is_overdue"
        ).fetchone()
    assert overdue[0] is None or overdue[0] < 60  # judged in November 2025, not today


def runs_of_instance(home: Path, job: str) -> list:
    """A job's runs in the deployment's own instance, read without any UI running."""
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        return instance.get_runs(filters=dg.RunsFilter(job_name=job))
