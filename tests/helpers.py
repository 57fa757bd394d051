"""Test helpers: temporary deployments, department files written like a clerk's, runs, and the
real webserver and daemon (`workplan ui`) with the GraphQL queries that read what the UI shows."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.checks.credit_code import check_character
from pipelines.definitions import build_definitions
from pipelines.demo.scenario import write_seed_plan
from pipelines.files.contracts import load_contract
from pipelines.settings import Settings


def settings_for(
    home: Path,
    pace_band: float = 0.05,
    as_of_date: str = "",
    alert_webhook: str = "",
    validation_engine: str = "auto",
    plan: bool = True,
) -> Settings:
    """A deployment rooted in a temporary folder. Like every deployment it holds a plan: the
    seed's 2024 plan file in the supervision office's landing folder, as the demo drops it (the
    same bytes, so a demo's home gains nothing), unless `plan` is False."""
    if plan and not (home / "landing" / "plans").exists():
        write_seed_plan(home / "landing")
    return Settings(
        home=home,
        landing=home / "landing",
        archive=home / "archive",
        warehouse=home / "warehouse" / "workplan.duckdb",
        analysts=home / "warehouse" / "analysts.duckdb",
        reports=home / "reports",
        outbox=home / "outbox",
        dagster_home=home / "dagster",
        pace_band=pace_band,
        as_of_date=as_of_date,
        alert_webhook=alert_webhook,
        validation_engine=validation_engine,
    )


def credit_code(serial: int) -> str:
    """A valid unified social credit code (its check character computed) numbered `serial`."""
    first17 = f"91230109MA{serial:07d}"
    return first17 + check_character(first17)


def drop_csv(
    settings: Settings,
    feed: str,
    department: str,
    name: str,
    rows: list[dict[str, object]],
    encoding: str = "utf-8",
) -> Path:
    """Write a department file with the template's Chinese headers into the landing folder."""
    columns = load_contract(feed).columns
    path = settings.landing / feed / department / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.header_zh for c in columns])
        for row in rows:
            writer.writerow(["" if row.get(c.name) is None else row[c.name] for c in columns])
    return path


def run_refresh(settings: Settings, instance: dg.DagsterInstance | None = None):
    """Run the full refresh job in process on a temporary instance; return the result."""
    job = build_definitions(settings).resolve_job_def("refresh_all")
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(), raise_on_error=False
    )


def receive_plan(settings: Settings) -> None:
    """Receive the deployment's plan file (settings_for drops the seed's) before a UI starts, so
    the daemon's first runs already score against targets, whichever feed's run comes first."""
    plan = build_definitions(settings).resolve_job_def("ingest_plans")
    assert plan.execute_in_process(instance=dg.DagsterInstance.ephemeral()).success


# The longest any one command may take in a test.
COMMAND_SECONDS = 600


def clean_env() -> dict[str, str]:
    """This process's environment without any WORKPLAN_ or DAGSTER_ setting of the caller's
    shell, for a command or service a test starts on a deployment of its own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("WORKPLAN_", "DAGSTER_"))}


def workplan(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run the installed `workplan` command with a clean environment rooted at `home`.

    `env` adds variables (e.g. WORKPLAN_AS_OF_DATE to replay a day) after the clean-up, so no
    WORKPLAN_ or DAGSTER_ setting of the caller's shell leaks into the run.
    """
    clean = clean_env() | {"WORKPLAN_HOME": str(home), "COLUMNS": "200"} | (env or {})
    # The console script pip installed next to this interpreter.
    command = Path(sys.executable).parent / "workplan"
    assert command.exists(), "the project's command-line tool is not installed"
    # Output goes to files, not pipes, and the command runs in a session of its own that is
    # cleared when it ends: a process it leaves behind holding its stdout (once, in CI, Dagster's
    # compute-log `tail -F` outlived a finished demo) cannot stall the test past the deadline.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            [str(command), *args], env=clean, stdout=out, stderr=err, start_new_session=True
        )
        try:
            returncode = process.wait(timeout=COMMAND_SECONDS)
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(process.args, returncode, out.read(), err.read())


WAIT_SECONDS = 120
POLL_SECONDS = 1.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
        return json.loads(response.read())["data"]


def wait_for(condition, what: str, seconds: float = WAIT_SECONDS, explain=None):
    """Poll `condition` until it gives something truthy, for `seconds` at most; on time-out,
    fail naming `what`, the last error and what `explain()` says (a service's log)."""
    deadline = time.monotonic() + seconds
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = condition()
            if result:
                return result
        except (OSError, duckdb.Error, KeyError) as error:  # not up yet, or mid-swap
            last_error = error
        time.sleep(POLL_SECONDS)
    details = f"\n{explain()}" if explain else ""
    raise AssertionError(f"timed out waiting for {what} (last error: {last_error}){details}")


def runs_of(port: int, job: str) -> list[dict]:
    """The job's runs, newest first: status, id and tags."""
    query = (
        '{ runsOrError(filter: {pipelineName: "JOB"}) '
        "{ ... on Runs { results { runId status tags { key value } } } } }"
    )
    data = graphql(port, query.replace("JOB", job))
    return data["runsOrError"]["results"]


def sensor_ticks(port: int, sensor: str) -> list[dict]:
    query = (
        '{ sensorOrError(sensorSelector: {repositoryName: "__repository__", '
        'repositoryLocationName: "workplan", sensorName: "SENSOR"}) '
        "{ ... on Sensor { sensorState { ticks(limit: 5) { status skipReason } } } } }"
    )
    data = graphql(port, query.replace("SENSOR", sensor))
    return data["sensorOrError"]["sensorState"]["ticks"]


def stop_group(process: subprocess.Popen, seconds: float) -> None:
    """Stop a service started in its own process group (webserver, daemon, code servers, run
    workers): SIGTERM, and SIGKILL for what has not stopped `seconds` later."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def workplan_ui(home: Path):
    """`workplan ui` on a free port of 127.0.0.1 for the deployment at `home`; its port once the
    webserver answers. The whole process group is stopped on the way out."""
    port = free_port()
    env = clean_env()
    env["WORKPLAN_HOME"] = str(home)
    log = open(home / "ui.log", "w")  # noqa: SIM115 - closed in the finaliser below
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "workplan"), "ui", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the webserver, daemon, code servers
    )
    try:
        wait_for(lambda: graphql(port, "{ version }"), "the Dagster webserver")
        yield port
    finally:
        stop_group(process, seconds=30)
        log.close()
