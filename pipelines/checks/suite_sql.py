"""Compile a feed's GX suite into one DuckDB query that flags every row breaking a rule.

A national feed of 25 million rows cannot pass through GX's pandas engine (about 1.3 GB per
million rows), and GX's SQL engine on DuckDB loses its connection (GX issues 10738, 11579). The
suite's row rules are simple conditions, so each becomes a SQL predicate with the meaning GX
gives it (nulls pass every rule but not-null, a row condition narrows the rows), and one scan
flags all rules at once. An expectation or option this module does not know is refused rather
than skipped, and tests run GX itself on the same rows to show both engines agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.checks.suites import TEXT_SUFFIX, Rule
from pipelines.store.warehouse import quote_identifier

# Each supported expectation and the options it may carry. GX's other options (mostly,
# strict bounds, other ignore_row_if modes) change the meaning and are refused.
SUPPORTED = {
    "expect_table_row_count_to_be_between": {"min_value", "max_value"},
    "expect_column_values_to_not_be_null": {"column", "row_condition"},
    "expect_column_values_to_be_between": {"column", "min_value", "max_value", "row_condition"},
    "expect_column_values_to_be_in_set": {"column", "value_set", "row_condition"},
    "expect_column_value_lengths_to_be_between": {"column", "min_value", "max_value"},
    "expect_column_values_to_match_regex": {"column", "regex", "row_condition"},
    "expect_column_values_to_have_valid_credit_code_check_character": {"column"},
    "expect_column_pair_values_a_to_be_greater_than_b": {
        "column_A",
        "column_B",
        "or_equal",
        "ignore_row_if",
    },
    "expect_compound_columns_to_be_unique": {"column_list"},
}


class SuiteNotCompilable(ValueError):
    """The suite uses an expectation or option the SQL engine cannot evaluate faithfully."""


@dataclass(frozen=True)
class CompiledSuite:
    """The row rules as one query over `input` (a relation with the suite's columns)."""

    sql: str
    params: dict[str, object]
    table_rules: tuple[Rule, ...]


def value_columns(rule: Rule) -> list[str]:
    """The columns whose text a finding shows: the rule's column, or a duplicate's key."""
    if rule.type == "expect_compound_columns_to_be_unique":
        return [c for c in rule.kwargs["column_list"] if c != "submission_id"]
    return [rule.column] if rule.column else []


def text_source(column: str, columns: set[str]) -> str:
    """Where a column's text as received lives: beside a typed column, or the column itself."""
    return column + TEXT_SUFFIX if column + TEXT_SUFFIX in columns else column


class _Compiler:
    """Turns rules into predicates over the input's columns, binding every value."""

    def __init__(self, feed: str, columns: set[str]) -> None:
        self.feed = feed
        self.columns = columns
        self.params: dict[str, object] = {}
        self.windows: list[str] = []

    def column(self, name: str) -> str:
        if name not in self.columns:
            raise SuiteNotCompilable(f"{self.feed}: the suite names column {name!r}, not in data")
        return quote_identifier(name)

    def bind(self, rule: Rule, key: str, value: object) -> str:
        name = f"r{rule.index}_{key}"
        self.params[name] = value
        return f"${name}"

    def bounds(self, rule: Rule, expression: str) -> str:
        parts = []
        if "min_value" in rule.kwargs:
            parts.append(f"{expression} < {self.bind(rule, 'min', rule.kwargs['min_value'])}")
        if "max_value" in rule.kwargs:
            parts.append(f"{expression} > {self.bind(rule, 'max', rule.kwargs['max_value'])}")
        return " or ".join(parts)

    def check_supported(self, rule: Rule) -> None:
        if rule.type not in SUPPORTED:
            raise SuiteNotCompilable(
                f"{self.feed}: expectation {rule.index} ({rule.type}) is not supported"
            )
        if unknown := set(rule.kwargs) - SUPPORTED[rule.type]:
            raise SuiteNotCompilable(
                f"{self.feed}: expectation {rule.index} ({rule.type}) uses "
                f"{', '.join(sorted(unknown))}"
            )

    def predicate(self, rule: Rule) -> str:
        """True when a row breaks the rule; null (never flagged) where GX ignores the row."""
        self.check_supported(rule)
        kwargs = rule.kwargs
        match rule.type:
            case "expect_column_values_to_not_be_null":
                found = f"{self.column(kwargs['column'])} is null"
            case "expect_column_values_to_be_between":
                found = self.bounds(rule, self.column(kwargs["column"]))
            case "expect_column_value_lengths_to_be_between":
                found = self.bounds(rule, f"length({self.column(kwargs['column'])})")
            case "expect_column_values_to_be_in_set":
                column = self.column(kwargs["column"])
                values = self.bind(rule, "set", list(kwargs["value_set"]))
                found = f"not list_contains({values}, {column})"
            case "expect_column_values_to_match_regex":
                column = self.column(kwargs["column"])
                found = f"not regexp_matches({column}, {self.bind(rule, 're', kwargs['regex'])})"
            case "expect_column_values_to_have_valid_credit_code_check_character":
                found = f"not credit_code_check_matches({self.column(kwargs['column'])})"
            case "expect_column_pair_values_a_to_be_greater_than_b":
                if kwargs.get("ignore_row_if") != "either_value_is_missing":
                    raise SuiteNotCompilable(
                        f"{self.feed}: expectation {rule.index} must ignore rows with a missing "
                        "value (ignore_row_if: either_value_is_missing)"
                    )
                operator = ">=" if kwargs.get("or_equal") else ">"
                found = (
                    f"not ({self.column(kwargs['column_A'])} {operator} "
                    f"{self.column(kwargs['column_B'])})"
                )
            case "expect_compound_columns_to_be_unique":
                key = ", ".join(self.column(c) for c in kwargs["column_list"])
                window = f"__rows_sharing_key_{rule.index}"
                self.windows.append(f"count(*) over (partition by {key}) as {window}")
                found = f"{window} > 1"
        if condition := kwargs.get("row_condition"):
            found = f"{self.condition(rule, condition)} and ({found})"
        return f"({found})"

    def condition(self, rule: Rule, condition: dict) -> str:
        """GX 1.x's structured row condition; only nullity tests are used by the suites."""
        if condition.get("type") != "nullity" or set(condition) != {"column", "is_null", "type"}:
            raise SuiteNotCompilable(
                f"{self.feed}: expectation {rule.index} has a row condition other than a "
                "nullity test"
            )
        column = self.column(condition["column"]["name"])
        return f"{column} is {'' if condition['is_null'] else 'not '}null"

    def value(self, rule: Rule) -> str:
        sources = [
            f"{self.column(text_source(c, self.columns))}::varchar" for c in value_columns(rule)
        ]
        if not sources:
            return "null::varchar"
        if len(sources) == 1:
            return sources[0]
        return f"nullif(concat_ws(' / ', {', '.join(sources)}), '')"


def compile_suite(feed: str, rules: tuple[Rule, ...], columns: set[str]) -> CompiledSuite:
    """The body of a query over a CTE named `input` (the caller writes `with input as (…), `)
    giving (submission_id, row_number, expectation, value_found) for
    every row and rule it breaks. Rows passing everything are dropped by a single filter, so
    the per-rule work is done only for the rows that need it."""
    compiler = _Compiler(feed, columns)
    row_rules = [r for r in rules if not r.is_table_rule]
    table_rules = tuple(r for r in rules if r.is_table_rule)
    for rule in table_rules:
        compiler.check_supported(rule)
    predicates = [(rule, compiler.predicate(rule)) for rule in row_rules]
    hits = ", ".join(
        f"case when {predicate} then {{'expectation': {rule.index}, "
        f"'value_found': {compiler.value(rule)}}} end"
        for rule, predicate in predicates
    )
    windows = "".join(f", {w}" for w in compiler.windows)
    any_broken = " or ".join(predicate for _, predicate in predicates) or "false"
    sql = (
        f"scored as (select *{windows} from input), "
        f"flagged as (select submission_id, row_number, "
        f"unnest(list_filter([{hits}], lambda h: h is not null)) as hit "
        f"from scored where {any_broken}) "
        "select submission_id, row_number, hit.expectation as expectation, "
        "hit.value_found as value_found from flagged"
    )
    return CompiledSuite(sql=sql, params=compiler.params, table_rules=table_rules)
