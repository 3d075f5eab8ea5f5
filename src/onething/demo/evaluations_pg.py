"""The PostgreSQL path of the synthetic 好差评 generator: one ``INSERT … SELECT generate_series`` per
chunk with the randomness in SQL, over one connection per core, with the secondary indexes dropped
and rebuilt around a large load. Split from ``demo.evaluations`` (the plan and the portable path)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, text

from onething.demo.evaluations import (
    APPEAL_UPHELD,
    BUCKETS,
    CALLED_BACK,
    CHANNELS,
    CHUNK,
    CLOSES_AFTER_DAYS,
    COLUMNS,
    LEVELS,
    PREFIX,
    RATED_AT_UTC,
    RATED_SHARE,
    RATING_CHANNELS,
    RECTIFIED,
    SERIAL_DIGITS,
    Plan,
    Progress,
    sql_pick,
)
from onething.models import Evaluation

# --- the PostgreSQL path ---------------------------------------------------------------------


def u(k: int) -> str:
    """A uniform in [0, 1) from the serial ``g`` and the k-th derived seed (53 bits of a 64-bit hash)."""
    return f"((hashint8extended(g, :seed * 64 + {k}) & 9007199254740991)::float8 / 9007199254740992.0)"


def pg_insert_sql() -> str:
    rating_channel = " ".join(
        f"WHEN '{ch}' THEN {sql_pick(options, 'x.u_rc')}" for ch, options in RATING_CHANNELS.items()
    )
    return f"""
INSERT INTO evaluations ({", ".join(COLUMNS)})
SELECT NULL, '{PREFIX}' || lpad(x.g::text, {SERIAL_DIGITS}, '0'), 'case',
       CASE WHEN x.channel IN ('window', 'helper') THEN 'in_person' ELSE 'online' END, x.channel,
       r.region_code, r.org_id, NULL, NULL, t.code, t.name, NULL,
       x.day, x.day + {CLOSES_AFTER_DAYS},
       CASE WHEN x.rated THEN 'rated' ELSE 'expired' END,
       CASE WHEN x.rated THEN x.level END,
       x.rated AND x.level <= 2,
       NULL, NULL, NULL,
       CASE WHEN x.rated THEN CASE x.channel {rating_channel} END END,
       true, NULL,
       CASE WHEN x.rated THEN (x.day + time '{RATED_AT_UTC.isoformat()}') AT TIME ZONE 'UTC' END,
       NULL, NULL, NULL,
       x.rated AND x.level <= 2 AND x.u_cb < {CALLED_BACK!r},
       x.rated AND x.level <= 2 AND x.u_ap >= {APPEAL_UPHELD!r} AND x.u_rf < {RECTIFIED!r},
       x.rated AND x.level <= 2 AND x.u_ap < {APPEAL_UPHELD!r},
       :now, :now, 1
FROM (
    SELECT g,
           floor({u(0)} * {BUCKETS})::int AS region_bucket,
           floor({u(1)} * {BUCKETS})::int AS thing_bucket,
           {sql_pick(CHANNELS, u(2))} AS channel,
           :end - 1 - floor({u(3)} * :days)::int AS day,
           {u(4)} < {RATED_SHARE!r} AS rated,
           {sql_pick(LEVELS, u(5))} AS level,
           {u(6)} AS u_rc, {u(7)} AS u_cb, {u(8)} AS u_ap, {u(9)} AS u_rf
    FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
    OFFSET 0
) AS x
JOIN syn_regions AS r ON r.bucket = x.region_bucket
JOIN syn_things AS t ON t.bucket = x.thing_bucket
"""


def pg_lookup_tables(conn: Connection, p: Plan) -> None:
    conn.execute(
        text(
            "CREATE TEMP TABLE syn_regions (bucket int PRIMARY KEY, region_code varchar(12), org_id int) ON COMMIT DROP"
        )
    )
    conn.execute(
        text(
            "CREATE TEMP TABLE syn_things (bucket int PRIMARY KEY, code varchar(60), name varchar(100)) ON COMMIT DROP"
        )
    )
    conn.execute(
        text("INSERT INTO syn_regions VALUES (:b, :r, :o)"),
        [{"b": b, "r": p.places[i].region_code, "o": p.places[i].org_id} for b, i in enumerate(p.region_buckets)],
    )
    conn.execute(
        text("INSERT INTO syn_things VALUES (:b, :c, :n)"),
        [{"b": b, "c": p.things[i][0], "n": p.things[i][1]} for b, i in enumerate(p.thing_buckets)],
    )
    conn.execute(text("ANALYZE syn_regions"))
    conn.execute(text("ANALYZE syn_things"))


def secondary_indexes() -> list[Any]:
    return sorted(Evaluation.metadata.tables["evaluations"].indexes, key=lambda ix: ix.name or "")


def want_rebuild(conn: Connection, count: int, rebuild_indexes: bool | None) -> bool:
    if rebuild_indexes is not None:
        return rebuild_indexes
    existing = float(conn.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'evaluations'::regclass")) or 0)
    return count >= 1_000_000 and count >= existing


def drop_indexes(conn: Connection) -> list[Any]:
    present = set(conn.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'evaluations'")))
    dropped = [ix for ix in secondary_indexes() if ix.name in present]
    for ix in dropped:
        conn.execute(text(f'DROP INDEX "{ix.name}"'))
    return dropped


def create_indexes(conn: Connection, indexes: Sequence[Any]) -> None:
    """Exactly as the model defines them (same names, same columns)."""
    conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
    for ix in indexes:
        ix.create(conn)


def chunks(first: int, count: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + CHUNK, first + count) - 1) for lo in range(first, first + count, CHUNK)]


def pg_fill(
    conn: Connection, p: Plan, chunks: Iterable[tuple[int, int]], params: dict[str, Any], done: Progress
) -> None:
    """Insert the chunks handed out by ``chunks`` on one connection, inside its transaction."""
    conn.execute(text("SET LOCAL work_mem = '256MB'"))
    pg_lookup_tables(conn, p)
    sql = text(pg_insert_sql())
    for lo, hi in chunks:
        conn.execute(sql, {**params, "lo": lo, "hi": hi})
        done(hi - lo + 1)
    conn.execute(text("DROP TABLE syn_regions, syn_things"))


def pg_parallel(
    engine: Engine, p: Plan, chunks: list[tuple[int, int]], params: dict[str, Any], workers: int, done: Progress
) -> None:
    """Chunks shared among ``workers`` connections (the insert is CPU-bound in the server: one
    backend per core). Each worker holds one transaction; they commit only when all succeeded."""
    pending = iter(chunks)
    lock = threading.Lock()
    barrier = threading.Barrier(workers)
    failed = threading.Event()
    errors: list[BaseException] = []

    def handout() -> Iterator[tuple[int, int]]:
        while not failed.is_set():
            with lock:
                chunk = next(pending, None)
            if chunk is None:
                return
            yield chunk

    def locked(n: int) -> None:
        with lock:
            done(n)

    def work() -> None:
        try:
            with engine.connect() as conn:
                tx = conn.begin()
                try:
                    pg_fill(conn, p, handout(), params, locked)
                except BaseException as exc:
                    errors.append(exc)
                    failed.set()
                try:
                    barrier.wait()
                except threading.BrokenBarrierError:
                    failed.set()
                if failed.is_set():
                    tx.rollback()
                else:
                    tx.commit()
        except BaseException as exc:  # no connection, or the commit failed
            errors.append(exc)
            failed.set()
            barrier.abort()

    threads = [threading.Thread(target=work, name=f"evaluations-{i}") for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
