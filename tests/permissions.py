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
    body: dict[str, Any] | None = None  # sent as JSON
    anonymous: int = 401
    note: str = ""
    ids: list[str] = field(default_factory=list)
    form: dict[str, Any] | None = None  # sent as a form, as a page's form is
    suspect: str = ""  # what looks wrong: the row states the intended status and is expected to fail
    given: str = ""  # a scenario of tests/test_permissions.py that makes {case}, {task}, … first

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


# --- Everything else, by domain (issue 18: a test fails when a route has no row). Rows with ``given``
# act on 王磊's restaurant case at 株洲荷塘, made first through the API ("draft", "accepted" at the window,
# "concluded" with a license and a bad review): another city for every Changsha subject, so staff and
# the citizen get 404 (never a hint that it exists), and the agent meets the rules for the applicant.
# A number or id that is no record is 404 for whoever may act at all, the refusal (403) for who may not.
# A page's form posted without its CSRF token: the case's own applicant is refused for that (403, the
# page), everyone else finds no such case (404) before anything else is looked at.
OWNER_CSRF = {"agent": 403}
TASK_READERS_ELSEWHERE = {"approver": 404, "dept_head": 404}  # may handle tasks, not this city's

# Public reference data and the guide: anyone, no login.
ROWS += [
    Row("GET", "/api/v1/calendar/add-days?date=2026-03-02&days=5", only(*SUBJECTS), anonymous=200),
    Row("GET", "/api/v1/catalog/versions", only(*SUBJECTS), anonymous=200),
    Row("GET", "/api/v1/things/open_restaurant", only(*SUBJECTS), anonymous=200),
    Row("GET", "/api/v1/items/food_business_permit", only(*SUBJECTS), anonymous=200),
    Row(
        "POST",
        "/api/v1/things/open_restaurant/guide",
        only(*SUBJECTS),
        anonymous=200,
        body={"answers": {"has_license": "yes", "premises": "leased", "area": "gt300", "extras": []}},
    ),
    Row("GET", "/", only(*SUBJECTS), anonymous=200),
    Row("GET", "/things/open_restaurant", only(*SUBJECTS), anonymous=200),
    Row("GET", "/things/open_restaurant/guide", only(*SUBJECTS), anonymous=200),
    Row("GET", "/items/food_business_permit", only(*SUBJECTS), anonymous=200),
    Row("GET", "/display", only(*SUBJECTS), anonymous=200),  # the hall's public screen
    Row("GET", "/api/v1/policies", only(*SUBJECTS), anonymous=200),  # published policies are public
    Row("GET", "/api/v1/policies/cs_new_business_startup_subsidy", only(*SUBJECTS), anonymous=200),
    Row(
        "GET",
        "/api/v1/policies/cs_new_business_startup_subsidy/versions",
        only("approver", "dept_head", "system_admin"),
        anonymous=401,  # the sources (rules) are for the issuing department's staff, as on the version page
    ),
    Row("GET", "/policies", only(*SUBJECTS), anonymous=200),
    Row("GET", "/policies/cs_new_business_startup_subsidy", only(*SUBJECTS), anonymous=200),
    Row("GET", "/api/v1/seals/430202-market_regulation", only(*SUBJECTS), anonymous=200),
]

# Logging in and out, one's own tokens and account page.
ROWS += [
    Row(
        "POST",
        "/api/v1/auth/token",
        {},
        default=401,
        anonymous=401,
        body={"login": "cs_clerk", "password": "not-the-password"},
        note="a wrong password is refused whoever sends it",
    ),
    Row("DELETE", "/api/v1/auth/tokens/999999", {}, default=404, note="no such token of one's own"),
    Row("GET", "/login", only(*SUBJECTS), anonymous=200),
    Row(
        "POST",
        "/login",
        {},
        default=403,
        anonymous=403,
        body={"login": "cs_clerk", "password": "x"},
        note="no CSRF token",
    ),
    Row("GET", "/login/oidc", {}, default=404, anonymous=404, note="no identity provider configured"),
    Row("GET", "/login/oidc/callback?code=x&state=y", {}, default=404, anonymous=404, note="no provider"),
    Row("POST", "/logout", {}, default=403, anonymous=403, note="no CSRF token"),
    Row("GET", "/me", only(*LOGGED_IN), anonymous=200),  # anonymous: the login page
    Row("POST", "/me/person", {}, default=403, anonymous=200, note="no CSRF token; anonymous: the login page"),
    Row("GET", "/orgs", only(*SUBJECTS), anonymous=200),
]

SEES_APPROVER = {"approver": 403, "dept_head": 403, "system_admin": 403}
# Administration pages: the same people as their APIs; anonymous readers are sent to the login page.
ROWS += [
    Row("GET", "/admin/users", only("system_admin", "dept_head"), anonymous=200),
    Row("GET", "/admin/users/{cs_clerk}", {"window_clerk": 200, "system_admin": 200}, default=404, anonymous=200),
    # Posted without the form's CSRF token: refused (403) to whoever may see the user, 404 to the others.
    Row(
        "POST",
        "/admin/users/{cs_clerk}/active",
        {"window_clerk": 403, "system_admin": 403},
        default=404,
        anonymous=200,
        form={"active": "false"},
    ),
    Row("POST", "/admin/users/{cs_approver}/roles", SEES_APPROVER, default=404, anonymous=200),
    Row(
        "POST",
        "/admin/users/{cs_approver}/roles/{cs_approver_grant}/revoke",
        SEES_APPROVER,
        default=404,
        anonymous=200,
    ),
    Row("GET", "/audit", only("supervisor", "system_admin"), anonymous=200),
    Row("GET", "/admin/catalog/1", only("catalog_admin", "system_admin", "supervisor"), anonymous=200),
    Row("GET", "/admin/catalog/diff", only("catalog_admin", "system_admin", "supervisor"), anonymous=200),
    Row(
        "GET",
        "/admin/catalog/1/things/open_restaurant",
        only("catalog_admin", "system_admin", "supervisor"),
        anonymous=200,
    ),
    Row("POST", "/admin/holidays", {}, default=403, anonymous=200, note="no CSRF token"),
    Row("POST", "/admin/holidays/2026-03-12/delete", {}, default=403, anonymous=200, note="no CSRF token"),
]

# Base-library look-ups by credit code.
ROWS += [
    Row(
        "POST",
        "/api/v1/enterprises/lookup",
        {"agent": 200},
        default=404,
        body={"credit_code": "91430202MA4L8Q2R15"},
        note="a Zhuzhou enterprise: its agent's own; outside every Changsha reader's region",
    ),
]

# Cases through the API: a draft, then at the window, then decided.
_CASE = "/api/v1/cases/{case}"
_REFUSE = {"reason": "不符合受理条件"}
_CORRECT = {"items": [{"kind": "material", "code": "lease_contract", "reason": "不清晰"}]}
_SHORT = {"materials": ["lease_contract"], "due_days": 5, "commitment": "承诺五日内补齐"}
ROWS += [
    Row("GET", _CASE, {"agent": 200}, default=404, given="draft"),
    Row("PUT", _CASE, {"agent": 200}, default=404, body={"commitments": []}, given="draft"),
    Row("POST", _CASE + "/materials", {"agent": 201}, default=404, form={"material": "lease_contract"}, given="draft"),
    Row(
        "POST",
        _CASE + "/materials/batch",
        {"agent": 201},
        default=404,
        form={"material": ["lease_contract"]},
        given="draft",
    ),
    Row("DELETE", _CASE + "/materials/999999", {"agent": 404}, default=404, given="draft"),
    Row("POST", _CASE + "/submit", {"agent": 422}, default=404, given="draft", note="the agent's draft is incomplete"),
    Row("POST", _CASE + "/withdraw", {"agent": 200}, default=404, given="draft"),
    Row("POST", _CASE + "/accept", {"agent": 403}, default=404, given="draft"),
    Row("POST", _CASE + "/accept-with-shortfall", {"agent": 403}, default=404, body=_SHORT, given="draft"),
    Row("POST", _CASE + "/request-correction", {"agent": 403}, default=404, body=_CORRECT, given="draft"),
    Row("POST", _CASE + "/refuse", {"agent": 403}, default=404, body=_REFUSE, given="draft"),
    Row("POST", _CASE + "/deliver", {"agent": 403}, default=404, body={"method": "window"}, given="draft"),
    Row("POST", _CASE + "/confirm-receipt", {"agent": 409}, default=404, given="draft"),
    Row("GET", _CASE + "/materials/{material}/file", {"agent": 200}, default=404, given="accepted"),
    Row("GET", _CASE + "/materials/{material}/license", {"agent": 404}, default=404, given="accepted"),
    Row("GET", "/api/v1/tasks/{task}", TASK_READERS_ELSEWHERE, default=403, given="accepted"),
    Row("POST", "/api/v1/tasks/{task}/claim", TASK_READERS_ELSEWHERE, default=403, body={}, given="accepted"),
    Row(
        "POST",
        "/api/v1/tasks/{task}/approve",
        TASK_READERS_ELSEWHERE,
        default=403,
        body={"opinion": "准予"},
        given="accepted",
    ),
    Row(
        "POST",
        "/api/v1/tasks/{task}/reject",
        TASK_READERS_ELSEWHERE,
        default=403,
        body={"opinion": "不予"},
        given="accepted",
    ),
    Row("POST", "/api/v1/tasks/{task}/return", TASK_READERS_ELSEWHERE, default=403, body=_CORRECT, given="accepted"),
    Row(
        "POST",
        "/api/v1/tasks/{task}/suspend",
        TASK_READERS_ELSEWHERE,
        default=403,
        body={"kind": "hearing", "reason": "听证"},
        given="accepted",
    ),
    Row("POST", "/api/v1/tasks/{task}/resume", TASK_READERS_ELSEWHERE, default=403, body={}, given="accepted"),
]

# Licenses: the holder's, the issuer's status changes, public verification.
ROWS += [
    Row("GET", "/api/v1/me/licenses", only(*LOGGED_IN)),
    Row("GET", "/api/v1/licenses/{license}", {"agent": 200}, default=404, given="concluded"),
    Row("GET", "/api/v1/licenses/{license}/document", {"agent": 200}, default=404, given="concluded"),
    Row("GET", "/api/v1/licenses/{license}/pdf", {"agent": 200}, default=404, given="concluded"),
    Row(
        "POST",
        "/api/v1/licenses/{license}/status",
        TASK_READERS_ELSEWHERE,
        note="issuing staff of another city find nothing; everyone else lacks the role",
        body={"action": "revoke", "reason": "测试"},
        given="concluded",
    ),
    Row("GET", "/api/v1/licenses/{license}/verify", only(*SUBJECTS), anonymous=200, given="concluded"),
    Row("POST", "/api/v1/licenses/verify", only(*SUBJECTS), anonymous=200, body={"not": "a license"}),  # 核验未通过
    Row("GET", "/wallet", only(*LOGGED_IN), anonymous=200),
    Row("GET", "/licenses/{license}", {"agent": 200}, default=404, anonymous=200, given="concluded"),
    Row("GET", "/licenses/{license}/pdf", {"agent": 200}, default=404, anonymous=200, given="concluded"),
    Row(
        "POST",
        "/licenses/{license}/status",
        OWNER_CSRF,
        default=404,
        anonymous=200,
        form={"action": "revoke", "reason": "测试"},
        given="concluded",
        note="no CSRF token: the holder is refused for it, everyone else sees no such license",
    ),
    Row("POST", "/verify", {}, default=403, anonymous=403, note="no CSRF token"),
    Row("GET", "/verify/{license}", only(*SUBJECTS), anonymous=200, given="concluded"),
    Row("GET", "/verify/t/{license_token}", only(*SUBJECTS), anonymous=200, given="concluded"),  # the QR code's
    Row("GET", "/api/v1/licenses/verify/{license_token}", only(*SUBJECTS), anonymous=200, given="concluded"),
]

# 好差评: the applicant rates, staff read their region's; the rectification loop.
_RATE = {"level": 5, "scores": {"efficiency": 5, "guide": 5, "convenience": 5, "usability": 5}}
ROWS += [
    Row(
        "POST", _CASE + "/evaluation", {"agent": 409}, default=404, body=_RATE, given="concluded", note="rated already"
    ),
    Row("GET", _CASE + "/evaluations", {"agent": 200}, default=404, given="concluded"),
    Row("GET", "/api/v1/evaluations/{evaluation}", {"agent": 200}, default=404, given="concluded"),
    Row(
        "POST",
        "/api/v1/evaluations/{evaluation}/rerate",
        {"agent": 409},
        default=404,
        body={"level": 3},
        given="concluded",
        note="the agent's bad review is in its rectification: no follow-up rating yet",
    ),
    Row(
        "POST",
        "/api/v1/rectifications/999999/classify",
        {},
        default=404,
        body={"classification": "valid", "note": "属实"},
    ),
    Row(
        "POST", "/api/v1/rectifications/999999/appeal", {}, default=404, body={"decision": "upheld", "opinion": "成立"}
    ),
    Row("POST", "/api/v1/rectifications/999999/rectify", {}, default=404, body={"measures": "已整改"}),
    Row("POST", "/api/v1/rectifications/999999/answer", {}, default=404, body={"answer": "已答复"}),
    Row("GET", "/cases/{case}/evaluation", {"agent": 200}, default=404, anonymous=200, given="concluded"),
    Row(
        "POST",
        "/cases/{case}/evaluation",
        OWNER_CSRF,
        default=404,
        anonymous=200,
        given="concluded",
        note="no CSRF token",
    ),
    Row("GET", "/evaluations", only(*LOGGED_IN), anonymous=200),
    Row("GET", "/evaluations/{evaluation}", {"agent": 200}, default=404, anonymous=200, given="concluded"),
    Row("POST", "/evaluations/{evaluation}/rerate", OWNER_CSRF, default=404, anonymous=200, given="concluded"),
    Row("GET", "/rectifications", only(*LOGGED_IN), anonymous=200),
    Row("GET", "/rectifications/999999", {}, default=404, anonymous=200),
    Row("POST", "/rectifications/999999/rectify", {}, default=404, anonymous=200),
]

# 惠企政策: editors of the issuing department, staff for runs, the enterprise's own people.
_POLICY = "cs_new_business_startup_subsidy"
ROWS += [
    Row(
        "PUT",
        f"/api/v1/policies/{_POLICY}",
        {"dept_head": 422},
        body={"source": "policies: []"},
        note="only its department's head, who may then be told the source is wrong",
    ),
    Row(
        "POST",
        f"/api/v1/policies/{_POLICY}/check",
        {"agent": 200},
        default=404,
        body={"credit_code": "91430202MA4L8Q2R15"},
        note="a Zhuzhou enterprise: its agent, not Changsha's staff",
    ),
    Row("GET", "/api/v1/enterprises/91430202MA4L8Q2R15/policies", {"agent": 200}, default=404),
    Row("GET", "/api/v1/policy-runs", only(*STAFF)),
    Row(
        "POST",
        "/api/v1/policy-runs",
        {"dept_head": 422, "system_admin": 422},
        body={"as_of": "1990-01-01"},
        note="those who may start one are told no policy was in effect then",
    ),
    Row("GET", "/api/v1/policy-runs/999999", dict.fromkeys(STAFF, 404)),
    Row("GET", f"/api/v1/policy-runs/999999/lists/{_POLICY}", {}, default=404),
    Row("POST", f"/api/v1/policy-runs/999999/lists/{_POLICY}/confirm", {}, default=404),
    Row("POST", "/api/v1/policy-matches/999999/remove", {}, default=404, body={"reason": "不符合"}),
    Row("POST", "/api/v1/policy-matches/999999/restore", {}, default=404),
    Row("POST", "/api/v1/payments/999999/paid", {"dept_head": 404}, body={"reference": "T1"}),
    Row("GET", "/my/policies", only(*LOGGED_IN), anonymous=200),
    Row("POST", f"/policies/{_POLICY}/edit", {}, default=403, anonymous=200, note="no CSRF token"),
    Row("GET", f"/policies/{_POLICY}/versions/1", only("approver", "dept_head", "system_admin"), anonymous=200),
    Row("POST", f"/policies/{_POLICY}/check", {}, default=403, anonymous=200, note="no CSRF token"),
    Row("GET", "/policy-runs", only(*STAFF), anonymous=200),
    Row("POST", "/policy-runs", {}, default=403, anonymous=200, note="no CSRF token"),
    Row("GET", "/policy-runs/{run}", only(*STAFF), anonymous=200, given="run"),
    Row("GET", f"/policy-runs/999999/lists/{_POLICY}", {}, default=404, anonymous=200),
    Row("POST", f"/policy-runs/999999/lists/{_POLICY}", {}, default=404, anonymous=200),
]

# Supervision pages.
ROWS += [
    Row("GET", "/supervision", only("supervisor"), anonymous=200),
    Row("GET", "/supervision/warnings", only("window_clerk", "approver", "dept_head", "supervisor"), anonymous=200),
    Row("GET", "/supervision/stats", only("supervisor"), anonymous=200),
    Row("GET", "/supervision/stats/export?format=csv", only("supervisor"), anonymous=200),
]

# Case pages: the applicant's and the window's, on 王磊's case (another city for Changsha's people).
_PAGE = "/cases/{case}"
ROWS += [
    Row("GET", "/cases", only(*LOGGED_IN), anonymous=200),
    Row("POST", "/things/open_restaurant/apply", {}, default=403, anonymous=200, note="no CSRF token"),
    Row("GET", _PAGE, {"agent": 200}, default=404, anonymous=200, given="draft"),
    Row("POST", _PAGE + "/form", OWNER_CSRF, default=404, anonymous=200, given="draft", note="no CSRF token"),
    Row("POST", _PAGE + "/submit", OWNER_CSRF, default=404, anonymous=200, given="draft", note="no CSRF token"),
    Row(
        "POST",
        _PAGE + "/materials",
        OWNER_CSRF,
        default=404,
        anonymous=200,
        form={"material": "lease_contract"},
        given="draft",
    ),
    Row("POST", _PAGE + "/materials/999999/remove", OWNER_CSRF, default=404, anonymous=200, given="draft"),
    Row("GET", _PAGE + "/materials/{material}/file", {"agent": 200}, default=404, anonymous=200, given="accepted"),
    Row("GET", _PAGE + "/materials/{material}/license", {}, default=404, anonymous=200, given="accepted"),
    Row("GET", _PAGE + "/correction-notice.pdf", {"agent": 409}, default=404, anonymous=200, given="accepted"),
    Row("POST", _PAGE + "/confirm-receipt", OWNER_CSRF, default=404, anonymous=200, given="concluded"),
    Row("POST", _PAGE + "/accept", OWNER_CSRF, default=404, anonymous=200, given="draft", note="no CSRF token"),
    Row("POST", _PAGE + "/accept-with-shortfall", OWNER_CSRF, default=404, anonymous=200, given="draft"),
    Row("POST", _PAGE + "/request-correction", OWNER_CSRF, default=404, anonymous=200, given="draft"),
    Row("POST", _PAGE + "/refuse", OWNER_CSRF, default=404, anonymous=200, given="draft"),
    Row("POST", _PAGE + "/deliver", OWNER_CSRF, default=404, anonymous=200, given="draft"),
    Row("GET", "/tasks/{task}", TASK_READERS_ELSEWHERE, default=403, anonymous=200, given="accepted"),
    Row("POST", "/tasks/{task}/approve", TASK_READERS_ELSEWHERE, default=403, anonymous=200, given="accepted"),
    Row("POST", "/progress", {}, default=403, anonymous=403, note="no CSRF token"),
]
