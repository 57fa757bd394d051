"""The production profile (deploy/) against a real PostgreSQL server and the real Dagster daemon.

A throwaway PostgreSQL cluster from Debian's packages (installed once when missing and this runs
as root; skipped, with the reason, only where it cannot be) listens on a free port of 127.0.0.1
in a temporary folder. The Dagster home holds deploy/dagster.yaml unchanged, its credentials
given in the environment as the systemd units' EnvironmentFile gives them. The code server, the
daemon and the webserver are started with the command lines of deploy/systemd/*.service, so the
units themselves are what is run. Every wait has a deadline; every process and the cluster are
stopped at the end, whatever happens.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml
from dagster._core.events import DagsterEventType
from dagster._core.remote_origin import GrpcServerCodeLocationOrigin, RemoteRepositoryOrigin
from dagster._core.scheduler.instigation import (
    InstigatorType,
    ScheduleInstigatorData,
    TickStatus,
)
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import (
    QueuedRunCoordinatorDaemon,
)

from pipelines.instance import local_instance
from pipelines.settings import PROJECT_ROOT, SettingsError
from tests import helpers
from tests.helpers import (
    clean_env,
    drop_csv,
    free_port,
    graphql,
    settings_for,
    stop_group,
    workplan,
)

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = DEPLOY / "systemd"
TOURISM = "tourism_revenue"
SCHOOLS = "school_places"
# A run here is a fresh process that loads the pipeline and then works (about 30 s on a busy CI
# machine of two cores): a deadline for two queued runs one after the other, with room.
WAIT_SECONDS = 300


# --- the profile's files -------------------------------------------------------------------------


def env_names_in_yaml(node) -> set[str]:
    """Every `env: NAME` a Dagster yaml reads its value from."""
    if isinstance(node, dict):
        found = {node["env"]} if set(node) == {"env"} else set()
        return found.union(*(env_names_in_yaml(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(env_names_in_yaml(v) for v in node))
    return set()


def unit_settings(unit: str) -> dict[str, str]:
    """The [Service] settings of a systemd unit (the last of a repeated key)."""
    settings = {}
    for line in (UNITS / unit).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings[key.strip()] = value.strip()
    return settings


def example_env() -> dict[str, str]:
    lines = (DEPLOY / "workplan.env.example").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_the_profile_reads_its_secrets_from_the_environment_and_listens_on_loopback() -> None:
    instance_yaml = yaml.safe_load((DEPLOY / "dagster.yaml").read_text(encoding="utf-8"))
    workspace_yaml = yaml.safe_load((DEPLOY / "workspace.yaml").read_text(encoding="utf-8"))
    database = instance_yaml["storage"]["postgres"]["postgres_db"]
    # No credential is written in the repository: each comes from an environment variable.
    assert database.pop("scheme") == "postgresql+psycopg2"  # the driver dagster-postgres brings
    assert all(set(value) == {"env"} for value in database.values())
    # Every other setting of the embedded profile (the queue, telemetry, ...) holds in production.
    embedded = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8"))
    # Production adds a run limit per feed to the queue (see test_one_feed_at_a_time below).
    per_feed = instance_yaml["run_queue"].pop("tag_concurrency_limits")
    assert per_feed == [{"key": "feed", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}]
    # Runs forked from a warm process suit the one-machine embedded profile; production keeps
    # Dagster's own launcher, which starts each run through the separate code server.
    assert embedded.pop("run_launcher") == {
        "module": "pipelines.launcher",
        "class": "WarmRunLauncher",
    }
    assert "run_launcher" not in instance_yaml
    assert {key: instance_yaml.get(key) for key in embedded} == embedded
    assert instance_yaml["run_queue"]["max_concurrent_runs"] == 1
    # The workspace loads the code location from a gRPC code server on this machine.
    (location,) = workspace_yaml["load_from"]
    assert location["grpc_server"]["host"] == "127.0.0.1"
    # The example environment file names every variable the profile and the units read, no more.
    units = ["workplan-code.service", "workplan-daemon.service", "workplan-webserver.service"]
    commands = [unit_settings(unit)["ExecStart"] for unit in units]
    read = env_names_in_yaml(instance_yaml) | env_names_in_yaml(workspace_yaml)
    read |= {name for command in commands for name in re.findall(r"\$\{(\w+)\}", command)}
    assert set(example_env()) == read | {"WORKPLAN_HOME", "DAGSTER_HOME"}
    # Services bound to 127.0.0.1; each restarts on failure and reads the same environment file.
    code, _, webserver = commands
    assert "-h 127.0.0.1" in code and "-h 127.0.0.1" in webserver
    for unit in units:
        assert unit_settings(unit)["Restart"] == "on-failure"
        assert unit_settings(unit)["EnvironmentFile"] == "/etc/workplan/workplan.env"
    compose = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text(encoding="utf-8"))
    published = [p for s in compose["services"].values() for p in s.get("ports", [])]
    assert published and all(p.startswith("127.0.0.1:") for p in published)


# --- a throwaway PostgreSQL cluster --------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's programs (Debian keeps them per major version)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


def install_postgres() -> Path:
    """Debian's postgresql, installed once when missing and this runs as root (as `make
    postgres` does); otherwise the tier is skipped with what to install."""
    if postgres_bin() is None and os.geteuid() == 0 and shutil.which("apt-get"):
        quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=quiet, timeout=600, check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "postgresql"], env=quiet, timeout=900, check=False
        )
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip(
            "PostgreSQL is not installed and cannot be installed here (needs root and apt-get): "
            "run `make postgres` as root, or `apt-get install postgresql`"
        )
    return bindir


@contextmanager
def throwaway_cluster():
    """A PostgreSQL cluster on a free port of 127.0.0.1 with password authentication, in a
    temporary folder; yields a function making a new database there and returning the DAGSTER_PG_*
    that reach it. Root cannot run postgres: as root the cluster runs as Debian's `postgres`."""
    bindir = install_postgres()
    as_owner: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="workplan-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            pytest.skip("running as root and no `postgres` user to run the server as")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_owner = ["runuser", "-u", "postgres", "--"]
    password = secrets.token_hex(16)
    password_file = root / "password"
    password_file.write_text(password)
    if as_owner:
        os.chown(password_file, owner.pw_uid, owner.pw_gid)
    data, port = root / "data", free_port()

    def pg(program: str, *args: str) -> None:
        subprocess.run(
            [*as_owner, str(bindir / program), *args], check=True, timeout=120, capture_output=True
        )

    started = False
    try:
        pg("initdb", "-D", str(data), "-U", "workplan", "--pwfile", str(password_file),
           "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C")  # fmt: skip
        pg("pg_ctl", "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60",
           "-o", f"-h 127.0.0.1 -p {port} -k {root}", "start")  # fmt: skip
        started = True
        created = iter(range(1, 100))

        def new_database() -> dict[str, str]:
            """A database of its own, so each deployment's runs are its own."""
            name = f"workplan_dagster_{next(created)}"
            subprocess.run(
                [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "workplan",
                 name],
                env={**os.environ, "PGPASSWORD": password}, check=True, timeout=60,
            )  # fmt: skip
            return {
                "DAGSTER_PG_HOST": "127.0.0.1",
                "DAGSTER_PG_PORT": str(port),
                "DAGSTER_PG_DB": name,
                "DAGSTER_PG_USERNAME": "workplan",
                "DAGSTER_PG_PASSWORD": password,
            }

        yield new_database
    finally:
        if started:
            pg("pg_ctl", "-D", str(data), "-m", "fast", "-w", "-t", "60", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster():
    """One server for the module; each deployment gets a database of its own."""
    with throwaway_cluster() as new_database:
        yield new_database


@pytest.fixture
def postgres(cluster) -> dict[str, str]:
    return cluster()


def production_home(home: Path) -> Path:
    """A deployment folder whose Dagster home holds deploy/dagster.yaml, as the README says."""
    (home / "dagster").mkdir(parents=True)
    shutil.copyfile(DEPLOY / "dagster.yaml", home / "dagster" / "dagster.yaml")
    return home


@contextmanager
def environment(values: dict[str, str]):
    with pytest.MonkeyPatch.context() as patch:
        for name, value in values.items():
            patch.setenv(name, value)
        yield


# --- which instance `workplan` uses --------------------------------------------------------------


def test_a_production_profile_is_used_as_it_is_and_never_replaced(tmp_path, postgres) -> None:
    settings = settings_for(production_home(tmp_path))
    config = settings.dagster_home / "dagster.yaml"
    home_env = postgres | {"DAGSTER_HOME": str(settings.dagster_home)}
    with environment(home_env), local_instance(settings) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
    assert config.read_bytes() == (DEPLOY / "dagster.yaml").read_bytes()
    assert not (settings.dagster_home / "history").exists()  # no SQLite run storage made

    # A command on that home records its run in PostgreSQL, not in a SQLite file beside it.
    drop_csv(settings, TOURISM, "culture_tourism", "2024-01.csv",
             tourism({"2023-01": 100, "2024-01": 130}))  # fmt: skip
    done = workplan(settings.home, "ingest", env=postgres)
    assert done.returncode == 0, done.stdout + done.stderr
    assert t12(settings.analysts) == (30.0, "2024-01")
    with environment(home_env), local_instance(settings) as instance:
        # The deployment's plan file (tests/helpers.settings_for drops it) has a run of its own.
        ran = [(r.job_name, r.status) for r in instance.get_runs() if r.tags.get("feed") == TOURISM]
    assert ran == [(f"ingest_{TOURISM}", dg.DagsterRunStatus.SUCCESS)]
    assert config.read_bytes() == (DEPLOY / "dagster.yaml").read_bytes()
    assert not (settings.dagster_home / "history").exists()


def test_a_production_profile_that_would_run_two_pipelines_at_once_is_refused(
    tmp_path, postgres
) -> None:
    settings = settings_for(production_home(tmp_path))
    config = settings.dagster_home / "dagster.yaml"
    text = config.read_text().replace("max_concurrent_runs: 1", "max_concurrent_runs: 4")
    config.write_text(text)
    home_env = postgres | {"DAGSTER_HOME": str(settings.dagster_home)}
    with environment(home_env), pytest.raises(SettingsError) as refused:
        local_instance(settings)
    assert "must queue runs one at a time" in str(refused.value)
    assert config.read_text() == text  # the operator's file is left for the operator to fix


def test_a_profile_without_its_credentials_or_unreadable_is_refused_and_left_alone(
    tmp_path,
) -> None:
    settings = settings_for(production_home(tmp_path))
    config = settings.dagster_home / "dagster.yaml"
    with pytest.MonkeyPatch.context() as patch:
        for name in ("HOST", "PORT", "DB", "USERNAME", "PASSWORD"):
            patch.delenv(f"DAGSTER_PG_{name}", raising=False)
        patch.setenv("DAGSTER_HOME", str(settings.dagster_home))
        with pytest.raises(SettingsError) as refused:
            local_instance(settings)
        assert str(refused.value) == (
            f"The Dagster instance settings {config} read DAGSTER_PG_DB, DAGSTER_PG_HOST, "
            "DAGSTER_PG_PASSWORD, DAGSTER_PG_PORT, DAGSTER_PG_USERNAME from the environment, and "
            "they are not set. Set them as in deploy/workplan.env.example."
        )
        assert config.read_bytes() == (DEPLOY / "dagster.yaml").read_bytes()

        # A slip in the operator's file is named, not replaced by the embedded SQLite profile.
        broken = config.read_text().replace("  postgres:\n", "  postgres:\n\t", 1)
        config.write_text(broken)
        with pytest.raises(SettingsError) as unreadable:
            local_instance(settings)
        # Line 7: the tab put before `postgres_db:`.
        assert str(unreadable.value) == (
            f"The Dagster instance settings {config} (line 7) are not readable YAML. Correct the "
            "file, or delete it to use the project's embedded profile."
        )
        assert config.read_text() == broken


# --- one feed at a time ---------------------------------------------------------------------------


def queued_run(instance: dg.DagsterInstance, feed: str, status: dg.DagsterRunStatus) -> str:
    """A run of the feed's ingest job, as its sensor submits it (tagged by the job with its feed),
    recorded in the instance's run storage; the code server it names is never called."""
    job = f"ingest_{feed}"
    location = GrpcServerCodeLocationOrigin(host="127.0.0.1", port=1, location_name="workplan")
    origin = RemoteRepositoryOrigin(location, "__repository__").get_job_origin(job)
    run = dg.DagsterRun(
        job_name=job, run_id=secrets.token_hex(16), status=status, tags={"feed": feed},
        remote_job_origin=origin,
    )  # fmt: skip
    instance.add_run(run)
    return run.run_id


def to_dequeue(instance: dg.DagsterInstance) -> list[str]:
    """The queued runs Dagster's queued run coordinator would start now (its own decision, made
    on the instance's run queue settings and the runs in its storage)."""
    coordinator = QueuedRunCoordinatorDaemon(interval_seconds=1)
    chosen = coordinator._get_runs_to_dequeue(instance, instance.get_concurrency_config(), None)
    return [run.run_id for run in chosen]


def test_one_feed_at_a_time_while_another_feed_is_not_held_behind(tmp_path, postgres) -> None:
    # Tourism's first drop is running; a second tourism drop and a schools drop are queued.
    settings = settings_for(production_home(tmp_path / "one-writer"))
    home_env = postgres | {"DAGSTER_HOME": str(settings.dagster_home)}
    with environment(home_env), local_instance(settings) as instance:
        first = queued_run(instance, TOURISM, dg.DagsterRunStatus.STARTED)
        second = queued_run(instance, TOURISM, dg.DagsterRunStatus.QUEUED)
        schools = queued_run(instance, SCHOOLS, dg.DagsterRunStatus.QUEUED)
        # The profile as shipped: one warehouse, one writer, so nothing starts beside the run.
        assert to_dequeue(instance) == []

    # The same runs under the profile with its one-run limit raised (docs/scaling.md: runs over
    # several writers): the schools drop starts, the second tourism drop waits for the first, and
    # starts once the first is over.
    raised = tmp_path / "more-writers"
    raised.mkdir()
    text = (DEPLOY / "dagster.yaml").read_text(encoding="utf-8")
    assert text.count("max_concurrent_runs: 1\n") == 1
    (raised / "dagster.yaml").write_text(
        text.replace("max_concurrent_runs: 1\n", "max_concurrent_runs: 4\n")
    )
    with environment(postgres), dg.DagsterInstance.from_config(str(raised)) as instance:
        assert to_dequeue(instance) == [schools]
        instance.report_run_canceled(instance.get_run_by_id(first))
        assert to_dequeue(instance) == [second, schools]


# --- the services, as the systemd units run them -------------------------------------------------


def unit_command(unit: str, env: dict[str, str]) -> list[str]:
    """A unit's ExecStart for this checkout: /opt/workplan is the project, its .venv this
    interpreter's, ${NAME} expanded from the environment file as systemd does."""
    command = unit_settings(unit)["ExecStart"]
    command = command.replace("/opt/workplan/.venv/bin/", f"{Path(sys.executable).parent}/")
    command = command.replace("/opt/workplan", str(PROJECT_ROOT))
    return shlex.split(re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], command))


@dataclass
class Services:
    """The code server, daemon and webserver of one deployment; stop() ends every one."""

    home: Path
    env: dict[str, str]
    instance: dg.DagsterInstance
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, unit: str) -> None:
        log = open(self.home / f"{unit}.log", "a")  # noqa: SIM115 - closed with the process
        self.processes[unit] = subprocess.Popen(
            unit_command(unit, self.env),
            cwd=PROJECT_ROOT,  # the units' WorkingDirectory
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: run workers included
        )
        log.close()

    def stop(self, unit: str) -> None:
        stop_group(self.processes.pop(unit), seconds=60)

    def stop_all(self) -> None:
        for unit in reversed(list(self.processes)):
            self.stop(unit)

    def logs(self) -> str:
        """What a timed-out wait reports: the runs recorded, and the end of each service's log."""
        recorded = [(r.job_name, r.status.value) for r in self.instance.get_runs()]
        return f"runs: {recorded}\n" + "\n".join(
            f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            for log in sorted(self.home.glob("*.service.log"))
        )


def wait_for(condition, what: str, services: Services):
    """`tests.helpers.wait_for` with this tier's longer deadline and the services' logs."""
    return helpers.wait_for(condition, what, WAIT_SECONDS, explain=services.logs)


@pytest.fixture(scope="module")
def production(tmp_path_factory, cluster):
    """The deployment with its three services started; its instance opened as `workplan` does."""
    settings = settings_for(production_home(tmp_path_factory.mktemp("production")))
    env = clean_env()
    env |= cluster() | {
        "WORKPLAN_HOME": str(settings.home),
        "DAGSTER_HOME": str(settings.dagster_home),
        "WORKPLAN_CODE_SERVER_PORT": str(free_port()),
        "WORKPLAN_UI_PORT": str(free_port()),
    }
    with environment(env):
        instance = local_instance(settings)
        services = Services(settings.home, env, instance)
        try:
            services.start("workplan-code.service")
            health = [
                str(Path(sys.executable).parent / "dagster"), "api", "grpc-health-check",
                "-h", "127.0.0.1", "-p", env["WORKPLAN_CODE_SERVER_PORT"],
            ]  # fmt: skip

            def serving() -> bool:
                # A check that gets no answer in time (a busy machine) is asked again, not fatal.
                try:
                    return subprocess.run(health, capture_output=True, timeout=30).returncode == 0
                except subprocess.TimeoutExpired:
                    return False

            wait_for(serving, "the code server", services)
            services.start("workplan-daemon.service")
            services.start("workplan-webserver.service")
            wait_for(
                lambda: graphql(int(env["WORKPLAN_UI_PORT"]), "{ version }"), "the UI", services
            )
            # The plan file settings_for drops has a run of its own, started by the plans sensor:
            # until it has run there are no targets to score, whatever the feeds' runs publish.
            wait_for(lambda: finished(instance, "ingest_plans", 1), "the plan's run", services)
            yield settings, instance, services
        finally:
            services.stop_all()
            instance.dispose()


def runs(instance: dg.DagsterInstance, job: str) -> list[dg.DagsterRun]:
    return list(instance.get_runs(filters=dg.RunsFilter(job_name=job)))


def finished(instance: dg.DagsterInstance, job: str, count: int) -> bool:
    """`count` runs of the job, every one finished; a failed run fails the test at once."""
    found = runs(instance, job)
    failed = [r.run_id for r in found if r.status == dg.DagsterRunStatus.FAILURE]
    assert not failed, f"{job} run failed: {failed}"
    return len(found) == count and all(r.status == dg.DagsterRunStatus.SUCCESS for r in found)


def state_of(instance: dg.DagsterInstance, kind: InstigatorType, name: str):
    (state,) = [s for s in instance.all_instigator_state(instigator_type=kind) if s.name == name]
    return state


def t12(analysts: Path):
    with duckdb.connect(str(analysts), read_only=True) as con:
        return con.execute(
            "select actual_value, strftime(as_of, '%Y-%m') from marts.indicator_progress "
            "where indicator_id = 'T12'"
        ).fetchone()


def tourism(period_revenue: dict[str, int]) -> list[dict]:
    return [dict(period=p, area="太阳岛", revenue_wan=v) for p, v in period_revenue.items()]


def test_the_event_path_on_postgresql_with_the_real_daemon(production) -> None:
    settings, instance, services = production
    job, schools = f"ingest_{TOURISM}", f"ingest_{SCHOOLS}"

    # 1. Two drops in quick succession, to two feeds: each starts its run, both runs are queued
    # and run one at a time, and both succeed. Tourism: January 2024 against 2023, 130/100 = +30%.
    drop_csv(settings, TOURISM, "culture_tourism", "2024-01.csv",
             tourism({"2023-01": 100, "2024-01": 130}))  # fmt: skip
    drop_csv(settings, SCHOOLS, "education", "2024-01.csv",
             [dict(period="2024-01", school_project="一小", stage="小学", places=300)])  # fmt: skip
    wait_for(
        lambda: finished(instance, job, 1) and finished(instance, schools, 1),
        "the two drops' runs",
        services,
    )
    pair = [runs(instance, job)[0], runs(instance, schools)[0]]
    for run in pair:
        assert instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_ENQUEUED)
    assert [run.tags["feed"] for run in pair] == [TOURISM, SCHOOLS]  # what the per-feed limit reads
    first, second = sorted(
        (instance.get_run_record_by_id(r.run_id) for r in pair), key=lambda r: r.start_time
    )
    assert first.end_time <= second.start_time  # never side by side
    assert t12(settings.analysts) == (30.0, "2024-01")
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        statuses = con.execute(
            "select feed, file_name, status from ledger.submissions where feed in (?, ?) "
            "order by feed",
            [SCHOOLS, TOURISM],
        ).fetchall()
    assert statuses == [
        (SCHOOLS, "2024-01.csv", "accepted"),
        (TOURISM, "2024-01.csv", "accepted"),
    ]

    # 2. The daemon restarts: the sensor's cursor is the one it left in PostgreSQL.
    sensor = state_of(instance, InstigatorType.SENSOR, f"landing_{TOURISM}")
    services.stop("workplan-daemon.service")
    cursor = state_of(instance, InstigatorType.SENSOR, f"landing_{TOURISM}").instigator_data.cursor
    assert cursor and "culture_tourism/2024-01.csv" in cursor
    # While it is down, the nightly schedule's last evaluation is put a day back (what a daemon
    # stopped over a night finds), so the restarted daemon owes the night's 02:00 tick.
    schedule = state_of(instance, InstigatorType.SCHEDULE, "nightly_refresh")
    day_ago = time.time() - 25 * 3600
    instance.update_instigator_state(
        schedule.with_data(
            ScheduleInstigatorData(
                cron_schedule=schedule.instigator_data.cron_schedule,
                start_timestamp=day_ago,
                last_iteration_timestamp=day_ago,
            )
        )
    )
    restarted = time.time()
    services.start("workplan-daemon.service")

    def ticks_since_restart():
        ticks = instance.get_ticks(sensor.instigator_origin_id, sensor.selector_id, limit=5)
        return [t for t in ticks if t.timestamp > restarted and t.status == TickStatus.SKIPPED]

    after = wait_for(ticks_since_restart, "a sensor tick after the restart", services)
    assert all(t.cursor == cursor for t in after)  # kept, not rebuilt from nothing
    assert len(runs(instance, job)) == 1  # nothing run again

    # 3. The nightly schedule's tick is recorded in PostgreSQL with the refresh run it requested.
    def schedule_tick():
        ticks = instance.get_ticks(schedule.instigator_origin_id, schedule.selector_id, limit=5)
        return [t for t in ticks if t.status == TickStatus.SUCCESS and t.run_ids]

    (tick,) = wait_for(schedule_tick, "the nightly schedule's tick", services)
    (nightly,) = runs(instance, "refresh_all")
    assert nightly.run_id == tick.run_ids[0]
    assert nightly.tags["dagster/schedule_name"] == "nightly_refresh"

    # The webserver (the UI) reads the same runs from PostgreSQL.
    query = '{ runsOrError(filter: {pipelineName: "%s"}) { ... on Runs { results { status } } } }'
    answer = graphql(int(services.env["WORKPLAN_UI_PORT"]), query % job)
    assert [r["status"] for r in answer["runsOrError"]["results"]] == ["SUCCESS"]
