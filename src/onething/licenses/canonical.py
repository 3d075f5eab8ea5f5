"""The canonical bytes of a license's content: what is hashed (SM3) and sealed (SM2). Pure: standard library only.

Canonical JSON in the spirit of RFC 8785 (JCS), so any party can rebuild the exact bytes from the content:

- UTF-8, no byte order mark, no whitespace between tokens;
- object members sorted by key, compared as UTF-16 code units as JCS does (the same as code-point order
  unless a key mixes characters above U+FFFF with ones in U+E000-U+FFFF);
- strings as they are: only ``"``, ``\\`` and control characters below U+0020 are escaped (``\\n`` etc., else
  ``\\u00XX`` in lower-case hex); Chinese text stays UTF-8, never ``\\uXXXX``; lone surrogates are refused;
- numbers are integers only, within +-(2**53 - 1) so every JSON reader gets them exactly: floats (NaN and
  infinities included) are refused, as amounts are kept in fen and anything else as a string;
- ``True``/``False``/``None`` -> ``true``/``false``/``null`` (None is kept, not dropped);
- ``datetime.date`` -> ``"YYYY-MM-DD"``; ``datetime.datetime`` -> ISO 8601 with its UTC offset (naive ones are
  refused: the moment would depend on the reader's zone);
- lists and tuples -> arrays; dicts with string keys -> objects. Anything else is a ``TypeError``.

Errors name the path to the offending value, e.g. ``$.holder.fee``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

MAX_INTEGER = 2**53 - 1


def canonical_bytes(obj: Any) -> bytes:
    """The canonical JSON of ``obj`` as UTF-8 bytes; ``TypeError``/``ValueError`` naming the path to a bad value."""
    out: list[str] = []
    _write(obj, "$", out)
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("canonical JSON: a string holds a lone surrogate, which is not Unicode text") from None


def _string(text: str) -> str:
    # json.dumps with ensure_ascii=False escapes exactly what JCS escapes, the same way.
    return json.dumps(text, ensure_ascii=False)


def _write(value: Any, path: str, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        if not -MAX_INTEGER <= value <= MAX_INTEGER:
            raise ValueError(f"canonical JSON: integer at {path} is beyond +-(2**53 - 1); store it as a string")
        out.append(int.__repr__(value))  # plain digits, also for IntEnum members
    elif isinstance(value, float):
        raise TypeError(f"canonical JSON: float at {path}; use an integer (e.g. fen) or a string")
    elif isinstance(value, dt.datetime):
        if value.utcoffset() is None:
            raise ValueError(f"canonical JSON: naive datetime at {path}; give it a time zone")
        out.append(_string(value.isoformat()))
    elif isinstance(value, dt.date):
        out.append(_string(value.isoformat()))
    elif isinstance(value, Mapping):
        _write_object(value, path, out)
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, f"{path}[{i}]", out)
        out.append("]")
    else:
        raise TypeError(f"canonical JSON: {type(value).__name__} at {path} has no canonical form")


def _write_object(value: Mapping[Any, Any], path: str, out: list[str]) -> None:
    for key in value:
        if not isinstance(key, str):
            raise TypeError(f"canonical JSON: key {key!r} at {path} is not a string")
    out.append("{")
    for i, key in enumerate(sorted(value, key=_utf16)):
        if i:
            out.append(",")
        out.append(_string(key))
        out.append(":")
        _write(value[key], f"{path}.{key}", out)
    out.append("}")


def _utf16(key: str) -> bytes:
    # Big-endian code units compare byte by byte like the units themselves; surrogatepass keeps lone ones
    # sortable here so that the encoding step reports them.
    return key.encode("utf-16-be", "surrogatepass")
