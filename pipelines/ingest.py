"""Receive department files: archive each byte for byte, record it in the ledger, load it to raw.

A submission is identified by its content (SHA-256), so the same file dropped twice is one
submission. Each file is loaded in its own transaction: a crash leaves it either fully recorded
or not at all, and the next run picks it up again from the landing folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.conform import ensure_typed_view
from pipelines.contracts import Contract, load_contract
from pipelines.reading import FileRejected, canonical_select, load_file
from pipelines.warehouse import quote_identifier, run_sql


@dataclass(frozen=True)
class Submission:
    """What the ledger says about one received file."""

    submission_id: str
    feed: str
    department: str | None
    file_name: str
    status: str
    rows_read: int
    message_en: str | None


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks so large files stay out of memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def landing_files(landing: Path, feed: str) -> list[Path]:
    """Regular, visible files under `landing/<feed>/`, never following a link out of the root."""
    root = (landing / feed).resolve()
    if not root.is_dir():
        return []
    files = []
    for path in sorted(root.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if path.is_file() and not path.is_symlink() and root in path.resolve().parents:
            files.append(path)
    return files


def ensure_raw_table(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Create the feed's raw table: the contract's columns as text, as received."""
    columns = ", ".join(f"{quote_identifier(c)} varchar" for c in contract.column_names)
    con.execute(
        f"create table if not exists raw.{quote_identifier(contract.feed)} "
        f"(submission_id varchar not null, row_number integer not null, {columns})"
    )


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Create schemas, parsers, ledger and every feed's raw table; idempotent."""
    from pipelines.contracts import FEEDS

    run_sql(con, "setup/schemas")
    run_sql(con, "setup/parsers")
    for feed in FEEDS:
        contract = load_contract(feed)
        ensure_raw_table(con, contract)
        ensure_typed_view(con, contract)
    run_sql(con, "staging/current_submissions")


def archive(path: Path, sha256: str, archive_root: Path) -> Path:
    """Keep the file's bytes under a content address; an existing copy is reused."""
    target = archive_root / sha256[:2] / f"{sha256}{path.suffix.lower()[:16]}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".partial")
        shutil.copyfile(path, partial)
        partial.replace(target)
    return target


def department_of(path: Path, landing: Path, contract: Contract) -> str:
    """The sender is the drop folder the file sits in: `landing/<feed>/<department>/`."""
    parts = path.relative_to((landing / contract.feed).resolve()).parts
    department = parts[0] if len(parts) == 2 else None
    if department not in contract.departments:
        raise FileRejected(
            f"Files for feed {contract.feed} must be dropped in a department folder "
            f"({', '.join(contract.departments)}); this file is in "
            f"'{department or 'the feed folder itself'}'.",
            f"{contract.title_zh}须放入报送单位的文件夹（{'、'.join(contract.departments)}）；"
            f"该文件位于“{department or '数据类别根目录'}”。",
        )
    return department


def receive(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    archive_root: Path,
    contract: Contract,
    path: Path,
) -> Submission | None:
    """Record and load one landed file; None when this content was received before."""
    sha256 = sha256_of(path)
    submission_id = sha256[:16]
    if con.execute(
        "select 1 from ledger.submissions where submission_id = ?", [submission_id]
    ).fetchone():
        return None
    archived = archive(path, sha256, archive_root)
    received_at = dt.datetime.now(dt.UTC)
    department, status, rows_read, message_en, message_zh = None, "received", 0, None, None
    con.execute("begin transaction")
    try:
        try:
            department = department_of(path.resolve(), landing, contract)
            rows_read = load_rows(con, contract, path, submission_id)
        except FileRejected as rejection:
            status, message_en, message_zh = "rejected", rejection.message_en, rejection.message_zh
            con.execute(
                f"delete from raw.{quote_identifier(contract.feed)} where submission_id = ?",
                [submission_id],
            )
        con.execute(
            "insert into ledger.submissions (submission_id, feed, department, file_name, "
            "landing_path, archive_path, size_bytes, sha256, received_at, rows_read, status, "
            "message_en, message_zh) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                submission_id,
                contract.feed,
                department,
                path.name,
                str(path.resolve().relative_to(landing.resolve())),
                str(archived.relative_to(archive_root)),
                archived.stat().st_size,
                sha256,
                received_at,
                rows_read,
                status,
                message_en,
                message_zh,
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return Submission(
        submission_id, contract.feed, department, path.name, status, rows_read, message_en
    )


def load_rows(
    con: duckdb.DuckDBPyConnection, contract: Contract, path: Path, submission_id: str
) -> int:
    """Append the file's rows to `raw.<feed>` and record the periods they cover."""
    match = load_file(con, path, contract, "landed_file")
    table = f"raw.{quote_identifier(contract.feed)}"
    names = ", ".join(quote_identifier(c) for c in contract.column_names)
    con.execute(
        f"insert into {table} (submission_id, row_number, {names}) "
        f"select ?, row_number, {names} from ({canonical_select(match, contract, 'landed_file')})",
        [submission_id],
    )
    con.execute("drop table if exists landed_file")
    (rows_read,) = con.execute(
        f"select count(*) from {table} where submission_id = ?", [submission_id]
    ).fetchone()
    if rows_read == 0:
        raise FileRejected("The file has a header but no data rows.", "文件只有表头，没有数据行。")
    con.execute(
        "insert into ledger.submission_periods select distinct ?, parse_month(period) "
        f"from {table} where submission_id = ? and parse_month(period) is not null",
        [submission_id, submission_id],
    )
    return rows_read


def receive_feed(
    con: duckdb.DuckDBPyConnection, landing: Path, archive_root: Path, feed: str
) -> list[Submission]:
    """Receive every file in the feed's landing folder that the ledger has not seen."""
    contract = load_contract(feed)
    received = [
        receive(con, landing, archive_root, contract, path) for path in landing_files(landing, feed)
    ]
    return [s for s in received if s is not None]
