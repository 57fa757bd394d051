"""The archive: a byte-for-byte copy of every file that arrived, and a manifest to rebuild from.

Copies are content-addressed (`<sha256[:2]>/<sha256><suffix>`), so the same bytes are kept once
however often they arrive. The manifest (`manifest.jsonl`, one JSON line per arrival, in arrival
order) says what the hash alone cannot: the feed, the folder it came from, its name and path in
landing, and when it arrived. With the two, `workplan rebuild` re-creates a lost or damaged
warehouse (`pipelines.store.rebuild`), and each run checks that the copies behind the scorecard
are still there (`missing_copies`).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb

from pipelines.store.durable import replace_durably

MANIFEST = "manifest.jsonl"


def archive(path: Path, sha256: str, archive_root: Path) -> Path:
    """Keep the file's bytes under a content address, on disk before the ledger records it;
    an existing copy is reused."""
    target = archive_root / sha256[:2] / f"{sha256}{path.suffix.lower()[:16]}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".partial")
        shutil.copyfile(path, partial)
        replace_durably(partial, target)
    return target


def record_arrival(archive_root: Path, arrival: dict) -> None:
    """Append one arrival to the manifest, flushed to disk before the ledger records it.

    Runs take the warehouse's write lock before receiving, so one process appends at a time. A
    run killed after this line and before its ledger commit leaves the line; the next run
    receives the file again and adds another, which a rebuild reads as the same arrival.
    """
    archive_root.mkdir(parents=True, exist_ok=True)
    line = json.dumps(arrival, ensure_ascii=False, default=str) + "\n"
    with open(archive_root / MANIFEST, "a", encoding="utf-8") as manifest:
        manifest.write(line)
        manifest.flush()
        os.fsync(manifest.fileno())


def arrivals(archive_root: Path) -> list[dict]:
    """The manifest's arrivals in the order they came; a line cut by a crash is skipped."""
    path = archive_root / MANIFEST
    if not path.exists():
        return []
    found = []
    with open(path, encoding="utf-8") as manifest:
        for line in manifest:
            try:
                found.append(json.loads(line))
            except ValueError:
                continue  # the last line of a run killed while writing it
    return found


def missing_copies(con: duckdb.DuckDBPyConnection, archive_root: Path) -> list[tuple]:
    """Submissions the scorecard rests on whose archive copy is gone: (submission_id, feed,
    department, file_name, archive_path)."""
    rows = con.execute(
        "select distinct s.submission_id, s.feed, s.department, s.file_name, s.archive_path "
        "from ledger.submissions s join staging.current_submissions c using (submission_id) "
        "order by 1"
    ).fetchall()
    return [row for row in rows if not (archive_root / row[4]).is_file()]
