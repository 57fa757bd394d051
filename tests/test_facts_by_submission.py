"""A night with nothing new costs little at any scale, and a new file costs in proportion to
itself (issue 16): each received row is written once, to its submission's raw file, and the
warehouse's and the analysts' marts.<fact> are views over the raw files of the current
submissions, so a quiet night writes no row, a new file adds its own, a correction takes out
exactly the months it replaces, and an analyst holding an earlier analysts' file keeps reading
the facts as they were; and a landed file is not read through again to be recognised while it
is unchanged.

Tier: the real refresh job in process on a temporary deployment, what each step did read from
the metadata it reported, and the rows from the warehouse, the analysts' file and the files;
the hash cache as a function on a real DuckDB file.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import dagster as dg
import duckdb

from pipelines.store.ingest import known_sha256, prepare
from pipelines.store.raw_files import root_of
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


def written_files(settings) -> list[str]:
    """Every Parquet file under the warehouse's row files' folder, relative to it."""
    folder = root_of(settings.warehouse)
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.parquet"))


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
    assert (facts["periods_added"], facts["dagster/row_count"]) == (2, 3)
    # The rows are written once, to the submission's raw file: no file of the facts' own.
    files = written_files(settings)
    with connect(settings.warehouse) as con:
        (held,) = con.execute(
            "select file from raw.files where feed = ? order by 1", [TOURISM]
        ).fetchall()
    assert held[0] in files
    assert all(file.startswith("raw/") for file in files)
    # The analysts' file holds no fact row: its fact tables are views over the same file.
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        kinds = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables "
                "where table_schema = 'marts' and table_name like 'fact_%'"
            ).fetchall()
        )
        assert set(kinds.values()) == {"VIEW"} and len(kinds) == 5
        (described, sql) = con.execute(
            "select comment, sql from duckdb_views() where view_name = 'fact_tourism_revenue'"
        ).fetchone()
        assert described and "tourism" in described.lower()
        assert held[0] in sql

    # Nothing new: nothing written, the same pairs.
    quiet = run_refresh(settings, instance)
    assert quiet.success
    facts = reported(quiet, FACT)
    assert (facts["periods_added"], facts["periods_removed"], facts["dagster/row_count"]) == (
        0,
        0,
        3,
    )
    assert written_files(settings) == files

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
    assert (facts["periods_added"], facts["periods_removed"]) == (2, 1)
    assert facts["dagster/row_count"] == 3
    expected = [
        (month(1), "太阳岛", 105, "2024-01 更正.csv"),
        (month(2), "太阳岛", 110, "2024-01至02.csv"),
        (month(3), "太阳岛", 120, "2024-03.csv"),
    ]
    # The analyst's earlier snapshot still shows the facts as published then: the first file
    # is unchanged, and that snapshot's record of current submissions names it for January.
    assert published_rows(reader) == before
    reader.close()  # (DuckDB shares one open file per process: the new one opens after it)
    assert analysts_rows(settings) == expected
    with connect(settings.warehouse) as con:
        assert published_rows(con) == expected
        # The replaced rows stay in raw, as received: 3 + 1 + 1.
        assert con.execute(f"select count(*) from raw.{TOURISM}").fetchone() == (5,)
    # Two files added, one per new submission; the first is the same file, not written again.
    assert len(written_files(settings)) == len(files) + 2 and set(files) < set(
        written_files(settings)
    )


def test_a_month_whose_rows_are_all_quarantined_is_not_the_files_and_is_not_added_again(
    tmp_path,
) -> None:
    settings = settings_for(tmp_path, as_of_date="2024-04-20")
    instance = dg.DagsterInstance.ephemeral()
    # Five good rows for January; February's one row shows an Excel error: set aside (1 of 6
    # rows is under the contract's 20% threshold). The file brings no February figure, so it is
    # no file for February: February stays owed, with no fact row, rather than counted as 0.
    areas = ["太阳岛", "冰雪大世界", "伏尔加庄园", "东北虎林园", "湿地公园"]
    drop_csv(settings, TOURISM, "culture_tourism", "2024-01至02.csv", [
        *[dict(period="2024-01", area=area, revenue_wan=100) for area in areas],
        dict(period="2024-02", area="太阳岛", revenue_wan="#REF!"),
    ])  # fmt: skip
    first = run_refresh(settings, instance)
    assert first.success
    facts = reported(first, FACT)
    assert (facts["periods_added"], facts["dagster/row_count"]) == (1, 5)
    with connect(settings.warehouse) as con:
        assert con.execute(
            "select period from marts.current_submissions where feed = ?", [TOURISM]
        ).fetchall() == [(month(1),)]
        assert con.execute(
            "select period, count(*) from marts.fact_tourism_revenue group by all"
        ).fetchall() == [(month(1), 5)]
        # The held row is on record, with what to correct.
        assert con.execute(
            "select row_number, list(rule order by rule) from ledger.quarantine group by all"
        ).fetchall() == [(7, ["cell_error", "decimal_format"])]
    quiet = run_refresh(settings, instance)
    assert quiet.success
    facts = reported(quiet, FACT)
    assert (facts["periods_added"], facts["dagster/row_count"]) == (0, 5)


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

    # A value changed in raw behind the pipeline's back (January's file written again with
    # one area renamed): a count and a preview would show it in raw, staging and the
    # facts, which all read the file. (Rows added this way are caught by the facts'
    # reconciliation with the ledger: tests/test_asset_metadata.py.)
    with connect(settings.warehouse) as con:
        (file,) = con.execute("select file from raw.files where feed = ?", [TOURISM]).fetchone()
        held = root_of(settings.warehouse) / file
        changed_file = held.with_name("changed.parquet")
        con.execute(
            "copy (select * replace (if(area = '太阳岛', '篡改', area) as area) "
            f"from read_parquet($held)) to '{changed_file}' (format parquet)",
            {"held": str(held)},
        )
        changed_file.replace(held)
        assert con.execute(
            f"select count(*) from staging.{TOURISM} where area = '篡改'"
        ).fetchone() == (1,)
    quiet = run_refresh(settings, instance)
    assert quiet.success
    for key in keys:
        again = reported(quiet, key)
        assert again["content_version"] == counted[key]["content_version"], key
        assert again["dagster/row_count"] == 2, key
        # Not read again: the changed value unseen.
        assert again["preview"] == counted[key]["preview"] and "篡改" not in again["preview"], key

    # February's file: a new submission, new versions, every table counted and previewed again:
    # 3 rows in each, January's changed value among them.
    drop_csv(settings, TOURISM, "culture_tourism", "2024-02.csv", [
        dict(period="2024-02", area="太阳岛", revenue_wan=110),
    ])  # fmt: skip
    changed = run_refresh(settings, instance)
    assert changed.success
    recounted = {key: reported(changed, key) for key in keys}
    assert [recounted[key]["dagster/row_count"] for key in keys] == [3, 3, 3]
    assert all(recounted[k]["content_version"] != counted[k]["content_version"] for k in keys)
    assert all("篡改" in recounted[k]["preview"] for k in keys)


def registrations(period: str, first: int, count: int) -> list[dict]:
    """`count` new registrations in `period`, credit codes numbered from `first`."""
    return [
        dict(period=period, credit_code=credit_code(n), enterprise_name=f"企业{n}",
             event_type="新登记", event_date=f"{period}-05", industry="制造业")
        for n in range(first, first + count)
    ]  # fmt: skip


def test_events_are_counted_once_per_month_and_a_correction_replaces_its_counts(
    tmp_path,
) -> None:
    """marts.feed_metrics sums events counted once per current (submission, month): a month's
    file is counted when it arrives, the month a correction replaces leaves the sums."""
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
        """(file name of the submission, month, events counted) per counted month."""
        with connect(settings.warehouse) as con:
            return con.execute(
                "select s.file_name, c.period, c.new_registrations "
                "from staging.pair_events c join ledger.submissions s using (submission_id) "
                "order by all"
            ).fetchall()

    # January 2, February 2 + 3.
    assert year_to_date() == [(month(1), 2.0), (month(2), 5.0)]
    assert counted() == [("2024-01.csv", month(1), 2), ("2024-02.csv", month(2), 3)]
    # A correction of January with 4 registrations: January's first file leaves the counts.
    drop_csv(settings, feed, department, "2024-01 更正.csv", registrations("2024-01", 20, 4))
    assert run_refresh(settings, instance).success
    assert year_to_date() == [(month(1), 4.0), (month(2), 7.0)]
    assert counted() == [("2024-01 更正.csv", month(1), 4), ("2024-02.csv", month(2), 3)]


def test_a_month_is_counted_from_its_own_file_and_the_year_s_counts_are_kept(tmp_path) -> None:
    """The UI's row counts of staging and the facts add up counts kept per (submission, month):
    a new month's run counts its own file's rows, never the year's again, and a correction's
    month replaces the count of the month it restates."""
    settings = settings_for(tmp_path, as_of_date="2024-04-20")
    instance = dg.DagsterInstance.ephemeral()
    staging = dg.AssetKey(["staging", TOURISM])

    def kept() -> list[tuple]:
        with connect(settings.warehouse) as con:
            return con.execute(
                "select s.file_name, r.period, r.row_count from staging.pair_rows r "
                "join ledger.submissions s using (submission_id) where r.feed = ? order by all",
                [TOURISM],
            ).fetchall()

    drop_csv(settings, TOURISM, "culture_tourism", "2024-01.csv", [
        dict(period="2024-01", area="太阳岛", revenue_wan=100),
        dict(period="2024-01", area="冰雪大世界", revenue_wan=50),
    ])  # fmt: skip
    assert run_refresh(settings, instance).success
    assert kept() == [("2024-01.csv", month(1), 2)]
    # January's count, as a year's would be, stands for its rows: set it to 40, and February's
    # run adds February's 1 row to it, since it does not count January again.
    with connect(settings.warehouse) as con:
        con.execute("update staging.pair_rows set row_count = 40 where period = '2024-01-01'")
    drop_csv(settings, TOURISM, "culture_tourism", "2024-02.csv", [
        dict(period="2024-02", area="太阳岛", revenue_wan=110),
    ])  # fmt: skip
    february = run_refresh(settings, instance)
    assert february.success
    assert [reported(february, key)["dagster/row_count"] for key in (staging, FACT)] == [41, 41]
    assert kept() == [("2024-01.csv", month(1), 40), ("2024-02.csv", month(2), 1)]
    # A correction of January (1 row): January's kept count is forgotten, the correction's
    # counted from its own file: 1 + 1.
    drop_csv(settings, TOURISM, "culture_tourism", "2024-01 更正.csv", [
        dict(period="2024-01", area="太阳岛", revenue_wan=105),
    ])  # fmt: skip
    corrected = run_refresh(settings, instance)
    assert corrected.success
    assert [reported(corrected, key)["dagster/row_count"] for key in (staging, FACT)] == [2, 2]
    assert kept() == [("2024-01 更正.csv", month(1), 1), ("2024-02.csv", month(2), 1)]
