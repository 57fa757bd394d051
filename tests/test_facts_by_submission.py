"""A night with nothing new costs little at any scale, and a new file costs in proportion to
itself (issue 16): the fact tables, and their copies in the analysts' file, are kept by
submission, so a quiet night writes no fact row, a new file adds exactly its rows and a
correction takes out exactly the rows of the months it replaces; and a landed file is not read
through again to be recognised while it is unchanged.

Tier: the real refresh job in process on a temporary deployment, what each step did read from
the metadata it reported, and the rows from the warehouse and the analysts' file; the hash cache
as a function on a real DuckDB file.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import dagster as dg
import duckdb

from pipelines.store.ingest import known_sha256, prepare
from pipelines.store.warehouse import connect
from tests.helpers import drop_csv, run_refresh, settings_for

TOURISM = "tourism_revenue"
FACT = dg.AssetKey(["marts", "fact_tourism_revenue"])
PUBLISHED = dg.AssetKey(["analysts", "warehouse_file"])


def month(number: int) -> dt.date:
    return dt.date(2024, number, 1)


def reported(result, key: dg.AssetKey) -> dict:
    """The metadata of the run's materialization of `key`, as plain values."""
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    return {name: value.value for name, value in event.materialization.metadata.items()}


def published_rows(settings) -> list[tuple]:
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        return con.execute(
            "select f.period, f.area, f.revenue_wan, s.file_name "
            "from marts.fact_tourism_revenue f join ledger.submissions s using (submission_id) "
            "order by all"
        ).fetchall()


def test_only_the_rows_of_submissions_that_changed_are_written(tmp_path) -> None:
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
    assert reported(first, FACT)["rows_added"] == 3
    assert reported(first, PUBLISHED)["fact_tables_written_whole"] != "none"

    # Nothing new: the facts and the analysts' copy of them are left as they are.
    quiet = run_refresh(settings, instance)
    assert quiet.success
    facts = reported(quiet, FACT)
    assert (facts["rows_added"], facts["rows_removed"], facts["dagster/row_count"]) == (0, 0, 3)
    published = reported(quiet, PUBLISHED)
    assert published["copied_from_last_publish"] is True
    assert published["fact_tables_written_whole"] == "none"

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
    assert reported(changed, PUBLISHED)["copied_from_last_publish"] is True
    expected = [
        (month(1), "太阳岛", 105, "2024-01 更正.csv"),
        (month(2), "太阳岛", 110, "2024-01至02.csv"),
        (month(3), "太阳岛", 120, "2024-03.csv"),
    ]
    assert published_rows(settings) == expected

    # Another analysts' file put in place behind the pipeline (an old copy restored by hand,
    # here with its rows gone): it is not the one on record, so it is published whole.
    with duckdb.connect(str(settings.analysts)) as con:
        con.execute("delete from marts.fact_tourism_revenue")
    again = run_refresh(settings, instance)
    assert again.success
    assert reported(again, PUBLISHED)["copied_from_last_publish"] is False
    assert published_rows(settings) == expected


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

    # A row slipped into raw behind the pipeline's back (a copy of January's first row): a
    # count would see it in raw and in staging, where January's submission counts.
    with connect(settings.warehouse) as con:
        con.execute(
            f"insert into raw.{TOURISM} select * replace (99 as row_number) "
            f"from raw.{TOURISM} order by row_number limit 1"
        )
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
