"""The periodic supervision job. Each step runs in its own transaction under a lease (a row in
``job_leases`` taken with one conditional UPDATE), so several app processes or machines may all run
the job: one of them does each step, the others skip it; a holder that dies loses the lease when it
expires. The steps are also idempotent on their own, so a step run twice changes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from onething.cases import department
from onething.catalog.holidays import calendar
from onething.evaluations import service as evaluations
from onething.kit import clock
from onething.kit.clock import now
from onething.kit.db import insert_ignoring
from onething.kit.settings import get_settings
from onething.models import JobLease
from onething.outbox.dispatch import deliver
from onething.outbox.senders import Sender, sender_for
from onething.policies import claims
from onething.supervision import rollup, scan

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)
OVERLAP = dt.timedelta(minutes=10)  # re-read changes this recent: ids and stamps are given before commit
ENROL_BATCH = 20_000


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def acquire(sessions: Callable[[], Session], name: str, holder: str, ttl: dt.timedelta = LEASE) -> bool:
    with sessions() as session, session.begin():
        session.execute(insert_ignoring(session, JobLease).values(name=name))
        at = now()
        stmt = (
            update(JobLease)
            .where(
                JobLease.name == name,
                or_(JobLease.holder.is_(None), JobLease.expires_at < at, JobLease.holder == holder),
            )
            .values(holder=holder, expires_at=at + ttl)
            .returning(JobLease.name)
        )
        return session.execute(stmt).scalar() is not None


class LeaseLost(RuntimeError):
    """The lease ran out while the step worked and another process may have taken it: the step's work
    is rolled back (the other holder redoes it)."""


def release(session: Session, name: str, holder: str, watermark: dict[str, Any] | None = None) -> None:
    values: dict[str, Any] = {"holder": None, "expires_at": None, "last_run_at": now()}
    if watermark is not None:
        values["watermark"] = watermark
    stmt = (
        update(JobLease)
        .where(JobLease.name == name, JobLease.holder == holder, JobLease.expires_at >= now())
        .values(**values)
        .returning(JobLease.name)
    )
    if session.execute(stmt).scalar() is None:
        raise LeaseLost(name)


def _free(session: Session, name: str, holder: str) -> None:
    stmt = update(JobLease).where(JobLease.name == name, JobLease.holder == holder)
    session.execute(stmt.values(holder=None, expires_at=None))


def _watermark(session: Session, name: str) -> dict[str, Any]:
    return session.scalar(select(JobLease.watermark).where(JobLease.name == name)) or {}


@dataclass
class TickReport:
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _step(
    sessions: Callable[[], Session],
    report: TickReport,
    name: str,
    holder: str,
    work: Callable[[Session, dict[str, Any]], tuple[int, dict[str, Any] | None]],
) -> None:
    """Run ``work`` under the lease ``name``: its changes and the lease's release (with the new
    watermark) commit together, so a crash leaves the old watermark and the step is simply redone."""
    if not acquire(sessions, name, holder):
        report.skipped.append(name)
        return
    try:
        with sessions() as session, session.begin():
            count, mark = work(session, _watermark(session, name))
            release(session, name, holder, mark)
    except Exception:
        with sessions() as session, session.begin():
            _free(session, name, holder)
        raise
    report.ran.append(name)
    report.counts[name] = count


def _as_of(
    day: dt.date, work: Callable[[Session, dict[str, Any]], tuple[int, dict[str, Any] | None]]
) -> Callable[[Session, dict[str, Any]], tuple[int, dict[str, Any] | None]]:
    """The step's work runs on ``day``; its lease keeps real time, so a run "as of" another day
    never hands out a lease that has already expired."""

    def run(session: Session, mark: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        with clock.pinned(day):
            return work(session, mark)

    return run


def tick(sessions: Callable[[], Session], today: dt.date | None = None, sender: Sender | None = None) -> TickReport:
    """One pass of every step; ``today`` defaults to the local date."""
    settings = get_settings()
    day = today or clock.today()
    holder = holder_name()
    report = TickReport()

    def enrol(session: Session, mark: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        # One bounded batch a tick: a backlog (first run after an upgrade) drains over several ticks.
        n, after = evaluations.enrol(session, int(mark.get("after_event", 0)), now() - OVERLAP, ENROL_BATCH)
        return n, {"after_event": after}

    def lapse(session: Session, mark: dict[str, Any]) -> tuple[int, None]:
        return evaluations.expire(session, day), None

    def reproject(session: Session, mark: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        n, last = department.reproject_stopped(session, int(mark.get("after_case", 0)))
        return n, {"after_case": last}

    def warn(session: Session, mark: dict[str, Any]) -> tuple[int, None]:
        result = scan.scan(
            session, calendar(session), day, settings.warning_yellow_days, settings.rectification_yellow_days
        )
        return result.raised, None

    def settle(session: Session, mark: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        n, after = claims.settle(session, int(mark.get("after_event", 0)), now() - OVERLAP)
        return n, {"after_event": after}

    def refresh(session: Session, mark: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        since = dt.datetime.fromisoformat(mark["since"]) if "since" in mark else None
        days, seen = rollup.refresh(session, since)
        start = (seen or since or now()) - OVERLAP
        return days, {"since": start.isoformat()}

    for name, work in (
        ("evaluations.enrol", enrol),
        ("evaluations.expire", lapse),
        ("cases.reproject", reproject),
        ("supervision.scan", warn),
        ("policies.settle", settle),
    ):
        _step(sessions, report, name, holder, _as_of(day, work))
    # Not under a lease: SKIP LOCKED shares these between processes row by row.
    with sessions() as session, session.begin():
        report.counts["supervision.announce"] = scan.announce(session)
    _step(sessions, report, "evaluations.rollup", holder, refresh)
    delivered = deliver(sessions, sender or sender_for(settings))
    report.counts["outbox.sent"] = delivered.sent
    return report


class Runner:
    """Runs ``tick`` every ``interval`` seconds in a daemon thread (started by the app, or by
    ``onething supervise``); errors are logged and the next tick tries again."""

    def __init__(self, sessions: Callable[[], Session], interval: float) -> None:
        self.sessions = sessions
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="onething-supervision", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                tick(self.sessions)
            except Exception:
                log.exception("supervision tick failed")
