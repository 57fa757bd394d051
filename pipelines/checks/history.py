"""Figures a data steward would question: new values judged against the department's own history.

A file can pass every row rule and still be wrong by a unit: an amount typed in 万元 under an
亿元 header is 10,000 times too large, a 1-N月 cumulative that jumps a hundredfold in a month was
typed in 元. Row rules cannot see that, because the evidence is in earlier files. So each new
figure is set beside the figure it should resemble (the same project's, scenic area's, metric's or
school's last figure, accepted or sent in the same run; for a seasonal flow the median of its
previous twelve months; for a completed amount, the plan on its own row), and a correction of a
snapshot register beside the register it replaces. The SQL in `sql/history/` builds those pairs
as one frame; the judgement is a GX suite, `expectations/history/doubts.json` (how many times
apart is too far, how much of a register may vanish), run by the same two engines as the feeds'
suites, so both agree.

A finding does not quarantine a row: a unit slip affects the whole file. The ledger holds the file
and says what looks wrong and what would change, unless the file carries the department's
confirmation (a line 说明：数据已核实), in which case it is accepted with a warning.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

import duckdb

from pipelines.checks.suite_sql import compile_suite
from pipelines.checks.suites import Rule
from pipelines.files.contracts import Contract
from pipelines.settings import EXPECTATIONS_ROOT
from pipelines.store.conform import typed_view
from pipelines.store.warehouse import insert_rows, quote_identifier, sql_text

SUITE = EXPECTATIONS_ROOT / "history" / "doubts.json"

# The series each feed's figures belong to, and how each is judged: (series column, measured
# column, reference, resets each January, scaled). `latest` compares with the last earlier
# figure; `median` with the median of the previous twelve months, for flows that swing with the
# season. `scaled`: the series are things of one kind (projects, schools), so an earlier figure
# below a hundredth of the department's median for the column is replaced by that median (a
# first small arrival of capital is no base for a hundredfold); metrics of different sizes are
# not scaled.
SERIES: dict[str, tuple[tuple[str, str, str, bool, bool], ...]] = {
    "projects": (
        ("project_code", "contracted_amount_wan", "latest", False, True),
        ("project_code", "utilised_capital_ytd_wan", "latest", True, True),
        ("project_code", "planned_annual_investment_wan", "latest", True, True),
        ("project_code", "completed_investment_ytd_wan", "latest", True, True),
    ),
    "tourism_revenue": (
        ("area", "visitors", "median", False, False),
        ("area", "revenue_wan", "median", False, False),
    ),
    "headline_statistics": (("metric_code", "value_ytd", "latest", True, False),),
    "school_places": (("school_project", "places", "latest", False, True),),
}
# A figure and the plan on its own row that it cannot exceed a hundredfold.
PLANS: dict[str, tuple[tuple[str, str], ...]] = {
    "projects": (("completed_investment_ytd_wan", "planned_annual_investment_wan"),),
}
# The labelled lines a department confirms a questioned figure with, and the words that confirm.
CONFIRMATION_LABELS = ("说明", "注", "备注")
CONFIRMATION = re.compile(r"已核实|核实无误|确认无误|数据无误|已核对")


@dataclass(frozen=True)
class Doubt:
    """One figure (or one register) the history suite questions, with what it is judged against.

    `kind` is `history` (the series' earlier figure), `plan` (the plan on the same row) or
    `register` (a correction dropping items of the register in force).
    """

    submission_id: str
    rule: str
    kind: str
    column: str | None
    excel_row: int | None
    period: date | None
    series: str | None
    value_text: str | None
    value: float | None
    reference_value: float | None
    reference_period: date | None
    first_reference_period: date | None
    # The reference is the department's median for the column that month, the series' own
    # earlier figure being too small to measure from.
    reference_is_scale: bool
    fold: float | None
    old_submission: str | None
    rows_before: int | None
    rows_after: int | None
    missing_items: tuple[str, ...]
    # The Excel column letter the figure was read from, filled in by validation.
    column_letter: str | None = None


@cache
def load_doubt_rules() -> tuple[Rule, ...]:
    """The history suite as rules, in the suite's order (the same reading as the feeds')."""
    spec = json.loads(SUITE.read_text(encoding="utf-8"))
    return tuple(
        Rule(
            index=index,
            type=e["type"],
            kwargs=e["kwargs"],
            rule=e["meta"]["rule"],
            reason_en=e["meta"]["reason_en"],
            reason_zh=e["meta"]["reason_zh"],
        )
        for index, e in enumerate(spec["expectations"])
    )


def template(name: str, **identifiers: str) -> str:
    """A `sql/history/` file with its `{placeholders}` filled: identifiers are quoted, the two
    words a series file chooses between (`latest`/`median`, true/false) are fixed in this
    module, never taken from input."""
    text = sql_text(f"history/{name}")
    for key, value in identifiers.items():
        text = text.replace("{" + key + "}", value)
    return text


def staging_view(contract: Contract) -> str:
    return f"staging.{quote_identifier(contract.feed)}"


def pair_selects(contract: Contract) -> list[str]:
    """Each series and plan file of the feed, labelled with its check and column."""
    typed, staging = typed_view(contract), staging_view(contract)
    selects = []
    for series, measure, reference, resets, scaled in SERIES.get(contract.feed, ()):
        body = template(
            "series",
            typed=typed,
            staging=staging,
            series=quote_identifier(series),
            measure=quote_identifier(measure),
            measure_text=quote_identifier(measure + "__text"),
            reference=reference,
            resets="true" if resets else "false",
            scaled="true" if scaled else "false",
            chosen="latest" if reference == "latest" else "median_of_months",
            first_reference="null::date" if reference == "latest" else "first_reference_period",
        )
        selects.append(f"select 'history' as kind, '{measure}' as column_name, * from ({body})")
    for measure, plan in PLANS.get(contract.feed, ()):
        body = template(
            "plan",
            typed=typed,
            measure=quote_identifier(measure),
            measure_text=quote_identifier(measure + "__text"),
            plan=quote_identifier(plan),
        )
        selects.append(f"select 'plan' as kind, '{measure}' as column_name, * from ({body})")
    return selects


def register_item(contract: Contract) -> str | None:
    """The column naming an item of a snapshot register, or None for other feeds."""
    if contract.kind != "snapshot":
        return None
    items = [c for c in contract.business_key if c != "period"]
    return items[0] if len(items) == 1 else None


def frame_sql(contract: Contract) -> str | None:
    """The frame the history suite reads, for the submissions in `$submission_ids`, or None when
    the feed has nothing to judge against. One row per pair: the new figure, its reference and
    how many times apart they are (`fold`, always ≥ 1; empty where a fall is expected, as a
    cumulative starting again in January), or a register's share of items a correction drops."""
    parts = []
    pairs = pair_selects(contract)
    if pairs:
        parts.append(
            "select submission_id, kind, column_name, excel_row, period, series, value_text, "
            "value, reference_value, reference_period, first_reference_period, "
            "reference_is_scale, case when value > 0 and reference_value > 0 then case "
            "when value >= reference_value then value / reference_value "
            "when not rise_only then reference_value / value end end as fold, "
            "null::double as dropped_share, null::varchar as old_submission, "
            "null::bigint as rows_before, null::bigint as rows_after, "
            "null::varchar[] as missing_items "
            f"from ({' union all '.join(pairs)})"
        )
    if item := register_item(contract):
        body = template("register", typed=typed_view(contract), item=quote_identifier(item))
        parts.append(
            "select submission_id, 'register' as kind, null::varchar as column_name, "
            "null::integer as excel_row, period, null::varchar as series, "
            "null::varchar as value_text, null::double as value, "
            "null::double as reference_value, period as reference_period, "
            "null::date as first_reference_period, false as reference_is_scale, "
            "null::double as fold, "
            "len(coalesce(missing_items, []))::double / rows_before as dropped_share, "
            "old_submission, rows_before, rows_after, missing_items "
            f"from ({body}) where rows_before > 0"
        )
    if not parts:
        return None
    return (
        "select *, (row_number() over (order by submission_id, kind, column_name, excel_row, "
        f"period))::integer as row_number from ({' union all '.join(parts)})"
    )


def find_doubts(
    con: duckdb.DuckDBPyConnection, contract: Contract, submission_ids: list[str], engine: str
) -> dict[str, list[Doubt]]:
    """Each submission's questioned figures, judged by the history suite with `engine`."""
    source = frame_sql(contract)
    if source is None or not submission_ids:
        return {}
    from pipelines.checks.validation import ValidationIncomplete

    rules = load_doubt_rules()
    try:
        con.execute(
            f"create or replace temp table history_frame as {source}",
            {"submission_ids": submission_ids},
        )
        if engine == "gx":
            flagged = run_gx(con, rules)
        else:
            columns = {d[0] for d in con.execute("select * from history_frame limit 0").description}
            compiled = compile_suite("history", rules, columns)
            flagged = con.execute(
                f"with input as not materialized (select * from history_frame), {compiled.sql}",
                compiled.params,
            ).fetchall()
            flagged = [(row_number, expectation) for _, row_number, expectation, _ in flagged]
    except duckdb.Error as error:
        raise ValidationIncomplete(
            f"the history suite failed on {contract.feed}: {error}"
        ) from error
    if not flagged:
        return {}
    con.execute(
        "create or replace temp table history_flags (row_number integer, expectation integer)"
    )
    insert_rows(con, "history_flags", flagged)
    cursor = con.execute(
        "select f.expectation, h.* from history_flags f join history_frame h using (row_number) "
        "order by h.submission_id, h.kind = 'register', h.excel_row, h.column_name, h.period"
    )
    names = [d[0] for d in cursor.description]
    doubts: dict[str, list[Doubt]] = {}
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        doubts.setdefault(row["submission_id"], []).append(
            Doubt(
                submission_id=row["submission_id"],
                rule=rules[row["expectation"]].rule,
                kind=row["kind"],
                column=row["column_name"],
                excel_row=row["excel_row"],
                period=row["period"],
                series=row["series"],
                value_text=row["value_text"],
                value=row["value"],
                reference_value=row["reference_value"],
                reference_period=row["reference_period"],
                first_reference_period=row["first_reference_period"],
                reference_is_scale=row["reference_is_scale"],
                fold=row["fold"],
                old_submission=row["old_submission"],
                rows_before=row["rows_before"],
                rows_after=row["rows_after"],
                missing_items=tuple(row["missing_items"] or ()),
            )
        )
    return doubts


def run_gx(con: duckdb.DuckDBPyConnection, rules: tuple[Rule, ...]) -> list[tuple[int, int]]:
    """The history suite by GX's pandas engine over the frame: (frame row, expectation) flagged.

    Only the columns the suite reads are handed over (the frame also carries lists of items).
    """
    from pipelines.checks.gx_engine import INDEX_KEY, _batch_definition, great_expectations

    frame = con.execute(
        "select row_number, fold, dropped_share from history_frame order by row_number"
    ).df()
    spec = json.loads(SUITE.read_text(encoding="utf-8"))
    suite = great_expectations().ExpectationSuite(
        name=spec["name"],
        expectations=[
            e | {"meta": e["meta"] | {INDEX_KEY: index}}
            for index, e in enumerate(spec["expectations"])
        ],
    )
    result = (
        _batch_definition()
        .get_batch(batch_parameters={"dataframe": frame})
        .validate(suite, result_format={"result_format": "COMPLETE"})
    )
    flagged = []
    for outcome in result.results:
        if outcome.success:
            continue
        index = outcome.expectation_config.meta[INDEX_KEY]
        indices = outcome.result.get("unexpected_index_list")
        if indices is None:
            from pipelines.checks.validation import ValidationIncomplete

            raise ValidationIncomplete(f"history rule {rules[index].rule} could not be evaluated")
        flagged += [(int(frame.iloc[position]["row_number"]), index) for position in indices]
    return flagged


def confirmed(con: duckdb.DuckDBPyConnection, submission_ids: list[str]) -> set[str]:
    """The submissions whose labelled lines confirm their figures (说明：数据已核实)."""
    found = set()
    for submission_id, notes in con.execute(
        "select submission_id, file_notes from ledger.submissions "
        "where submission_id in (select unnest($ids)) and file_notes is not null",
        {"ids": submission_ids},
    ).fetchall():
        labelled = json.loads(notes) if isinstance(notes, str) else notes
        notes_found = [str(labelled.get(label) or "") for label in CONFIRMATION_LABELS]
        if any(CONFIRMATION.search(note) for note in notes_found):
            found.add(submission_id)
    return found
