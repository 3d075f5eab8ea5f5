"""E-license identifiers (电子证照标识, GB/T 36904-2018). Pure: standard library only.

    1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check character>

- ``1.2.156.3005.2`` is the root code (the e-license OID arc), always the same.
- type code (证照类型代码): the 18-character unified social credit code of the body that defines the license
  type, then a 3-digit sequence, e.g. ``11100000000013338W011``. Every identifier issued by the national
  platform that we could find has this 21-character shape, so it is enforced.
- issuer code (证照颁发机构代码): the issuing org's 18-character unified social credit code (GB 32100
  character set; its MOD 31 check is ``kit.validators.credit_code``'s job where orgs are created).
- serial (流水号): unique per type and issuer. Others use dates, UUID hex or random strings, so ``parse``
  accepts 1-32 characters of 0-9A-Z. Ours (``serial``) is the issue year and an 8-digit sequence
  numbered from 1 each year per type and issuer: ``2025`` + ``00000042`` -> ``202500000042``.
- version (版本号): 3 digits, 001 for the first issue, incremented when a license is reissued (换发).
- check character (校验位): ISO/IEC 7064 MOD 37,36 (GB/T 17710), the hybrid system over 0-9A-Z valued
  0-35, computed over type code + issuer code + serial + version concatenated: no root code, no dots.
  That is what the published implementations compute (e.g. ``waitCheckStr = licenseTypeCode + issueUnit +
  serialNumber + version`` with ISO_7064_MOD_37_HYBRID_36), and it reproduces real identifiers such as
  ``1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U`` (see the tests).

Letters must be upper case: an identifier is compared as text, so ``u`` and ``U`` must not both be valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROOT = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_CREDIT = "[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}"  # GB 32100: no I O S V Z; region digits
_TYPE_CODE = re.compile(_CREDIT + "[0-9]{3}")
_ISSUER_CODE = re.compile(_CREDIT)
_SERIAL = re.compile("[0-9A-Z]{1,32}")
_OUR_SERIAL = re.compile("([0-9]{4})([0-9]{8})")
_VERSION = re.compile("[0-9]{3}")
MAX_SEQUENCE = 99_999_999


@dataclass(frozen=True, slots=True)
class Parts:
    type_code: str
    issuer_code: str
    serial: str
    version: int
    check: str

    @property
    def body(self) -> str:
        """The characters the check character is computed over."""
        return f"{self.type_code}{self.issuer_code}{self.serial}{self.version:03d}"

    def __str__(self) -> str:
        return f"{ROOT}.{self.type_code}.{self.issuer_code}.{self.serial}.{self.version:03d}.{self.check}"


def check_char(body: str) -> str:
    """ISO/IEC 7064 MOD 37,36 check character of ``body`` (characters 0-9A-Z)."""
    p = 36
    for c in body:
        value = _VALUE.get(c)
        if value is None:
            raise ValueError(f"check character: {c!r} is not one of 0-9 and A-Z")
        s = (p + value) % 36 or 36
        p = s * 2 % 37
    # Choose the character that brings the running value to 1, which is what a valid string ends with.
    return ALPHABET[(1 - p) % 36]


def serial(year: int, sequence: int) -> str:
    """Our serial: the issue year and the year's sequence number for this type and issuer, 12 digits."""
    if not 2000 <= year <= 9999:
        raise ValueError(f"serial: year {year} is not between 2000 and 9999")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"serial: sequence {sequence} is not between 1 and {MAX_SEQUENCE}")
    return f"{year:04d}{sequence:08d}"


def split_serial(text: str) -> tuple[int, int]:
    """(year, sequence) of one of our serials; ``ValueError`` for serials in another format."""
    found = _OUR_SERIAL.fullmatch(text)
    if found is None or int(found[2]) == 0:
        raise ValueError("serial: not a year followed by an 8-digit sequence")
    return int(found[1]), int(found[2])


def _checked(type_code: str, issuer_code: str, serial_text: str, version: int | str) -> Parts:
    if not _TYPE_CODE.fullmatch(type_code):
        raise ValueError(
            "type code: expected the defining body's 18-character credit code and a 3-digit sequence "
            "(21 characters, upper case)"
        )
    if not _ISSUER_CODE.fullmatch(issuer_code):
        raise ValueError("issuer code: expected an 18-character unified social credit code (upper case)")
    if not _SERIAL.fullmatch(serial_text):
        raise ValueError("serial: expected 1 to 32 characters of 0-9 and A-Z")
    if isinstance(version, str):
        if not _VERSION.fullmatch(version):
            raise ValueError("version: expected 3 digits")
        version = int(version)
    if not 1 <= version <= 999:
        raise ValueError("version: expected 001 to 999")
    body = f"{type_code}{issuer_code}{serial_text}{version:03d}"
    return Parts(type_code, issuer_code, serial_text, version, check_char(body))


def make(type_code: str, issuer_code: str, serial: str, version: int = 1) -> str:
    """The identifier for these parts, check character included; ``ValueError`` naming a bad part."""
    return str(_checked(type_code, issuer_code, serial, version))


def parse(text: str) -> Parts:
    """The parts of an identifier; ``ValueError`` naming the first part that is wrong."""
    if not isinstance(text, str):
        raise ValueError("identifier: expected text")
    if not text.startswith(ROOT + "."):
        raise ValueError(f"root code: an e-license identifier starts with {ROOT}.")
    fields = text[len(ROOT) + 1 :].split(".")
    if len(fields) != 5:
        raise ValueError(
            "identifier: expected 5 parts after the root code (type code, issuer code, serial, version, check "
            f"character), found {len(fields)}"
        )
    type_code, issuer_code, serial_text, version, check = fields
    parts = _checked(type_code, issuer_code, serial_text, version)
    if len(check) != 1 or check not in _VALUE:
        raise ValueError("check character: expected one character of 0-9 and A-Z")
    if check != parts.check:
        raise ValueError("check character: does not match the rest of the identifier (a character mistyped?)")
    return parts


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True
