"""OpenAPI links: which operation's answer feeds which next operation (a case's number, a task's id).

A client reads them to walk a case through its life; schemathesis' stateful phase follows them, so it
drafts a case and then fills, uploads to, submits, accepts and decides that very case, instead of only
guessing numbers that do not exist. Keyed by (method, path, status) of the answer; each link names the
next operation by method and path and says where each of its path parameters comes from.
"""

from __future__ import annotations

from typing import Any

CASE = "$response.body#/number"
SAME_CASE = "$request.path.number"
TASK = "$response.body#/id"
SAME_TASK = "$request.path.task_id"

_CASE_STEPS = {
    "GetCase": ("GET", "/api/v1/cases/{number}"),
    "FillForm": ("PUT", "/api/v1/cases/{number}"),
    "UploadMaterial": ("POST", "/api/v1/cases/{number}/materials"),
    "Submit": ("POST", "/api/v1/cases/{number}/submit"),
    "Withdraw": ("POST", "/api/v1/cases/{number}/withdraw"),
}
_WINDOW_STEPS = {
    "Accept": ("POST", "/api/v1/cases/{number}/accept"),
    "RequestCorrection": ("POST", "/api/v1/cases/{number}/request-correction"),
    "Refuse": ("POST", "/api/v1/cases/{number}/refuse"),
}
_TASK_STEPS = {
    "GetTask": ("GET", "/api/v1/tasks/{task_id}"),
    "Claim": ("POST", "/api/v1/tasks/{task_id}/claim"),
}
_DECISIONS = {
    "Approve": ("POST", "/api/v1/tasks/{task_id}/approve"),
    "Reject": ("POST", "/api/v1/tasks/{task_id}/reject"),
    "Return": ("POST", "/api/v1/tasks/{task_id}/return"),
    "Suspend": ("POST", "/api/v1/tasks/{task_id}/suspend"),
}


def _each(steps: dict[str, tuple[str, str]], parameter: str, source: str) -> dict[str, Any]:
    return {name: (method, path, {parameter: source}) for name, (method, path) in steps.items()}


LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("POST", "/api/v1/cases", "201"): _each(_CASE_STEPS, "number", CASE),
    ("PUT", "/api/v1/cases/{number}", "200"): _each(_CASE_STEPS, "number", CASE),
    ("POST", "/api/v1/cases/{number}/materials", "201"): _each(_CASE_STEPS, "number", SAME_CASE),
    ("POST", "/api/v1/cases/{number}/submit", "200"): _each(_WINDOW_STEPS, "number", CASE),
    ("POST", "/api/v1/cases/{number}/accept", "200"): {
        "GetFirstTask": ("GET", "/api/v1/tasks/{task_id}", {"task_id": "$response.body#/tasks/0/id"}),
        "ClaimFirstTask": ("POST", "/api/v1/tasks/{task_id}/claim", {"task_id": "$response.body#/tasks/0/id"}),
    },
    ("GET", "/api/v1/tasks/{task_id}", "200"): _each(_TASK_STEPS, "task_id", TASK),
    ("POST", "/api/v1/tasks/{task_id}/claim", "200"): _each(_DECISIONS, "task_id", SAME_TASK),
}


def add_links(doc: dict[str, Any]) -> None:
    """Put ``LINKS`` into the document's responses, naming operations by their operationId."""
    ids = {
        (method.upper(), path): op["operationId"]
        for path, ops in doc.get("paths", {}).items()
        for method, op in ops.items()
        if isinstance(op, dict) and "operationId" in op
    }
    for (method, path, status), links in LINKS.items():
        response = doc["paths"][path][method.lower()]["responses"][status]
        response["links"] = {
            name: {"operationId": ids[(m, p)], "parameters": parameters} for name, (m, p, parameters) in links.items()
        }
