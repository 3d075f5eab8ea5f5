"""Synthetic 好差评 occasions at the scale of a province (湖南省: 21,326,808 occasions collected,
16,792,330 of them actually rated), for demos and benchmarks.

Every row stands for a concluded case imported from another business system: ``case_id`` NULL,
``case_number`` ``SYN`` + a zero-padded serial, ``occasion_key`` ``case``. The distributions follow
Hunan's published figures:

* 78.74 % of occasions are rated (``state="rated"``), the rest ``expired``;
* of the ratings 99.99 % are good (levels 5 / 4 / 3 ≈ 90 / 8 / 1.99 %) and 0.01 % bad (levels 1–2);
* of the bad ones: all real-name, 99 % called back, ~2 % appeals upheld, 99 % of the rest rectified;
* service channel online / window / mobile / kiosk / helper = 45 / 35 / 15 / 3 / 2 %;
* the serving region is a county or township, weighted by a fixed pseudo-population (the capital
  Changsha heaviest); the handling org is that region's service centre, else its county's, else none;
* the occasion day is uniform over the ``days`` days before ``end``; ``closes_on`` is 14 days later.

On PostgreSQL the rows are made by the server (``INSERT … SELECT … FROM generate_series``, one
statement per two million rows, shared among one connection per core; the randomness is a hash of
the serial and the seed, so a run is reproducible), with the table's secondary indexes dropped and
rebuilt around a large load. Elsewhere (SQLite) rows are made in Python and inserted in batches of
10,000: fine up to about a million. Afterwards the daily rollup (``evaluation_daily``) is rebuilt
and the planner's statistics (ANALYZE) refreshed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session

from onething.kit import clock
from onething.models import Evaluation, EvaluationDaily, Org, Region
from onething.supervision import rollup
from onething.supervision.rules import COUNTERS

Progress = Callable[[int], None]

RATED_SHARE = 0.7874
# Levels of a rating, cumulative: 1–2 bad (0.01 %), 3 / 4 / 5 ≈ 1.99 / 8 / 90 %.
LEVELS = ((1, 0.00004), (2, 0.0001), (3, 0.02), (4, 0.10), (5, 1.0))
CHANNELS = (("online", 0.45), ("window", 0.80), ("mobile", 0.95), ("kiosk", 0.98), ("helper", 1.0))
IN_PERSON = frozenset({"window", "helper"})
# How an occasion of each service channel is rated, cumulative.
RATING_CHANNELS = {
    "online": (("web", 0.70), ("mobile", 0.98), ("hotline", 1.0)),
    "mobile": (("mobile", 0.98), ("hotline", 1.0)),
    "kiosk": (("kiosk", 0.95), ("hotline", 1.0)),
    "window": (("pad", 0.85), ("mobile", 0.98), ("hotline", 1.0)),
    "helper": (("pad", 0.85), ("mobile", 0.98), ("hotline", 1.0)),
}
CALLED_BACK = 0.99
APPEAL_UPHELD = 0.02
RECTIFIED = 0.99
CLOSES_AFTER_DAYS = 14
RATED_AT_UTC = dt.time(4, 0)  # noon in Beijing

# Resident population of each city in units of 10,000 (rounded 2020 census figures); the capital
# serves more than its share (enterprises, provincial matters), so Changsha counts one and a half.
CITY_POPULATION = {
    "4301": 1005 * 1.5,
    "4302": 390,
    "4303": 273,
    "4304": 665,
    "4305": 657,
    "4306": 505,
    "4307": 528,
    "4308": 152,
    "4309": 385,
    "4310": 467,
    "4311": 529,
    "4312": 459,
    "4313": 383,
    "4331": 249,
}
TOWNSHIP_SHARE = 0.3  # of a county's occasions served by its townships' centres, when it has any
BUCKETS = 10_000  # regions and things are drawn through tables of this many equally likely buckets
CHUNK = 2_000_000
BATCH = 10_000
SERIAL_DIGITS = 12
PREFIX = "SYN"

# Used when no catalog is loaded: plausible 一件事 codes.
FALLBACK_THINGS = (
    ("newborn_birth", "新生儿出生"),
    ("social_security_card_service", "社会保障卡居民服务"),
    ("enterprise_startup", "企业开办"),
    ("school_enrollment", "教育入学"),
    ("retirement", "退休"),
    ("employment_entrepreneurship", "就业创业"),
    ("buy_house_settle", "买房落户"),
    ("second_hand_house_transfer", "二手房转移登记及水电气网过户"),
    ("marriage_childbirth", "结婚生育"),
    ("enterprise_info_change", "企业信息变更"),
    ("open_restaurant", "开办餐饮店"),
    ("utility_joint_connection", "水电气网联合报装"),
    ("after_death", "身后"),
    ("disability_service", "残疾人服务"),
    ("veteran_service", "退役军人服务"),
    ("enterprise_deregistration", "经营主体注销登记"),
    ("open_convenience_store", "开便利店"),
    ("open_pharmacy", "开药店"),
    ("credit_repair", "信用修复"),
    ("teacher_qualification", "教师资格认定"),
    ("work_injury", "工伤认定"),
    ("student_financial_aid", "家庭困难学生资助"),
    ("rural_house_building", "农村村民建房"),
    ("open_homestay", "开办民宿"),
    ("open_transport_company", "开办运输企业"),
    ("bankruptcy_info_check", "企业破产信息核查"),
    ("social_investment_industrial_project", "社会投资一般工业项目审批"),
    ("medical_insurance_transfer", "医保关系转移接续"),
    ("motor_vehicle_registration", "机动车登记"),
    ("housing_fund_withdrawal", "住房公积金提取"),
)

COLUMNS = (
    "case_id",
    "case_number",
    "occasion_key",
    "service_kind",
    "channel",
    "region_code",
    "org_id",
    "window_id",
    "clerk_id",
    "thing_code",
    "thing_name",
    "applicant_code",
    "concluded_on",
    "closes_on",
    "state",
    "level",
    "bad",
    "scores",
    "tags",
    "comment",
    "rating_channel",
    "real_name",
    "rater_id",
    "rated_at",
    "rerate_level",
    "rerate_comment",
    "rerated_at",
    "called_back",
    "rectified",
    "appeal_upheld",
    "created_at",
    "updated_at",
    "version",
)


@dataclass(frozen=True, slots=True)
class Place:
    region_code: str
    org_id: int | None
    weight: float


@dataclass(frozen=True, slots=True)
class Plan:
    places: tuple[Place, ...]
    things: tuple[tuple[str, str, float], ...]  # code, name, weight
    region_buckets: tuple[int, ...]  # BUCKETS entries: index into places
    thing_buckets: tuple[int, ...]  # BUCKETS entries: index into things


def _jitter(code: str) -> float:
    """A fixed factor in [0.6, 1.4) per region code: counties of one city are not all alike."""
    digest = hashlib.blake2b(code.encode(), digest_size=4).digest()
    return 0.6 + 0.8 * int.from_bytes(digest, "big") / 2**32


def places(session: Session) -> list[Place]:
    """Every county and township with its weight and handling org (its own service centre, else its
    county's, else none)."""
    regions = session.execute(
        select(Region.code, Region.level, Region.parent_code).where(Region.level.in_(("county", "township")))
    ).all()
    if not regions:
        raise LookupError("没有县级区划：请先载入目录（onething catalog load）")
    centres = dict(
        session.execute(
            select(Org.region_code, func.min(Org.id)).where(Org.kind == "service_center").group_by(Org.region_code)
        ).all()
    )
    counties = {code: parent for code, level, parent in regions if level == "county"}
    townships: dict[str, list[str]] = {}
    for code, level, parent in regions:
        if level == "township" and parent in counties:
            townships.setdefault(parent, []).append(code)
    per_city: dict[str, int] = {}
    for code in counties:
        per_city[code[:4]] = per_city.get(code[:4], 0) + 1
    out: list[Place] = []
    for code in sorted(counties):
        city = CITY_POPULATION.get(code[:4], 300.0)
        urban = 1.5 if code[4:6] < "20" else 1.0  # 市辖区 (01–19) serve more than counties
        weight = city / per_city[code[:4]] * urban * _jitter(code)
        below = sorted(townships.get(code, []))
        own = weight * (1 - TOWNSHIP_SHARE) if below else weight
        out.append(Place(code, centres.get(code), own))
        for t in below:
            out.append(Place(t, centres.get(t, centres.get(code)), weight * TOWNSHIP_SHARE / len(below)))
    return out


def things(session: Session) -> list[tuple[str, str]]:
    """The active catalog's things, else a fixed list."""
    from onething.catalog.service import active_catalog
    from onething.kit.errors import AppError

    try:
        catalog = active_catalog(session)
    except AppError:
        return list(FALLBACK_THINGS)
    found = [(t.code, t.spec.name) for t in catalog.things.values()]
    return found or list(FALLBACK_THINGS)


def _buckets(weights: Sequence[float]) -> tuple[int, ...]:
    """BUCKETS entries, entry i the index whose cumulative share holds (i + 0.5) / BUCKETS."""
    total = sum(weights)
    cumulative = list(itertools.accumulate(w / total for w in weights))
    last = len(weights) - 1
    return tuple(min(bisect.bisect_right(cumulative, (i + 0.5) / BUCKETS), last) for i in range(BUCKETS))


def plan(session: Session) -> Plan:
    where = places(session)
    named = things(session)
    # Zipf-like: a few things make most of the volume.
    weighted = tuple((code, name, 1.0 / (rank + 1) ** 0.8) for rank, (code, name) in enumerate(named))
    return Plan(
        tuple(where),
        weighted,
        _buckets([p.weight for p in where]),
        _buckets([w for _c, _n, w in weighted]),
    )


def _pick(cumulative: Sequence[tuple[Any, float]], u: float) -> Any:
    for value, upper in cumulative:
        if u < upper:
            return value
    return cumulative[-1][0]


def sql_pick(cumulative: Sequence[tuple[Any, float]], u: str) -> str:
    """The same choice as ``_pick`` as a SQL CASE over the uniform ``u``."""
    whens = " ".join(f"WHEN {u} < {upper!r} THEN {_literal(value)}" for value, upper in cumulative[:-1])
    return f"CASE {whens} ELSE {_literal(cumulative[-1][0])} END"


def _literal(value: Any) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


def _serial_start(conn: Connection) -> int:
    E = Evaluation
    top = conn.scalar(select(func.max(E.case_number)).where(E.case_number >= PREFIX, E.case_number < "SYO"))
    if top is None:
        return 1
    try:
        return int(top[len(PREFIX) :]) + 1
    except ValueError:
        return int(conn.scalar(select(func.count()).select_from(E)) or 0) + 1


def _case_number(serial: int) -> str:
    return f"{PREFIX}{serial:0{SERIAL_DIGITS}d}"


# --- the Python path -------------------------------------------------------------------------


def _rows(
    p: Plan, first: int, count: int, seed: int, end: dt.date, days: int, now: dt.datetime
) -> Iterator[dict[str, Any]]:
    rnd = random.Random(seed)
    for serial in range(first, first + count):
        place = p.places[p.region_buckets[int(rnd.random() * BUCKETS)]]
        code, name, _w = p.things[p.thing_buckets[int(rnd.random() * BUCKETS)]]
        channel = _pick(CHANNELS, rnd.random())
        day = end - dt.timedelta(days=1 + int(rnd.random() * days))
        rated = rnd.random() < RATED_SHARE
        level = _pick(LEVELS, rnd.random())
        rating_channel = _pick(RATING_CHANNELS[channel], rnd.random())
        u_callback, u_appeal, u_rectify = rnd.random(), rnd.random(), rnd.random()
        bad = rated and level <= 2
        upheld = bad and u_appeal < APPEAL_UPHELD
        yield {
            "case_id": None,
            "case_number": _case_number(serial),
            "occasion_key": "case",
            "service_kind": "in_person" if channel in IN_PERSON else "online",
            "channel": channel,
            "region_code": place.region_code,
            "org_id": place.org_id,
            "window_id": None,
            "clerk_id": None,
            "thing_code": code,
            "thing_name": name,
            "applicant_code": None,
            "concluded_on": day,
            "closes_on": day + dt.timedelta(days=CLOSES_AFTER_DAYS),
            "state": "rated" if rated else "expired",
            "level": level if rated else None,
            "bad": bad,
            "scores": None,
            "tags": None,
            "comment": None,
            "rating_channel": rating_channel if rated else None,
            "real_name": True,
            "rater_id": None,
            "rated_at": dt.datetime.combine(day, RATED_AT_UTC, dt.UTC) if rated else None,
            "rerate_level": None,
            "rerate_comment": None,
            "rerated_at": None,
            "called_back": bad and u_callback < CALLED_BACK,
            "rectified": bad and not upheld and u_rectify < RECTIFIED,
            "appeal_upheld": upheld,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }


def _insert_batches(conn: Connection, rows: Iterator[dict[str, Any]], progress: Progress | None) -> dict[str, int]:
    counts = {"occasions": 0, "rated": 0, "bad": 0}
    table = Evaluation.metadata.tables["evaluations"]
    while batch := list(itertools.islice(rows, BATCH)):
        conn.execute(table.insert(), batch)
        counts["occasions"] += len(batch)
        counts["rated"] += sum(r["state"] == "rated" for r in batch)
        counts["bad"] += sum(r["bad"] for r in batch)
        if progress:
            progress(len(batch))
    return counts


# --- the entry point -------------------------------------------------------------------------


def _totals(session: Session) -> dict[str, int]:
    D = EvaluationDaily
    row = session.execute(select(*(func.coalesce(func.sum(getattr(D, k)), 0) for k in COUNTERS))).one()
    return {k: int(v) for k, v in zip(COUNTERS, row, strict=True)}


def _finish(session: Session, postgres: bool, seconds: dict[str, float]) -> dict[str, Any]:
    """Rebuild the rollup and read the table's totals back from it."""
    t0 = time.perf_counter()
    if postgres:
        session.execute(text("SET LOCAL work_mem = '256MB'"))
    rollup.rebuild(session)
    if postgres:
        session.execute(text("ANALYZE evaluation_daily"))
    seconds["rollup"] = time.perf_counter() - t0
    return {
        "table": _totals(session),
        "daily_rows": int(session.scalar(select(func.count()).select_from(EvaluationDaily)) or 0),
    }


def generate(
    engine_or_session: Engine | Session,
    count: int,
    *,
    seed: int = 0,
    days: int = 1095,
    end: dt.date | None = None,
    progress: Progress | None = None,
    rebuild_indexes: bool | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Add ``count`` synthetic occasions and rebuild the daily rollup.

    ``count`` is the number of occasions (服务量, what Hunan calls the collected records, 汇集数据),
    rated or not: 78.74 % of them come out rated. Hunan's 21,326,808 collected records are
    ``count=21_326_808``, of which about 16.79 M are rated (Hunan: 16,792,330).

    ``engine_or_session``: with a Session everything happens inside the caller's transaction and
    nothing is committed. With an Engine the work is committed; on PostgreSQL the chunks are shared
    among ``workers`` connections (default: one per core, at most 4), and the table is VACUUMed
    (hint bits, visibility map) and ANALYZEd before the rollup is rebuilt.
    ``rebuild_indexes`` (PostgreSQL only): drop the table's secondary indexes before the load and
    build them again after it, exactly as the model defines them; by default when adding at least a
    million rows and at least as many as the table holds.

    Returns what was added, the table's totals after the rebuild, and the seconds of each phase.
    """
    from onething.demo import evaluations_pg as pg  # the fast path imports this module's plan

    if count < 0:
        raise ValueError("count must not be negative")
    end = end or clock.today()
    now = clock.now()
    params: dict[str, Any] = {"seed": seed, "end": end, "days": days, "now": now}
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    tick: Progress = progress or (lambda _n: None)
    added: dict[str, int] = {"occasions": count}
    dropped: list[Any] = []

    if isinstance(engine_or_session, Session):
        session = engine_or_session
        conn = session.connection()
        postgres = conn.dialect.name == "postgresql"
        p = plan(session)
        first = _serial_start(conn)
        t0 = time.perf_counter()
        if postgres:
            dropped = pg.drop_indexes(conn) if pg.want_rebuild(conn, count, rebuild_indexes) else []
            pg.pg_fill(conn, p, pg.chunks(first, count), params, tick)
            seconds["insert"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            pg.create_indexes(conn, dropped)
            seconds["indexes"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            session.execute(text("ANALYZE evaluations"))
            seconds["analyze"] = time.perf_counter() - t0
        else:
            added = _insert_batches(conn, _rows(p, first, count, seed, end, days, now), tick)
            seconds["insert"] = time.perf_counter() - t0
        summary = _finish(session, postgres, seconds)
    else:
        engine = engine_or_session
        postgres = engine.dialect.name == "postgresql"
        with Session(engine) as session:
            conn = session.connection()
            p = plan(session)
            first = _serial_start(conn)
            if not postgres:
                t0 = time.perf_counter()
                added = _insert_batches(conn, _rows(p, first, count, seed, end, days, now), tick)
                seconds["insert"] = time.perf_counter() - t0
                session.commit()
        if postgres:
            chunks = pg.chunks(first, count)
            workers = max(1, min(workers or os.cpu_count() or 1, 4, len(chunks) or 1))
            with engine.begin() as conn:
                dropped = pg.drop_indexes(conn) if pg.want_rebuild(conn, count, rebuild_indexes) else []
            t0 = time.perf_counter()
            try:
                pg.pg_parallel(engine, p, chunks, params, workers, tick)
                seconds["insert"] = time.perf_counter() - t0
            finally:
                t0 = time.perf_counter()
                with engine.begin() as conn:
                    pg.create_indexes(conn, dropped)
                seconds["indexes"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
                auto.execute(text("VACUUM ANALYZE evaluations"))
            seconds["vacuum_analyze"] = time.perf_counter() - t0
        with Session(engine) as session:
            summary = _finish(session, postgres, seconds)
            session.commit()
    seconds["total"] = time.perf_counter() - started
    return {
        "path": "postgresql" if postgres else "batched",
        "added": added,
        "first_case_number": _case_number(first) if count else None,
        "last_case_number": _case_number(first + count - 1) if count else None,
        **summary,
        "indexes_rebuilt": [ix.name for ix in dropped],
        "workers": workers if postgres and not isinstance(engine_or_session, Session) else 1,
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }
