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
    "expect_column_values_to_not_match_regex": {"column", "regex", "row_condition"},
    "expect_column_values_to_have_valid_credit_code_check_character": {"column"},
    "expect_column_pair_values_a_to_be_greater_than_b": {
        "column_A",
        "column_B",
        "or_equal",
        "ignore_row_if",
    },
    "expect_compound_columns_to_be_unique": {"column_list"},
}


# Characters with a meaning in a regex; any other character stands for itself.
_REGEX_SYNTAX = set(".^$*+?{}[]()|\\")


def _tokens(regex: str) -> list[tuple[str, set[str] | None]]:
    """The regex at its top level as (kind, texts): 'literal' with its one character, 'class'
    with the characters a plain class ([%％]) allows, 'quantifier' ('?', '*', '{', '+') or
    'other' (a group, a range class, an anchor, a dot): what `required_texts` reasons on."""
    tokens: list[tuple[str, set[str] | None]] = []
    i = 0
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            escaped = regex[i + 1 : i + 2]
            kind = "literal" if escaped and not escaped.isalnum() else "other"
            tokens.append((kind, {escaped}))
            i += 2
        elif ch == "[":
            close = regex.find("]", i + 2)
            body = regex[i + 1 : close] if close != -1 else ""
            plain = close != -1 and body and not set(body) & {"^", "-", "\\", "[", ":"}
            tokens.append(("class", set(body)) if plain else ("other", None))
            i = close + 1 if close != -1 else len(regex)
        elif ch == "(":
            depth, j = 0, i
            while j < len(regex):
                if regex[j] == "\\":
                    j += 1
                elif regex[j] == "(":
                    depth += 1
                elif regex[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            tokens.append(("other", None))
            i = j + 1
        elif ch in "?*{+":
            tokens.append(("quantifier", {ch}))
            i = regex.find("}", i) + 1 if ch == "{" else i + 1
            i = i or len(regex)
        elif ch in _REGEX_SYNTAX:
            tokens.append(("other", None))
            i += 1
        else:
            tokens.append(("literal", {ch}))
            i += 1
    return tokens


def required_texts(regex: str) -> list[str] | None:
    """Texts of which every match of `regex` contains at least one, or None when none can be
    told: the longest run of plain characters outside groups (`E\\+` gives '+', `^#(…)` '#'),
    else a plain class's characters. A regex with a top-level | or an inline flag gives None."""
    if "(?" in regex.replace("(?:", "") or top_level_alternation(regex):
        return None
    tokens = _tokens(regex)
    runs, run, classes = [], "", []
    for position, (kind, texts) in enumerate(tokens):
        following = tokens[position + 1] if position + 1 < len(tokens) else ("other", None)
        optional = following[0] == "quantifier" and following[1] != {"+"}
        if kind == "literal" and not optional:
            run += next(iter(texts))
            if following[0] == "quantifier":  # x+: x is there, what follows it may not be
                runs.append(run)
                run = ""
            continue
        if kind == "class" and not optional:
            classes.append(sorted(texts))
        if kind != "quantifier":
            runs.append(run)
            run = ""
    runs.append(run)
    longest = max(runs, key=len)
    if longest:
        return [longest]
    return classes[0] if classes else None


def top_level_alternation(regex: str) -> bool:
    """Whether a regex has a | outside any group (`^a|b` also matches 'b' anywhere)."""
    depth, escaped = 0, False
    for ch in regex:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
    return False


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
        # Per compound-unique rule: the flag column marking a shared key, and the key's columns.
        self.shared_keys: list[tuple[str, list[str]]] = []

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
            case "expect_column_values_to_not_match_regex":
                column = self.column(kwargs["column"])
                regex = kwargs["regex"]
                found = f"regexp_matches({column}, {self.bind(rule, 're', regex)})"
                if texts := required_texts(regex):
                    # Almost no cell holds what the rule looks for (#DIV/0!, 9.1E+17): a plain
                    # substring test spares the regex on every cell of a national feed, where
                    # the cell rules run on every column.
                    guard = " or ".join(
                        f"contains({column}, {self.bind(rule, f'text{n}', text)})"
                        for n, text in enumerate(texts)
                    )
                    found = f"({guard}) and {found}"
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
                flag = f"__key_shared_{rule.index}"
                self.shared_keys.append((flag, [self.column(c) for c in kwargs["column_list"]]))
                found = f"coalesce({flag}, false)"
        if condition := kwargs.get("row_condition"):
            found = f"{self.condition(rule, condition)} and ({found})"
        return f"({found})"

    def condition(self, rule: Rule, condition: dict) -> str:
        """GX 1.x's structured row condition: a nullity test, or a column's value in a set (the
        plan suite's tolerance, needed only where the comparator is about or in_step)."""
        if (
            condition.get("type") == "comparison"
            and condition.get("operator") == "IN"
            and set(condition) == {"column", "operator", "parameter", "type"}
        ):
            column = self.column(condition["column"]["name"])
            values = self.bind(rule, "when", list(condition["parameter"]))
            return f"list_contains({values}, {column})"
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


def shared_keys(keys: list[tuple[str, list[str]]]) -> str:
    """CTEs ending in `scored`: the input with, per compound-unique rule, its flag true on rows
    whose key another row shares. The keys that occur more than once are found by a grouping
    of the key columns alone and joined back (nulls match nulls, as GX counts them): a window
    over the input would carry every column through a sort of all rows, which at 25M rows
    spilled past the memory limit and took twice as long. The grouping is of the keys' hashes
    first, eight bytes a row, and then of the keys themselves among the rows whose hash another
    row shares (a shared key always does; a collision is told apart there): grouping 25M keys
    of text directly, and joining them all back, took 10.9 s, this 5.4 s."""
    ctes, joins, flags = [], [], []
    for n, (flag, columns) in enumerate(keys):
        key = ", ".join(columns)
        ctes.append(
            f"hashes_{n} as (select hash({key}) as key_hash from input "
            "group by key_hash having count(*) > 1), "
            f"shared_{n} as (select {key}, true as {flag} from input "
            f"where hash({key}) in (select key_hash from hashes_{n}) "
            "group by all having count(*) > 1), "
        )
        matched = " and ".join(f"i.{c} is not distinct from s{n}.{c}" for c in columns)
        joins.append(f" left join shared_{n} as s{n} on {matched}")
        flags.append(f", s{n}.{flag}")
    return (
        f"{''.join(ctes)}scored as (select i.*{''.join(flags)} from input as i{''.join(joins)}), "
    )


def compile_suite(feed: str, rules: tuple[Rule, ...], columns: set[str]) -> CompiledSuite:
    """The body of a query over a CTE named `input` giving (submission_id, row_number,
    expectation, value_found) for every row and rule it breaks. The caller writes `with input
    as not materialized (…), `: where a key must be unique the input is read twice, and reading
    it again costs less than storing 25M rows. Rows passing everything are dropped by a single
    filter, so the per-rule work is done only for the rows that need it."""
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
    any_broken = " or ".join(predicate for _, predicate in predicates) or "false"
    sql = (
        f"{shared_keys(compiler.shared_keys)}"
        f"flagged as (select submission_id, row_number, "
        f"unnest(list_filter([{hits}], lambda h: h is not null)) as hit "
        f"from scored where {any_broken}) "
        "select submission_id, row_number, hit.expectation as expectation, "
        "hit.value_found as value_found from flagged"
    )
    return CompiledSuite(sql=sql, params=compiler.params, table_rules=table_rules)
