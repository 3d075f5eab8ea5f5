"""The demo's fixed accounts (listed in the README). Everyone shares one password."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "Demo@2026"


@dataclass(frozen=True, slots=True)
class StaffAccount:
    username: str
    name: str
    role: str
    region: str  # the org's region
    org_kind: str  # the org within the region


@dataclass(frozen=True, slots=True)
class Citizen:
    id_number: str
    name: str
    gender: str
    address: str
    phone: str


# Regions whose orgs are seeded: the province, every city (added from the catalog), these counties.
COUNTIES = ("430102", "430104", "430121", "430202", "430302")

_ROLE_ORGS = (
    ("clerk", "window_clerk", "service_center", "窗口"),
    ("approver", "approver", "market_regulation", "审批"),
    ("head", "dept_head", "market_regulation", "科长"),
    ("supervisor", "supervisor", "service_center", "监察"),
    ("catalog", "catalog_admin", "service_center", "目录"),
    ("hotline", "hotline_agent", "service_center", "热线"),
    ("admin", "system_admin", "service_center", "管理"),
)
_PLACES = (("hn", "430000", "省"), ("cs", "430100", "长沙"), ("zz", "430200", "株洲"), ("yl", "430104", "岳麓"))
_SURNAMES = {"hn": "周", "cs": "陈", "zz": "刘", "yl": "杨"}

STAFF: tuple[StaffAccount, ...] = tuple(
    StaffAccount(f"{prefix}_{suffix}", f"{_SURNAMES[prefix]}{place}{label}", role, region, kind)
    for prefix, region, place in _PLACES
    for suffix, role, kind, label in _ROLE_ORGS
)

# 株洲市荷塘区, where the demo restaurant is: a window clerk, a supervisor and an approver in every
# department that 开办餐饮店 and 新生儿出生 reach, so a case can go end to end.
_HETANG = (
    ("ht_clerk", "黄荷塘窗口", "window_clerk", "service_center"),
    ("ht_supervisor", "黄荷塘监察", "supervisor", "service_center"),
    ("ht_market", "黄荷塘市场监管", "approver", "market_regulation"),
    ("ht_market_head", "黄荷塘市场监管科长", "dept_head", "market_regulation"),
    ("ht_fire", "黄荷塘消防", "approver", "fire_rescue"),
    ("ht_housing", "黄荷塘住建", "approver", "housing"),
    ("ht_ecology", "黄荷塘生态环境", "approver", "ecology"),
    ("ht_urban", "黄荷塘城管", "approver", "urban_management"),
    ("ht_commerce", "黄荷塘商务", "approver", "commerce"),
    ("ht_tobacco", "黄荷塘烟草", "approver", "tobacco"),
    # 新生儿出生: household registration and maternity benefits are decided in parallel.
    ("ht_police", "黄荷塘公安户政", "approver", "public_security"),
    ("ht_medical", "黄荷塘医保", "approver", "medical_security"),
)
STAFF += tuple(StaffAccount(u, n, role, "430202", kind) for u, n, role, kind in _HETANG)

# Issuing departments of seeded benefit policies: they review and confirm 免申即享 lists.
STAFF += (
    StaffAccount("hn_hr", "周省人社审核", "approver", "430000", "human_resources"),
    StaffAccount("hn_hr_head", "周省人社处长", "dept_head", "430000", "human_resources"),
    StaffAccount("hn_sci_head", "周省科技处长", "dept_head", "430000", "science_technology"),
    StaffAccount("hn_industry_head", "周省工信处长", "dept_head", "430000", "industry_it"),
    StaffAccount("zz_hr_head", "刘株洲人社科长", "dept_head", "430200", "human_resources"),
)

CITIZENS: tuple[Citizen, ...] = (
    Citizen("430104199003070023", "李娜", "female", "湖南省长沙市岳麓区麓山南路 12 号 3 栋 502 室", "13807310021"),
    Citizen("430202198506150138", "王磊", "male", "湖南省株洲市荷塘区新华东路 88 号", "13973320138"),
    Citizen("430202197809210244", "赵敏", "female", "湖南省株洲市荷塘区红旗北路 16 号", "15907330244"),
    Citizen("430121196205050314", "孙建国", "male", "湖南省长沙市长沙县星沙街道开元东路 9 号", "13607310314"),
)

# 赵敏 runs a restaurant and has authorised 王磊 to handle its business (enterprise agent).
ENTERPRISE = {
    "credit_code": "91430202MA4L8Q2R15",
    "name": "株洲市荷塘区敏记餐饮有限公司",
    "type": "有限责任公司",
    "legal_rep_id_number": "430202197809210244",
    "legal_rep_name": "赵敏",
    "region_code": "430202",
    "address": "湖南省株洲市荷塘区红旗北路 20 号",
    "industry_code": "H6210",
    "staff_count": 12,
    "status": "存续",
}
AGENT_OF_ENTERPRISE = "430202198506150138"
