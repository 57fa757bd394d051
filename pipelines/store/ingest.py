"""Receive department files: archive each byte for byte, record it in the ledger, load it to raw.

A submission is identified by its content (SHA-256), so the same file dropped twice is one
submission. Each file is loaded in its own transaction: a crash leaves it either fully recorded
or not at all, and the next run picks it up again from the landing folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.files.contracts import FEEDS, Contract, load_contract
from pipelines.files.headers import HeaderMatch
from pipelines.files.period import refuse_contradicting_name
from pipelines.files.reading import canonical_select, load_file
from pipelines.files.rejection import FileRejected
from pipelines.store.conform import (
    ensure_raw_table,
    ensure_typed_view,
    insert_raw,
    raw_table,
    record_columns,
    typed_view,
)
from pipelines.store.warehouse import quote_identifier, run_sql, table_kind, transaction


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
    """Regular, visible files under `landing/<feed>/`, never a symbolic or hard link.

    Excel's owner files (~$name.xlsx, left beside a workbook open in a shared folder) are not
    submissions either.
    """
    root = (landing / feed).resolve()
    if not root.is_dir():
        return []
    files = []
    for path in sorted(root.rglob("*")):
        if any(part.startswith((".", "~$")) for part in path.relative_to(root).parts):
            continue
        if path.is_symlink() or root not in path.resolve().parents or not path.is_file():
            continue
        # A hard link is a regular file to lstat, but it may be another department's file or
        # one outside landing: refused like a symbolic link. A clerk's copy has one link.
        if path.stat().st_nlink == 1:
            files.append(path)
    return files


def ensure_staging_view(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Create the feed's staging view, so marts over all feeds run before its first file.

    A warehouse made when staging was a table gets the view in its place.
    """
    if table_kind(con, "staging", contract.feed) == "BASE TABLE":
        con.execute(f"drop table staging.{quote_identifier(contract.feed)}")
    run_sql(
        con,
        "staging/feed",
        identifiers={"feed": contract.feed, "feed_typed": f"{contract.feed}_typed"},
    )


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Create schemas, parsers, ledger and every feed's tables; idempotent and all or nothing,
    so a run killed during set-up leaves no half-made warehouse."""
    with transaction(con):
        run_sql(con, "setup/schemas")
        run_sql(con, "setup/parsers")
        run_sql(con, "setup/credit_code")
        for feed in FEEDS:
            contract = load_contract(feed)
            ensure_raw_table(con, contract)
            ensure_typed_view(con, contract)
        run_sql(con, "staging/current_submissions")
        for feed in FEEDS:
            ensure_staging_view(con, load_contract(feed))


def archive(path: Path, sha256: str, archive_root: Path) -> Path:
    """Keep the file's bytes under a content address; an existing copy is reused."""
    target = archive_root / sha256[:2] / f"{sha256}{path.suffix.lower()[:16]}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".partial")
        shutil.copyfile(path, partial)
        partial.replace(target)
    return target


def drop_folder(path: Path, landing: Path, contract: Contract) -> str:
    """The folder a file was dropped in under `landing/<feed>/`: the sending department's."""
    parts = path.relative_to((landing / contract.feed).resolve()).parts
    # A file in a subfolder (investment/2024/) names that path, so the rejection says where it is.
    return "/".join(parts[:-1])


def check_department(folder: str, contract: Contract) -> None:
    """Only the contract's departments may send this feed, each from its own folder."""
    if folder not in contract.departments:
        raise FileRejected(
            f"Files for feed {contract.feed} must be dropped in a department folder "
            f"({', '.join(contract.departments)}); this file is in "
            f"'{folder or 'the feed folder itself'}'.",
            f"{contract.title_zh}须放入报送单位的文件夹（{'、'.join(contract.departments)}）；"
            f"该文件位于“{folder or '数据类别根目录'}”。",
        )


def submission_key(*parts: str) -> str:
    """A stable id from what makes a submission itself: its feed, sender and content."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def receive(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    archive_root: Path,
    contract: Contract,
    path: Path,
) -> Submission | None:
    """Record and load one landed file; None when this path and content were recorded before.

    The same content from the same department under another name is recorded as a duplicate of
    the first and loads nothing; the same content moved to another folder is a new submission.
    """
    sha256 = sha256_of(path)
    landing_path = str(path.resolve().relative_to(landing.resolve()))
    if con.execute(
        "select 1 from ledger.submissions where landing_path = ? and sha256 = ?",
        [landing_path, sha256],
    ).fetchone():
        return None
    archived = archive(path, sha256, archive_root)
    folder = drop_folder(path.resolve(), landing, contract)
    submission_id = submission_key(contract.feed, folder, sha256)
    (original,) = con.execute(
        "select any_value(file_name) from ledger.submissions "
        "where submission_id = ? or duplicate_of = ?",
        [submission_id, submission_id],
    ).fetchone()
    status, duplicate_of = "received", None
    message_en = message_zh = None
    if original is not None:
        status, duplicate_of = "duplicate", submission_id
        submission_id = submission_key(contract.feed, folder, sha256, landing_path)
        message_en = f"Same content as {original}, already received; nothing was loaded again."
        message_zh = f"与已接收的“{original}”内容相同，未重复导入。"
    record = [
        submission_id,
        contract.feed,
        folder,
        path.name,
        landing_path,
        str(archived.relative_to(archive_root)),
        archived.stat().st_size,
        sha256,
    ]
    if status == "received":
        try:
            # The rows and their ledger entry commit together, or neither does.
            with transaction(con):
                check_department(folder, contract)
                rows_read, match = load_rows(con, contract, path, submission_id)
                refuse_contradicting_name(con, submission_id, path.name)
                insert_submission(con, record, rows_read, status, None, None, None)
                record_file_notes(con, submission_id, match)
            return Submission(
                submission_id, contract.feed, folder, path.name, status, rows_read, None
            )
        except Exception as error:  # any unreadable file is rejected, never a crashed run
            rejection = error if isinstance(error, FileRejected) else unreadable(error)
            status, message_en, message_zh = "rejected", rejection.message_en, rejection.message_zh
    with transaction(con):
        insert_submission(con, record, 0, status, message_en, message_zh, duplicate_of)
    return Submission(submission_id, contract.feed, folder, path.name, status, 0, message_en)


def insert_submission(
    con: duckdb.DuckDBPyConnection,
    record: list,
    rows_read: int,
    status: str,
    message_en: str | None,
    message_zh: str | None,
    duplicate_of: str | None,
) -> None:
    """One ledger row for one arrival: identity and archive copy, then what became of it."""
    con.execute(
        "insert into ledger.submissions (submission_id, feed, department, file_name, "
        "landing_path, archive_path, size_bytes, sha256, received_at, rows_read, status, "
        "message_en, message_zh, duplicate_of) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [*record, dt.datetime.now(dt.UTC), rows_read, status, message_en, message_zh, duplicate_of],
    )


def record_file_notes(
    con: duckdb.DuckDBPyConnection, submission_id: str, match: HeaderMatch
) -> None:
    """Keep the reader's warnings (a 合计 that does not add up) and the file's footer lines
    (填报人, 联系电话) on the submission, so the data office knows whom to call."""
    con.execute(
        "update ledger.submissions set warnings_en = ?, warnings_zh = ?, file_title = ?, "
        "file_notes = ? where submission_id = ?",
        [
            "; ".join(en for en, _ in match.warnings) or None,
            "；".join(zh for _, zh in match.warnings) or None,
            match.title,
            json.dumps(match.metadata, ensure_ascii=False) if match.metadata else None,
            submission_id,
        ],
    )


def unreadable(error: Exception) -> FileRejected:
    """A reader failure the reader did not foresee, worded for the clerk, with the detail kept."""
    detail = str(error).splitlines()[0][:300] if str(error) else type(error).__name__
    return FileRejected(
        f"The file could not be read as a table ({detail}). Re-save it from Excel as .xlsx or "
        "as CSV from the department template and send it again.",
        f"文件无法按表格读取（{detail}）。请按部门模板另存为 .xlsx 或 CSV 后重新报送。",
    )


def load_rows(
    con: duckdb.DuckDBPyConnection, contract: Contract, path: Path, submission_id: str
) -> tuple[int, HeaderMatch]:
    """Append the file's rows to `raw.<feed>` and record the periods they cover; the row count
    and what the reader found around the table (warnings, footer lines)."""
    match = load_file(con, path, contract, "landed_file")
    record_columns(con, contract, submission_id, match)
    insert_raw(con, contract, submission_id, canonical_select(match, contract, "landed_file"))
    con.execute("drop table if exists landed_file")
    (rows_read,) = con.execute(
        f"select count(*) from {raw_table(contract)} where submission_id = ?", [submission_id]
    ).fetchone()
    if rows_read == 0:
        raise FileRejected("The file has a header but no data rows.", "文件只有表头，没有数据行。")
    con.execute(
        "insert into ledger.submission_periods select distinct ?, period "
        f"from {typed_view(contract)} where submission_id = ? and period is not null",
        [submission_id, submission_id],
    )
    return rows_read, match


def receive_feed(
    con: duckdb.DuckDBPyConnection, landing: Path, archive_root: Path, feed: str
) -> list[Submission]:
    """Receive every file in the feed's landing folder that the ledger has not seen."""
    contract = load_contract(feed)
    received = [
        receive(con, landing, archive_root, contract, path) for path in landing_files(landing, feed)
    ]
    return [s for s in received if s is not None]
