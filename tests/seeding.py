"""One database prepared the way every test expects: migrated, the seed catalog active, the demo's
orgs, accounts, policies and seals. Shared by the per-test fixtures and the browser tests' server."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from onething.catalog.service import active_catalog, load
from onething.demo.policies import policy_orgs
from onething.demo.seed import seed_accounts, seed_orgs
from onething.kit.db import session_scope
from onething.kit.migrate import upgrade
from onething.licenses.service import init_seals
from onething.policies.service import load_files as load_policies

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "catalog"
MINI = ROOT / "tests" / "fixtures" / "catalog"


def prepare(engine: Engine) -> None:
    upgrade(engine)
    with session_scope(engine) as session:
        load(session, SEED)
    with session_scope(engine) as session:
        catalog = active_catalog(session)
        seed_orgs(session, catalog)
        load_policies(session, ROOT / "policies")
        policy_orgs(session, catalog)
        seed_accounts(session)
        init_seals(session, catalog)
