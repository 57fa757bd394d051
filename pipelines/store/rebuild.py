"""Re-create a lost or damaged warehouse from the archive and its manifest (`workplan rebuild`).

The archive holds every file that arrived and the manifest says, in arrival order, where each
came from and when. Replaying the arrivals through the same receive path, with their own arrival
times, gives back the ledger and the raw rows; the refresh that follows validates them in the
same order, so restatements supersede as they did, and rebuilds the marts. The damaged file is
moved aside, never deleted.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipelines.files.contracts import FEEDS, load_contract
from pipelines.settings import Settings
from pipelines.store.archive import arrivals
from pipelines.store.ingest import prepare, receive, receive_stray
from pipelines.store.warehouse import connect


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild did: arrivals replayed, arrivals whose copy is gone, the file set aside."""

    replayed: int
    missing: list[str]
    set_aside: Path | None


def set_aside(warehouse: Path) -> Path | None:
    """Move the warehouse (and its write-ahead log) out of the way, keeping it for inspection."""
    if not warehouse.exists():
        return None
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = warehouse.with_name(f"{warehouse.name}.before-rebuild-{stamp}")
    os.replace(warehouse, kept)
    wal = warehouse.with_name(warehouse.name + ".wal")
    if wal.exists():
        os.replace(wal, kept.with_name(kept.name + ".wal"))
    return kept


def rebuild(settings: Settings) -> Rebuilt:
    """Replay every archived arrival into a new warehouse, in the order they came."""
    kept = set_aside(settings.warehouse)
    replayed, missing = 0, []
    with (
        connect(settings.warehouse) as con,
        tempfile.TemporaryDirectory(prefix=".rebuild-", dir=settings.home) as scratch,
    ):
        prepare(con)
        for arrival in arrivals(settings.archive):
            copy = settings.archive / arrival["archive_path"]
            if not copy.is_file():
                missing.append(arrival["landing_path"])
                continue
            # The copy goes back under its landing path, so the folder names its sender again.
            landed = Path(scratch) / arrival["landing_path"]
            landed.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(copy, landed)
            received_at = dt.datetime.fromisoformat(arrival["received_at"])
            if arrival["feed"] in FEEDS:
                contract = load_contract(arrival["feed"])
                done = receive(con, Path(scratch), settings.archive, contract, landed, received_at)
            else:
                done = receive_stray(con, Path(scratch), settings.archive, landed, received_at)
            replayed += done is not None
            landed.unlink()
    return Rebuilt(replayed, missing, kept)
