"""Government orgs' unified social credit codes: 11 (机关) + region + organisation code + check.

Seeded orgs need stable, valid codes (e-licenses carry the issuer's code), derived from the region
and the org kind so every run of the seed gives the same code.
"""

from __future__ import annotations

import hashlib

from onething.kit.validators import credit_code_check_char, org_code_check_char


def org_credit_code(region_code: str, kind: str, *, utility: bool = False) -> str:
    """11 for a government body (机关), 91 for a utility company."""
    seed = int.from_bytes(hashlib.sha256(f"{region_code}:{kind}".encode()).digest()[:8], "big")
    body = ""
    for _ in range(8):
        seed, digit = divmod(seed, 10)
        body += str(digit)
    first17 = ("91" if utility else "11") + region_code[:6] + body + org_code_check_char(body)
    return first17 + credit_code_check_char(first17)
