"""The 18-character unified social credit code (统一社会信用代码, GB 32100-2015).

Every enterprise event in the registration feed is keyed by this code. Its last character is a
check character over the first 17, so a mistyped or truncated code can be caught when a file
arrives instead of becoming a phantom enterprise in the counts.
"""

from __future__ import annotations

# The standard leaves out I, O, S, V and Z, which are too easily read as 1, 0, 5, U and 2.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight of position i (1-based) is 3**(i-1) mod 31, as tabulated in the standard.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18

_VALUE = {char: value for value, char in enumerate(CHARSET)}


def check_character(first17: str) -> str:
    """The check character the standard assigns to the first 17 characters of a code.

    Raises ValueError for a wrong length or a character outside the code's charset, since no
    check character exists for such input.
    """
    if len(first17) != LENGTH - 1:
        raise ValueError(f"expected {LENGTH - 1} characters, got {len(first17)}: {first17!r}")
    try:
        total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"{exc.args[0]!r} is not a credit-code character in {first17!r}") from exc
    # 31 - (sum mod 31) lies in 1..31; the standard writes 31 as 0.
    return CHARSET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """True when `code` is 18 charset characters ending in the right check character.

    Deliberately strict (no trimming, no lower case): tidying a cell is the reader's job, and a
    validator that quietly repairs input would hide how the department wrote it.
    """
    if not isinstance(code, str) or len(code) != LENGTH or not all(c in _VALUE for c in code):
        return False
    return code[-1] == check_character(code[:-1])
