"""Check digits of Chinese identifiers, scalar (validation) and vectorised (generation).

GB 11643 resident ID number: 17 digits + check character "10X98765432"[Σ aᵢwᵢ mod 11].
GB 32100 unified social credit code: 17 characters + check 31 − (Σ aᵢwᵢ mod 31), mapped through
the 31-character set (no I, O, S, V, Z).
"""
from __future__ import annotations

import numpy as np

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_CHARS)}
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def id_number_ok(value: str) -> bool:
    if len(value) != 18 or not value[:17].isdigit():
        return False
    return id_check_char(value[:17]) == value[17].upper()


def credit_check_char(first17: str) -> str:
    c = 31 - sum(CREDIT_VALUE[ch] * w for ch, w in zip(first17, CREDIT_WEIGHTS)) % 31
    return CREDIT_CHARS[0 if c == 31 else c]


def credit_code_ok(value: str) -> bool:
    if len(value) != 18 or any(ch not in CREDIT_VALUE for ch in value):
        return False
    return credit_check_char(value[:17]) == value[17]


def id_check_chars(digits17: np.ndarray) -> np.ndarray:
    """digits17: int array (n, 17) → array of check characters (n,)."""
    idx = (digits17 * np.array(ID_WEIGHTS)).sum(axis=1) % 11
    return np.array(list(ID_CHECK))[idx]


def credit_check_chars(values17: np.ndarray) -> np.ndarray:
    """values17: int array (n, 17) of character values 0..30 → check characters (n,)."""
    c = 31 - (values17 * np.array(CREDIT_WEIGHTS)).sum(axis=1) % 31
    c[c == 31] = 0
    return np.array(list(CREDIT_CHARS))[c]
