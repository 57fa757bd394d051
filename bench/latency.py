"""Event latency: a department drops a file; how soon does the analysts' file reflect it?

This is the deployment as operators run it: `workplan ui` (the Dagster webserver and daemon with
its sensors) on a demo deployment in a temporary folder, bound to 127.0.0.1 on a free port. Each
drop is a month of a district's registrations (about 800 rows) written next to the folder and
renamed into it with a fresh modification time, as a clerk's copy arrives, at a random moment of
the sensor daemon's loop, as real drops come. The clock stops when the analysts' file, opened
read-only as an analyst would, holds the file's rows among its facts. The deployment runs with
the default validation engine (`auto`: GX's own engine for a district's file, its result kept and
drawn as Data Docs), so the figures include GX's import in each run's process, its validation
and the pages it draws.
Dagster's run records then say where the time went: waiting for the sensor, the queue and run
worker start, the run itself. Every process started here is stopped, by its process group.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import duckdb
from dagster._core.scheduler.instigation import InstigatorType

from bench.dagster_runs import instance_at, run_times, runs_in_progress, step_seconds
from bench.process import measure
from bench.synthetic import DEPARTMENT, FEED, write_registrations
from bench.throughput import WORKPLAN, deployment_env
from pipelines.cli import DEMO_THROUGH
from pipelines.demo.scenario import write_demo_feeds
from pipelines.files.contracts import FEEDS, load_contract
from pipelines.jobs import ingest_job_name
from pipelines.store.warehouse import quote_identifier

DISTRICT_ROWS = 800
WARM_UP_DROPS = 1
STARTUP_SECONDS = 180.0
PUBLISH_TIMEOUT_SECONDS = 180.0
POLL_SECONDS = 0.1
STOP_GRACE_SECONDS = 30.0
# Dagster's sensor daemon evaluates sensors every 5 s. Dropping right when the previous run ends
# would keep each drop at the same point of that loop, and measure one sensor wait over and over.
SENSOR_LOOP_SECONDS = 5.0
# Codes far above any national-scale row number, so drops never reuse a benchmark file's codes.
DROP_CODE_OFFSET = 10**12


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(root: int) -> set[int]:
    """Every live process under `root`, found through /proc's parent links."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
                parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, frontier = set(), [root]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def stop(server: subprocess.Popen) -> None:
    """Stop `dagster dev` and everything it started: TERM its group, then KILL what is left."""
    tree = descendants(server.pid)
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=STOP_GRACE_SECONDS)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    for pid in [server.pid, *tree]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    server.wait()


def wait_until(condition, timeout: float, what: str, pause: float = 1.0) -> None:
    """Poll `condition` until it holds; fail the benchmark after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(pause)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
            return response.status == 200
    except OSError:
        return False


def idle(dagster_home: Path) -> bool:
    """No run of the deployment is queued, starting or running."""
    return runs_in_progress(dagster_home)[1] == 0


def startup_runs_done(dagster_home: Path) -> bool:
    """Every sensor has ticked at least once and no run is in progress. The refresh received
    every demo file, so the sensors' first ticks find nothing new (they read the ledger) and
    launch no run; were anything left, its run finishes before the first drop."""
    with instance_at(dagster_home) as instance:
        sensors = [
            s
            for s in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
            if s.is_running
        ]
        ticked = len(sensors) >= len(FEEDS) and all(
            instance.get_ticks(s.instigator_origin_id, s.selector_id, limit=1) for s in sensors
        )
    return ticked and idle(dagster_home)


def reflected(analysts: Path, file_name: str) -> str | None:
    """'published' once the analysts' facts hold the file's rows, 'rejected' if it was refused."""
    try:
        with duckdb.connect(str(analysts), read_only=True) as con:
            row = con.execute(
                "select any_value(s.status), count(f.submission_id) from ledger.submissions s "
                "left join marts.fact_enterprise_events f on f.submission_id = s.submission_id "
                "where s.file_name = ?",
                [file_name],
            ).fetchone()
    except duckdb.Error:
        return None  # swapped while opening: look again
    status, facts = row
    if facts:
        return "published"
    return "rejected" if status == "rejected" else None


def drop_and_wait(staged: Path, folder: Path, analysts: Path) -> tuple[float, float, str]:
    """Move a prepared file into landing as a fresh copy; time until the analysts see it."""
    os.utime(staged)  # a clerk's copy is new: the sensor waits for it to settle
    dropped_at = time.time()
    os.replace(staged, folder / staged.name)
    started = time.monotonic()
    seen = None
    outcome = "timeout"
    while time.monotonic() - started < PUBLISH_TIMEOUT_SECONDS:
        try:
            current = os.stat(analysts).st_ino
        except FileNotFoundError:
            current = None
        if current is not None and current != seen:
            seen = current
            outcome = reflected(analysts, staged.name) or outcome
            if outcome != "timeout":
                break
        time.sleep(POLL_SECONDS)
    return dropped_at, time.monotonic() - started, outcome


def new_registrations(path: Path, offset: int, month: int) -> Path:
    """A month of 市场监督管理局's registrations: the synthetic file with every event a new
    registration (新登记), the one kind that department reports; rows of other departments'
    kinds would be refused on receipt, and the drop would measure a rejection, not a publish."""
    write_registrations(path, DISTRICT_ROWS, offset, [month])
    (event,) = [c.header_zh for c in load_contract(FEED).columns if c.name == "event_type"]
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * replace ('新登记' as {quote_identifier(event)}) "
            "from read_csv($path, all_varchar = true, header = true)) to "
            f"'{path}.new' (header, delimiter ',')",
            {"path": str(path)},
        )
    os.replace(f"{path}.new", path)
    return path


def nearest_rank(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with `share` of values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def breakdown(drops: list[dict], dagster_home: Path) -> None:
    """Add, per drop, when its ingest run was created, started and ended after the drop, and
    what each of its steps cost."""
    runs = run_times(dagster_home, ingest_job_name(FEED))
    for drop in drops:
        after = [r for r in runs if r["created"] >= drop["dropped_at"]]
        if after:
            run = after[0]
            drop["run_created_after"] = round(run["created"] - drop["dropped_at"], 3)
            drop["run_status"] = run["status"]
            if run["started"] and run["ended"]:
                drop["run_started_after"] = round(run["started"] - drop["dropped_at"], 3)
                drop["run_seconds"] = round(run["ended"] - run["started"], 3)
                drop["steps"] = step_seconds(dagster_home, str(run["run_id"]))


def run(drops: int, data_dir: Path, guard_bytes: int, log) -> dict:
    """Start the UI on a demo deployment, drop `drops` files one after another, stop the UI."""
    home = Path(tempfile.mkdtemp(prefix="workplan-bench-latency-", dir=data_dir))
    env = deployment_env(home)
    dagster_home = home / "dagster"
    analysts = home / "warehouse" / "analysts.duckdb"
    folder = home / "landing" / FEED / DEPARTMENT
    staging = home / "staged"
    server = None
    try:
        write_demo_feeds(home / "landing", through=DEMO_THROUGH)
        prepared = measure([WORKPLAN, "refresh"], env=env, guard_bytes=guard_bytes)
        if not prepared.ok:
            raise RuntimeError(f"the demo refresh failed: {prepared.error_tail}")
        files = []
        for number in range(WARM_UP_DROPS + drops):
            month = number % 10 + 1  # restating 2024's reported months in turn
            name = f"bench-drop-{number:02d}-2024-{month:02d}.csv"
            offset = DROP_CODE_OFFSET + number * DISTRICT_ROWS
            files.append(new_registrations(staging / name, offset, month))
        port = free_port()
        with open(home / "ui.log", "wb") as ui_log:
            server = subprocess.Popen(  # noqa: S603 - the project's own command, loopback only
                [WORKPLAN, "ui", "--port", str(port)],
                env={**os.environ, **env},
                stdout=ui_log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}/server_info"
        wait_until(lambda: answers(url), STARTUP_SECONDS, "the Dagster webserver")
        wait_until(lambda: startup_runs_done(dagster_home), STARTUP_SECONDS, "the sensors' runs")
        log(f"latency: dagster dev on port {port}, sensors idle")
        measured = []
        for number, staged in enumerate(files):
            # Each drop lands on an idle deployment: the previous run's last steps (the leaders'
            # reports after the publish) would otherwise queue this one behind them.
            wait_until(lambda: idle(dagster_home), PUBLISH_TIMEOUT_SECONDS, "the previous run", 0.2)
            pause = random.Random(number).uniform(0, SENSOR_LOOP_SECONDS)  # noqa: S311 - timing
            time.sleep(pause)
            dropped_at, seconds, outcome = drop_and_wait(staged, folder, analysts)
            if number >= WARM_UP_DROPS:
                measured.append(
                    {"file": staged.name, "dropped_at": dropped_at, "seconds": seconds}
                    | {"outcome": outcome}
                )
            log(f"latency: {staged.name} {outcome} after {seconds:.1f} s")
        wait_until(lambda: idle(dagster_home), PUBLISH_TIMEOUT_SECONDS, "the last run")
        breakdown(measured, dagster_home)
        # A drop that never showed counts at its timeout: the percentiles cannot hide it.
        seconds = [d["seconds"] for d in measured]
        pages = home / "reports" / "data_docs" / "validations"
        return {
            "rows_per_drop": DISTRICT_ROWS,
            "validation_engine": {**os.environ, **env}.get("WORKPLAN_VALIDATION_ENGINE", "auto"),
            # Drops whose run drew a GX Data Docs page: the engine the figures are for.
            "data_docs_pages": len(list(pages.rglob("*.html"))) if pages.exists() else 0,
            "drops": measured,
            "published": sum(d["outcome"] == "published" for d in measured),
            "p50": statistics.median(seconds),
            "p95": nearest_rank(seconds, 0.95),
        }
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(home, ignore_errors=True)
