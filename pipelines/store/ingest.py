"""Receive department files: archive each byte for byte, record it in the ledger, load it to raw.

A submission is identified by its content (SHA-256), so the same file dropped twice is one
submission. Each file is loaded in its own transaction: a crash leaves it either fully recorded
or not at all, and the next run picks it up again from the landing folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.files.contracts import FEEDS, Contract, load_contract
from pipelines.files.headers import HeaderMatch
from pipelines.files.period import refuse_contradicting_name, resolve_dropped_zeros
from pipelines.files.reading import canonical_select, load_file
from pipelines.files.rejection import FileRejected
from pipelines.files.row_kinds import drop
from pipelines.files.senders import refuse_other_kinds, refuse_other_sender
from pipelines.files.templates import drop_example_rows
from pipelines.store import raw_files
from pipelines.store.archive import archive, record_arrival
from pipelines.store.conform import (
    PARSED_SUFFIX,
    ensure_typed_view,
    record_columns,
    typed_view,
    upgrade_text_only,
)
from pipelines.store.facts import ensure_facts
from pipelines.store.scratch import scratch_folder, sweep
from pipelines.store.warehouse import (
    fill,
    quote_identifier,
    run_sql,
    sql_text,
    table_kind,
    transaction,
)


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


# Names that are no submission: hidden files and folders, and Excel's owner files (~$name.xlsx,
# left beside a workbook open in a shared folder).
NOT_SUBMISSIONS = (".", "~$")


def landing_files(landing: Path, feed: str) -> list[Path]:
    """Regular, visible files under `landing/<feed>/`, never a symbolic or hard link."""
    return regular_files((landing / feed).resolve())


def regular_files(root: Path) -> list[Path]:
    """Regular, visible files under `root`, never a symbolic or hard link, never leaving it,
    and none of NOT_SUBMISSIONS."""
    if not root.is_dir():
        return []
    files = []
    for path in sorted(root.rglob("*")):
        if any(part.startswith(NOT_SUBMISSIONS) for part in path.relative_to(root).parts):
            continue
        if path.is_symlink() or root not in path.resolve().parents or not path.is_file():
            continue
        # A hard link is a regular file to lstat, but it may be another department's file or
        # one outside landing: refused like a symbolic link. A clerk's copy has one link.
        if path.stat().st_nlink == 1:
            files.append(path)
    return files


def stray_files(landing: Path) -> list[Path]:
    """Files dropped in landing outside every feed's folder (in landing itself, or in a folder
    named for no feed): nobody will read them as a feed, so they are recorded and refused."""
    root = landing.resolve()
    return [path for path in regular_files(root) if feed_of(path.relative_to(root)) is None]


def feed_of(relative: Path) -> str | None:
    """The feed whose folder holds this path (relative to landing); None outside every feed's
    folder (in landing itself, or in a folder named for no feed)."""
    parts = relative.parts
    return parts[0] if len(parts) > 1 and parts[0] in FEEDS else None


def receive_stray(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    archive_root: Path,
    path: Path,
    received_at: dt.datetime | None = None,
) -> Submission | None:
    """Archive a stray file and record it as rejected, telling the clerk where it belongs;
    None when this path and content were recorded before."""
    found = arrive(con, landing, archive_root, path, received_at)
    if found is None:
        return None
    sha256, landing_path, archived, received_at, replaying = found
    parts = Path(landing_path).parts
    folder = parts[0] if len(parts) > 1 else ""
    department = parts[1] if len(parts) > 2 else None
    submission_id = submission_key("stray", landing_path, sha256)
    record = [submission_id, folder or "(landing)", department, path.name, landing_path,
              str(archived.relative_to(archive_root)), archived.stat().st_size, sha256,
              received_at]  # fmt: skip
    if not replaying:
        record_arrival(archive_root, dict(zip(ARRIVAL_FIELDS, record, strict=True)))
    where = f"“{folder}”文件夹" if folder else "接收目录的最外层"
    message_en = (
        f"The file was dropped in {f'the folder {folder!r}' if folder else 'landing itself'}, "
        f"which is no feed's folder, so it was not read. Drop it in landing/<feed>/<department>/; "
        f"the feeds are {', '.join(FEEDS)}."
    )
    message_zh = (
        f"该文件放在{where}，不属于任何报表，未读取。请放入 landing/<报表>/<报送单位>/ 文件夹；"
        f"报表有：{'、'.join(load_contract(f).title_zh + f'（{f}）' for f in FEEDS)}。"
    )
    with transaction(con):
        insert_submission(con, record, 0, "rejected", message_en, message_zh, None)
    return Submission(submission_id, record[1], department, path.name, "rejected", 0, message_en)


def ensure_staging_view(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Create the feed's staging view, so marts over all feeds run before its first file.

    A warehouse made when staging was a table gets the view in its place.
    """
    if table_kind(con, "staging", contract.feed) == "BASE TABLE":
        con.execute(f"drop table staging.{quote_identifier(contract.feed)}")
    conformed = fill(
        sql_text("staging/conformed"),
        typed=typed_view(contract),
        current="staging.current_submissions",
    )
    con.execute(f"create or replace view staging.{quote_identifier(contract.feed)} as {conformed}")


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Create schemas, parsers, ledger, every feed's tables and the fact tables; idempotent and
    all or nothing, so a run killed during set-up leaves no half-made warehouse (and a warehouse
    from an earlier release is brought up to date in place)."""
    with transaction(con):
        run_sql(con, "setup/schemas")
        # Readings of the scorecard keyed by plan year (a warehouse made before gains the key).
        run_sql(con, "setup/plan_years")
        run_sql(con, "setup/parsers")
        run_sql(con, "setup/credit_code")
        run_sql(con, "setup/raw_files")
        for feed in FEEDS:
            contract = load_contract(feed)
            upgrade_text_only(con, contract)
            raw_files.ensure(con, contract)
            ensure_typed_view(con, contract)
        run_sql(con, "staging/current_submissions")
        for feed in FEEDS:
            ensure_staging_view(con, load_contract(feed))
        ensure_facts(con)


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


def arrive(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    archive_root: Path,
    path: Path,
    received_at: dt.datetime | None,
) -> tuple[str, str, Path, dt.datetime, bool] | None:
    """A file's arrival: its SHA-256, its path in landing, its archive copy (made here), when it
    arrived and whether a rebuild is replaying it; None when the ledger holds this path and
    content already."""
    landing_path = str(path.resolve().relative_to(landing.resolve()))
    sha256 = known_sha256(con, path, landing_path)
    if con.execute(
        "select 1 from ledger.submissions where landing_path = ? and sha256 = ?",
        [landing_path, sha256],
    ).fetchone():
        return None
    archived = archive(path, sha256, archive_root)
    return sha256, landing_path, archived, received_at or dt.datetime.now(dt.UTC), bool(received_at)


def known_sha256(con: duckdb.DuckDBPyConnection, path: Path, landing_path: str) -> str:
    """The file's SHA-256, read through only when the file is new or changed since it was last
    hashed (another size, inode or modification time): every run looks at every file in
    landing, and hashing them all again is what a quiet night at national scale spent its
    receive step on."""
    found = path.stat()
    key = [landing_path, found.st_size, found.st_ino, found.st_mtime_ns]
    row = con.execute(
        "select any_value(sha256) from raw.landing_hashes where landing_path = ? "
        "and size_bytes = ? and inode = ? and modified_ns = ?",
        key,
    ).fetchone()
    if row[0] is not None:
        return row[0]
    sha256 = sha256_of(path)
    with transaction(con):
        con.execute("delete from raw.landing_hashes where landing_path = ?", [landing_path])
        con.execute("insert into raw.landing_hashes values (?, ?, ?, ?, ?)", [*key, sha256])
    return sha256


# What the archive's manifest keeps of each arrival, in the ledger's own words.
ARRIVAL_FIELDS = ("submission_id", "feed", "department", "file_name", "landing_path",
                  "archive_path", "size_bytes", "sha256", "received_at")  # fmt: skip


def receive(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    archive_root: Path,
    contract: Contract,
    path: Path,
    received_at: dt.datetime | None = None,
) -> Submission | None:
    """Record and load one landed file; None when this path and content were recorded before.

    The same content from the same department under another name is recorded as a duplicate of
    the first and loads nothing; the same content moved to another folder is a new submission.
    The arrival goes to the archive's manifest first; then the ledger records it as 'receiving'
    in a commit of its own, before a byte is parsed, so a file that kills the reader is visible
    and is not retried forever (`settle_interrupted`). `received_at` is given by a rebuild, which
    replays the manifest's arrivals with their own times and writes no new manifest lines.
    """
    found = arrive(con, landing, archive_root, path, received_at)
    if found is None:
        return None
    sha256, landing_path, archived, received_at, replaying = found
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
        received_at,
    ]
    if not replaying:
        record_arrival(archive_root, dict(zip(ARRIVAL_FIELDS, record, strict=True)))
    if status == "received":
        with transaction(con):
            insert_submission(con, record, 0, "receiving", None, None, None)
        try:
            # The rows and their ledger entry commit together, or neither does.
            with transaction(con):
                check_department(folder, contract)
                rows_read, match = load_rows(con, contract, path, submission_id, folder)
                refuse_contradicting_name(con, submission_id, path.name)
                raw_files.keep_arriving(con, contract, submission_id)
                con.execute(
                    "update ledger.submissions set status = 'received', rows_read = ? "
                    "where submission_id = ?",
                    [rows_read, submission_id],
                )
                record_file_notes(con, submission_id, match)
            return Submission(
                submission_id, contract.feed, folder, path.name, status, rows_read, None
            )
        except Exception as error:  # any unreadable file is rejected, never a crashed run
            rejection = error if isinstance(error, FileRejected) else unreadable(error)
        raw_files.discard_arriving(con, contract, submission_id)
        with transaction(con):
            settle(con, submission_id, "rejected", rejection.message_en, rejection.message_zh)
        return Submission(
            submission_id, contract.feed, folder, path.name, "rejected", 0, rejection.message_en
        )
    with transaction(con):
        insert_submission(con, record, 0, status, message_en, message_zh, duplicate_of)
    return Submission(submission_id, contract.feed, folder, path.name, status, 0, message_en)


# How many times a file's reading may be cut short before the file is rejected.
READ_ATTEMPTS = 3


def settle(
    con: duckdb.DuckDBPyConnection, submission_id: str, status: str, english: str, chinese: str
) -> None:
    con.execute(
        "update ledger.submissions set status = ?, rows_read = 0, message_en = ?, "
        "message_zh = ? where submission_id = ?",
        [status, english, chinese, submission_id],
    )


def settle_interrupted(con: duckdb.DuckDBPyConnection, feed: str) -> None:
    """Deal with files a dead run left 'receiving' (runs hold the write lock, so no live run is
    reading them): forget the entry so the file is read again, as after any crash, until its
    reading has been cut short `READ_ATTEMPTS` times; then it is rejected, so a file that kills
    the reader stops making runs die on it and shows in the ledger. (A run an operator killed
    looks the same from here, hence more than one attempt.)"""
    with transaction(con):
        for (submission_id,) in con.execute(
            "select submission_id from ledger.submissions where feed = ? and status = 'receiving'",
            [feed],
        ).fetchall():
            (before,) = con.execute(
                "select count(*) from ledger.interruptions where submission_id = ?",
                [submission_id],
            ).fetchone()
            con.execute(
                "insert into ledger.interruptions values (?, ?)",
                [submission_id, dt.datetime.now(dt.UTC)],
            )
            if before + 1 < READ_ATTEMPTS:
                con.execute(
                    "delete from ledger.submissions where submission_id = ?", [submission_id]
                )
                continue
            settle(
                con,
                submission_id,
                "rejected",
                f"Reading this file was cut short {READ_ATTEMPTS} times (the process stopped "
                "while reading it): it may be damaged or far larger than a department's table. "
                "Save it again from Excel as .xlsx or CSV and send it again.",
                f"读取该文件时处理已中断 {READ_ATTEMPTS} 次（程序在读取时停止）：文件可能已损坏，"
                "或远大于部门报表。请从 Excel 重新另存为 .xlsx 或 CSV 后重新报送。",
            )


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
        [*record, rows_read, status, message_en, message_zh, duplicate_of],
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
        # The detail is Python's words: the English message keeps it for the data office, the
        # clerk's Chinese message says what to do without it.
        "文件无法按表格读取（文件可能已损坏，或不是按部门模板制作的表格）。"
        "请按部门模板另存为 .xlsx 或 CSV 后重新报送。",
    )


def load_rows(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    path: Path,
    submission_id: str,
    folder: str,
) -> tuple[int, HeaderMatch]:
    """Write the file's rows to its partial raw file (`arriving_rows`, kept by the caller once
    the file is accepted) and record the periods they cover; the row count and what the reader
    found around the table (warnings, footer lines).

    On the way the file is held against its sender (`pipelines.files.senders`: a title or
    填报单位 naming another department, rows of a kind the folder's department does not
    report), the template's example row is dropped with a warning
    (`pipelines.files.templates.drop_example_rows`), and periods Excel cut short (2023.1 for
    2023.10) are settled from the title and name (`pipelines.files.period`), all before the
    periods are recorded, so none of them can stand for a month.
    """
    # A plain CSV's rows are read into a file here, which `landed_file` reads until they are
    # in the raw file (`pipelines.files.csv_reader.load_csv`); the reader's other scratch files
    # go in the same folder, beside the warehouse (`pipelines.store.scratch`).
    with scratch_folder(con) as rows_folder:
        match = load_file(con, path, contract, "landed_file", rows_folder)
        refuse_other_sender(folder, match.title, match.metadata, contract)
        record_columns(con, contract, submission_id, match)
        rows = canonical_select(match, contract, "landed_file")
        raw_files.arrive(con, contract, submission_id, rows)
        drop(con, "landed_file")
    examples = drop_example_rows(con, contract, submission_id, match.positions)
    match.warnings = [*match.warnings, *examples]
    (rows_read,) = con.execute(f"select count(*) from {raw_files.ARRIVING}").fetchone()
    if rows_read == 0 and examples:
        raise FileRejected(
            "The file holds no data: its only row is the template's example (示例), which is "
            "never loaded. Fill in the department's own figures (overwrite or delete the example "
            "row) and send the file again. Nothing from this file was loaded.",
            "文件没有数据：唯一的一行是模板示例行（含“示例”），示例行不会导入。请填写本单位数据"
            "（覆盖或删除示例行）后重新报送。本文件未导入任何数据。",
        )
    if rows_read == 0:
        raise FileRejected("The file has a header but no data rows.", "文件只有表头，没有数据行。")
    resolve_dropped_zeros(con, contract, submission_id, match.positions, match.title, path.name)
    refuse_other_kinds(con, contract, folder, match.positions)
    period = quote_identifier("period" + PARSED_SUFFIX)
    con.execute(
        f"insert into ledger.submission_periods select distinct ?, {period} "
        f"from {raw_files.ARRIVING} where {period} is not null",
        [submission_id],
    )
    return rows_read, match


def receive_feed(
    con: duckdb.DuckDBPyConnection, landing: Path, archive_root: Path, feed: str
) -> list[Submission]:
    """Receive every file in the feed's landing folder that the ledger has not seen."""
    contract = load_contract(feed)
    settle_interrupted(con, feed)
    sweep(con)  # what readings killed midway left in the scratch folder
    received = [
        receive(con, landing, archive_root, contract, path) for path in landing_files(landing, feed)
    ]
    return [s for s in received if s is not None]
