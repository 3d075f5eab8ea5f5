"""Property tests of the standard-code validators: every valid code passes, every typo is caught.

Hypothesis builds valid resident ID numbers (GB 11643) and unified social credit codes (GB 32100)
with their check characters computed, then checks that each one passes and that every
single-character change of it (substitution, deletion, insertion) is rejected with a reason that
does not echo the value.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Iterator

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from onething.kit import clock
from onething.kit import validators as v

DIGITS = "0123456789"
ID_CHARS = DIGITS + "X"
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_FORBIDDEN = "IOZSV"
TODAY = clock.today()
PROVINCES = sorted(v._PROVINCES)

# Hypothesis settings: enough examples to matter, few enough for the file to run in seconds.
FAST = settings(max_examples=60, deadline=None)
MANY = settings(max_examples=200, deadline=None)

# Non-ASCII characters whose upper case is ASCII (ß -> SS, ı -> I, ﬀ -> FF, ...).
UPPERS_TO_ASCII = [chr(i) for i in range(128, sys.maxunicode + 1) if chr(i).upper().isascii() and not chr(i).isascii()]


# --- strategies -----------------------------------------------------------------------------------


@st.composite
def id_numbers(draw: st.DrawFn, *, check_x: bool = False) -> str:
    """Valid numbers; with ``check_x`` the last sequence digit is chosen so the check character is X."""
    province = draw(st.sampled_from(PROVINCES))
    city_county = draw(st.text(DIGITS, min_size=4, max_size=4))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.text(DIGITS, min_size=3, max_size=3))
    first17 = f"{province}{city_county}{born:%Y%m%d}{sequence}"
    if check_x:
        # One residue in eleven cannot be reached by the last digit: then another example is drawn.
        ending_x = [first17[:16] + d for d in DIGITS if v.id_number_check_char(first17[:16] + d) == "X"]
        assume(ending_x)
        first17 = ending_x[0]
    return first17 + v.id_number_check_char(first17)


def _credit_code(authority: str, kind: str, region: str, organisation: str) -> str:
    first17 = authority + kind + region + organisation
    assert len(first17) == 17
    return first17 + v.credit_code_check_char(first17)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    # Positions 1-2: registration authority and kind; 3-8: the authority's region code (digits);
    # 9-17: the organisation code. Any character of the set passes the MOD 31 check.
    authority = draw(st.sampled_from(CREDIT_CHARS))
    kind = draw(st.sampled_from(CREDIT_CHARS))
    region = draw(st.text(DIGITS, min_size=6, max_size=6))
    organisation = draw(st.text(CREDIT_CHARS, min_size=9, max_size=9))
    return _credit_code(authority, kind, region, organisation)


@st.composite
def credit_codes_with_ligature_letters(draw: st.DrawFn) -> str:
    """Valid codes whose organisation part holds FF, FL or FFL, which ﬀ, ﬂ, ﬄ upper-case to."""
    fragment = draw(st.sampled_from(["FF", "FL", "FFL"]))
    rest = draw(st.text(CREDIT_CHARS, min_size=9 - len(fragment), max_size=9 - len(fragment)))
    at = draw(st.integers(0, len(rest)))
    organisation = rest[:at] + fragment + rest[at:]
    return _credit_code(draw(st.sampled_from("159Y")), draw(st.sampled_from("123")), "430100", organisation)


mobiles = st.builds(
    lambda second, rest: "1" + second + rest,
    st.sampled_from("3456789"),
    st.text(DIGITS, min_size=9, max_size=9),
)

# Characters that are neither ASCII digits nor what mobile() strips (whitespace and hyphens).
non_digits = st.characters(codec="utf-8").filter(lambda c: c not in DIGITS and not re.fullmatch(r"[\s-]", c))


# --- helpers --------------------------------------------------------------------------------------


def single_char_changes(value: str, alphabet: str) -> Iterator[str]:
    """Every substitution by another character of ``alphabet``, every deletion and insertion."""
    for k, old in enumerate(value):
        for new in alphabet:
            if new != old:
                yield value[:k] + new + value[k + 1 :]
        yield value[:k] + value[k + 1 :]
    for k in range(len(value) + 1):
        for new in alphabet:
            yield value[:k] + new + value[k:]


def assert_rejected(check: Callable[[str], str], value: str, *, original: str | None = None) -> str:
    with pytest.raises(v.InvalidValue) as err:
        check(value)
    message = str(err.value)
    assert message.strip(), f"empty reason for {value!r}"
    assert value not in message
    assert value.strip().upper() not in message
    if original is not None:
        assert original not in message
    return message


# --- resident ID numbers (GB 11643) ---------------------------------------------------------------


@MANY
@given(id_numbers())
def test_every_valid_id_number_passes_upper_cased(number: str) -> None:
    assert v.id_number(number) == number
    assert v.id_number(number.lower()) == number  # a lowercase x check character becomes X
    assert v.id_number(f"  {number.lower()}\t") == number
    assert v.birth_date_from_id(number) == dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


@MANY
@given(id_numbers(check_x=True))
def test_lowercase_x_check_character_is_normalised(number: str) -> None:
    assert number.endswith("X")
    assert v.id_number(number[:17] + "x") == number


@FAST
@given(id_numbers())
def test_every_single_character_change_of_an_id_number_is_rejected(number: str) -> None:
    changes = 0
    for changed in single_char_changes(number, ID_CHARS):
        assert_rejected(v.id_number, changed, original=number)
        changes += 1
    assert changes == 18 * 10 + 18 + 19 * 11


@FAST
@given(id_numbers(), st.data())
def test_non_ascii_characters_in_an_id_number_are_rejected(number: str, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, 17), label="position")
    # The full-width form of the same character: str.isdigit() would accept it.
    full_width = chr(ord(number[k]) + 0xFEE0)
    other = data.draw(st.characters(min_codepoint=128, codec="utf-8"), label="character")
    for new in (full_width, other):
        message = assert_rejected(v.id_number, number[:k] + new + number[k + 1 :], original=number)
        if new == full_width:
            assert "半角" in message


# --- unified social credit codes (GB 32100) -------------------------------------------------------


@MANY
@given(credit_codes())
def test_every_valid_credit_code_passes_upper_cased(code: str) -> None:
    assert v.credit_code(code) == code
    assert v.credit_code(f" {code.lower()} ") == code


@FAST
@given(credit_codes())
def test_every_single_character_change_of_a_credit_code_is_rejected(code: str) -> None:
    for changed in single_char_changes(code, CREDIT_CHARS):
        assert_rejected(v.credit_code, changed, original=code)


@FAST
@given(credit_codes())
def test_letters_outside_the_credit_code_set_are_rejected_as_not_allowed(code: str) -> None:
    for k in range(18):
        for bad in CREDIT_FORBIDDEN + CREDIT_FORBIDDEN.lower():
            message = assert_rejected(v.credit_code, code[:k] + bad + code[k + 1 :], original=code)
            assert "不允许" in message
            assert bad.upper() in message  # the offending letter is named, the code is not


@FAST
@given(credit_codes_with_ligature_letters())
def test_non_ascii_letters_that_upper_case_to_ascii_are_rejected(code: str) -> None:
    # "ﬀ".upper() == "FF": a 17-character input must not turn into a valid 18-character code.
    tried = 0
    for char in UPPERS_TO_ASCII:
        expansion = char.upper()
        at = code.find(expansion)
        while at >= 0:
            assert_rejected(v.credit_code, code[:at] + char + code[at + len(expansion) :], original=code)
            tried += 1
            at = code.find(expansion, at + 1)
    assert tried


# --- mobile numbers -------------------------------------------------------------------------------


@MANY
@given(mobiles)
def test_valid_mobiles_pass(number: str) -> None:
    assert v.mobile(number) == number
    assert v.mobile(f"+86 {number[:3]} {number[3:7]} {number[7:]}") == number
    assert v.mobile(f"{number[:3]}-{number[3:7]}-{number[7:]}") == number
    assert v.phone(number) == number


@MANY
@given(st.sampled_from("3456789"), st.text(DIGITS, max_size=15).filter(lambda s: len(s) != 9))
def test_mobiles_of_the_wrong_length_are_rejected(second: str, rest: str) -> None:
    assert_rejected(v.mobile, "1" + second + rest)


@MANY
@given(mobiles, st.sampled_from(["0", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]))
def test_mobiles_with_a_wrong_prefix_are_rejected(number: str, prefix: str) -> None:
    # Replace the leading "1" (or "1x") so that the number keeps 11 digits.
    wrong = prefix + number[len(prefix) :]
    assert_rejected(v.mobile, wrong)


@MANY
@given(mobiles, st.integers(0, 10), non_digits)
def test_mobiles_with_a_non_digit_are_rejected(number: str, k: int, char: str) -> None:
    assert_rejected(v.mobile, number[:k] + char + number[k + 1 :])
