"""Masking of personal data for display and for logs.

The ``mask_*`` functions turn one known value into a masked form fit to show to staff or to print
in a log; they never return the whole value. ``mask_text`` finds resident ID numbers and mobile
numbers inside free text. ``install_log_masking`` (or ``MaskingFilter`` on a handler) applies
``mask_text`` to every log message, so a number passed to a logger never reaches a log file.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

__all__ = [
    "MaskingFilter",
    "install_log_masking",
    "mask_address",
    "mask_id_number",
    "mask_log_record",
    "mask_name",
    "mask_phone",
    "mask_text",
]

_STARS = "****"


def _mask_generic(value: str) -> str:
    """Conservative fallback: at most the first 2 characters, the rest as stars (same length)."""
    keep = min(2, len(value) // 3)
    return value[:keep] + "*" * max(len(value) - keep, 1)


# --- single values ------------------------------------------------------------------------------


def mask_id_number(value: str | None) -> str:
    """``430102199001011234`` -> ``4301**********1234``; 15-digit old numbers keep 4 + 3."""
    if not value:
        return ""
    v = value.strip()
    if len(v) == 18:
        return v[:4] + "*" * 10 + v[-4:]
    if len(v) == 15:
        return v[:4] + "*" * 8 + v[-3:]
    return _mask_generic(v)


_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# With a separator the caller's split of the area code is trusted; without one, 010 and 02x are
# the only three-digit area codes (the rest have four digits).
_LANDLINE = re.compile(
    r"(?P<area>0[0-9]{2,3})(?P<sep>-)(?P<local>[0-9]{7,8})(?:-(?P<ext>[0-9]{1,6}))?"
    r"|(?P<area2>0(?:[12][0-9]|[3-9][0-9]{2}))(?P<local2>[0-9]{7,8})(?:-(?P<ext2>[0-9]{1,6}))?"
)
_SEPARATORS = re.compile(r"[\s-]")


def mask_phone(value: str | None) -> str:
    """``13812345678`` -> ``138****5678``; ``0731-88881234`` -> ``0731-******34``."""
    if not value:
        return ""
    v = value.strip()
    compact = _SEPARATORS.sub("", v)
    prefix = ""
    if compact.startswith("+86"):
        prefix, compact = "+86", compact[3:]
    if _MOBILE.fullmatch(compact):
        return prefix + compact[:3] + _STARS + compact[-4:]
    m = _LANDLINE.fullmatch(v.replace(" ", ""))
    if m:
        area = m["area"] or m["area2"]
        local = m["local"] or m["local2"]
        ext = m["ext"] or m["ext2"]
        masked = area + (m["sep"] or "") + "*" * (len(local) - 2) + local[-2:]
        return masked + ("-" + "*" * len(ext) if ext else "")
    return _mask_generic(v)


_ADMIN_ENDS = frozenset("省市区县州旗")
_ADMIN_SPAN = 12  # the administrative part must end within the first 12 characters
# Words that end or start with an administrative marker but name a place inside a district.
_NOT_ADMIN = frozenset({"小区", "社区", "校区", "景区", "街区", "超市", "城市", "夜市", "菜市", "市场"})
_ADDRESS_KEEP = 6  # characters kept when no administrative part is recognised
_ADDRESS_LONG = 10  # shorter addresses without an administrative part keep only 2 characters


def _admin_prefix_length(v: str) -> int:
    end = 0
    for i, ch in enumerate(v[:_ADMIN_SPAN]):
        if i == 0 or ch not in _ADMIN_ENDS:
            continue
        if v[i - 1 : i + 1] in _NOT_ADMIN or v[i : i + 2] in _NOT_ADMIN:
            continue
        end = i + 1
    return end


def mask_address(value: str | None) -> str:
    """Keep the province / city / district part, mask the rest:
    ``湖南省长沙市岳麓区麓山南路 1 号`` -> ``湖南省长沙市岳麓区****``."""
    if not value:
        return ""
    v = value.strip()
    end = _admin_prefix_length(v)
    if end:
        return v[:end] + _STARS
    if len(v) >= _ADDRESS_LONG:
        return v[:_ADDRESS_KEEP] + _STARS
    return v[: min(2, len(v) - 1)] + _STARS


def mask_name(value: str | None) -> str:
    """Keep the surname (first character): ``张三`` -> ``张*``, ``欧阳修`` -> ``欧**``."""
    if not value:
        return ""
    v = value.strip()
    if len(v) <= 1:
        return "*" * len(v)
    return v[0] + "*" * (len(v) - 1)


# --- free text ------------------------------------------------------------------------------------

# Anything that can hold a number to mask has a run of at least 11 ASCII digits.
_LONG_RUN = re.compile(r"[0-9]{11}")
_SENSITIVE = re.compile(
    r"(?<![0-9])(?:(?P<id18>[0-9]{17}[0-9Xx])|(?P<id15>[0-9]{15}))(?![0-9])"
    r"|(?:(?<![0-9])|(?<=\+86))(?P<mobile>1[3-9][0-9]{9})(?![0-9])"
)


def _replace(m: re.Match[str]) -> str:
    found = m.group()
    if m["mobile"] is not None:
        return found[:3] + _STARS + found[-4:]
    return mask_id_number(found)


def mask_text(text: str) -> str:
    """Mask every resident ID number (18 or 15 characters) and mobile number in ``text``.

    Numbers inside a longer run of digits (case numbers, serial numbers) are left alone.
    Text without a run of 11 digits is returned as is (the same object).
    """
    if len(text) < 11 or not _LONG_RUN.search(text):
        return text
    return _SENSITIVE.sub(_replace, text)


# --- logging --------------------------------------------------------------------------------------

_EXC_FORMATTER = logging.Formatter()


def _safe_str(obj: object) -> str:
    try:
        return str(obj)
    except Exception:
        return f"<unprintable {type(obj).__name__}>"


def mask_log_record(record: logging.LogRecord) -> None:
    """Mask the message, a cached or formattable traceback and the stack of ``record`` in place.

    The message is formatted once (``record.getMessage()``) and stored in ``record.msg`` with
    ``record.args = ()``, but only when there is something to mask or there were arguments.
    ``record.exc_info`` is left untouched; when the formatted traceback holds something to mask,
    the masked text is stored in ``record.exc_text``, which formatters use instead of formatting
    the exception again.
    """
    try:
        message = record.getMessage()
    except Exception:
        # logging would report the broken call with msg and args verbatim: mask them instead.
        message = f"{_safe_str(record.msg)} (arguments: {_safe_str(record.args)})"
        record.args = ()
        record.msg = mask_text(message)
    else:
        masked = mask_text(message)
        if record.args or masked != message:
            record.msg = masked
            record.args = ()
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    elif record.exc_info and record.exc_info[0] is not None:
        try:
            formatted = _EXC_FORMATTER.formatException(record.exc_info)
        except Exception:
            formatted = ""
        masked_exc = mask_text(formatted)
        if masked_exc != formatted:
            record.exc_text = masked_exc
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)


class MaskingFilter(logging.Filter):
    """A filter for handlers configured elsewhere: masks each record, lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_log_record(record)
        return True


class _MaskingRecordFactory:
    def __init__(self, inner: Callable[..., logging.LogRecord]) -> None:
        self.inner = inner

    def __call__(self, *args: object, **kwargs: object) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        mask_log_record(record)
        return record


_install_lock = threading.Lock()


def install_log_masking() -> None:
    """Mask every log record created from now on. Calling it again does nothing."""
    with _install_lock:
        current = logging.getLogRecordFactory()
        if isinstance(current, _MaskingRecordFactory):
            return
        logging.setLogRecordFactory(_MaskingRecordFactory(current))
