"""The raw layer's rows are written once, a Parquet file per received submission, that
`raw.<feed>` reads (pipelines/store/raw_files.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.files.contracts import load_contract
from pipelines.store import raw_files
from pipelines.store.ingest import prepare, receive_feed
from pipelines.store.raw_files import root_of
from pipelines.store.warehouse import connect
from tests.helpers import drop_csv, settings_for

TOURISM = "tourism_revenue"
MARCH = [
    dict(period="2024-03", area="太阳岛", visitors="1,200", revenue_wan="5.5"),
    dict(period="2024-03", area="冰雪大世界", revenue_wan="(2)"),
]
APRIL = [dict(period="2024年4月", area="太阳岛", revenue_wan="7")]


def test_each_received_file_is_written_once_to_its_own_file_and_a_refused_one_to_none(
    tmp_path,
) -> None:
    settings = settings_for(tmp_path)
    drop_csv(settings, TOURISM, "culture_tourism", "3月.csv", MARCH)
    drop_csv(settings, TOURISM, "culture_tourism", "4月.csv", APRIL)
    # A header and no row: refused on receipt.
    drop_csv(settings, TOURISM, "culture_tourism", "空表.csv", [])
    with connect(settings.warehouse) as con:
        prepare(con)
        received = receive_feed(con, settings.landing, settings.archive, TOURISM)
        by_name = {s.file_name: s for s in received}
        assert by_name["空表.csv"].status == "rejected"
        recorded = con.execute(
            "select submission_id, file, row_count from raw.files where feed = ? order by 3",
            [TOURISM],
        ).fetchall()
        # One file per submission received, each holding its own rows.
        assert [(s, rows) for s, _, rows in recorded] == [
            (by_name["4月.csv"].submission_id, 1),
            (by_name["3月.csv"].submission_id, 2),
        ]
        root = root_of(settings.warehouse)
        march_file = root / recorded[1][1]
        march = con.execute(
            "select row_number, area, visitors, visitors__parsed, revenue_wan, "
            "revenue_wan__parsed, period__parsed from read_parquet(?) order by row_number",
            [str(march_file)],
        ).fetchall()
        # The text as received beside each value parsed once: 1,200 → 1200, (2) → -2; rows
        # numbered as the file's (the header is row 1).
        march_day = dt.date(2024, 3, 1)
        assert march == [
            (2, "太阳岛", "1,200", 1200, "5.5", Decimal("5.5000"), march_day),
            (3, "冰雪大世界", None, None, "(2)", Decimal("-2.0000"), march_day),
        ]
        # raw.<feed> reads the two files: three rows, nothing of the refused file.
        assert con.execute(f"select count(*) from raw.{TOURISM}").fetchone() == (3,)
        april = con.execute(
            f"select period__parsed from raw.{TOURISM} where submission_id = ?",
            [by_name["4月.csv"].submission_id],
        ).fetchall()
        assert april == [(dt.date(2024, 4, 1),)]
    # Nothing else in the feed's folder: no partial file, no file of the refused submission,
    # only the submissions' files and the file of no rows the view starts with.
    kept = sorted(str(p.relative_to(root)) for p in (root / "raw" / TOURISM).iterdir())
    assert len(kept) == 3
    assert [f for f in kept if "/columns-" not in f] == sorted(f for _, f, _ in recorded)


def received_march(settings) -> Path:
    """March's file received into the settings' warehouse; its raw file."""
    drop_csv(settings, TOURISM, "culture_tourism", "3月.csv", MARCH)
    with connect(settings.warehouse) as con:
        prepare(con)
        receive_feed(con, settings.landing, settings.archive, TOURISM)
        (file,) = con.execute("select file from raw.files").fetchone()
    return root_of(settings.warehouse) / file


def test_a_recorded_raw_file_missing_from_disk_stops_the_run_naming_it(tmp_path) -> None:
    settings = settings_for(tmp_path)
    held = received_march(settings)
    held.unlink()
    with connect(settings.warehouse) as con, pytest.raises(raw_files.RawFilesMissing) as error:
        prepare(con)
    assert held.name in str(error.value)
    assert "workplan rebuild" in str(error.value)


def test_a_file_written_under_earlier_columns_is_read_by_name(tmp_path) -> None:
    """A release that adds a column to a contract reads the files written before it: the
    column they lack is empty, every other is read by its name."""
    settings = settings_for(tmp_path)
    held = received_march(settings)
    with connect(settings.warehouse) as con:
        earlier = held.with_name("earlier.parquet")
        # The file as an earlier release wrote it: without the visitors columns.
        con.execute(
            "copy (select * exclude (visitors, visitors__parsed) from read_parquet(?)) "
            f"to '{earlier}' (format parquet)",
            [str(held)],
        )
        earlier.replace(held)
        con.execute("update raw.files set signature = 'earlier'")
        raw_files.create_view(con, load_contract(TOURISM))
        rows = con.execute(
            f"select area, visitors, visitors__parsed, revenue_wan__parsed from raw.{TOURISM} "
            "order by row_number"
        ).fetchall()
    assert rows == [
        ("太阳岛", None, None, Decimal("5.5000")),
        ("冰雪大世界", None, None, Decimal("-2.0000")),
    ]
