"""A night with nothing new costs little at any scale, and a new file costs in proportion to
itself (issue 16): each (submission, period) that counts is written once, as a Parquet file the
warehouse's and the analysts' marts.<fact> views both read, so a quiet night writes no fact row,
a new file writes exactly its rows, a correction retires exactly the months it replaces, and an
analyst holding an earlier analysts' file keeps reading it; and a landed file is not read
through again to be recognised while it is unchanged.

Tier: the real refresh job in process on a temporary deployment, what each step did read from
the metadata it reported, and the rows from the warehouse, the analysts' file and the files;
the hash cache as a function on a real DuckDB file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.store.facts import facts_folder_of
from pipelines.store.ingest import known_sha256, prepare
from pipelines.store.warehouse import connect
from tests.helpers import credit_code, drop_csv, run_refresh, settings_for

TOURISM = "tourism_revenue"
FACT = dg.AssetKey(["marts", "fact_tourism_revenue"])


def month(number: int) -> dt.date:
    return dt.date(2024, number, 1)


def reported(result, key: dg.AssetKey) -> dict:
    """The metadata of the run's materialization of `key`, as plain values."""
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    return {name: value.value for name, value in event.materialization.metadata.items()}


def published_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select f.period, f.area, f.revenue_wan, s.file_name "
        "from marts.fact_tourism_revenue f join ledger.submissions s using (submission_id) "
        "order by all"
    ).fetchall()


def analysts_rows(settings) -> list[tuple]:
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        return published_rows(con)


def fact_files(settings, live: bool = True) -> list[tuple]:
    """(submission's file name, period, row count, file) of the fact's recorded files."""
    with connect(settings.warehouse) as con:
        return con.execute(
            "select s.file_name, f.period, f.row_count, f.file from staging.fact_files f "
            "join ledger.submissions s using (submission_id) where f.fact_table = "
            "'fact_tourism_revenue' and (f.retired_at is null) = ? order by all",
            [live],
        ).fetchall()


def test_each_row_is_written_once_and_read_by_both_databases(tmp_path) -> None:
    settings = settings_for(tmp_path, as_of_date="2024-04-20")
    instance = dg.DagsterInstance.ephemeral()
    # One file for January (two areas) and February.
    drop_csv(settings, TOURISM, "culture_tourism", "2024-01至02.csv", [
        dict(period="2024-01", area="太阳岛", revenue_wan=100),
        dict(period="2024-01", area="冰雪大世界", revenue_wan=50),
        dict(period="2024-02", area="太阳岛", revenue_wan=110),
    ])  # fmt: skip
    first = run_refresh(settings, instance)
    assert first.success
    facts = reported(first, FACT)
    assert (facts["rows_added"], facts["periods_added"]) == (3, 2)
    # A file per month, 2 rows and 1, under the warehouse's facts folder.
    files = fact_files(settings)
    assert [(name, period, rows) for name, period, rows, _ in files] == [
        ("2024-01至02.csv", month(1), 2),
        ("2024-01至02.csv", month(2), 1),
    ]
    folder = settings.warehouse.with_name(settings.warehouse.name + ".facts")
    assert all((folder / file).is_file() for *_, file in files)
    assert all(Path(file).parts[0] == "fact_tourism_revenue" for *_, file in files)
    # The analysts' file holds no fact row: its fact tables are views over the same files.
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        kinds = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables "
                "where table_schema = 'marts' and table_name like 'fact_%'"
            ).fetchall()
        )
        assert set(kinds.values()) == {"VIEW"} and len(kinds) == 5
        (described,) = con.execute(
            "select comment from duckdb_views() where view_name = 'fact_tourism_revenue'"
        ).fetchone()
        assert described and "tourism" in described.lower()

    # Nothing new: no file written, none retired.
    quiet = run_refresh(settings, instance)
    assert quiet.success
    facts = reported(quiet, FACT)
    assert (facts["rows_added"], facts["rows_removed"], facts["dagster/row_count"]) == (0, 0, 3)
    assert fact_files(settings) == files

    # An analyst has the analysts' file open across the next publish.
    reader = duckdb.connect(str(settings.analysts), read_only=True)
    before = published_rows(reader)
    # March's file (one row) and a correction of January alone (one row): March's row and the
    # correction's arrive, January's two rows from the first file leave, February's stays.
    drop_csv(settings, TOURISM, "culture_tourism", "2024-03.csv", [
        dict(period="2024-03", area="太阳岛", revenue_wan=120),
    ])  # fmt: skip
    drop_csv(settings, TOURISM, "culture_tourism", "2024-01 更正.csv", [
        dict(period="2024-01", area="太阳岛", revenue_wan=105),
    ])  # fmt: skip
    changed = run_refresh(settings, instance)
    assert changed.success
    facts = reported(changed, FACT)
    assert (facts["rows_added"], facts["rows_removed"]) == (2, 2)
    assert (facts["periods_added"], facts["periods_removed"]) == (2, 1)
    expected = [
        (month(1), "太阳岛", 105, "2024-01 更正.csv"),
        (month(2), "太阳岛", 110, "2024-01至02.csv"),
        (month(3), "太阳岛", 120, "2024-03.csv"),
    ]
    # The analyst's earlier snapshot still reads January's first file, retired but kept.
    (retired,) = fact_files(settings, live=False)
    assert retired == files[0] and (folder / retired[3]).is_file()
    assert published_rows(reader) == before
    reader.close()  # (DuckDB shares one open file per process: the new one opens after it)
    assert analysts_rows(settings) == expected
    with connect(settings.warehouse) as con:
        assert published_rows(con) == expected
    # February's file is the one written by the first run, not written again.
    assert files[1] in fact_files(settings)

    # A day later the retired file is deleted; a live file lost behind the pipeline (a
    # warehouse restored without its facts folder) is written again from staging.
    with connect(settings.warehouse) as con:
        con.execute("update staging.fact_files set retired_at = retired_at - interval 2 day")
    (folder / files[1][3]).unlink()
    later = run_refresh(settings, instance)
    assert later.success
    assert not (folder / retired[3]).exists() and fact_files(settings, live=False) == []
    assert (reported(later, FACT)["rows_added"], reported(later, FACT)["rows_removed"]) == (1, 0)
    assert analysts_rows(settings) == expected

    # A file no record names (as a warehouse rebuilt beside its folder leaves, which an earlier
    # analysts' file may read) is retired when seen, not deleted; a day later it is, but never
    # a file a live pair names, even when a retired record names it too.
    stray = folder / Path(files[1][3]).with_name("2024-02-01-000000000000-0.parquet")
    stray.write_bytes((folder / files[1][3]).read_bytes())
    with connect(settings.warehouse) as con:
        con.execute(
            "insert into staging.fact_files select * replace (now() - interval 2 day as "
            "retired_at) from staging.fact_files where file = ?",
            [files[1][3]],
        )
    assert run_refresh(settings, instance).success
    assert stray.is_file() and (folder / files[1][3]).is_file()
    retired = [file for *_, file in fact_files(settings, live=False)]
    assert retired == [str(stray.relative_to(folder))]
    with connect(settings.warehouse) as con:
        con.execute("update staging.fact_files set retired_at = retired_at - interval 2 day")
    assert run_refresh(settings, instance).success
    assert not stray.exists() and fact_files(settings, live=False) == []
    assert analysts_rows(settings) == expected


def test_a_month_whose_rows_are_all_quarantined_is_held_not_written_every_night(tmp_path) -> None:
    settings = settings_for(tmp_path, as_of_date="2024-04-20")
    instance = dg.DagsterInstance.ephemeral()
    # Five good rows for January; February's one row shows an Excel error: set aside (1 of 6
    # rows is under the contract's 20% threshold), so February counts with no fact row.
    areas = ["太阳岛", "冰雪大世界", "伏尔加庄园", "东北虎林园", "湿地公园"]
    drop_csv(settings, TOURISM, "culture_tourism", "2024-01至02.csv", [
        *[dict(period="2024-01", area=area, revenue_wan=100) for area in areas],
        dict(period="2024-02", area="太阳岛", revenue_wan="#REF!"),
    ])  # fmt: skip
    first = run_refresh(settings, instance)
    assert first.success
    facts = reported(first, FACT)
    assert (facts["rows_added"], facts["periods_added"]) == (5, 2)
    assert [(period, rows) for _, period, rows, _ in fact_files(settings)] == [
        (month(1), 5),
        (month(2), 0),
    ]
    quiet = run_refresh(settings, instance)
    assert quiet.success
    facts = reported(quiet, FACT)
    assert (facts["rows_added"], facts["periods_added"], facts["dagster/row_count"]) == (0, 0, 5)


def test_an_unchanged_landed_file_is_not_read_again_to_be_recognised(tmp_path) -> None:
    landed = tmp_path / "landing" / "a.csv"
    landed.parent.mkdir()
    landed.write_bytes(b"first")
    with connect(tmp_path / "w.duckdb") as con:
        prepare(con)
        assert known_sha256(con, landed, "a.csv") == hashlib.sha256(b"first").hexdigest()
        # The cached hash is what comes back while the file is unchanged: it was not read.
        con.execute("update raw.landing_hashes set sha256 = 'cached'")
        assert known_sha256(con, landed, "a.csv") == "cached"
        # Written again (another size and time): read and hashed afresh.
        landed.write_bytes(b"second!")
        assert known_sha256(con, landed, "a.csv") == hashlib.sha256(b"second!").hexdigest()
        assert con.execute("select count(*) from raw.landing_hashes").fetchone() == (1,)


def test_a_quiet_night_takes_the_big_tables_counts_from_their_last_materialization(
    tmp_path,
) -> None:
    """Counting and previewing a 25M-row table is a scan of every row: while the submissions
    behind a table (its content version) are unchanged, the UI's row count and preview are
    those of the asset's last materialization; a new submission counts the table again."""
    settings = settings_for(tmp_path, as_of_date="2024-04-20")
    instance = dg.DagsterInstance.ephemeral()
    drop_csv(settings, TOURISM, "culture_tourism", "2024-01.csv", [
        dict(period="2024-01", area="太阳岛", revenue_wan=100),
        dict(period="2024-01", area="冰雪大世界", revenue_wan=50),
    ])  # fmt: skip
    first = run_refresh(settings, instance)
    assert first.success
    keys = [dg.AssetKey([layer, TOURISM]) for layer in ("raw", "staging")] + [FACT]
    counted = {key: reported(first, key) for key in keys}
    assert [counted[key]["dagster/row_count"] for key in keys] == [2, 2, 2]

    # A row slipped into raw behind the pipeline's back (January's file written again with a
    # copy of its first row): a count would see it in raw and in staging, where January's
    # submission counts.
    with connect(settings.warehouse) as con:
        (file,) = con.execute("select file from raw.files where feed = ?", [TOURISM]).fetchone()
        held = facts_folder_of(settings.warehouse) / file
        slipped = held.with_name("slipped.parquet")
        con.execute(
            "copy (select * from read_parquet($held) union all (select * replace "
            "(99 as row_number) from read_parquet($held) order by row_number limit 1)) "
            f"to '{slipped}' (format parquet)",
            {"held": str(held)},
        )
        slipped.replace(held)
        (rows,) = con.execute(f"select count(*) from raw.{TOURISM}").fetchone()
    assert rows == 3
    quiet = run_refresh(settings, instance)
    assert quiet.success
    for key in keys:
        again = reported(quiet, key)
        assert again["content_version"] == counted[key]["content_version"], key
        assert again["dagster/row_count"] == 2, key  # not counted again: the slipped row unseen
        assert again["preview"] == counted[key]["preview"], key

    # February's file: a new submission, new versions, every table counted again: raw holds
    # January's 2 rows, the slipped one and February's (4), staging the same 4 (the slipped row
    # belongs to January's current submission), the facts January's 2 as added then and
    # February's 1.
    drop_csv(settings, TOURISM, "culture_tourism", "2024-02.csv", [
        dict(period="2024-02", area="太阳岛", revenue_wan=110),
    ])  # fmt: skip
    changed = run_refresh(settings, instance)
    assert changed.success
    recounted = {key: reported(changed, key) for key in keys}
    assert [recounted[key]["dagster/row_count"] for key in keys] == [4, 4, 3]
    assert all(recounted[k]["content_version"] != counted[k]["content_version"] for k in keys)


def registrations(period: str, first: int, count: int) -> list[dict]:
    """`count` new registrations in `period`, credit codes numbered from `first`."""
    return [
        dict(period=period, credit_code=credit_code(n), enterprise_name=f"企业{n}",
             event_type="新登记", event_date=f"{period}-05", industry="制造业")
        for n in range(first, first + count)
    ]  # fmt: skip


def test_events_are_counted_once_per_fact_file_and_a_correction_replaces_its_counts(
    tmp_path,
) -> None:
    """marts.feed_metrics sums events counted once per live fact file: a month's file is
    counted when it arrives, a file a correction retires leaves the sums."""
    settings = settings_for(tmp_path, as_of_date="2024-04-20")
    instance = dg.DagsterInstance.ephemeral()
    feed, department = "enterprise_registrations", "market_regulation"
    drop_csv(settings, feed, department, "2024-01.csv", registrations("2024-01", 0, 2))
    drop_csv(settings, feed, department, "2024-02.csv", registrations("2024-02", 10, 3))
    assert run_refresh(settings, instance).success

    def year_to_date() -> list[tuple]:
        with connect(settings.warehouse) as con:
            return con.execute(
                "select month, metric_value from marts.feed_metrics where department = ? "
                "and metric_code = 'new_registrations' order by month",
                [department],
            ).fetchall()

    def counted() -> list[tuple]:
        """(file name of the submission, month, events counted) per counted fact file."""
        with connect(settings.warehouse) as con:
            return con.execute(
                "select s.file_name, c.period, c.new_registrations "
                "from staging.fact_event_counts c join staging.fact_files f using (file) "
                "join ledger.submissions s using (submission_id) order by all"
            ).fetchall()

    # January 2, February 2 + 3.
    assert year_to_date() == [(month(1), 2.0), (month(2), 5.0)]
    assert counted() == [("2024-01.csv", month(1), 2), ("2024-02.csv", month(2), 3)]
    # A correction of January with 4 registrations: January's first file leaves the counts.
    drop_csv(settings, feed, department, "2024-01 更正.csv", registrations("2024-01", 20, 4))
    assert run_refresh(settings, instance).success
    assert year_to_date() == [(month(1), 4.0), (month(2), 7.0)]
    assert counted() == [("2024-01 更正.csv", month(1), 4), ("2024-02.csv", month(2), 3)]
