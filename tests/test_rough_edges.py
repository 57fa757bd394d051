"""Rough edges an operator meets: a setting that cannot work, a Dagster home that cannot be used,
two commands started together, a publish killed half-way. Each is said in one line, before any
file is touched, or cleaned up by the next run. Through the real `workplan` command and real
processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from pipelines.files.contracts import load_contract
from pipelines.settings import Settings, SettingsError
from pipelines.store import raw_files
from pipelines.store.archive import arrivals
from pipelines.store.ingest import prepare, receive_feed
from pipelines.store.warehouse import publish_copy
from tests.helpers import clean_env, drop_csv, run_refresh, settings_for, workplan

ROWS = [dict(period="2024-03", area="景区1", revenue_wan=5)]


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("WORKPLAN_AS_OF_DATE", "2024-02-30", "is not a day of the calendar"),
        ("WORKPLAN_PACE_BAND", "five", "is not a number"),
        ("WORKPLAN_PACE_BAND", "5.0", "is outside 0-1"),
        ("WORKPLAN_VALIDATION_ENGINE", "spark", "is not one of auto, duckdb, gx"),
        ("WORKPLAN_ALERT_WEBHOOK", "file:///etc/passwd", "is not an http(s) URL"),
    ],
)
def test_a_setting_that_cannot_work_is_refused_before_any_file_is_received(
    tmp_path: Path, variable: str, value: str, words: str
) -> None:
    settings = settings_for(tmp_path)
    drop_csv(settings, "tourism_revenue", "culture_tourism", "3月.csv", ROWS)
    result = workplan(tmp_path, "refresh", env={variable: value})
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"Error: {variable}={value!r} {words}" + (result.stderr.strip().split(words, 1)[1])
    )
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not settings.warehouse.exists() and not settings.archive.exists()


def test_a_dagster_home_that_cannot_be_a_folder_is_named_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the Dagster home's parent should be")
    home = blocker / "dagster"
    result = workplan(tmp_path, "refresh", env={"DAGSTER_HOME": str(home)})
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"Error: The Dagster instance at {home} (DAGSTER_HOME) cannot be used: "
    )
    assert "writable folder on a disk with free space" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


OPEN_INSTANCE = """
import sys
from pathlib import Path
from pipelines.instance import local_instance
from tests.helpers import settings_for
instance = local_instance(settings_for(Path(sys.argv[1])))
print(instance.get_runs_count())
"""


def test_commands_started_together_on_a_new_home_both_open_its_instance(tmp_path: Path) -> None:
    env = clean_env()
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_INSTANCE, str(tmp_path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(p.wait(timeout=300), *p.communicate(timeout=60)) for p in starts]
    assert [(code, out.strip()) for code, out, _ in results] == [(0, "0")] * 4, results


def test_a_copy_left_by_a_killed_publish_is_removed_by_the_next(tmp_path: Path) -> None:
    target = tmp_path / "analysts.duckdb"
    # A process that no longer exists: a child that has exited and been reaped.
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    dead = int(gone.stdout)
    abandoned = tmp_path / f".analysts.duckdb.{dead}.tmp"
    abandoned.write_bytes(b"half a copy")
    (tmp_path / f".analysts.duckdb.{dead}.tmp.wal").write_bytes(b"its log")
    # A live publish's copy (this process's parent, which is running) is left alone.
    live = tmp_path / f".analysts.duckdb.{os.getppid()}.tmp"
    live.write_bytes(b"another publish at work")
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.t as select 1 as n")
    publish_copy(con, target, ["marts"])
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == [live.name, "analysts.duckdb"]
    with duckdb.connect(str(target), read_only=True) as published:
        assert published.execute("select n from marts.t").fetchall() == [(1,)]


def test_a_kept_judging_date_holds_until_the_environment_says_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKPLAN_HOME", str(tmp_path))
    monkeypatch.delenv("WORKPLAN_AS_OF_DATE", raising=False)
    assert Settings.from_env().as_of_date == ""  # nothing kept: today
    replace(Settings.from_env(), as_of_date="2024-11-20").keep_judging_date()
    assert Settings.from_env().as_of_date == "2024-11-20"
    monkeypatch.setenv("WORKPLAN_AS_OF_DATE", "2024-06-30")
    assert Settings.from_env().as_of_date == "2024-06-30"
    monkeypatch.setenv("WORKPLAN_AS_OF_DATE", "today")
    assert Settings.from_env().as_of_date == ""
    (tmp_path / "deployment.json").write_text('{"as_of_date": "2024-02-30"}')
    monkeypatch.delenv("WORKPLAN_AS_OF_DATE")
    with pytest.raises(SettingsError, match="is not a day of the calendar"):
        Settings.from_env()


def died_reading(con, submission_id: str) -> None:
    """What a run that died while reading a file leaves: its 'receiving' entry and no rows (the
    rows' transaction never committed)."""
    con.execute("delete from raw.files where submission_id = ?", [submission_id])
    raw_files.create_view(con, load_contract("tourism_revenue"))
    con.execute("delete from ledger.submission_periods where submission_id = ?", [submission_id])
    con.execute("delete from ledger.submission_columns where submission_id = ?", [submission_id])
    con.execute(
        "update ledger.submissions set status = 'receiving', rows_read = 0 where submission_id = ?",
        [submission_id],
    )


def test_a_file_whose_reading_dies_is_read_again_then_rejected(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    drop_csv(settings, "tourism_revenue", "culture_tourism", "3月.csv", ROWS)
    con = duckdb.connect()
    prepare(con)
    [first] = receive_feed(con, settings.landing, settings.archive, "tourism_revenue")
    assert (first.status, first.rows_read) == ("received", 1)
    # The file is read again after its reading died once, and again after twice…
    for attempt in (1, 2):
        died_reading(con, first.submission_id)
        [again] = receive_feed(con, settings.landing, settings.archive, "tourism_revenue")
        assert (again.submission_id, again.status, again.rows_read) == (
            first.submission_id,
            "received",
            1,
        ), attempt
    # …but not a third time: it is rejected, in the ledger, saying why.
    died_reading(con, first.submission_id)
    assert receive_feed(con, settings.landing, settings.archive, "tourism_revenue") == []
    status, message = con.execute(
        "select status, message_zh from ledger.submissions where submission_id = ?",
        [first.submission_id],
    ).fetchone()
    assert status == "rejected"
    assert message.startswith("读取该文件时处理已中断 3 次（程序在读取时停止）")
    assert con.execute("select count(*) from ledger.interruptions").fetchone() == (3,)
    # Its arrival was recorded in the archive's manifest before each reading (a rebuild reads
    # the repeats as the same arrival: same path, same content).
    assert {(a["file_name"], a["sha256"]) for a in arrivals(settings.archive)} == {
        ("3月.csv", first_sha256(con, first.submission_id))
    }


def first_sha256(con, submission_id: str) -> str:
    return con.execute(
        "select sha256 from ledger.submissions where submission_id = ?", [submission_id]
    ).fetchone()[0]


def test_a_file_outside_every_feed_folder_is_recorded_refused_and_alerted(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, as_of_date="2024-02-20")
    settings.landing.mkdir(parents=True, exist_ok=True)
    (settings.landing / "3月旅游收入.csv").write_bytes(b"a file dropped in landing itself\n")
    misnamed = settings.landing / "tourism" / "culture_tourism" / "3月.csv"
    misnamed.parent.mkdir(parents=True)
    misnamed.write_bytes(b"a feed folder named wrongly\n")
    assert run_refresh(settings).success
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        ledger = con.execute(
            "select landing_path, feed, department, status, message_zh from ledger.submissions "
            "where feed <> 'plans' order by landing_path"
        ).fetchall()
        received = {
            r[0] for r in con.execute("select landing_path from ledger.submissions").fetchall()
        }
        alerted = con.execute(
            "select subject from ledger.alerts where kind = 'rejected_file' order by subject"
        ).fetchall()
    assert [row[:4] for row in ledger] == [
        ("3月旅游收入.csv", "(landing)", None, "rejected"),
        ("tourism/culture_tourism/3月.csv", "tourism", "culture_tourism", "rejected"),
    ]
    assert ledger[0][4].startswith("该文件放在接收目录的最外层，不属于任何报表，未读取。")
    assert ledger[1][4].startswith("该文件放在“tourism”文件夹，不属于任何报表，未读取。")
    assert "旅游收入情况表（tourism_revenue）" in ledger[1][4]
    assert alerted == [("3月.csv",), ("3月旅游收入.csv",)]
    # Nothing that arrives is lost: both are in the archive's manifest.
    assert {a["landing_path"] for a in arrivals(settings.archive)} == received


def test_a_refusal_echoes_only_what_the_clerk_needs_of_a_file_that_is_no_table(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path)
    folder = settings.landing / "tourism_revenue" / "culture_tourism"
    folder.mkdir(parents=True)
    private = "a-line-that-must-not-travel"
    line = ",".join([f"root:x:0:0:{private}"] + [f"field{n}" for n in range(40)])
    (folder / "配置.csv").write_text(line + "\n" + line + "\n", encoding="utf-8")
    con = duckdb.connect()
    prepare(con)
    [refused] = receive_feed(con, settings.landing, settings.archive, "tourism_revenue")
    assert refused.status == "rejected"
    message_en, message_zh = con.execute(
        "select message_en, message_zh from ledger.submissions"
    ).fetchone()
    # Each column found is named by its letter and at most 24 characters, sixteen at most.
    assert "A (root:x:0:0:a-line-that-…)" in message_en and private not in message_en
    assert "第 A 列（root:x:0:0:a-line-that-…）" in message_zh and private not in message_zh
    assert "P (field14)" in message_en and "Q (field15)" not in message_en


def test_a_command_started_with_stop_signals_ignored_leaves_nothing_running(tmp_path) -> None:
    """A shell's background job, or a test runner's worker, starts `workplan` with SIGTERM (and
    SIGINT) ignored, and an ignored signal passes to every process started from it. The command
    restores them: the `tail -F` Dagster starts to mirror a run's compute log, which it stops
    with SIGTERM, is stopped when the run ends, so nothing of the command's session outlives it
    (before: the tails stayed, and each run waited 30 s per tail for them)."""
    settings = settings_for(tmp_path)
    drop_csv(settings, "tourism_revenue", "culture_tourism", "2024-01.csv", [
        dict(period="2024-01", area="太阳岛", revenue_wan=100),
    ])  # fmt: skip
    env = clean_env()
    env["WORKPLAN_HOME"] = str(tmp_path)

    def ignore_stop_signals() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    with open(tmp_path / "refresh.log", "w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "workplan"), "refresh"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, holding whatever it starts
            preexec_fn=ignore_stop_signals,  # noqa: PLW1509 - the case under test
        )
        try:
            assert process.wait(timeout=300) == 0, (tmp_path / "refresh.log").read_text()
            with pytest.raises(ProcessLookupError):
                os.killpg(process.pid, 0)  # no process of its group is left
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
