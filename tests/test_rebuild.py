"""A lost or damaged warehouse comes back from the archive: `workplan rebuild` replays every
arrival of the archive's manifest, in order and with its own time, and the scorecard and ledger
it gives are the ones the damaged file held. A current file's archive copy gone missing raises an
alert. Through the real command line on a temporary deployment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from tests.helpers import drop_csv, settings_for, workplan

TOURISM = ("tourism_revenue", "culture_tourism")
DAY = {"WORKPLAN_AS_OF_DATE": "2024-02-20"}
MONTH = dt.date(2024, 1, 1)


def state(analysts: Path) -> tuple[list, list]:
    with duckdb.connect(str(analysts), read_only=True) as con:
        scorecard = con.execute(
            "select indicator_id, status, as_of, actual_value from marts.indicator_progress "
            "order by 1"
        ).fetchall()
        ledger = con.execute(
            "select file_name, department, status, received_at, rows_accepted "
            "from ledger.submissions order by received_at, file_name"
        ).fetchall()
    return scorecard, ledger


def test_a_damaged_warehouse_is_rebuilt_from_the_archive(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    drop_csv(
        settings, *TOURISM, "2023-01.csv", [dict(period="2023-01", area="太阳岛", revenue_wan=100)]
    )
    drop_csv(
        settings, *TOURISM, "2024-01.csv", [dict(period="2024-01", area="太阳岛", revenue_wan=120)]
    )
    assert workplan(tmp_path, "refresh", env=DAY).returncode == 0
    # Later: a correction, a copy of it, and a file in the wrong folder.
    correction = drop_csv(
        settings,
        *TOURISM,
        "2024-01 更正.csv",
        [dict(period="2024-01", area="太阳岛", revenue_wan=150)],
    )
    (correction.parent / "2024-01 更正 - 副本.csv").write_bytes(correction.read_bytes())
    drop_csv(settings, "tourism_revenue", "education", "错放.csv",
             [dict(period="2024-01", area="太阳岛", revenue_wan=1)])  # fmt: skip
    assert workplan(tmp_path, "refresh", env=DAY).returncode == 0
    before = state(settings.analysts)
    # Received in path order: the copy's name sorts first, so the other is its duplicate.
    assert [row[:3] for row in before[1]] == [
        ("2024年01月起执行工作计划考核目标.csv", "supervision_office", "accepted"),  # the plan
        ("2023-01.csv", "culture_tourism", "accepted"),
        ("2024-01.csv", "culture_tourism", "superseded"),
        ("2024-01 更正 - 副本.csv", "culture_tourism", "accepted"),
        ("2024-01 更正.csv", "culture_tourism", "duplicate"),
        ("错放.csv", "education", "rejected"),
    ]
    assert [row[:4] for row in before[0] if row[0] == "T12"] == [("T12", "ahead", MONTH, 50.0)]

    settings.warehouse.write_bytes(b"not a database any more")  # the disk lost it
    result = workplan(tmp_path, "rebuild", env=DAY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Replayed 6 arrivals" in result.stdout
    assert state(settings.analysts) == before
    [kept] = settings.warehouse.parent.glob("workplan.duckdb.before-rebuild-*")
    assert kept.read_bytes() == b"not a database any more"


def test_a_missing_archive_copy_raises_an_alert(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    drop_csv(
        settings, *TOURISM, "2024-01.csv", [dict(period="2024-01", area="太阳岛", revenue_wan=120)]
    )
    assert workplan(tmp_path, "refresh", env=DAY).returncode == 0
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        (archived,) = con.execute(
            "select archive_path from ledger.submissions where file_name = '2024-01.csv'"
        ).fetchone()
    (settings.archive / archived).unlink()
    assert workplan(tmp_path, "refresh", env=DAY).returncode == 0
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        alerts = con.execute(
            "select kind, subject, message_zh from ledger.alerts where kind = 'archive_missing'"
        ).fetchall()
    assert alerts == [
        (
            "archive_missing",
            "2024-01.csv",
            f"“2024-01.csv”的存档副本缺失（{archived}）：请从备份恢复，或请报送单位重新报送该文件；"
            "在此之前无法从存档重建数据仓库。",
        )
    ]
