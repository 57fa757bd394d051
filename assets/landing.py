"""What each department owes: one external asset per feed and department, with the freshness
policy its contract sets (monthly by the due day, or once a year), so the Dagster UI shows a late
department as failing freshness. The staging step reports a materialization when a department's
new submission has been accepted."""

import datetime as dt
from functools import cache

import dagster as dg

from pipelines.files.contracts import FEEDS, Contract, load_contract
from pipelines.settings import TIMEZONE

LANDING = "landing"
# Dagster bounds the window by the shortest month between deadlines (28 days in February).
MONTHLY_WINDOW = dt.timedelta(days=28)
ANNUAL_WINDOW = dt.timedelta(days=365)


def landing_key(feed: str, department: str) -> dg.AssetKey:
    return dg.AssetKey([LANDING, feed, department])


def freshness_policy(contract: Contract, department: str) -> dg.FreshnessPolicy:
    """Due by the contract's due day (the next day, 00:00 Asia/Shanghai, is the deadline)."""
    deadline_day = contract.due_day + 1
    if contract.cadence_of(department) == "annual":
        return cron_policy(f"0 0 {deadline_day} 1 *", ANNUAL_WINDOW)
    return cron_policy(f"0 0 {deadline_day} * *", MONTHLY_WINDOW)


@cache
def cron_policy(deadline_cron: str, window: dt.timedelta) -> dg.FreshnessPolicy:
    """One policy per deadline: Dagster validates each by walking a year of cron ticks, which
    cost a tenth of a second per code location load when built for every department."""
    return dg.FreshnessPolicy.cron(
        deadline_cron=deadline_cron, lower_bound_delta=window, timezone=TIMEZONE
    )


def landing_spec(contract: Contract, department: str) -> dg.AssetSpec:
    cadence = contract.cadence_of(department)
    return dg.AssetSpec(
        landing_key(contract.feed, department),
        group_name=LANDING,
        kinds={"file"},
        freshness_policy=freshness_policy(contract, department),
        tags={"feed": contract.feed, "department": department},
        description=(
            f"{contract.title_zh} from department {department}: files dropped in "
            f"landing/{contract.feed}/{department}/, {cadence}, due by day {contract.due_day} "
            "of the month after the period. Updated when a new submission is accepted."
        ),
    )


landing_specs = [
    landing_spec(contract, department)
    for feed in FEEDS
    for contract in [load_contract(feed)]
    for department in contract.departments
]
