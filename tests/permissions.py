"""The permission matrix as data: every role × every endpoint, expected status.

Each later domain appends its rows to ROWS (or its own list, run by the same test). A row names the
request and the expected status for each subject; ``default`` covers the subjects not listed.
Placeholders in paths and bodies ({li_na}, {cs_clerk}, …) are filled from the demo data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Who plays each subject: Changsha's staff, a Changsha citizen, a Zhuzhou enterprise agent.
SUBJECTS: dict[str, str | None] = {
    "anonymous": None,
    "citizen": "430104199003070023",  # 李娜, 长沙市岳麓区
    "agent": "430202198506150138",  # 王磊, 株洲, acts for 敏记餐饮
    "window_clerk": "cs_clerk",
    "approver": "cs_approver",
    "dept_head": "cs_head",
    "supervisor": "cs_supervisor",
    "catalog_admin": "cs_catalog",
    "hotline_agent": "cs_hotline",
    "system_admin": "cs_admin",
}
STAFF = ("window_clerk", "approver", "dept_head", "supervisor", "catalog_admin", "hotline_agent", "system_admin")
PEOPLE_READERS = ("window_clerk", "approver", "dept_head", "supervisor", "hotline_agent", "system_admin")
LOGGED_IN = ("citizen", "agent", *STAFF)


def only(*subjects: str, status: int = 200) -> dict[str, int]:
    return dict.fromkeys(subjects, status)


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expect: dict[str, int]
    default: int = 403
    body: dict[str, Any] | None = None
    anonymous: int = 401
    note: str = ""
    ids: list[str] = field(default_factory=list)

    def status_for(self, subject: str) -> int:
        if subject == "anonymous" and subject not in self.expect:
            return self.anonymous
        return self.expect.get(subject, self.default)


ROWS: list[Row] = [
    # The public directory.
    Row("GET", "/api/v1/regions?parent=430100", only(*SUBJECTS), anonymous=200),
    Row("GET", "/api/v1/regions/430104", only(*SUBJECTS), anonymous=200),
    Row("GET", "/api/v1/orgs?region=430100", only(*SUBJECTS), anonymous=200),
    Row("GET", "/api/v1/orgs/{cs_center}", only(*SUBJECTS), anonymous=200),
    Row("GET", "/api/v1/things", only(*SUBJECTS), anonymous=200),
    # Administration of orgs: a system admin, within the region only.
    Row(
        "POST",
        "/api/v1/orgs",
        only("system_admin", status=201),
        body={"name": "长沙市天心区政务服务中心", "kind": "service_center", "region_code": "430103"},
    ),
    Row(
        "POST",
        "/api/v1/orgs",
        {},
        body={"name": "株洲市芦淞区政务服务中心", "kind": "service_center", "region_code": "430203"},
        note="another city's region: refused even to Changsha's admin",
    ),
    # The caller.
    Row("GET", "/api/v1/me", only(*LOGGED_IN)),
    Row("GET", "/api/v1/auth/tokens", only(*LOGGED_IN)),
    Row("GET", "/api/v1/me/person", {"citizen": 200, "agent": 200}, default=404),
    # Users: admins in their region, heads in their org, everyone themselves; others' rows are 404.
    Row("GET", "/api/v1/users", only("system_admin", "dept_head")),
    Row("GET", "/api/v1/users/{cs_clerk}", {"window_clerk": 200, "system_admin": 200}, default=404),
    Row("GET", "/api/v1/users/{cs_approver}", {"approver": 200, "dept_head": 200, "system_admin": 200}, default=404),
    Row("GET", "/api/v1/users/{zz_clerk}", {}, default=404, note="another city: invisible even to its admin's peer"),
    Row(
        "POST",
        "/api/v1/users",
        only("system_admin", status=201),
        body={"username": "cs_newclerk", "name": "新窗口", "password": "Xin@2026ab", "org_id": "{cs_center}"},
    ),
    Row(
        "POST",
        "/api/v1/users/{cs_approver}/roles",
        {"system_admin": 201, "approver": 403, "dept_head": 403},
        body={"role": "supervisor", "org_id": "{cs_center}"},
    ),
    Row(
        "PATCH",
        "/api/v1/users/{cs_hotline}",
        {"system_admin": 200},
        body={"name": "陈长沙热线坐席"},
    ),
    Row(
        "POST",
        "/api/v1/users",
        {},
        body={"username": "zz_newclerk", "name": "新窗口", "password": "Xin@2026ab", "org_id": "{zz_center}"},
        note="staff for another city's org",
    ),
    Row("PATCH", "/api/v1/users/{zz_clerk}", {"system_admin": 404}, body={"name": "改名"}, note="another city's user"),
    Row("DELETE", "/api/v1/users/{cs_approver}/roles/{cs_approver_grant}", {"system_admin": 200}),
    Row(
        "POST",
        "/api/v1/users/{cs_admin}/roles",
        {},
        body={"role": "supervisor", "org_id": "{cs_center}"},
        note="nobody grants themselves a role, system admins included",
    ),
    # The audit log.
    Row("GET", "/api/v1/audit", only("supervisor", "system_admin")),
    # Base libraries: masked lists for staff who serve the public; full records audited.
    Row("GET", "/api/v1/people", only(*PEOPLE_READERS)),
    Row("GET", "/api/v1/people/{li_na}", {"citizen": 200, **only(*PEOPLE_READERS)}, default=404),
    Row("GET", "/api/v1/people/{wang_lei}", {"agent": 200}, default=404, note="a Zhuzhou resident"),
    Row("POST", "/api/v1/people/lookup", only(*PEOPLE_READERS), default=404, body={"id_number": "430121196205050314"}),
    Row("GET", "/api/v1/enterprises", only(*LOGGED_IN)),
    Row("GET", "/api/v1/enterprises/{minji}", {"agent": 200}, default=404, note="a Zhuzhou enterprise"),
    Row(
        "POST",
        "/api/v1/enterprises/{minji}/mandates",
        {"agent": 403},
        default=404,
        body={"agent_id_number": "430104199003070023"},
        note="only the legal representative may authorise",
    ),
    Row("DELETE", "/api/v1/enterprises/{minji}/mandates/{minji_mandate}", {"agent": 403}, default=404),
    # Ending one's own token.
    Row("DELETE", "/api/v1/auth/token", only(*LOGGED_IN, status=204)),
    # Cases: everyone logged in lists what they may see (their own, their hall's, their org's tasks'
    # cases, their region); the inbox is the departments'; applying for an enterprise needs its mandate.
    Row("GET", "/api/v1/cases", only(*LOGGED_IN)),
    Row("GET", "/api/v1/cases?mine=true", only(*LOGGED_IN)),
    Row("GET", "/api/v1/tasks", only("approver", "dept_head")),
    Row(
        "POST",
        "/api/v1/cases",
        {"agent": 201, "window_clerk": 422},
        body={
            "thing": "open_restaurant",
            "answers": {"has_license": "yes", "premises": "leased", "area": "gt300", "extras": []},
            "enterprise": "91430202MA4L8Q2R15",
        },
        note="only the enterprise's agent; a clerk must choose the window or helper channel",
    ),
    # 好差评 and supervision: lists are filtered by who asks; statistics and the dashboard are the
    # supervisors' (within their region: 长沙's supervisor may not look at 株洲 or the province).
    Row("GET", "/api/v1/evaluations", only(*LOGGED_IN)),
    Row("GET", "/api/v1/rectifications", only(*LOGGED_IN)),
    Row("GET", "/api/v1/supervision/warnings", only("window_clerk", "approver", "dept_head", "supervisor")),
    Row("GET", "/api/v1/stats/evaluations?region=430100", only("supervisor")),
    Row("GET", "/api/v1/stats/evaluations?region=430200", {}, note="another city"),
    Row("GET", "/api/v1/stats/evaluations?region=430000", {}, note="above the supervisor's region"),
    Row("GET", "/api/v1/stats/cases?region=430104", only("supervisor")),
    Row(
        "POST",
        "/api/v1/rectifications/999999/callback",
        {},
        default=404,
        body={"contacted": True, "note": "回访"},
        note="no such rectification, or none the subject may see",
    ),
    # Holiday overrides drive every deadline: system administrators only.
    Row("GET", "/api/v1/holidays", only("system_admin")),
    Row(
        "POST",
        "/api/v1/holidays",
        only("system_admin", status=201),
        body={"date": "2026-03-11", "workday": False, "name": "权限矩阵测试"},
    ),
    Row("DELETE", "/api/v1/holidays/2026-03-12", {"system_admin": 404}, note="no override on that day"),
    # The workbenches' pages, asked for by API clients (JSON errors, not a login page).
    Row(
        "GET", "/admin/catalog", only("catalog_admin", "system_admin", "supervisor"), anonymous=200
    ),  # anonymous: sent to the login page
    Row("GET", "/admin/holidays", only("system_admin"), anonymous=200),  # anonymous: sent to the login page
    Row("GET", "/inbox", only("approver", "dept_head"), anonymous=200),  # anonymous: sent to the login page
    Row("GET", "/notices", only(*LOGGED_IN), anonymous=200),  # anonymous: sent to the login page
    Row("GET", "/notices/unread", only(*SUBJECTS)),  # the unread mark: empty for anyone without messages
    Row("GET", "/workbench?q=0000", only("window_clerk"), anonymous=200),  # anonymous: the login page
    Row(
        "GET",
        "/cases/0000000000000000/submitted",
        {},
        default=404,
        anonymous=200,
        note="提交成功 of no such case; anonymous: the login page",
    ),
    Row(
        "POST",
        "/cases/0000000000000000/withdraw",
        {},
        default=404,
        anonymous=200,
        note="withdrawing no such case; anonymous: the login page",
    ),
    Row("GET", "/verify", only(*SUBJECTS), anonymous=200),  # the public e-license check: anyone, no login
    Row(
        "GET",
        "/cases/0000000000000000/receipt.pdf",
        {},
        default=404,
        anonymous=200,
        note="no such case; anonymous: the login page",
    ),
]

# 办件进度查询 and 样表 (issue 17): public, the same for every subject. A number that is no case is the one
# neutral 未查到 whoever asks (logged in or not); garbage is 422 before anything is read.
ROWS += [
    Row("GET", "/progress", only(*SUBJECTS), anonymous=200),
    Row(
        "POST",
        "/api/v1/progress",
        {},
        default=404,
        anonymous=404,
        body={"number": "43010420200101999999", "code": "000000"},
        note="no such case: 未查到, the same answer as a wrong code",
    ),
    Row(
        "POST",
        "/api/v1/progress",
        {},
        default=422,
        anonymous=422,
        body={"number": "4301", "code": "000000"},
        note="not a case number",
    ),
    Row("GET", "/samples/power_of_attorney.pdf", only(*SUBJECTS), anonymous=200),
    Row("GET", "/samples/commitment_letter.pdf?filled=1", only(*SUBJECTS), anonymous=200),
    Row("GET", "/samples/id_card.pdf", {}, default=404, anonymous=404, note="in the catalog, but not a letter"),
]
