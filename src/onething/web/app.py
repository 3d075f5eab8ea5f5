"""The ASGI application factory (``uvicorn --factory onething.web.app:create_app``)."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp

import onething
from onething.cases import api as cases_api
from onething.catalog import api as catalog_api
from onething.catalog import service as catalog_service
from onething.catalog.search import index_for
from onething.evaluations import api as evaluations_api
from onething.guide import api as guide_api
from onething.guide.prepared import prepared
from onething.identity import api as identity_api
from onething.identity.deps import current_principal
from onething.identity.login_gate import LoginGate
from onething.identity.providers import configured_oidc
from onething.kit.bodylimit import BodyLimit
from onething.kit.db import engine_for, session_factory
from onething.kit.errors import AppError
from onething.kit.logs import RequestId, configure_logging
from onething.kit.methods import LiteralPaths, literal_methods
from onething.kit.openapi import document_errors
from onething.kit.security import SecurityHeaders
from onething.kit.settings import Settings, get_settings
from onething.kit.textguard import TextGuard
from onething.kit.web import RequestSlots, install_error_handlers, method_not_allowed
from onething.licenses import api as licenses_api
from onething.policies import api as policies_api
from onething.sharing import api as sharing_api
from onething.supervision import api as supervision_api
from onething.supervision.jobs import Runner
from onething.web import account, docs, one_form, pages, system
from onething.web import admin as admin_pages
from onething.web import cases as case_pages
from onething.web import evaluations as evaluation_pages
from onething.web import licenses as license_pages
from onething.web import login as login_page
from onething.web import papers as paper_pages
from onething.web import policies as policy_pages
from onething.web import progress as progress_pages
from onething.web import samples as sample_pages
from onething.web import supervision as supervision_pages
from onething.web import tasks as task_pages
from onething.web import users as user_pages

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


class OneThingApp(FastAPI):
    """FastAPI with the request id and the security headers outside everything else, Starlette's
    error middleware included: a 500 carries them too, and its log record has the request id."""

    hsts_seconds = 0

    def build_middleware_stack(self) -> ASGIApp:
        # The login gate refuses a flooding address before the rest of the stack runs.
        return RequestId(SecurityHeaders(LoginGate(super().build_middleware_stack()), self.hsts_seconds))


def create_app(engine: Engine | None = None) -> FastAPI:
    settings = get_settings()
    configure_logging(settings)  # installs the masking of personal data in every case
    engine = engine or engine_for(settings.database_url, settings.db_pool_size)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _warm_up(app)
        runner = Runner(app.state.sessions, settings.supervision_interval_seconds)
        if settings.supervision_interval_seconds > 0:
            runner.start()  # every process may run it: the job's steps are leased
        yield
        runner.stop()

    app = OneThingApp(
        title="OneThing 一件事一次办",
        version=onething.__version__,
        description='一件事一次办综合服务平台接口。错误统一为 {"error": {"code", "message", "field"}}。',
        lifespan=lifespan,
        docs_url=None,  # web.docs serves /docs from a pinned local swagger-ui
        redoc_url=None,
    )
    app.hsts_seconds = settings.hsts_seconds
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.request_slots = RequestSlots(
        settings.db_request_slots or settings.db_pool_size, settings.db_queue_seconds
    )
    app.state.oidc = configured_oidc(settings)
    install_error_handlers(app, pages.error_page)
    app.mount(docs.SWAGGER_PREFIX, docs.SwaggerFiles(), name="swagger-ui")  # before /static, which would take it
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(docs.router)
    app.include_router(system.router)
    app.include_router(catalog_api.router)
    app.include_router(guide_api.router)
    app.include_router(identity_api.router)
    app.include_router(sharing_api.router)
    app.include_router(cases_api.router)
    app.include_router(licenses_api.router)
    app.include_router(evaluations_api.router)
    app.include_router(policies_api.router)
    app.include_router(supervision_api.router)
    app.include_router(account.router)
    app.include_router(login_page.router)
    app.include_router(paper_pages.router)
    app.include_router(task_pages.router)
    app.include_router(one_form.router)
    app.include_router(case_pages.router)
    app.include_router(license_pages.router)
    app.include_router(evaluation_pages.router)
    app.include_router(policy_pages.router)
    app.include_router(supervision_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(user_pages.router)
    app.include_router(progress_pages.router)
    app.include_router(sample_pages.router)
    app.include_router(pages.router)
    app.add_middleware(TextGuard, html=pages.error_page)  # before BodyLimit, so inside it: bodies arrive bounded
    app.add_middleware(BodyLimit, limit_for=body_limits(settings))
    app.add_middleware(LiteralPaths, methods=lambda: literal_methods(app), refuse=method_not_allowed)
    document_errors(app, login=current_principal)
    return app


MULTIPART_OVERHEAD = 64 * 1024


def body_limits(settings: Settings) -> Callable[[str], int]:
    """The largest body each kind of route may receive: one file, a batch of files, or anything else."""
    one = settings.upload_max_bytes + MULTIPART_OVERHEAD
    batch = settings.upload_max_bytes * settings.upload_batch_max_files + MULTIPART_OVERHEAD

    def limit_for(path: str) -> int:
        if path.endswith("/materials/batch"):
            return batch
        if path.startswith("/cases/") and path.endswith(("/form", "/submit", "/remove")):
            return batch  # the one form carries its file inputs (see web.one_form)
        if path.endswith(("/materials", "/verify")):
            return one
        return settings.request_max_bytes

    return limit_for


def _warm_up(app: Any) -> None:
    """Build the catalog and the search index before the first request needs them."""
    session = app.state.sessions()
    try:
        catalog = catalog_service.active_catalog(session)
        index_for(catalog)
        prepared(catalog)
    except AppError as exc:
        log.warning("warm-up skipped: %s", exc.message)
    except SQLAlchemyError as exc:  # not migrated yet: serve anyway, /healthz will say what is wrong
        log.warning("warm-up skipped, database not ready (run `onething setup`): %s", exc.__class__.__name__)
    finally:
        session.close()
    # The catalog and index live as long as the process: keep the collector from rescanning them.
    gc.collect()
    gc.freeze()
