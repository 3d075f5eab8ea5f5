"""Seed orgs (with halls and windows) so every catalog item can be routed to a real org, and the
demo accounts for every role. Idempotent: rows that exist are left as they are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.catalog.model import Catalog
from onething.demo.accounts import AGENT_OF_ENTERPRISE, CITIZENS, COUNTIES, DEMO_PASSWORD, ENTERPRISE, STAFF
from onething.identity.orgs import org_credit_code
from onething.identity.passwords import hash_password
from onething.kit.validators import birth_date_from_id, gender_from_id
from onething.models import Enterprise, EnterpriseMandate, Hall, Org, Person, Region, RoleGrant, User, Window

SERVICE_CENTER = "service_center"
# Province-level departments are 厅 where cities and counties have 局.
_PROVINCE_TING = frozenset(
    "public_security human_resources civil_affairs housing natural_resources ecology transport education "
    "water_resources agriculture forestry justice finance commerce culture_tourism veterans emergency "
    "science_technology industry_it".split()
)
_UTILITY_NAMES = {
    "water_utility": "{r}供水有限公司",
    "power_utility": "国网{r}供电公司",
    "gas_utility": "{r}燃气有限公司",
    "network_utility": "{r}通信运营企业联合受理点",
    "bank": "{r}商业银行代办网点",
}
_WINDOWS = (
    *((f"A{n:02d}", "comprehensive", None) for n in range(1, 7)),
    ("B01", "domain", "enterprise"),
    ("B02", "domain", "social"),
    ("B03", "domain", "construction"),
    ("C01", "delivery", None),
    ("D01", "helper", None),
)


@dataclass
class Seeded:
    orgs: int = 0
    windows: int = 0
    users: int = 0
    people: int = 0
    enterprises: int = 0
    notes: list[str] = field(default_factory=list)


def seeded_regions(session: Session) -> list[Region]:
    """The province, every city, the demo counties and the townships under them."""
    regions = session.scalars(select(Region)).all()
    wanted = [
        r
        for r in regions
        if r.level in ("province", "city")
        or r.code in COUNTIES
        or (r.level == "township" and r.parent_code in COUNTIES)
    ]
    return sorted(wanted, key=lambda r: r.code)


def needed_kinds(catalog: Catalog) -> dict[str, set[str]]:
    """Org kinds per level that the catalog's items are carried out by."""
    kinds: dict[str, set[str]] = {}
    for item in catalog.items.values():
        kinds.setdefault(item.spec.level, set()).add(item.spec.org_kind)
    for level in ("province", "city", "county"):
        # Every hall's centre, and the departments the demo's staff accounts work in.
        kinds.setdefault(level, set()).update({SERVICE_CENTER, *(a.org_kind for a in STAFF)})
    return kinds


def _place(region: Region, names: dict[str, Region]) -> str:
    """湖南省 / 长沙市 / 长沙市岳麓区 / 芙蓉区文艺路街道: how an org's name begins."""
    if region.level == "county" and region.parent_code in names:
        return names[region.parent_code].name + region.name
    if region.level == "township" and region.parent_code in names:
        return names[region.parent_code].name + region.name
    return region.name


def org_name(catalog: Catalog, kind: str, region: Region, place: str) -> str:
    if kind in _UTILITY_NAMES:
        return _UTILITY_NAMES[kind].format(r=place)
    if kind == "township_government":
        return place + ("办事处" if region.name.endswith("街道") else "人民政府")
    base = catalog.org_kinds[kind].name.split("（")[0]
    if region.level == "province" and kind in _PROVINCE_TING and base.endswith("局"):
        base = base[:-1] + "厅"
    if region.level == "county" and base.endswith("支队"):
        base = base[:-2] + "大队"
    return place + base


def seed_orgs(session: Session, catalog: Catalog) -> Seeded:
    done = Seeded()
    existing = set(session.scalars(select(Org.code)))
    names = {r.code: r for r in session.scalars(select(Region))}
    kinds = needed_kinds(catalog)
    for region in seeded_regions(session):
        for kind in sorted(kinds.get(region.level, ())):
            if f"{region.code}-{kind}" in existing:
                continue
            done.windows += _add_org(session, catalog, region, kind, names)
            done.orgs += 1
    session.flush()
    return done


def ensure_org(session: Session, catalog: Catalog, region_code: str, kind: str) -> bool:
    """The org of ``kind`` in the region (e.g. a policy's issuing department); True when it had to be added."""
    if session.scalar(select(Org.id).where(Org.code == f"{region_code}-{kind}")) is not None:
        return False
    names = {r.code: r for r in session.scalars(select(Region))}
    _add_org(session, catalog, names[region_code], kind, names)
    session.flush()
    return True


def _add_org(session: Session, catalog: Catalog, region: Region, kind: str, names: dict[str, Region]) -> int:
    place = _place(region, names)
    org = Org(
        code=f"{region.code}-{kind}",
        credit_code=org_credit_code(region.code, kind, utility=catalog.org_kinds[kind].utility),
        name=org_name(catalog, kind, region, place),
        kind=kind,
        region_code=region.code,
        level=region.level,
        phone="12345",
        address=f"{place}政务服务中心" if kind == SERVICE_CENTER else None,
    )
    session.add(org)
    if kind != SERVICE_CENTER:
        return 0
    session.flush()
    return _seed_hall(session, org, place)


def _seed_hall(session: Session, org: Org, place: str) -> int:
    hall = Hall(org_id=org.id, name=f"{place}政务服务大厅", address=org.address, hours="工作日 9:00—17:00（中午不休）")
    session.add(hall)
    session.flush()
    for number, kind, domain in _WINDOWS:
        session.add(Window(hall_id=hall.id, number=number, kind=kind, domain=domain))
    return len(_WINDOWS)


def seed_accounts(session: Session, password: str = DEMO_PASSWORD) -> Seeded:
    done = Seeded()
    hashed = hash_password(password)
    users = set(session.scalars(select(User.username).where(User.username.is_not(None))))
    orgs = {o.code: o for o in session.scalars(select(Org))}
    for account in STAFF:
        if account.username in users:
            continue
        org = orgs.get(f"{account.region}-{account.org_kind}")
        if org is None:
            done.notes.append(f"{account.username}: 机构 {account.region}-{account.org_kind} 不存在，跳过")
            continue
        user = User(kind="staff", username=account.username, name=account.name, password_hash=hashed, org_id=org.id)
        if account.role == "window_clerk":
            user.window_id = _first_window(session, org.id)
        session.add(user)
        session.flush()
        session.add(RoleGrant(user_id=user.id, role=account.role, org_id=org.id))
        done.users += 1
    done.people += _seed_citizens(session, hashed, done)
    done.enterprises += _seed_enterprise(session)
    session.flush()
    return done


def _first_window(session: Session, org_id: int) -> int | None:
    stmt = select(Window.id).join(Hall).where(Hall.org_id == org_id, Window.kind == "comprehensive")
    return session.scalar(stmt.order_by(Window.number).limit(1))


def _seed_citizens(session: Session, hashed: str, done: Seeded) -> int:
    added = 0
    for c in CITIZENS:
        if session.scalar(select(User.id).where(User.id_number == c.id_number)) is None:
            session.add(User(kind="citizen", id_number=c.id_number, name=c.name, phone=c.phone, password_hash=hashed))
            done.users += 1
        if session.scalar(select(Person.id).where(Person.id_number == c.id_number)) is None:
            session.add(
                Person(
                    id_number=c.id_number,
                    name=c.name,
                    gender=gender_from_id(c.id_number),
                    birth_date=birth_date_from_id(c.id_number),
                    region_code=c.id_number[:6],
                    address=c.address,
                    phone=c.phone,
                )
            )
            added += 1
    session.flush()
    return added


def _seed_enterprise(session: Session) -> int:
    code = str(ENTERPRISE["credit_code"])
    added = 0
    if session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code)) is None:
        session.add(
            Enterprise(
                **ENTERPRISE,
                registered_capital=Decimal("50.00"),
                founded_on=dt.date(2019, 4, 18),
            )
        )
        session.flush()
        added = 1
    agent = session.scalar(select(User.id).where(User.id_number == AGENT_OF_ENTERPRISE))
    has_mandate = session.scalar(
        select(EnterpriseMandate.id).where(EnterpriseMandate.user_id == agent, EnterpriseMandate.credit_code == code)
    )
    if agent is not None and has_mandate is None:
        session.add(
            EnterpriseMandate(
                user_id=agent,
                credit_code=code,
                granted_by_id_number=str(ENTERPRISE["legal_rep_id_number"]),
                valid_from=dt.date(2024, 1, 1),  # before any date the demo may replay
                valid_until=None,
            )
        )
    return added


def unroutable_items(session: Session, catalog: Catalog) -> list[str]:
    """Items with no org of their kind at their level anywhere: should be empty after seeding."""
    have = {(kind, level) for kind, level in session.execute(select(Org.kind, Org.level))}
    return sorted(item.code for item in catalog.items.values() if (item.spec.org_kind, item.spec.level) not in have)
