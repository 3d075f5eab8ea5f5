"""Synthetic 好差评 occasions: Hunan's distributions, a rollup that adds up to the facts, and handling
orgs that are the service centre of the row's region or of its county."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.demo.evaluations import CLOSES_AFTER_DAYS, RATED_SHARE, generate
from onething.models import Evaluation, EvaluationDaily, Org, Region
from onething.supervision.rollup import counters
from onething.supervision.rules import COUNTERS

E = Evaluation
END = dt.date(2026, 6, 30)


def _by_channel(result: Sequence[Any]) -> dict[str, dict[str, int]]:
    return {r.channel: {k: int(getattr(r, k) or 0) for k in COUNTERS} for r in result}


def test_generated_occasions_add_up(db: Session) -> None:
    done = generate(db, 2000, seed=7, days=365, end=END)
    assert done["added"]["occasions"] == 2000
    assert done["first_case_number"] == "SYN000000000001"

    rows = db.execute(select(E).where(E.case_number.like("SYN%"))).scalars().all()
    assert len(rows) == 2000
    assert len({r.case_number for r in rows}) == 2000
    assert all(r.case_id is None and r.occasion_key == "case" and len(r.case_number) <= 32 for r in rows)

    rated = [r for r in rows if r.state == "rated"]
    assert {r.state for r in rows} <= {"rated", "expired"}
    assert abs(len(rated) / len(rows) - RATED_SHARE) < 0.04
    assert all(r.level in (1, 2, 3, 4, 5) and r.rating_channel and r.rated_at for r in rated)
    assert all(r.level is None and r.rating_channel is None and not r.bad for r in rows if r.state != "rated")
    assert all(r.bad == (r.level is not None and r.level <= 2) for r in rows)
    assert sum(r.level == 5 for r in rated) > 0.85 * len(rated)
    assert all(END - dt.timedelta(days=365) <= r.concluded_on < END for r in rows)
    assert all(r.closes_on == r.concluded_on + dt.timedelta(days=CLOSES_AFTER_DAYS) for r in rows)
    assert all(r.service_kind == ("in_person" if r.channel in ("window", "helper") else "online") for r in rows)
    assert {r.channel for r in rows} <= {"online", "window", "mobile", "kiosk", "helper"}

    # The rollup sums to what the facts say, in total and per channel.
    D = EvaluationDaily
    facts = db.execute(select(E.channel, *counters()).group_by(E.channel)).all()
    rollup = db.execute(
        select(D.channel, *(func.sum(getattr(D, k)).label(k) for k in COUNTERS)).group_by(D.channel)
    ).all()
    assert _by_channel(facts) == _by_channel(rollup)
    assert sum(c["occasions"] for c in _by_channel(rollup).values()) == 2000
    assert done["table"]["occasions"] == 2000 and done["table"]["rated"] == len(rated)

    # Handling org: the region's service centre, else its county's, else none.
    centres: dict[str, int] = dict(
        db.execute(select(Org.region_code, Org.id).where(Org.kind == "service_center")).all()
    )
    kinds: dict[int, str] = dict(db.execute(select(Org.id, Org.kind)).all())
    levels: dict[str, str] = dict(db.execute(select(Region.code, Region.level)).all())
    assert {levels[r.region_code] for r in rows} <= {"county", "township"}
    for r in rows:
        expected = centres.get(r.region_code, centres.get(r.region_code[:6]))
        assert r.org_id == expected, r.region_code
        if r.org_id is not None:
            assert kinds[r.org_id] == "service_center"
    assert any(r.org_id is not None for r in rows) and any(r.org_id is None for r in rows)

    # A second run continues the serials.
    more = generate(db, 10, seed=8, days=30, end=END)
    assert more["first_case_number"] == "SYN000000002001" and more["last_case_number"] == "SYN000000002010"
    assert db.scalar(select(func.sum(D.occasions))) == 2010
