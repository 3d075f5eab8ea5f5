"""我的证照: the wallet as cards grouped by holder — the person's own first, then each enterprise they act
for (an enterprise mandate from its legal representative, ``Principal.enterprises``), its business
licence first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from onething.identity.principal import Principal
from onething.kit.masking import mask_id_number
from onething.licenses import repository as repo
from onething.licenses import service as licenses
from onething.licenses.schemas import LicenseOut
from onething.licenses.views import row_out
from onething.models import License

# An enterprise's own licence leads its group: the one every other permit presupposes.
_LEADS = ("business_license",)


@dataclass(frozen=True)
class Group:
    kind: str  # self | enterprise
    title: str
    code_label: str
    code: str  # the person's ID number masked; an enterprise's credit code (public)
    cards: list[LicenseOut]


def _order(rows: Sequence[License]) -> list[License]:
    """Business licence first, then what can be used now, newest first (``rows`` come newest first)."""
    return sorted(rows, key=lambda r: (r.license_type not in _LEADS, r.status != "valid"))


def groups(session: Session, principal: Principal) -> list[Group]:
    rows = licenses.wallet(session, principal)  # checks the login
    by_holder: dict[str, list[License]] = {}
    for row in rows:
        by_holder.setdefault(row.holder_code, []).append(row)
    out = []
    if principal.id_number:
        own = by_holder.get(principal.id_number, [])
        cards = [row_out(r, full=False) for r in _order(own)]
        out.append(
            Group("self", f"本人（{principal.name}）", "公民身份号码", mask_id_number(principal.id_number), cards)
        )
    names = repo.enterprise_names(session, principal.enterprises)
    for code in sorted(principal.enterprises, key=lambda c: (names.get(c, ""), c)):
        held = by_holder.get(code, [])
        title = names.get(code) or (held[0].holder_name if held else code)
        cards = [row_out(r, full=False) for r in _order(held)]
        out.append(Group("enterprise", title, "统一社会信用代码", code, cards))
    return out
