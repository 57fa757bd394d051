"""Jobs: one per feed (its raw asset and everything downstream) and a full refresh.

All run in process: DuckDB takes one writer at a time, so steps gain nothing from parallel
processes, and the in-process executor saves seconds per small run.
"""

from __future__ import annotations

import dagster as dg

from assets.feeds import STRAY_FILES, raw_key
from assets.landing import month_owed_checks
from pipelines.files.contracts import FEEDS


def ingest_job_name(feed: str) -> str:
    return f"ingest_{feed}"


def ingest_selection(feed: str) -> dg.AssetSelection:
    """The feed's raw asset and everything downstream, the files dropped outside every feed's
    folder (recorded by the next run of any feed), and the reference data the marts read, so a
    sensor's run works on a fresh warehouse too.

    The reference data's other dependants stay out: every feed's raw asset reads the departments'
    names and every feed's staging step the plan years, and following those would make each
    feed's run receive, validate and stage all six feeds. A plan's run does restage every feed,
    since a new plan year changes the months each of them owes."""
    received = dg.AssetSelection.assets(raw_key(feed), STRAY_FILES).downstream()
    other_feeds = dg.AssetSelection.groups(*(other for other in FEEDS if other != feed))
    reference = dg.AssetSelection.groups("reference").downstream() - other_feeds
    # The landing assets' month-owed checks run after the publish, which every job makes.
    return (received | reference).required_multi_asset_neighbors() | month_owed_checks


ingest_jobs = [
    dg.define_asset_job(
        ingest_job_name(feed),
        selection=ingest_selection(feed),
        description=f"Receive new {feed} files, validate them and refresh the marts they feed.",
        executor_def=dg.in_process_executor,
        tags={"feed": feed},
    )
    for feed in FEEDS
]

refresh_all = dg.define_asset_job(
    "refresh_all",
    selection=dg.AssetSelection.all() | month_owed_checks,
    description="Receive anything new in every feed and rebuild every table, re-scoring pace.",
    executor_def=dg.in_process_executor,
)
