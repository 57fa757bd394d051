"""A reading's scratch files go beside the warehouse, and what a killed reading left there is
removed by the next (pipelines/store/scratch.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipelines.store.ingest import prepare, receive_feed
from pipelines.store.warehouse import connect
from tests.helpers import drop_csv, settings_for

TOURISM = "tourism_revenue"


def test_a_reading_removes_the_scratch_folders_of_processes_that_are_gone(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    drop_csv(settings, TOURISM, "culture_tourism", "3月.csv", [
        dict(period="2024-03", area="太阳岛", visitors="1,200", revenue_wan="5.5"),
    ])  # fmt: skip
    # A process that has ended: a folder named after it is what a reading killed midway left.
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    scratch = settings.warehouse.resolve().with_name(settings.warehouse.name + ".scratch")
    left = scratch / f"{int(ended.stdout)}-k1ll3d"
    left.mkdir(parents=True)
    (left / "utf8.csv").write_bytes(b"2024-03," * 1000)
    # This process is alive (a reading of another run in it would be too): its folder stays,
    # as does anything not named after a process.
    running = scratch / f"{os.getpid()}-r3ad1ng"
    running.mkdir()
    (scratch / "notes-by-an-operator").mkdir()
    with connect(settings.warehouse) as con:
        prepare(con)
        [received] = receive_feed(con, settings.landing, settings.archive, TOURISM)
        (rows,) = con.execute(f"select count(*) from raw.{TOURISM}").fetchone()
    assert (received.status, rows) == ("received", 1)
    # The ended process's folder is gone; the reading's own folder was removed when it ended.
    assert sorted(p.name for p in scratch.iterdir()) == [running.name, "notes-by-an-operator"]
