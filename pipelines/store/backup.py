"""A deployment's backup and its restore (`workplan backup`, `workplan restore`).

A backup holds what a deployment cannot get back any other way: the pipeline's warehouse (the
ledger and marts) with the raw rows' files, the archive (every file that arrived)
with its manifest, the analysts' file, the receipts in the outbox and the deployment's own
settings (its judging day). The ledger is also exported as Parquet, readable by any later tool
whatever DuckDB version made the warehouse. `backup.json`, written last, lists every file with
its size and SHA-256, so `restore` checks the whole backup before it writes anything.

Consistency while the pipeline runs: the warehouse is copied under its write lock (the one every
run step takes, `pipelines.store.warehouse.connect`), after a checkpoint, so the copy is a
committed state between two steps; the manifest is read under the same lock, since runs append to
it only while holding it. The archive's files (the copies, named by their content, and the GX
validation results beside them) never change once in place, so they are listed under the lock
and copied after it is released: the runs wait for the warehouse only as long as one file copy
takes. The Dagster instance (runs, event logs, sensor cursors) is not in the
backup: it is not the record (the ledger is), and a PostgreSQL instance is backed up with
`pg_dump` (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.settings import DEPLOYMENT_FILE, Settings
from pipelines.store.archive import MANIFEST, arrivals
from pipelines.store.facts import repoint_views
from pipelines.store.raw_files import root_of
from pipelines.store.warehouse import connect, quote_identifier

BACKUP_FILE = "backup.json"
BACKUP_FORMAT = 1
# A backup waits this long for a run to release the warehouse between two of its steps.
BACKUP_LOCK_WAIT_SECONDS = 600.0
HASH_CHUNK = 1 << 20


class BackupError(ValueError):
    """A backup that cannot be restored, or a home it must not be restored into, said in one line
    naming the file and what is wrong."""


@dataclass(frozen=True)
class Part:
    """One part of a deployment: where it sits in a backup and where in the home."""

    name: str  # path inside the backup
    target: Path  # path in the deployment


def parts(settings: Settings) -> list[Part]:
    """The deployment's parts a backup holds, in the order restore puts them in place."""
    return [
        Part("warehouse/workplan.duckdb", settings.warehouse),
        Part("warehouse/analysts.duckdb", settings.analysts),
        Part("warehouse/facts", root_of(settings.warehouse)),
        Part("archive", settings.archive),
        Part("outbox", settings.outbox),
        Part(DEPLOYMENT_FILE, settings.home / DEPLOYMENT_FILE),
    ]


@dataclass(frozen=True)
class BackedUp:
    """What a backup wrote: its folder, how many files, arrivals and ledger rows it holds."""

    folder: Path
    files: int
    arrivals: int
    ledger_rows: dict[str, int]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_synced(source: Path, target: Path) -> None:
    """Copy a file and flush it to disk, so a backup said to be written is on the disk."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def files_under(folder: Path) -> Iterator[Path]:
    """Every regular file below a folder, skipping a copy an interrupted run left half-written."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.endswith(".partial"):
            yield path


def ledger_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() "
            "and schema_name = 'ledger' order by 1"
        ).fetchall()
    ]


def backup(settings: Settings, out: Path) -> BackedUp:
    """Write a consistent backup of the deployment into a new folder under `out`.

    The folder appears under its final name only once complete (it is written as a hidden
    `.partial` folder and renamed), so a backup interrupted half-way is never taken for one.
    """
    if not settings.warehouse.exists():
        raise BackupError(f"{settings.warehouse} does not exist: there is no deployment to back up")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = out.resolve() / f"workplan-backup-{stamp}"
    partial = folder.with_name(f".{folder.name}.partial")
    if folder.exists():
        raise BackupError(f"{folder} exists already; wait a second or choose another --out")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        rows, archived = copy_deployment(settings, partial)
        listed = {
            str(path.relative_to(partial)): {
                "bytes": path.stat().st_size,
                "sha256": sha256_file(path),
            }
            for path in files_under(partial)
        }
        described = {
            "format": BACKUP_FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "home": str(settings.home),
            "facts_folder": str(root_of(settings.warehouse)),
            "duckdb_version": duckdb.__version__,
            "arrivals": archived,
            "ledger_rows": rows,
            "files": listed,
        }
        written = partial / BACKUP_FILE
        written.write_text(json.dumps(described, indent=1, ensure_ascii=False) + "\n", "utf-8")
        with open(written, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackedUp(folder, len(listed), archived, rows)


def copy_deployment(settings: Settings, into: Path) -> tuple[dict[str, int], int]:
    """Copy the deployment's parts into `into`: the warehouse, its ledger export and the archive
    manifest under the warehouse's write lock, the immutable archive copies after it."""
    with connect(settings.warehouse, lock_wait_seconds=BACKUP_LOCK_WAIT_SECONDS) as con:
        # Everything committed goes into the file itself: the copy needs no write-ahead log.
        con.execute("checkpoint").fetchall()
        copy_synced(settings.warehouse, into / "warehouse" / "workplan.duckdb")
        rows = {}
        for table in ledger_tables(con):
            export = into / "ledger" / f"{table}.parquet"
            export.parent.mkdir(parents=True, exist_ok=True)
            qualified = f"ledger.{quote_identifier(table)}"
            con.sql(f"select * from {qualified}").write_parquet(str(export))
            ((rows[table],),) = con.execute(f"select count(*) from {qualified}").fetchall()
        manifest = settings.archive / MANIFEST
        if manifest.exists():
            copy_synced(manifest, into / "archive" / MANIFEST)
        # What the archive held at this committed state: the arrivals' copies, and the
        # validation results kept beside them (pipelines/checks/data_docs.py).
        archived = [p for p in files_under(settings.archive) if p != manifest]
        # The raw rows' files, which both databases' views read (pipelines/store/raw_files.py).
        facts = root_of(settings.warehouse)
        row_files = [
            p
            for p in files_under(facts)
            if not any(part.startswith(".") for part in p.relative_to(facts).parts)
        ]
    # The analysts' file is swapped in whole by each publish: a copy of it is a copy of one.
    if settings.analysts.exists():
        copy_synced(settings.analysts, into / "warehouse" / "analysts.duckdb")
    # Written once and never changed (the raw rows' files too: a run only adds files), so
    # copied after the lock, without holding up a run.
    for path in archived:
        copy_synced(path, into / "archive" / path.relative_to(settings.archive))
    for path in row_files:
        copy_synced(path, into / "warehouse" / "facts" / path.relative_to(facts))
    kept = arrivals(into / "archive")
    if settings.outbox.exists():
        for path in files_under(settings.outbox):
            copy_synced(path, into / "outbox" / path.relative_to(settings.outbox))
    if (settings.home / DEPLOYMENT_FILE).exists():
        copy_synced(settings.home / DEPLOYMENT_FILE, into / DEPLOYMENT_FILE)
    return rows, len(kept)


def read_backup(folder: Path) -> dict:
    """The backup's description, refused with a clear message when it is missing or unreadable."""
    described = folder / BACKUP_FILE
    if not described.is_file():
        raise BackupError(
            f"{folder} is not a complete workplan backup: it has no {BACKUP_FILE} (a backup "
            "writes it last, so one interrupted half-way has none)"
        )
    try:
        loaded = json.loads(described.read_text(encoding="utf-8"))
    except ValueError as error:
        raise BackupError(f"{described} is damaged: not valid JSON ({error})") from None
    if not isinstance(loaded, dict) or loaded.get("format") != BACKUP_FORMAT:
        raise BackupError(
            f"{described} is not a workplan backup description of format {BACKUP_FORMAT}"
        )
    return loaded


def verify(folder: Path) -> dict:
    """Check every file the backup lists is there with its size and SHA-256; the description."""
    described = read_backup(folder)
    for name, expected in sorted(described["files"].items()):
        path = (folder / name).resolve()
        if folder.resolve() not in path.parents:
            raise BackupError(f"{folder / BACKUP_FILE} lists {name!r}, outside the backup")
        if not path.is_file():
            raise BackupError(f"The backup is damaged: {name} is missing from {folder}")
        if path.stat().st_size != expected["bytes"]:
            raise BackupError(
                f"The backup is damaged: {name} has {path.stat().st_size} bytes, "
                f"the backup recorded {expected['bytes']}"
            )
        if sha256_file(path) != expected["sha256"]:
            raise BackupError(
                f"The backup is damaged: {name} does not match the SHA-256 the backup recorded"
            )
    return described


def occupied(settings: Settings) -> list[Path]:
    """The parts of a deployment already present at the restore's targets."""
    found = []
    for part in parts(settings):
        target = part.target
        if target.is_file() or (target.is_dir() and any(files_under(target))):
            found.append(target)
    return found


@dataclass(frozen=True)
class Restored:
    """What a restore did: the backup's description and the files it moved aside."""

    described: dict
    set_aside: list[Path]


def restore(folder: Path, settings: Settings, *, force: bool = False) -> Restored:
    """Bring the deployment back from a backup folder, all parts or none.

    Refuses a damaged backup before writing anything, and a home that holds a deployment unless
    `force`, when that deployment's parts are moved aside (`<name>.before-restore-<time>`), never
    deleted. Each part is first copied beside its target and put in place by a rename only once
    every part is copied, so a restore that fails leaves the home as it found it.
    """
    described = verify(folder)
    present = occupied(settings)
    if present and not force:
        raise BackupError(
            f"{settings.home} already holds a deployment ({', '.join(map(str, present))}); "
            "restore into an empty home, or give --force to move these aside first"
        )
    staged: list[tuple[Path, Path]] = []
    try:
        for part in parts(settings):
            source = folder / part.name
            if not source.exists():
                continue
            temporary = part.target.with_name(f".{part.target.name}.restoring-{os.getpid()}")
            remove(temporary)
            if source.is_dir():
                for path in files_under(source):
                    copy_synced(path, temporary / path.relative_to(source))
            else:
                copy_synced(source, temporary)
            staged.append((temporary, part.target))
    except BaseException:
        for temporary, _ in staged:
            remove(temporary)
        raise
    set_aside = put_in_place(staged)
    # The analysts' file's fact views name the backed-up deployment's raw files.
    before, after = described.get("facts_folder"), root_of(settings.warehouse)
    if before and settings.analysts.exists() and Path(before) != after:
        repoint_views(settings.analysts, Path(before), after)
    return Restored(described, set_aside)


def put_in_place(staged: list[tuple[Path, Path]]) -> list[Path]:
    """Rename each staged part over its target, moving what was there aside."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = []
    for temporary, target in staged:
        if target.exists():
            aside = target.with_name(f"{target.name}.before-restore-{stamp}")
            os.replace(target, aside)
            kept.append(aside)
            wal = target.with_name(target.name + ".wal")
            if wal.exists():
                os.replace(wal, aside.with_name(aside.name + ".wal"))
        os.replace(temporary, target)
    return kept


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
