"""Re-seal the licenses the history loader copied, as the issuing code would have sealed them.

A copy starts as the template's row under a placeholder identifier, with the template's signed content —
which names the template's identifier, so it no longer says what the row says. Here each copy gets what
``licenses.service.issue`` would have given it on its (moved-back) issue day:

- a serial from its issuer's sequence for its type and issue year (``license_sequences``, numbered on after
  what is already given out, then moved past the copies so later issues never reuse one), set-based in SQL;
- the GB/T 36904 identifier and printed number built from that serial (``licenses.identifier``), and a
  fresh random verification token (``licenses.tokens``);
- its validity end from the license type's validity in the active catalog (``service._valid_until``);
- content built with ``document.Content`` from the row and its issuer, signed over ``document.signed_bytes``
  with the org's seal key from the seals directory (``kit.seals.KeyDirectory``).

Signing is the cost (SM2, ~1,400 a second per core), so id ranges go to a pool of processes, one database
connection each, and every batch is one transaction of ``SELECT`` then ``executemany`` ``UPDATE``.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.util
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from onething.catalog.service import active_catalog
from onething.kit import seals
from onething.licenses import document, identifier, tokens
from onething.licenses.service import _valid_until

BATCH = 2000

# The serial each copy takes: its issuer's sequence for the type and year, numbered on from what is given
# out already, in order of issue.
_SERIALS = """
CREATE UNLOGGED TABLE resign_serials AS
SELECT l.id, l.issuer_org_id AS org_id, l.license_type, extract(year FROM l.issued_on)::int AS year,
       coalesce(q.last, 0) + row_number() OVER (
           PARTITION BY l.issuer_org_id, l.license_type, extract(year FROM l.issued_on)
           ORDER BY l.issued_on, l.id) AS seq
FROM licenses l
LEFT JOIN license_sequences q
       ON q.org_id = l.issuer_org_id AND q.license_type = l.license_type
      AND q.year = extract(year FROM l.issued_on)::int
WHERE l.id BETWEEN :a AND :b
"""
_SEQUENCES = """
INSERT INTO license_sequences (org_id, license_type, year, last)
SELECT org_id, license_type, year, max(seq) FROM resign_serials GROUP BY 1, 2, 3
ON CONFLICT (org_id, license_type, year) DO UPDATE SET last = greatest(license_sequences.last, excluded.last)
"""
_ROWS = """
SELECT l.id, l.license_type, l.type_name, l.holder_kind, l.holder_name, l.holder_code, l.issued_on,
       l.seal_key_id, l.payload -> 'fields', o.code, o.name, o.credit_code, o.region_code, s.year, s.seq
FROM licenses l JOIN resign_serials s ON s.id = l.id JOIN orgs o ON o.id = l.issuer_org_id
WHERE l.id BETWEEN :a AND :b ORDER BY l.id
"""
_UPDATE = """
UPDATE licenses SET identifier = :identifier, verify_token = :verify_token, number = :number,
       valid_until = :valid_until, payload = CAST(:payload AS jsonb), signature = :signature
WHERE id = :id
"""

# One per pool process: its connection, the seal keys it has read, and the license types' rules.
_worker: dict[str, Any] = {}


def license_types(engine: Engine) -> dict[str, tuple[str, int | None]]:
    """Per license type code: its GB/T 36904 type code and validity in years, from the active catalog."""
    with Session(engine) as session:
        catalog = active_catalog(session)
    return {code: (t.type_code, t.validity_years) for code, t in catalog.license_types.items()}


def _init(url: str, seals_dir: str, types: dict[str, tuple[str, int | None]]) -> None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    multiprocessing.util.Finalize(None, engine.dispose, exitpriority=10)  # a clean goodbye, not a reset
    _worker.update(
        engine=engine,
        keys=seals.KeyDirectory(seals_dir),
        signers={},
        types=types,
    )


def _signer(key_id: str) -> seals.Signer:
    signers: dict[str, seals.Signer] = _worker["signers"]
    if key_id not in signers:
        signers[key_id] = _worker["keys"].signer(key_id)
    return signers[key_id]


def sealed(row: Any, types: dict[str, tuple[str, int | None]]) -> dict[str, Any]:
    """The columns ``issue`` would have written for this copy: identifier, token, number, validity, content,
    seal."""
    (lid, code, type_name, holder_kind, holder_name, holder_code, issued_on, key_id, fields) = row[:9]
    org_code, org_name, credit_code, region_code, year, seq = row[9:]
    type_code, years = types[code]
    serial = identifier.serial(year, seq)
    valid_until = _valid_until(issued_on, years)
    content = document.Content(
        identifier=identifier.make(type_code, credit_code, serial),
        number=f"{region_code[:6]}{serial}",
        type_code=code,
        type_name=type_name,
        holder_kind=holder_kind,
        holder_name=holder_name,
        holder_code=holder_code,
        issuer_code=org_code,
        issuer_name=org_name,
        issuer_credit_code=credit_code,
        issued_on=issued_on,
        valid_until=valid_until,
        fields=[tuple(f) for f in fields],
        seal_key_id=key_id,
    ).as_dict()
    signature = _signer(key_id).sign(document.signed_bytes(content))
    return {
        "id": lid,
        "identifier": content["identifier"],
        "verify_token": tokens.new(),
        "number": content["number"],
        "valid_until": valid_until,
        "payload": json.dumps(content, ensure_ascii=False),
        "signature": signature.hex(),
    }


def _batch(bounds: tuple[int, int]) -> int:
    engine: Engine = _worker["engine"]
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL jit = off"))
        rows = conn.execute(text(_ROWS), {"a": bounds[0], "b": bounds[1]}).all()
        values = [sealed(r, _worker["types"]) for r in rows]
        if values:
            conn.execute(text(_UPDATE), values)
    return len(values)


def _serials(conn: Connection, first: int, last: int) -> None:
    conn.execute(text("DROP TABLE IF EXISTS resign_serials"))
    conn.execute(text(_SERIALS), {"a": first, "b": last})
    conn.execute(text("ALTER TABLE resign_serials ADD PRIMARY KEY (id)"))
    conn.execute(text("ANALYZE resign_serials"))
    conn.execute(text(_SEQUENCES))


def resign(
    engine: Engine, first: int, last: int, seals_dir: Path | str, workers: int = 2, progress: bool = False
) -> dict[str, Any]:
    """Re-seal licenses ``first``..``last`` (ids); returns how many and how fast."""
    started = time.perf_counter()
    types = license_types(engine)
    with engine.begin() as conn:
        _serials(conn, first, last)
    url = engine.url.render_as_string(hide_password=False)
    ranges = [(a, min(last, a + BATCH - 1)) for a in range(first, last + 1, BATCH)]
    engine.dispose()  # the pool's processes open their own connections; none is shared across a fork
    done = 0
    pool = multiprocessing.get_context("fork").Pool(workers, _init, (url, str(seals_dir), types))
    try:
        for i, n in enumerate(pool.imap_unordered(_batch, ranges), 1):
            done += n
            if progress and i % 50 == 0:
                print(f"history: {done:,} licenses re-sealed, {time.perf_counter() - started:.0f} s", file=sys.stderr)
        pool.close()  # every batch is in: let the workers finish and close their connections
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE resign_serials"))
    seconds = time.perf_counter() - started
    return {
        "licenses_resigned": done,
        "seconds": round(seconds, 1),
        "per_second": round(done / seconds) if seconds else None,
        "workers": workers,
    }
