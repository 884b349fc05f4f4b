"""The portal assembled: middlewares, static files, error pages and each audience's routes
(units behind signed links, the Office, the Director) around one shared Portal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from domain.clock import Clock
from portal.director_routes import director_routes
from portal.errors import error_pages, too_large
from portal.excel_routes import excel_routes
from portal.forms import FILE_SLOTS
from portal.head_routes import head_routes
from portal.headers import SecurityHeaders
from portal.limits import BodyLimit
from portal.office_routes import login_routes, office_routes
from portal.report_routes import report_routes
from portal.state import Portal
from portal.unit_routes import unit_routes
from services.settings import Settings

STATIC = Path(__file__).with_name("static")


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    portal = Portal(settings, clock)
    api = FastAPI(
        title="cchc portal",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=_warm_first(portal),
    )
    api.state.portal = portal
    _middlewares(api, portal)
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    error_pages(api, portal)
    for router in (
        login_routes(portal),
        office_routes(portal),
        excel_routes(portal),
        director_routes(portal),
        report_routes(portal),
        unit_routes(portal),
        head_routes(portal),
        _plain_routes(),
    ):
        api.include_router(router)
    return api


def _warm_first(portal: Portal) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_api: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(portal.warm)
        yield

    return lifespan


def _middlewares(api: FastAPI, portal: Portal) -> None:
    config = portal.app.settings.portal
    api.add_middleware(
        BodyLimit,
        max_bytes=config.max_upload_bytes * len(FILE_SLOTS) + 1024 * 1024,
        too_large=too_large(portal),
    )
    api.add_middleware(SecurityHeaders)
    if config.trusted_proxies:  # added last, so it runs first: the lock sees the real client
        api.add_middleware(ProxyHeadersMiddleware, trusted_hosts=config.trusted_proxies)


def _plain_routes() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def root() -> RedirectResponse:
        return RedirectResponse("/office")

    @router.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return router


def server_config(api: FastAPI, *, host: str, port: int, log_level: str = "info") -> Any:
    """How the portal is served: forwarded headers are the app's business (believed only from
    CCHC_PORTAL__TRUSTED_PROXIES), never uvicorn's default of trusting 127.0.0.1."""
    import uvicorn

    return uvicorn.Config(
        api, host=host, port=port, log_level=log_level, proxy_headers=False, server_header=False
    )
