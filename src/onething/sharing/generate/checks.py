"""Check characters as per-position table look-ups, read back from ``onething.kit.validators``."""

from __future__ import annotations

from functools import lru_cache

from onething.kit.validators import (
    CREDIT_CHARS,
    ID_CHECK_CHARS,
    ORG_CODE_WEIGHTS,
    credit_code_check_char,
    id_number_check_char,
)

_ID_ALPHABET = ID_CHECK_CHARS  # GB 11643: check character for each weighted sum mod 11
_CREDIT_ALPHABET = CREDIT_CHARS  # GB 32100: 31 characters, no I O Z S V
_ORG_WEIGHTS = ORG_CODE_WEIGHTS  # GB 11714 organisation code, MOD 11


@lru_cache(maxsize=1)
def _id_weights() -> tuple[tuple[int, ...], ...]:
    """Contribution (mod 11) of digit d at position p of the first 17 characters."""
    return tuple(
        tuple(_ID_ALPHABET.index(id_number_check_char("0" * p + str(d) + "0" * (16 - p))) for d in range(10))
        for p in range(17)
    )


@lru_cache(maxsize=1)
def _credit_weights() -> tuple[tuple[int, ...], ...]:
    """Contribution (mod 31) of each of the 31 characters at position p of the first 17."""
    out = []
    for p in range(17):
        row = []
        for c in _CREDIT_ALPHABET:
            k = _CREDIT_ALPHABET.index(credit_code_check_char("0" * p + c + "0" * (16 - p)))
            row.append((31 - k) % 31)
        out.append(tuple(row))
    return tuple(out)


def _id_sum(text: str, pos: int) -> int:
    w = _id_weights()
    return sum(w[pos + k][int(c)] for k, c in enumerate(text)) % 11


def _credit_sum(text: str, pos: int) -> int:
    w = _credit_weights()
    return sum(w[pos + k][_CREDIT_ALPHABET.index(c)] for k, c in enumerate(text)) % 31


def _org_sum(text: str, pos: int) -> int:
    # GB 11714 character values: digits 0-9, letters A=10 .. Z=35.
    return sum(_ORG_WEIGHTS[pos + k] * (int(c) if c.isdigit() else ord(c) - 55) for k, c in enumerate(text))


def _org_check(total: int) -> str:
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)
