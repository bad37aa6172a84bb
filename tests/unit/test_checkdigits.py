import numpy as np
import pytest

from foundation import checkdigits


@pytest.mark.parametrize("value,ok", [
    ("11010519491231002X", True),    # the GB 11643 standard's own example
    ("11010519491231002x", True),    # lower-case x accepted
    ("110105194912310021", False),   # wrong check character
    ("1101051949123100", False),     # too short
    ("11010519491231A02X", False),   # non-digit body
])
def test_id_number(value, ok):
    assert checkdigits.id_number_ok(value) is ok


@pytest.mark.parametrize("value,ok", [
    ("91350100M000100Y43", True),
    ("91350100M000100Y44", False),
    ("91350100M000100Y4I", False),   # I is not in the character set
    ("91350100M000100Y4", False),
])
def test_credit_code(value, ok):
    assert checkdigits.credit_code_ok(value) is ok


def test_vectorised_check_digits_agree_with_scalar():
    rng = np.random.default_rng(1)
    digits = rng.integers(0, 10, size=(500, 17))
    for row, ch in zip(digits, checkdigits.id_check_chars(digits)):
        assert checkdigits.id_check_char("".join(map(str, row))) == ch
    values = rng.integers(0, 31, size=(500, 17))
    for row, ch in zip(values, checkdigits.credit_check_chars(values)):
        assert checkdigits.credit_check_char("".join(checkdigits.CREDIT_CHARS[v] for v in row)) == ch
