"""What counts as a new arrival: the sensors' decision, as a plain function over real files.

Tier: the sensors' pure decision (`pipelines.store.arrivals.new_arrivals`). Files are written to a
temporary landing folder and given explicit modification times; `now` is passed in, so nothing
depends on the wall clock.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipelines.store.arrivals import (
    SETTLE_SECONDS,
    ArrivalState,
    arrival_key,
    new_arrivals,
    scan,
    settle_wait,
)

NOW = 1_710_000_000.0  # 2024-03-10 00:00 +08:00
SETTLED = NOW - 60
CONTENT = b"projects file v1\n"
# sha256 of CONTENT, from `printf 'projects file v1\n' | sha256sum`.
DIGEST = "88caa076162c52d63c9ab3365c2f7f5ed359531066783864aea51aa7b738ee2c"


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return tmp_path / "landing"


def land(landing: Path, name: str, content: bytes, mtime: float = SETTLED) -> Path:
    path = landing / "projects" / "investment" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    os.utime(path, (mtime, mtime))
    return path


def look(landing: Path, state: ArrivalState, now: float = NOW):
    return new_arrivals(scan(landing, "projects"), state, now)


def test_new_settled_file_is_reported_with_its_sha256(landing: Path) -> None:
    path = land(landing, "2024-03.csv", CONTENT)
    fresh, state = look(landing, ArrivalState({}, set()))
    assert fresh == {f"{DIGEST} {path}": str(path)}
    assert state.hashed == {str(path): (len(CONTENT), SETTLED, DIGEST)}
    assert state.seen == {f"{DIGEST} {path}"}


def test_nothing_landed_reports_nothing(landing: Path) -> None:
    fresh, state = look(landing, ArrivalState({}, set()))
    assert fresh == {}
    assert state == ArrivalState({}, set())


def test_same_content_under_another_name_is_an_arrival_of_its_own(landing: Path) -> None:
    # The ledger records a copy under another name (as a duplicate), so it is news here too.
    first = land(landing, "2024-03.csv", CONTENT)
    second = land(landing, "2024-03 - 副本.csv", CONTENT)
    fresh, state = look(landing, ArrivalState({}, set()))
    assert fresh == {arrival_key(DIGEST, str(p)): str(p) for p in (first, second)}
    third = land(landing, "2024-03 (2).csv", CONTENT)
    fresh, state = look(landing, state)
    assert fresh == {arrival_key(DIGEST, str(third)): str(third)}
    assert look(landing, state)[0] == {}  # and once seen, no more


def test_a_file_moved_to_the_right_folder_is_news(landing: Path) -> None:
    # Dropped in the wrong department's folder (rejected there), then moved to the right one:
    # the ledger receives it anew at its new path, so the sensor must start a run for it.
    wrong = land(landing, "2024-03.csv", CONTENT)
    _, state = look(landing, ArrivalState({}, set()))
    right = landing / "projects" / "development_reform" / "2024-03.csv"
    right.parent.mkdir()
    wrong.rename(right)
    fresh, state = look(landing, state)
    assert fresh == {arrival_key(DIGEST, str(right)): str(right)}


def test_file_still_being_written_waits_until_settled(landing: Path) -> None:
    path = land(landing, "2024-03.csv", CONTENT, mtime=NOW - SETTLE_SECONDS / 2)
    fresh, state = look(landing, ArrivalState({}, set()))
    assert fresh == {}
    assert state.hashed == {}  # not hashed yet, so not remembered
    fresh, state = look(landing, state, now=NOW + 10)
    assert fresh == {arrival_key(DIGEST, str(path)): str(path)}


def test_settle_wait_is_the_time_left_for_the_newest_file(landing: Path) -> None:
    land(landing, "2024-02.csv", CONTENT)
    assert settle_wait(scan(landing, "projects"), NOW, settle_seconds=2.0) == 0.0
    land(landing, "2024-03.csv", CONTENT, mtime=NOW - 0.5)
    land(landing, "2024-04.csv", CONTENT, mtime=NOW - 1.5)
    assert settle_wait(scan(landing, "projects"), NOW, settle_seconds=2.0) == pytest.approx(1.5)
    # A file dated ahead of the clock (a skewed file server) is not waited for in this tick.
    land(landing, "2024-05.csv", CONTENT, mtime=NOW + 3600)
    assert settle_wait(scan(landing, "projects"), NOW, settle_seconds=2.0) == pytest.approx(1.5)


def test_file_with_an_old_mtime_is_still_reported(landing: Path) -> None:
    # Copies that keep the original timestamp (cp -p, unzip, Windows copy) must not be skipped,
    # even after newer files were already seen: there is no high-water mark on mtime.
    land(landing, "2024-03.csv", b"newer file\n")
    _, state = look(landing, ArrivalState({}, set()))
    old = land(landing, "2023-12.csv", CONTENT, mtime=978_307_200.0)  # 2001-01-01
    fresh, _ = look(landing, state)
    assert fresh == {arrival_key(DIGEST, str(old)): str(old)}


def test_changed_content_at_the_same_path_is_reported_again(landing: Path) -> None:
    path = land(landing, "2024-03.csv", CONTENT)
    _, state = look(landing, ArrivalState({}, set()))
    land(landing, "2024-03.csv", b"projects file v2, corrected\n", mtime=NOW - 30)
    fresh, state = look(landing, state)
    assert list(fresh.values()) == [str(path)]
    (key,) = fresh
    assert key != arrival_key(DIGEST, str(path))
    assert state.seen == {arrival_key(DIGEST, str(path)), key}


def test_unchanged_size_and_mtime_trust_the_cached_hash(landing: Path) -> None:
    # The intended trade-off: hashing every file on every tick costs I/O proportional to the
    # whole landing folder, so a path whose size and mtime match the cursor is not read again.
    # The price is that a same-size rewrite that restores the old mtime goes unnoticed here (the
    # nightly refresh still receives it, since receive() hashes every landed file).
    path = land(landing, "2024-03.csv", CONTENT)
    _, state = look(landing, ArrivalState({}, set()))
    stat = path.stat()
    path.write_bytes(b"projects file v9\n")  # same length as CONTENT
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    fresh, after = look(landing, state)
    assert fresh == {}
    assert after.hashed[str(path)][2] == DIGEST  # the stale hash, not the new content's


def test_vanished_path_is_forgotten_but_its_content_stays_seen(landing: Path) -> None:
    path = land(landing, "2024-03.csv", CONTENT)
    _, state = look(landing, ArrivalState({}, set()))
    path.unlink()
    fresh, state = look(landing, state)
    assert (fresh, state.hashed, state.seen) == ({}, {}, {arrival_key(DIGEST, str(path))})
    land(landing, "2024-03.csv", CONTENT, mtime=NOW - 20)
    fresh, _ = look(landing, state)
    assert fresh == {}


def test_hidden_files_and_other_feeds_are_not_arrivals(landing: Path) -> None:
    land(landing, ".2024-03.csv.partial", CONTENT)
    other = landing / "tourism_revenue" / "culture_tourism" / "2024-03.csv"
    other.parent.mkdir(parents=True)
    other.write_bytes(CONTENT)
    os.utime(other, (SETTLED, SETTLED))
    fresh, _ = look(landing, ArrivalState({}, set()))
    assert fresh == {}


def test_cursor_round_trips(landing: Path) -> None:
    land(landing, "2024-03.csv", CONTENT)
    land(landing, "2024-02.csv", b"february\n")
    _, state = look(landing, ArrivalState({}, set()))
    cursor = state.to_cursor()
    assert set(json.loads(cursor)) == {"hashed", "seen"}
    restored = ArrivalState.from_cursor(cursor)
    assert restored == state
    assert restored.to_cursor() == cursor
    # A restored cursor makes the same decision: nothing new.
    assert look(landing, restored)[0] == {}


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_is_an_empty_state(cursor: str | None) -> None:
    assert ArrivalState.from_cursor(cursor) == ArrivalState({}, set())
