"""What each department owes: one external asset per feed and department, fresh only while the
month it owes is not overdue, so the Dagster UI shows a late department as failing freshness.

Freshness is judged by marts.feed_status, not by Dagster's daemon: the daemon compares the last
materialization with the wall clock, so it cannot follow the deployment's judging date (a replayed
day, WORKPLAN_AS_OF_DATE) nor tell the month owed from a correction of an older one. The check
`month_owed` runs after marts.feed_status in every job, passes or fails each landing asset as the
mart says (overdue: failed) and records the same verdict as the asset's freshness state; the
instance's freshness daemon is off (dagster.yaml). The cron policy on each asset states the
deadline the mart applies: 00:00 Asia/Shanghai on the day after the contract's due day.

A landing asset materializes when an accepted submission brings the month the department owed
(the first month of the plan years on record it had not delivered), with that month in its
metadata; a
correction of a month already delivered, or a later month while an earlier one is missing, does
not materialize it: marts.feed_status still counts the department late.
"""

import datetime as dt
from functools import cache

import dagster as dg
import duckdb

# Dagster 1.13 accepts a freshness state change in its public report_runless_asset_event but
# exports no public name for it; dagster is pinned and tests/test_freshness.py fails if it moves.
from dagster._core.definitions.freshness import FreshnessState, FreshnessStateChange

from pipelines.files.contracts import FEEDS, ON_REVISION, Contract, load_contract
from pipelines.resources import Warehouse
from pipelines.settings import TIMEZONE
from pipelines.store.ledger import newly_accepted
from pipelines.store.warehouse import table_kind

LANDING = "landing"
# Dagster bounds the window by the shortest month between deadlines (28 days in February).
MONTHLY_WINDOW = dt.timedelta(days=28)
ANNUAL_WINDOW = dt.timedelta(days=365)


def landing_key(feed: str, department: str) -> dg.AssetKey:
    return dg.AssetKey([LANDING, feed, department])


def owes_months(contract: Contract) -> bool:
    """Whether the feed is owed month by month; a plan is sent when published or revised."""
    return contract.cadence != ON_REVISION


def freshness_policy(contract: Contract, department: str) -> dg.FreshnessPolicy | None:
    """Due by the contract's due day (the next day, 00:00 Asia/Shanghai, is the deadline); none
    for a file that owes no month (a plan)."""
    if not owes_months(contract):
        return None
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
    if not owes_months(contract):
        return dg.AssetSpec(
            landing_key(contract.feed, department),
            group_name=LANDING,
            kinds={"file"},
            owners=[f"team:{department}"],
            tags={"feed": contract.feed, "department": department},
            description=(
                f"{contract.title_zh} from {department}: files dropped in "
                f"landing/{contract.feed}/{department}/ when a plan is published or revised; "
                "no month is owed, so it has no freshness."
            ),
        )
    return dg.AssetSpec(
        landing_key(contract.feed, department),
        group_name=LANDING,
        kinds={"file"},
        # The sending department answers for its files (Dagster owner "team:<department>").
        owners=[f"team:{department}"],
        freshness_policy=freshness_policy(contract, department),
        tags={"feed": contract.feed, "department": department},
        description=(
            f"{contract.title_zh} from department {department}: files dropped in "
            f"landing/{contract.feed}/{department}/, {cadence}, due by day {contract.due_day} "
            "of the month after the period. Materialized when an accepted submission brings "
            "the month owed; fresh while that month is not overdue (check month_owed, "
            "marts.feed_status)."
        ),
    )


landing_specs = [
    landing_spec(contract, department)
    for feed in FEEDS
    for contract in [load_contract(feed)]
    for department in contract.departments
]


# The plan years on record, which say the months a department owes.
TARGETS = dg.AssetKey(["reference", "targets"])


def owed_from(feed: str) -> list[dg.AssetKey]:
    """What a feed's staging step reads to know the months owed (`report_landing`): the plan
    years of reference.targets, so a plan received in the same run counts; nothing for a plan,
    which owes no month (and which reference.targets is built from)."""
    return [TARGETS] if owes_months(load_contract(feed)) else []


def plan_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The plan years on record (reference.targets): a year is owed once its plan arrived."""
    if table_kind(con, "reference", "targets") is None:
        return []
    return [
        y
        for (y,) in con.execute(
            "select distinct plan_year from reference.targets order by plan_year"
        ).fetchall()
    ]


def owed_periods(contract: Contract, department: str, years: list[int]) -> list[dt.date]:
    """The months a department owes in the plan years, as marts.feed_status counts them: every
    month for a monthly feed, December for a yearly one."""
    if contract.cadence_of(department) == "annual":
        return [dt.date(year, 12, 1) for year in years]
    return [dt.date(year, month, 1) for year in years for month in range(1, 13)]


def first_owed(
    contract: Contract, department: str, delivered: set[dt.date], years: list[int]
) -> dt.date | None:
    """The month owed: the first of the plan years not delivered (None: all delivered)."""
    return next((p for p in owed_periods(contract, department, years) if p not in delivered), None)


def month(period: dt.date | None) -> str:
    return period.strftime("%Y-%m") if period else "none"


def report_landing(context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection, feed: str):
    """Materialize landing/<feed>/<department> for each department whose newly accepted files
    bring the month it owed; log, without materializing, the ones that only correct a month
    already delivered or skip the month owed."""
    contract = load_contract(feed)
    if not owes_months(contract):
        return
    years = plan_years(con)
    for department, periods, submissions, earlier in newly_accepted(con, feed):
        if department not in contract.departments:
            continue  # no landing asset: refused on receipt, kept here only defensively
        owed = first_owed(contract, department, set(earlier), years)
        received = ", ".join(month(p) for p in periods)
        if owed is None or owed not in periods:
            context.log.info(
                f"landing/{feed}/{department}: accepted {received} ({', '.join(submissions)}), "
                f"not the month owed ({month(owed)}): freshness unchanged"
            )
            continue
        delivered = set(earlier) | set(periods)
        after = first_owed(contract, department, delivered, years)
        owed_months = owed_periods(contract, department, years)
        through = max(p for p in owed_months if p < after) if after else None
        context.log_event(
            dg.AssetMaterialization(
                asset_key=landing_key(feed, department),
                description=f"The month owed, {month(owed)}, accepted",
                metadata={
                    # The month this department owed, which these files brought.
                    "period": dg.MetadataValue.text(month(owed)),
                    "periods_received": dg.MetadataValue.text(received),
                    # Every month owed up to this one is now delivered.
                    "delivered_through": dg.MetadataValue.text(
                        month(through) if after else f"{years[-1]} complete"
                    ),
                    "next_period_owed": dg.MetadataValue.text(month(after)),
                    "submissions": dg.MetadataValue.text(", ".join(submissions)),
                },
            )
        )


MONTH_OWED = "month_owed"
FEED_STATUS = dg.AssetKey(["marts", "feed_status"])
# The checks read marts.feed_status in the pipeline's warehouse, yet run after the analysts' file
# is published: an operator's verdict never delays the figures a department is waiting for.
PUBLISHED = dg.AssetKey(["analysts", "warehouse_file"])
# marts.feed_status's verdict as the landing asset's freshness state.
FRESHNESS_BY_STATUS = {
    "overdue": FreshnessState.FAIL,
    "on_time": FreshnessState.PASS,
    "complete": FreshnessState.PASS,
}

month_owed_specs = [
    dg.AssetCheckSpec(
        MONTH_OWED,
        asset=spec.key,
        additional_deps=[FEED_STATUS, PUBLISHED],
        description="Fails while the month this department owes is overdue in marts.feed_status "
        "(数据缺报) on the judging date; its verdict is also the asset's freshness.",
    )
    for spec in landing_specs
    if spec.freshness_policy is not None
]


@dg.multi_asset_check(
    specs=month_owed_specs,
    name=MONTH_OWED,
    description="Each department's month owed, judged by marts.feed_status.",
)
def month_owed(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
    """One result per landing asset from marts.feed_status, and the same verdict recorded as the
    asset's freshness state, so the UI's freshness and the mart agree on every department."""
    with warehouse.connect() as con:
        columns = (
            "feed, department, department_zh, status, status_zh, last_period, next_period, "
            "next_due, days_overdue, evaluated_on"
        )
        rows = con.execute(f"select {columns} from marts.feed_status").fetchall()
    names = [c.strip() for c in columns.split(",")]
    status_of = {(r[0], r[1]): dict(zip(names, r, strict=True)) for r in rows}
    states: dict[dg.AssetKey, FreshnessState] = {}
    for spec in month_owed_specs:
        _, feed, department = spec.asset_key.path
        row = status_of.get((feed, department))
        if row is None:
            states[spec.asset_key] = FreshnessState.UNKNOWN
            yield dg.AssetCheckResult(
                asset_key=spec.asset_key,
                check_name=MONTH_OWED,
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description="Not in marts.feed_status: no obligation recorded for it.",
            )
            continue
        states[spec.asset_key] = FRESHNESS_BY_STATUS.get(row["status"], FreshnessState.UNKNOWN)
        yield dg.AssetCheckResult(
            asset_key=spec.asset_key,
            check_name=MONTH_OWED,
            passed=row["status"] in ("on_time", "complete"),
            severity=dg.AssetCheckSeverity.WARN,
            description=owed_sentence(row),
            metadata={
                "department_zh": dg.MetadataValue.text(row["department_zh"] or department),
                "status": dg.MetadataValue.text(f"{row['status']} ({row['status_zh']})"),
                "period_owed": dg.MetadataValue.text(month(row["next_period"])),
                "due": dg.MetadataValue.text(str(row["next_due"] or "none")),
                "days_overdue": dg.MetadataValue.int(row["days_overdue"]),
                "last_period_received": dg.MetadataValue.text(month(row["last_period"])),
                "judged_on": dg.MetadataValue.text(str(row["evaluated_on"])),
            },
        )
    record_freshness(context.instance, states)


def owed_sentence(row: dict) -> str:
    """The verdict in an operator's words, English then Chinese."""
    who = row["department_zh"] or row["department"]
    if row["status"] == "complete":
        year = row["last_period"].year if row["last_period"] else ""
        return f"{who}: every month of {year} received. {who}：{year}年已报齐。"
    owed, due = month(row["next_period"]), row["next_due"]
    if row["status"] == "overdue":
        return (
            f"{who}: {owed} was due by {due}, {row['days_overdue']} days overdue on "
            f"{row['evaluated_on']}. {who}：{owed}数据应于{due}前报送，已逾期"
            f"{row['days_overdue']}天（数据缺报）。"
        )
    return f"{who}: {owed} is due by {due}. {who}：{owed}数据应于{due}前报送（按期报送）。"


def record_freshness(instance: dg.DagsterInstance, states: dict[dg.AssetKey, FreshnessState]):
    """Record each landing asset's freshness state where the UI reads it (the latest freshness
    state change in the event log), only when it changed, as Dagster's own daemon would."""
    previous = instance.get_freshness_state_records(list(states))
    now = dt.datetime.now(dt.UTC).timestamp()
    for key, state in states.items():
        before = previous[key].freshness_state if key in previous else None
        if before == state:
            continue
        instance.report_runless_asset_event(
            FreshnessStateChange(
                key=key,
                new_state=state,
                previous_state=before or FreshnessState.UNKNOWN,
                state_change_timestamp=now,
            )
        )


# What every job selects besides its assets: the checks run after marts.feed_status.
month_owed_checks = dg.AssetSelection.checks(month_owed)
