"""The credit-code check character, against codes printed on real business licences."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from pipelines.checks import credit_code
from pipelines.checks.credit_code import CHARSET, check_character, is_valid

# Published codes: the example used with GB 32100-2015, and 深圳市腾讯计算机系统有限公司.
PUBLISHED = ["91350100M000100Y43", "9144030071526726XG"]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert check_character(code[:17]) == code[17]
    assert is_valid(code)


@pytest.mark.parametrize("code", PUBLISHED)
def test_any_other_last_character_is_rejected(code: str) -> None:
    for wrong in CHARSET.replace(code[-1], ""):
        assert not is_valid(code[:-1] + wrong)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19 characters
        "91350100m000100Y43",  # lower case is not tidied here
        "91350100M000100I43",  # I is not in the charset
        " 91350100M000100Y43",
    ],
)
def test_malformed_codes_are_rejected(code: str) -> None:
    assert not is_valid(code)


def test_check_value_31_is_written_as_0() -> None:
    # The weighted sum of "00000000000000000" is 0, so 31 - 0 = 31, which the standard writes as 0.
    assert check_character("0" * 17) == "0"


def test_check_character_refuses_input_it_cannot_check() -> None:
    with pytest.raises(ValueError):
        check_character("12345")
    with pytest.raises(ValueError):
        check_character("9135010OM000100Y4")  # letter O


def test_the_suite_function_flags_only_a_well_shaped_code_with_a_wrong_check() -> None:
    """The SQL engine's column-at-once check (`check_characters_match`), through DuckDB as the
    suite calls it: the published codes pass; the same codes ending in another charset
    character fail; a code of another shape (too short, lower case, I, a full-width digit, 18
    bytes of Chinese) or none passes, being the format rule's finding instead."""
    wrong = ["91350100M000100Y4" + "0", "9144030071526726X" + "Y"]
    shaped_otherwise = [
        "91350100M000100Y4",
        "91350100m000100Y43",
        "91350100M000100I43",
        "９1350100M000100Y43",
        "哈尔滨新区企业",
        "",
        None,
    ]
    codes = [*PUBLISHED, *wrong, *shaped_otherwise] * 700  # several of DuckDB's vectors
    con = duckdb.connect()
    credit_code.register(con)
    credit_code.register(con)  # once per connection, however often asked
    con.register("codes", pa.table({"n": range(len(codes)), "code": codes}))
    found = con.execute("select credit_code_check_matches(code) from codes order by n").fetchall()
    expected = [True, True, False, False, *[True] * len(shaped_otherwise)] * 700
    assert [f for (f,) in found] == expected


def test_the_column_check_reads_a_slice_of_a_chunked_column() -> None:
    column = pa.chunked_array([["x", *PUBLISHED], ["91350100M000100Y40", None]])
    assert credit_code.check_characters_match(column.slice(1)).to_pylist() == [
        True,
        True,
        False,
        True,
    ]
