"""The credit-code check character, against codes printed on real business licences."""

from __future__ import annotations

import pytest

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
