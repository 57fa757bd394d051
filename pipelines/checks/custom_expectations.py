"""Expectations GX does not ship, registered with GX when this module is imported.

The unified social credit code's last character is a check character (GB 32100-2015): a regex
sees the shape, only the checksum catches a mistyped digit.
"""

from __future__ import annotations

import re

from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

from pipelines.checks.credit_code import CHARSET, is_valid

SHAPE = re.compile(f"[{CHARSET}]{{18}}")


def check_character_matches(value: object) -> bool:
    """True unless a well-shaped code has the wrong check character.

    A code of the wrong shape is the format rule's finding; reporting it here too would give the
    clerk two messages for one mistake.
    """
    if not isinstance(value, str) or not SHAPE.fullmatch(value):
        return True
    return is_valid(value)


class ColumnValuesCreditCodeCheckCharacter(ColumnMapMetricProvider):
    """Row-level metric: a credit code's check character agrees with its first 17 characters."""

    condition_metric_name = "column_values.credit_code_check_character"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):  # noqa: N805 - GX calls metric partials on the class
        return column.map(check_character_matches)


class ExpectColumnValuesToHaveValidCreditCodeCheckCharacter(ColumnMapExpectation):
    """Each unified social credit code's last character is the GB 32100-2015 check character."""

    map_metric = "column_values.credit_code_check_character"
    success_keys = ("mostly",)
