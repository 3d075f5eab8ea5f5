"""The reliability mix for locust. FastHttpUser: the load generator shares the two cores with the
server, so it should cost as little as it can. Every user makes one request a second (constant throughput), and
the users are weighted so requests split as guide views and searches 60 %, case drafts, uploads and
submissions 15 %, window acceptances 10 %, department decisions 10 %, ratings and statistics 5 %.

Cases flow through in-process queues (run locust as ONE process): an applicant submits, a clerk
accepts, the five departments claim and approve, the applicant rates the concluded case. When a
queue is empty the staff member reads their inbox instead, as people do. Every request is named
``group:action``; each simulated user gets one bearer token when it starts.

Every sample (time, name, ms, ok) goes to RELIABILITY_SAMPLES (JSON lines) at the end, and every
acknowledged write (2xx create/submit/accept/approve/rate) to RELIABILITY_ACKS, so the fault runs can
look each one up afterwards.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, constant_throughput, events, task

from onething.demo.cases import RESTAURANT, RESTAURANT_ANSWERS, fill_missing, png

PASSWORD = "Demo@2026"
AGENT = "430202198506150138"  # 王磊, agent of 敏记餐饮 (the demo restaurant)
CREDIT_CODE = "91430202MA4L8Q2R15"
CLERK = "ht_clerk"
SUPERVISOR = "ht_supervisor"
APPROVERS = {
    "food_business_permit": "ht_market",
    "public_gathering_fire_check": "ht_fire",
    "drainage_permit": "ht_housing",
    "eia_registration_filing": "ht_ecology",
    "outdoor_signboard_permit": "ht_urban",
}
SEARCHES = ["孩子出生了", "开个饭馆", "退休", "开便利店", "餐饮", "出生", "营业执照", "社保", "开办", "户口"]

submitted: deque[str] = deque()  # waiting for the window
claimable: dict[str, deque[tuple[int, str]]] = {login: deque() for login in APPROVERS.values()}
approvable: dict[str, deque[tuple[int, str]]] = {login: deque() for login in APPROVERS.values()}
pending: dict[str, int] = {}  # case number -> tasks not yet approved
concluded: deque[str] = deque()  # waiting for the applicant's rating
samples: list[tuple[float, str, float, bool]] = []
acks: list[dict[str, Any]] = []
_approvers = itertools.cycle(sorted(APPROVERS.values()))
_things: list[str] = []
_tokens: dict[str, dict[str, str]] = {}  # login -> a token a user of that account got


@events.request.add_listener
def _sample(name: str, response_time: float, exception: Any, **_: Any) -> None:
    samples.append((time.time(), name, response_time, exception is None))


@events.quitting.add_listener
def _dump(**_: Any) -> None:
    for var, rows in (("RELIABILITY_SAMPLES", samples), ("RELIABILITY_ACKS", acks)):
        path = os.environ.get(var)
        if path:
            with Path(path).open("w", encoding="utf-8") as f:
                for row in rows:
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _ack(kind: str, **detail: Any) -> None:
    acks.append({"kind": kind, "at": time.time(), **detail})


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type (FastHttpUser sends bytes as they are)."""
    boundary = f"onething{random.getrandbits(64):016x}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, kind) in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        parts.append(f"{head}Content-Type: {kind}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Base(FastHttpUser):
    abstract = True
    wait_time = constant_throughput(1.0)
    login = ""

    def on_start(self) -> None:
        self.auth: dict[str, str] = {}
        if self.login:
            self.auth = self.token(self.login)

    def token(self, login: str) -> dict[str, str]:
        """One login per simulated user. A refused login (429: the per-address limit counts the whole
        machine as one client) falls back to a token another user of the same account got, and is
        counted: the report shows how many start-up logins were refused."""
        with self.client.post(
            "/api/v1/auth/token", json={"login": login, "password": PASSWORD}, name="login:token", catch_response=True
        ) as r:
            if r.status_code == 201:
                _tokens[login] = {"Authorization": f"Bearer {r.json()['token']}"}
            else:
                r.failure(f"login {login}: {r.status_code}")
            return _tokens.get(login, {})

    def ok(self, method: str, url: str, name: str, expect: int = 200, **kw: Any) -> Any:
        """One request; anything but ``expect`` is a failure (with its body, for the report). A user
        whose start-up login was refused, before any user of its account got a token, waits for one."""
        if self.login and not self.auth:
            self.auth = _tokens.get(self.login) or self.token(self.login)
            if not self.auth:
                return None
        kw.setdefault("headers", self.auth)
        if "params" in kw:
            url = f"{url}?{urlencode(kw.pop('params'))}"
        if "files" in kw:
            body, kind = multipart(kw.pop("data", {}), kw.pop("files"))
            kw["data"], kw["headers"] = body, {**kw["headers"], "Content-Type": kind}
        with self.client.request(method, url, name=name, catch_response=True, **kw) as r:
            if r.status_code != expect:
                r.failure(f"{r.status_code} {r.text[:200]}")
                return None
            return r.json() if r.content and "json" in r.headers.get("content-type", "") else {}


class Reader(Base):
    """Anyone looking for what to do: search, open a thing, generate its guide, open an item."""

    weight = 60

    @task
    def browse(self) -> None:
        if not _things:
            found = self.ok("GET", "/api/v1/things?limit=200", "guide:list")
            _things.extend(t["code"] for t in (found or {}).get("items", []) if "code" in t)
            return
        roll = random.random()
        if roll < 0.3:
            self.ok("GET", "/api/v1/things", "guide:search", params={"q": random.choice(SEARCHES)})
        elif roll < 0.55:
            self.ok("GET", f"/api/v1/things/{random.choice(_things)}", "guide:thing")
        else:
            self.ok(
                "POST", f"/api/v1/things/{RESTAURANT}/guide", "guide:generate", json={"answers": RESTAURANT_ANSWERS}
            )


class Applicant(Base):
    """The restaurant's agent, one request per turn: draft, fill the form, upload each material, submit."""

    weight = 15
    login = AGENT

    def on_start(self) -> None:
        super().on_start()
        self.detail: dict[str, Any] | None = None
        self.uploads: list[str] = []
        self.filled = False
        self.rng = random.Random()

    @task
    def step(self) -> None:
        if self.detail is None:
            body = {"thing": RESTAURANT, "answers": RESTAURANT_ANSWERS, "enterprise": CREDIT_CODE}
            self.detail = self.ok("POST", "/api/v1/cases", "case:create", 201, json=body)
            if self.detail:
                _ack("create", number=self.detail["number"])
                self.uploads = [m["code"] for m in self.detail["needed_materials"] if m["exempt"] != "bundle"]
                self.filled = False
            return
        number = self.detail["number"]
        if not self.filled:
            form = fill_missing(self.detail, self.rng)
            self.filled = self.ok("PUT", f"/api/v1/cases/{number}", "case:fill", json={"form": form}) is not None
        elif self.uploads:
            code = self.uploads.pop()
            files = {"file": (f"{code}.png", png(self.rng.randrange(1 << 24)), "image/png")}
            self.ok(
                "POST", f"/api/v1/cases/{number}/materials", "case:upload", 201, data={"material": code}, files=files
            )
        else:
            if self.ok("POST", f"/api/v1/cases/{number}/submit", "case:submit") is not None:
                _ack("submit", number=number)
                submitted.append(number)
            self.detail = None


class Clerk(Base):
    """The comprehensive window: accept the next submitted case, else look at the inbox."""

    weight = 10
    login = CLERK

    @task
    def step(self) -> None:
        if not submitted:
            self.ok("GET", "/api/v1/cases", "window:inbox", params={"status": "submitted", "limit": 20})
            return
        number = submitted.popleft()
        case = self.ok("POST", f"/api/v1/cases/{number}/accept", "window:accept")
        if case is None:
            return
        _ack("accept", number=number)
        pending[number] = 0
        for t in case["tasks"]:
            login = APPROVERS.get(t["item"])
            if login and t["kind"] == "approval":
                claimable[login].append((t["id"], number))
                pending[number] += 1


class Approver(Base):
    """One department's approver (the five take turns): claim, then approve; else read the inbox."""

    weight = 10

    def on_start(self) -> None:
        self.login = next(_approvers)
        super().on_start()

    @task
    def step(self) -> None:
        if approvable[self.login]:
            task_id, number = approvable[self.login].popleft()
            body = {"opinion": "符合法定条件，准予"}
            if self.ok("POST", f"/api/v1/tasks/{task_id}/approve", "department:approve", json=body) is not None:
                _ack("approve", number=number, task=task_id)
                pending[number] -= 1
                if pending[number] == 0:
                    del pending[number]
                    concluded.append(number)
        elif claimable[self.login]:
            task_id, number = claimable[self.login].popleft()
            if self.ok("POST", f"/api/v1/tasks/{task_id}/claim", "department:claim") is not None:
                approvable[self.login].append((task_id, number))
        else:
            self.ok("GET", "/api/v1/tasks", "department:inbox")


class RaterAndStats(Base):
    """The applicant rates a concluded case; otherwise the supervisor reads the statistics."""

    weight = 5
    login = SUPERVISOR

    def on_start(self) -> None:
        super().on_start()
        self.agent = self.token(AGENT)

    @task
    def step(self) -> None:
        if concluded and (self.agent or _tokens.get(AGENT)):
            self.agent = self.agent or _tokens[AGENT]
            number = concluded.popleft()
            # An online rating scores each of the four online dimensions (evaluations.rules).
            scores = {"efficiency": 5, "guide": 5, "convenience": 5, "usability": 5}
            body = {"level": 5, "scores": scores, "tags": ["一次办成"], "channel": "web"}
            if self.ok("POST", f"/api/v1/cases/{number}/evaluation", "rating:rate", 201, json=body, headers=self.agent):
                _ack("rate", number=number)
        elif random.random() < 0.5:
            self.ok("GET", "/api/v1/stats/cases", "rating:case-stats")
        else:
            self.ok("GET", "/api/v1/stats/evaluations", "rating:evaluation-stats", params={"by": "org"})
