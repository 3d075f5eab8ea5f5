"""Licenses issued + sealed per second and verifications per second, persisted (SQLite and PostgreSQL, one
process), with the SM2 backend named and the raw SM2 rates against `openssl speed sm2` from the same run.
Goal: signing at >= 50 % of OpenSSL's rate."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import licenses_crypto
from common import machine, prepare_db


def measure(url: str, count: int) -> dict[str, Any]:
    """Each license its own transaction (as an approval is); then each verified from the database."""
    from onething.catalog.service import active_catalog
    from onething.identity.principal import ANONYMOUS
    from onething.kit.db import make_engine, session_scope
    from onething.licenses import repository as repo
    from onething.licenses import service

    engine = make_engine(url)
    with session_scope(engine) as session:
        catalog = active_catalog(session)
        org = repo.org_by_code(session, "430202-market_regulation")
        assert org is not None
        session.expunge(org)
    license_type = catalog.license_types["food_business_permit"]
    fields = [
        ("enterprise_name", "企业名称", "长沙荷塘示例餐饮有限公司"),
        ("premises_address", "经营场所", "长沙市荷塘区"),
    ]
    identifiers: list[str] = []
    issue_times: list[float] = []
    started = time.perf_counter()
    for n in range(count):
        t0 = time.perf_counter()
        with session_scope(engine) as session:
            holder = ("enterprise", f"示例企业{n}", "91430202MA4L8Q2R15")
            row = service.issue(session, ANONYMOUS, license_type, session.merge(org), holder, fields)
            identifiers.append(row.identifier)
        issue_times.append(time.perf_counter() - t0)
    issued = time.perf_counter() - started
    started = time.perf_counter()
    with session_scope(engine) as session:
        for ident in identifiers:
            found = repo.by_identifier(session, ident)
            assert found is not None and service.verify_row(session, found).valid
    verified = time.perf_counter() - started
    engine.dispose()
    return {
        "licenses": count,
        "issued_per_s": round(count / issued, 1),
        "issue_median_ms": round(statistics.median(issue_times) * 1000, 2),
        "verified_per_s": round(count / verified, 1),
    }


def main(count: int = 500, pg_url: str | None = None) -> dict[str, Any]:
    crypto = licenses_crypto.main(seconds=2.0)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ONETHING_SEALS_DIR"] = f"{tmp}/seals"
        sqlite = f"sqlite:///{tmp}/bench.db"
        prepare_db(sqlite, ["430202-market_regulation"])
        results["sqlite"] = measure(sqlite, count)
        if pg_url:
            prepare_db(pg_url, ["430202-market_regulation"])
            results["postgresql"] = measure(pg_url, count)
    from onething.kit import sm2

    return {
        "benchmark": "licenses",
        "sm2_backend": sm2.BACKEND,
        **results,
        "sm2": crypto,
        "goal": "SM2 signing >= 50% of openssl speed sm2",
        "machine": machine(),
    }


if __name__ == "__main__":
    import catalog_load

    pg = os.environ.get("ONETHING_BENCH_PG_URL")
    print(
        json.dumps(
            main(pg_url=catalog_load.fresh_pg(pg, "bench_licenses") if pg else None), ensure_ascii=False, indent=2
        )
    )
