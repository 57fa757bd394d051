"""A deployment comes back from its backup: `workplan backup` of the demo deployment, `workplan
restore` into an empty home, the same scorecard and ledger there, and the restored deployment
live: its sensor starts from the restored ledger, one more file is received, nothing again.
A damaged backup and a home that holds a deployment are refused before anything is written.

Tier: end to end through the real command line, on the session's demo deployment (read, and
backed up under its lock) and a temporary home for the restore.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import build_definitions
from pipelines.settings import DEPLOYMENT_FILE
from pipelines.store.backup import BACKUP_FILE, BackupError, occupied, restore
from tests.helpers import settings_for, workplan

TOURISM = "tourism_revenue"
OCTOBER = "2025年10月旅游收入情况.csv"
NOVEMBER = "2025年11月旅游收入情况.csv"


def scorecard_and_ledger(warehouse: Path) -> tuple[list, dict[str, int]]:
    """Every column of the scorecard mart, and the row count of every ledger table."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        scorecard = con.execute("select * from marts.indicator_progress order by 1").fetchall()
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'ledger' order by 1"
        ).fetchall()
        counts = {
            table: con.execute(f'select count(*) from ledger."{table}"').fetchall()[0][0]
            for (table,) in tables
        }
    return scorecard, counts


def submissions(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select file_name, status from ledger.submissions where feed = ? order by 1", [TOURISM]
        ).fetchall()


@pytest.fixture(scope="module")
def backed_up(demo, tmp_path_factory) -> tuple[Path, Path]:
    """The demo deployment's home and the folder of its backup, made by the real command."""
    home, _ = demo
    out = tmp_path_factory.mktemp("backups")
    done = workplan(home, "backup", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    (folder,) = out.iterdir()
    return home, folder


def test_a_restored_deployment_has_the_same_scorecard_and_ledger_and_carries_on(
    backed_up, tmp_path
) -> None:
    home, folder = backed_up
    source = settings_for(home)
    restored = settings_for(tmp_path / "restored")
    done = workplan(restored.home, "restore", str(folder))
    assert done.returncode == 0, done.stdout + done.stderr

    # The same indicators of both plan years (2024's 21; 2025's 21: T07 and T12 dropped, T22 and
    # T23 added), every column, and the same rows in every ledger table.
    scorecard, counts = scorecard_and_ledger(restored.warehouse)
    assert (scorecard, counts) == scorecard_and_ledger(source.warehouse)
    assert len(scorecard) == 21 + 21
    assert scorecard_and_ledger(restored.analysts)[0] == scorecard
    # The restored analysts' file reads the fact files restored with it, not the source's.
    events = "select count(*), count(distinct submission_id) from marts.fact_enterprise_events"
    with duckdb.connect(str(source.analysts), read_only=True) as con:
        (counted,) = con.execute(events).fetchall()
    with duckdb.connect(str(restored.analysts), read_only=True) as con:
        assert con.execute(events).fetchall() == [counted] and counted[0] > 0
        (view,) = con.execute(
            "select sql from duckdb_views() where view_name = 'fact_enterprise_events'"
        ).fetchone()
        (described,) = con.execute(
            "select comment from duckdb_views() where view_name = 'fact_enterprise_events'"
        ).fetchone()
    assert str(restored.home) in view and str(source.home) not in view and described
    # The judging day the demo keeps, the archive's every copy and the receipts came back too.
    assert (restored.home / DEPLOYMENT_FILE).read_bytes() == (home / DEPLOYMENT_FILE).read_bytes()
    archived = sorted(p.relative_to(source.archive) for p in source.archive.rglob("*.*"))
    assert sorted(p.relative_to(restored.archive) for p in restored.archive.rglob("*.*")) == (
        archived
    )
    receipts = sorted(p.relative_to(source.outbox) for p in source.outbox.rglob("*.*"))
    assert receipts and receipts == sorted(
        p.relative_to(restored.outbox) for p in restored.outbox.rglob("*.*")
    )
    # The backup's ledger export holds the ledger's rows, readable without the warehouse.
    with duckdb.connect() as con:
        exported = con.execute(
            "select count(*) from read_parquet(?)", [str(folder / "ledger" / "submissions.parquet")]
        ).fetchall()[0][0]
    assert exported == counts["submissions"]

    # Live: October's file dropped again at its path (same bytes) and November's new file. The
    # sensor, on a new Dagster instance, starts from the restored ledger: one file is news.
    october = source.landing / TOURISM / "culture_tourism" / OCTOBER
    landed = restored.landing / TOURISM / "culture_tourism"
    landed.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(october, landed / OCTOBER)
    november = october.read_bytes().decode("gb18030")
    assert november.count("2025-10") == 8  # eight scenic areas and categories, one month
    november = november.replace("2025-10", "2025-11").replace("2025年10月", "2025年11月")
    (landed / NOVEMBER).write_bytes(november.encode("gb18030"))
    defs = build_definitions(restored)
    context = dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(),
        resources={"warehouse": defs.resources["warehouse"]},
    )
    (request,) = defs.resolve_sensor_def(f"landing_{TOURISM}").evaluate_tick(context).run_requests
    assert request.tags["files"] == "1"

    before = submissions(restored.warehouse)
    done = workplan(restored.home, "ingest")
    assert done.returncode == 0, done.stdout + done.stderr
    assert submissions(restored.warehouse) == sorted([*before, (NOVEMBER, "accepted")])
    # The source deployment is untouched by all this.
    assert scorecard_and_ledger(source.warehouse) == (scorecard, counts)


def test_a_damaged_backup_or_an_occupied_home_is_refused_before_anything_is_written(
    backed_up, tmp_path
) -> None:
    home, folder = backed_up
    empty = settings_for(tmp_path / "empty")

    # One archived file with one byte changed: named, and nothing written in the home.
    copy = next(p for p in (folder / "archive").rglob("*.csv"))
    original = copy.read_bytes()
    copy.write_bytes(bytes([original[0] ^ 1]) + original[1:])
    name = copy.relative_to(folder)
    try:
        with pytest.raises(BackupError) as damaged:
            restore(folder, empty)
    finally:
        copy.write_bytes(original)
    assert str(damaged.value) == (
        f"The backup is damaged: {name} does not match the SHA-256 the backup recorded"
    )
    assert occupied(empty) == [] and not list(empty.home.rglob(".*.restoring-*"))

    # A folder without its description (a backup cut short) is no backup.
    with pytest.raises(BackupError, match=f"has no {BACKUP_FILE}"):
        restore(folder / "ledger", empty)

    # A home holding a deployment is refused unless told; told, its parts are moved aside.
    restore(folder, empty)
    with pytest.raises(BackupError) as occupied_home:
        restore(folder, empty)
    assert "already holds a deployment" in str(occupied_home.value)
    assert "--force" in str(occupied_home.value)
    done = restore(folder, empty, force=True)
    assert sorted(p.name.split(".before-restore-")[0] for p in done.set_aside) == sorted(
        [
            "workplan.duckdb",
            "analysts.duckdb",
            "workplan.duckdb.facts",
            "archive",
            "outbox",
            DEPLOYMENT_FILE,
        ]
    )
    assert all(p.exists() for p in done.set_aside)
    assert len(occupied(empty)) == 6
    assert not list(empty.home.rglob(".*.restoring-*"))
