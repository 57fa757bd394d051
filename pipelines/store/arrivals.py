"""Decide which landed files are new: by content (SHA-256), never by modification time alone.

This is the sensors' whole decision, kept as a plain function so it can be tested on its own.
A file whose size or mtime changed since the last look is hashed again; a file modified within
the last `settle_seconds` is still being copied and waits (`settle_wait` says how long).

"New" follows the ledger's own rule (`pipelines.store.ingest.receive`): an arrival is its content
at its path. The same bytes moved from a wrong folder to the right one, or copied under another
name, are recorded again by the ledger, so they are news here too and start a run of their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.store.ingest import landing_files, sha256_of

# A file untouched for a second has finished copying (clerks' files are small). Should a slow copy
# pause longer, its later writes change size and mtime, so the whole file is received again.
SETTLE_SECONDS = 1.0


@dataclass(frozen=True)
class LandedFile:
    """A file in the landing folder as the sensor saw it."""

    path: str
    size: int
    mtime: float


@dataclass
class ArrivalState:
    """The sensor cursor: what each path hashed to at its last size and mtime, and the arrivals
    seen (`arrival_key`: content and path)."""

    hashed: dict[str, tuple[int, float, str]]
    seen: set[str]

    @classmethod
    def from_cursor(cls, cursor: str | None) -> ArrivalState:
        if not cursor:
            return cls({}, set())
        data = json.loads(cursor)
        return cls({p: tuple(v) for p, v in data["hashed"].items()}, set(data["seen"]))

    def to_cursor(self) -> str:
        return json.dumps({"hashed": self.hashed, "seen": sorted(self.seen)}, sort_keys=True)


def scan(landing: Path, feed: str) -> list[LandedFile]:
    """The feed's landing files with their size and modification time."""
    files = []
    for path in landing_files(landing, feed):
        stat = path.stat()
        files.append(LandedFile(str(path), stat.st_size, stat.st_mtime))
    return files


def settle_wait(
    files: list[LandedFile], now: float, settle_seconds: float = SETTLE_SECONDS
) -> float:
    """Seconds until every file modified within the last `settle_seconds` has settled; 0 if none
    was. A file dated ahead of the clock is left to later ticks rather than held up for."""
    ages = [now - landed.mtime for landed in files]
    return max((settle_seconds - age for age in ages if 0 <= age < settle_seconds), default=0.0)


def recorded_arrivals(analysts: Path, landing: Path, feed: str) -> set[str]:
    """The feed's arrivals the ledger already holds, read from the analysts' published copy
    (never locked): a sensor starting on an existing deployment with no cursor of its own, a new
    Dagster instance say, begins from these instead of running every file again."""
    if not analysts.exists():
        return set()
    with duckdb.connect(str(analysts), read_only=True) as con:
        rows = con.execute(
            "select landing_path, sha256 from ledger.submissions where feed = ?", [feed]
        ).fetchall()
    root = landing.resolve()
    return {arrival_key(digest, str(root / relative)) for relative, digest in rows}


def arrival_key(digest: str, path: str) -> str:
    """One arrival: this content at this path, as the ledger tells arrivals apart."""
    return f"{digest} {path}"


def new_arrivals(
    files: list[LandedFile], state: ArrivalState, now: float, settle_seconds: float = SETTLE_SECONDS
) -> tuple[dict[str, str], ArrivalState]:
    """The settled files not seen before at their path with their content, as
    {arrival_key: path}, and the new state. A path that vanished is forgotten; the arrivals seen
    are kept, so a file deleted and dropped again unchanged at the same path, which the ledger
    would skip, is no news."""
    hashed: dict[str, tuple[int, float, str]] = {}
    fresh: dict[str, str] = {}
    for landed in files:
        cached = state.hashed.get(landed.path)
        if cached and cached[0] == landed.size and cached[1] == landed.mtime:
            digest = cached[2]
        elif now - landed.mtime < settle_seconds:
            continue
        else:
            try:
                digest = sha256_of(Path(landed.path))
            except FileNotFoundError:
                continue
        hashed[landed.path] = (landed.size, landed.mtime, digest)
        key = arrival_key(digest, landed.path)
        if key not in state.seen:
            fresh[key] = landed.path
    return fresh, ArrivalState(hashed, state.seen | set(fresh))
