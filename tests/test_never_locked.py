"""The lock promise (issue 6, items 1 and 4): analysts open their DuckDB file read-only at any
moment, during ingestion too, and always read one consistent snapshot; DuckDB 1.x clients can
open it; the Dagster webserver and daemon open no DuckDB file at all.

How it is kept: the pipeline writes only its own file; each run ends by writing a fresh copy of
the marts and the ledger and swapping it in with os.replace (assets/publish.py). A reader holds
whichever file it opened and never shares a lock with the writer. The webserver and the daemon
only load the code location (resources are paths; nothing is opened), sensors hash landing files
and keep state in their cursor, and the UI shows metadata recorded in Dagster's own storage.

The reader here is a real separate process (this module run with `python -m`): it connects
read-only in a loop while the pipeline runs 10 times in this process, each run receiving one new
small department file (a new month, then corrections), so every publication differs. Each read
checks, inside one connection, that T08's actual equals the 新登记 rows in the facts up to its
as-of month, that the ledger's accepted rows and files match the fact table, that the latest
recorded reading of T08 is the scorecard's, and that reading twice gives the same answer.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.checks.credit_code import check_character
from pipelines.definitions import build_definitions
from pipelines.files.contracts import FEEDS
from pipelines.jobs import ingest_job_name, ingest_selection
from pipelines.settings import PROJECT_ROOT, Settings
from tests.helpers import clean_env, drop_csv, receive_plan, settings_for

FEED = "enterprise_registrations"
RUNS = 10
# Month m of 2024 first arrives with m new registrations; a correction adds one more.
NEW_MONTHS = [f"2024-{m:02d}" for m in range(2, 8)]  # 6 runs
CORRECTED_MONTHS = [f"2024-{m:02d}" for m in range(1, 5)]  # 4 runs
# After all runs: 1 + 2 + ... + 7 = 28 registrations, plus one for each of 4 corrections.
FINAL_T08 = 28 + 4
# Every file stays in the ledger (the 4 originals superseded), and the plan file every
# deployment holds.
FINAL_SUBMISSIONS = 7 + 4 + 1
READER_PAUSE_SECONDS = 0.05  # between reads, so the reader does not starve the pipeline of CPU

SNAPSHOT_SQL = """
select
    (select count(*) from ledger.submissions) as submissions,
    -- no data yet is no registrations yet, for the comparison with the facts
    coalesce(p.actual_value, 0) as t08_actual,
    p.as_of as t08_as_of,
    (
        select count(*) from marts.fact_enterprise_events as e
        where e.department = 'market_regulation' and e.event_type = '新登记'
            and e.period between date_trunc('year', p.as_of) and p.as_of
    ) as t08_facts,
    (select count(*) from marts.fact_enterprise_events) as fact_rows,
    (select count(distinct submission_id) from marts.fact_enterprise_events) as fact_files,
    (
        select coalesce(sum(rows_accepted), 0) from ledger.submissions
        where feed = 'enterprise_registrations'
            and status in ('accepted', 'accepted_with_quarantine')
    ) as ledger_rows_accepted,
    (
        select count(*) from ledger.submissions
        where feed = 'enterprise_registrations'
            and status in ('accepted', 'accepted_with_quarantine')
    ) as ledger_files_accepted,
    (
        select coalesce(actual_value, 0) from ledger.scorecard_history
        where indicator_id = 'T08' order by recorded_at desc limit 1
    ) as t08_recorded
from marts.indicator_progress as p
where p.indicator_id = 'T08'
"""


def read_snapshot(con: duckdb.DuckDBPyConnection) -> dict:
    """One reading of the figures that must agree with each other, from one connection."""
    cursor = con.execute(SNAPSHOT_SQL)
    columns = [d[0] for d in cursor.description]
    (row,) = cursor.fetchall()
    # Dates as text, so the summary the reader prints is plain JSON.
    values = [v.isoformat() if hasattr(v, "isoformat") else v for v in row]
    return dict(zip(columns, values, strict=True))


def inconsistencies(snapshot: dict) -> list[str]:
    """What in one snapshot disagrees with the rest of the same snapshot."""
    checks = {
        "T08 actual = 新登记 facts up to as_of": ("t08_actual", "t08_facts"),
        "fact rows = ledger rows accepted": ("fact_rows", "ledger_rows_accepted"),
        "fact files = ledger files accepted": ("fact_files", "ledger_files_accepted"),
        "T08 actual = its latest recorded reading": ("t08_actual", "t08_recorded"),
    }
    return [name for name, (a, b) in checks.items() if snapshot[a] != snapshot[b]]


def read_until_stopped(analysts: Path, stop: Path) -> dict:
    """The reader process: read-only connects in a loop until `stop` exists, then one last read.

    Prints "reading" once the loop has started, then a JSON summary when it ends.
    """
    reads, errors, inconsistent, snapshots = 0, [], [], []
    started = False
    while True:
        stopping = stop.exists()
        try:
            with duckdb.connect(str(analysts), read_only=True) as con:
                first = read_snapshot(con)
                time.sleep(READER_PAUSE_SECONDS)  # a publication may land meanwhile
                again = read_snapshot(con)
            reads += 1
            problems = inconsistencies(first)
            if again != first:
                problems.append("the snapshot changed within one connection")
            if problems:
                inconsistent.append({"snapshot": first, "problems": problems})
            key = {k: first[k] for k in ("submissions", "t08_actual")}
            if not snapshots or snapshots[-1] != key:
                snapshots.append(key)
        except Exception as error:  # every failure to open or query is what the test counts
            errors.append(f"{type(error).__name__}: {error}")
        if not started:
            print("reading", flush=True)
            started = True
        if stopping:
            break
        time.sleep(READER_PAUSE_SECONDS)
    return {
        "reads": reads,
        "errors": errors[:20],
        "error_count": len(errors),
        "inconsistent": inconsistent[:20],
        "snapshots": snapshots,
    }


def registrations(period: str, count: int, version: int) -> list[dict]:
    """`count` new registrations in the month; each version of a month has its own codes."""
    rows = []
    for i in range(count):
        first17 = f"91230109{period[5:7]}{version}{i:06d}"
        rows.append(
            dict(
                period=period,
                credit_code=first17 + check_character(first17),
                enterprise_name=f"新区企业{period}-{version}-{i}",
                event_type="新登记",
                event_date=f"{period}-05",
                industry="软件和信息技术服务业",
            )
        )
    return rows


def drop_month(settings: Settings, period: str, corrected: bool = False) -> Path:
    """Market regulation's file for a month: m registrations in month m, one more if corrected."""
    count = int(period[5:7]) + (1 if corrected else 0)
    name = f"{period}新登记企业情况{'（更正）' if corrected else ''}.csv"
    rows = registrations(period, count, int(corrected))
    return drop_csv(settings, FEED, "market_regulation", name, rows)


@pytest.fixture(scope="module")
def runs_with_reader(tmp_path_factory: pytest.TempPathFactory):
    """Ten ingest runs (the job a landing sensor starts) with a reader process reading."""
    home = tmp_path_factory.mktemp("never_locked")
    settings = settings_for(home, as_of_date="2024-12-20")
    defs = build_definitions(settings)
    job = defs.resolve_job_def(ingest_job_name(FEED))
    # Everything the sensor's run does but draw the leaders' pictures: the scorecard asset only
    # reads the analysts' file (read-only, like the reader) and takes 1-2.5 s a run, which would
    # push ten runs well past half a minute.
    selection = ingest_selection(FEED) - dg.AssetSelection.assets(["analysts", "scorecard"])
    keys = list(selection.resolve(defs.resolve_asset_graph()))
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}

    def run() -> bool:
        result = job.execute_in_process(
            instance=instance, run_config=quiet, asset_selection=keys, raise_on_error=False
        )
        return result.success

    with dg.DagsterInstance.ephemeral() as instance:
        # The plan (its own feed's run, as its sensor would start), then the first
        # publication, so the analysts' file exists when the reader starts.
        receive_plan(settings)
        drop_month(settings, "2024-01")
        assert run()
        stop = home / "stop-reading"
        reader_log = home / "reader.log"
        reader = subprocess.Popen(
            [sys.executable, "-m", "tests.test_never_locked", str(settings.analysts), str(stop)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=reader_log.open("w"),
            text=True,
        )
        outcomes = []
        try:
            assert reader.stdout.readline().strip() == "reading", reader_log.read_text()
            for period in NEW_MONTHS:
                drop_month(settings, period)
                outcomes.append(run())
            for period in CORRECTED_MONTHS:
                drop_month(settings, period, corrected=True)
                outcomes.append(run())
        finally:
            stop.touch()
            out, _ = reader.communicate(timeout=120)
    assert reader.returncode == 0, reader_log.read_text()
    return settings, outcomes, json.loads(out)


def test_the_pipeline_ran_ten_times_while_the_reader_read(runs_with_reader):
    _, outcomes, summary = runs_with_reader
    assert outcomes == [True] * RUNS
    assert summary["reads"] > 0


def test_the_reader_never_failed_to_open_or_query_the_file(runs_with_reader):
    _, _, summary = runs_with_reader
    assert summary["error_count"] == 0, summary["errors"]


def test_every_snapshot_the_reader_saw_was_consistent(runs_with_reader):
    _, _, summary = runs_with_reader
    assert summary["inconsistent"] == []


def test_the_reader_saw_the_marts_change_and_ended_on_the_last_publication(runs_with_reader):
    _, _, summary = runs_with_reader
    snapshots = summary["snapshots"]
    assert len(snapshots) >= 3  # the reader saw several publications, not just one
    assert snapshots[-1] == {"submissions": FINAL_SUBMISSIONS, "t08_actual": FINAL_T08}
    # Publications only move forward: a reader never sees an older one after a newer one.
    counts = [s["submissions"] for s in snapshots]
    assert counts == sorted(counts)


def test_the_published_file_is_in_the_storage_format_duckdb_1x_reads(runs_with_reader):
    """DuckDB files start with an 8-byte checksum, the magic bytes DUCK and the storage version
    number (DuckDB's storage docs). 64 is what v0.10 to v1.1 write and every 1.x and 2.x release
    reads; DuckDB 1.5 reads 64 to 68 and refuses the 2.x default the pipeline's own file uses.
    The header is read, and the file opened in the 1.x CLI analysts install with pip."""
    settings, _, _ = runs_with_reader
    with open(settings.analysts, "rb") as handle:
        magic, version = struct.unpack("<8x4sQ", handle.read(20))
    assert (magic, version) == (b"DUCK", 64)
    # And the CLI analysts install with pip (duckdb-cli 1.5.6) opens it and reads the facts
    # through its views over the fact files: 28 registrations and one more per correction.
    cli = subprocess.run(
        [str(Path(sys.executable).parent / "duckdb"), "-readonly", str(settings.analysts)]
        + [
            "-csv",
            "-noheader",
            "-c",
            "select version(), count(*) from marts.fact_enterprise_events",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.split() == [f"v1.5.6,{FINAL_T08}"]


def test_loading_the_code_location_and_ticking_its_sensors_opens_no_duckdb_file(tmp_path):
    """What the webserver and the daemon do, on a deployment with a file waiting to be received:
    the real `dagster definitions validate` loads the workspace's code location as the webserver
    does, and every landing sensor ticks once. None of it may create a DuckDB file."""
    settings = settings_for(tmp_path / "home")
    waiting = drop_month(settings, "2024-01")
    settled = time.time() - 60  # copied a minute ago: the sensor acts on it now
    os.utime(waiting, (settled, settled))
    settings.dagster_home.mkdir(parents=True)
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", settings.dagster_home / "dagster.yaml")
    env = clean_env()
    env |= {"WORKPLAN_HOME": str(settings.home), "DAGSTER_HOME": str(settings.dagster_home)}
    validate = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate"]
        + ["-w", str(PROJECT_ROOT / "workspace.yaml")],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    defs = build_definitions(settings)
    requested = 0
    with dg.DagsterInstance.ephemeral() as instance:
        for feed in FEEDS:
            context = dg.build_sensor_context(
                instance=instance, resources={"warehouse": defs.resources["warehouse"]}
            )
            requested += len(
                defs.resolve_sensor_def(f"landing_{feed}").evaluate_tick(context).run_requests
            )
    # The waiting file and the deployment's plan file were seen, without opening the warehouse.
    assert requested == 2
    assert sorted(settings.home.rglob("*.duckdb*")) == []


if __name__ == "__main__":
    print(json.dumps(read_until_stopped(Path(sys.argv[1]), Path(sys.argv[2]))), flush=True)
