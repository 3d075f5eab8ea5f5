"""E-license identifiers (GB/T 36904) and the canonical bytes of license content. Pure: no database."""

from __future__ import annotations

import ast
import datetime as dt
import enum
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onething.licenses import canonical, identifier
from onething.licenses.canonical import canonical_bytes

TYPE_CODE = "11100000000013338W011"
ISSUER = "11430104MB1234567X"

# Identifiers issued by production platforms (found in public code and documents): their check characters
# confirm that MOD 37,36 runs over type code + issuer + serial + version, without the root code and dots.
REAL = [
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
]


@pytest.mark.parametrize("text", REAL)
def test_real_identifiers(text: str) -> None:
    parts = identifier.parse(text)
    assert str(parts) == text
    assert identifier.make(parts.type_code, parts.issuer_code, parts.serial, parts.version) == text


@pytest.mark.parametrize(
    ("body", "check"),
    # Published ISO/IEC 7064 MOD 37,36 examples (the check character appended to the body).
    [("A12425GABC1234002", "M"), ("B159D8FA01240000", "K"), ("188166C734200000", "3")],
)
def test_iso_7064_mod_37_36(body: str, check: str) -> None:
    assert identifier.check_char(body) == check


def test_make_and_parse() -> None:
    serial = identifier.serial(2025, 42)
    assert serial == "202500000042"
    text = identifier.make(TYPE_CODE, ISSUER, serial)
    assert text.startswith(f"1.2.156.3005.2.{TYPE_CODE}.{ISSUER}.202500000042.001.")
    parts = identifier.parse(text)
    assert (parts.type_code, parts.issuer_code, parts.serial, parts.version) == (TYPE_CODE, ISSUER, serial, 1)
    assert parts.check == identifier.check_char(parts.body)
    assert identifier.split_serial(parts.serial) == (2025, 42)
    reissued = identifier.parse(identifier.make(TYPE_CODE, ISSUER, serial, version=2))
    assert (reissued.serial, reissued.version) == (serial, 2)


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("1.2.156.3005.3.11100000000013338W011.11430000006122244L.20230000403.001.U", "root code"),
        ("11100000000013338W011.11430000006122244L.20230000403.001.U", "root code"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001", "5 parts"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023.0000403.001.U", "5 parts"),
        ("1.2.156.3005.2.11100000000013338W01.11430000006122244L.20230000403.001.U", "type code"),
        ("1.2.156.3005.2.11100000000013338w011.11430000006122244L.20230000403.001.U", "type code"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244I.20230000403.001.U", "issuer code"),
        ("1.2.156.3005.2.11100000000013338W011.1143000000612224L.20230000403.001.U", "issuer code"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L..001.U", "serial"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023-0000403.001.U", "serial"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.01.U", "version"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.000.U", "version"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.V", "check character"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.u", "check character"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.UU", "check character"),
    ],
)
def test_errors_name_the_part(text: str, part: str) -> None:
    with pytest.raises(ValueError, match=part):
        identifier.parse(text)
    assert not identifier.is_valid(text)


def test_make_refuses_bad_parts() -> None:
    with pytest.raises(ValueError, match="type code"):
        identifier.make("business_license", ISSUER, "202500000001")
    with pytest.raises(ValueError, match="issuer code"):
        identifier.make(TYPE_CODE, "11430104mb1234567x", "202500000001")
    with pytest.raises(ValueError, match="serial"):
        identifier.make(TYPE_CODE, ISSUER, "X" * 33)
    with pytest.raises(ValueError, match="version"):
        identifier.make(TYPE_CODE, ISSUER, "202500000001", version=1000)
    for year, sequence in [(1999, 1), (2025, 0), (2025, 100_000_000)]:
        with pytest.raises(ValueError, match="serial"):
            identifier.serial(year, sequence)
    with pytest.raises(ValueError, match="serial"):
        identifier.split_serial("209FA4E88F9E4C878F3E9BED2CE7EA49")
    assert not identifier.is_valid(None)  # type: ignore[arg-type]


CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
credit = st.builds(
    lambda head, region, tail: head + region + tail,
    st.text(CREDIT_CHARS, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(CREDIT_CHARS, min_size=10, max_size=10),
)
identifiers = st.builds(
    identifier.make,
    st.builds(lambda c, n: c + n, credit, st.text("0123456789", min_size=3, max_size=3)),
    credit,
    st.text(identifier.ALPHABET, min_size=1, max_size=32),
    st.integers(1, 999),
)
# Every character an identifier holds, its lower-case twins, and characters a person or a system might slip in.
REPLACEMENTS = identifier.ALPHABET + identifier.ALPHABET.lower() + ".-_ /\t\n\x00OoIl|:：．。０１Ａ证"


@settings(max_examples=60, deadline=None)
@given(identifiers)
def test_every_single_character_change_is_detected(text: str) -> None:
    assert identifier.is_valid(text)
    for i, original in enumerate(text):
        for c in REPLACEMENTS:
            if c != original:
                changed = text[:i] + c + text[i + 1 :]
                assert not identifier.is_valid(changed), (text, i, c)


@settings(max_examples=60, deadline=None)
@given(identifiers)
def test_round_trip(text: str) -> None:
    parts = identifier.parse(text)
    assert str(parts) == text
    assert identifier.make(parts.type_code, parts.issuer_code, parts.serial, parts.version) == text


@pytest.mark.parametrize("module", [identifier, canonical])
def test_pure_modules_import_only_the_standard_library(module: Any) -> None:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


# --- canonical bytes -------------------------------------------------------------------------------------


def test_canonical_form() -> None:
    content = {
        "holder": {"name": "张三", "id_type": "resident_id"},
        "number": "湘食经〔2025〕1号",
        "issued_on": dt.date(2025, 3, 1),
        "sealed_at": dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        "fee_fen": 0,
        "items": ["食品销售", "热食类食品制售"],
        "revoked": False,
        "note": None,
    }
    assert (
        canonical_bytes(content)
        == (
            '{"fee_fen":0,"holder":{"id_type":"resident_id","name":"张三"},"issued_on":"2025-03-01",'
            '"items":["食品销售","热食类食品制售"],"note":null,"number":"湘食经〔2025〕1号","revoked":false,'
            '"sealed_at":"2025-03-01T09:30:00+08:00"}'
        ).encode()
    )


def test_chinese_text_is_utf8_not_escaped() -> None:
    out = canonical_bytes({"名称": "营业执照"})
    assert out == '{"名称":"营业执照"}'.encode()
    assert b"\\u" not in out


def test_escapes_only_what_json_must() -> None:
    assert canonical_bytes('a"b\\c\n\t\x0f\x7f\u2028/€') == b'"a\\"b\\\\c\\n\\t\\u000f\x7f\xe2\x80\xa8/\xe2\x82\xac"'


@pytest.mark.parametrize(
    "bad",
    [1.5, 1.0, math.nan, math.inf, -math.inf, {"a": [1, {"b": 0.1}]}, 2**53, -(2**53), {1: "x"}, {"a": {1, 2}}],
)
def test_refusals(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        canonical_bytes(bad)


def test_refusal_names_the_path() -> None:
    with pytest.raises(TypeError, match=r"\$\.holder\.items\[1\]"):
        canonical_bytes({"holder": {"items": [1, 2.5]}})
    with pytest.raises(ValueError, match="naive datetime"):
        canonical_bytes({"at": dt.datetime(2025, 1, 1, 9, 0)})
    with pytest.raises(ValueError, match="surrogate"):
        canonical_bytes({"x": "\ud800"})


def test_enums_and_tuples() -> None:
    class Status(enum.StrEnum):
        VALID = "valid"

    class Level(enum.IntEnum):
        COUNTY = 3

    assert canonical_bytes({"s": Status.VALID, "l": Level.COUNTY, "t": (1, 2)}) == b'{"l":3,"s":"valid","t":[1,2]}'
    assert canonical_bytes(2**53 - 1) == b"9007199254740991"


def test_keys_sort_as_utf16_like_jcs() -> None:
    # U+1F600 is the surrogate pair D83D DE00 in UTF-16, which sorts before U+E000 (JCS); code points would not.
    assert canonical_bytes({"\ue000": 1, "\U0001f600": 2, "a": 3, "é": 4}) == '{"a":3,"é":4,"😀":2,"\ue000":1}'.encode()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53 - 1), 2**53 - 1) | st.text(st.characters(max_codepoint=0xD7FF)),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(max_codepoint=0xD7FF), max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_matches_sorted_compact_json_and_reads_back(value: Any) -> None:
    """Below U+D800 code-point and UTF-16 orders agree, so the stdlib's sorted compact form must be ours."""
    out = canonical_bytes(value)
    assert out == json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert json.loads(out) == value


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=5).filter(lambda s: s.encode("utf-8", "ignore") == s.encode("utf-8", "surrogatepass")),
        st.integers(0, 9),
        max_size=8,
    ),
    st.randoms(),
)
def test_stable_across_key_order(value: dict[str, int], rnd: Any) -> None:
    items = list(value.items())
    rnd.shuffle(items)
    assert canonical_bytes(dict(items)) == canonical_bytes(value)
