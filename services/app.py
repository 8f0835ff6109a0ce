"""One FastAPI application for one process: the three services embedded, or a single service.

Both ways serve the same paths. The lifespan starts the process's workers (consumers, relay,
periodic jobs) and stops them cleanly on shutdown. When the front end is built (`web/dist`, or
`WEB_DIST`), the same process serves the pages too (`mount_pages`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import logging as ctx
from shared.auth import TOKEN_URL
from shared.eventbus.port import EventBus, Worker
from shared.http import BodyLimitMiddleware, document_errors, error_body, install_error_handlers, mount
from shared.metrics import REGISTRY, http_requests, runtime_registry
from shared.runtime import ServiceRuntime, WorkerSet
from shared.sessions import SessionGuard


def process_workers(runtimes: list[ServiceRuntime], bus: EventBus, engines: list[Engine]) -> list[Worker]:
    workers: list[Worker] = [bus.consumer(spec) for rt in runtimes for spec in rt.consumers]
    for engine in engines:
        relay = bus.relay(engine)
        if relay is not None:
            workers.append(relay)
    for rt in runtimes:
        workers.extend(rt.workers)
    return workers


# On every answer. Pages: scripts only from this origin (Vite's build has no inline script); styles
# keep 'unsafe-inline' because ECharts writes its tooltips as HTML with style attributes. API answers
# are data, never a document: nothing may load or frame them. The OpenAPI pages (/docs, /redoc) load
# Swagger UI and ReDoc from their CDN with an inline script, so they get no CSP (not routed by the gateway).
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
            "font-src 'self' data:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_PATHS = ("/docs", "/redoc")
# Metrics labels come from a fixed set: a made-up method or an unknown path must not add series.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def secure(headers: MutableHeaders, path: str) -> None:
    """The security headers, unless the route set its own (an attachment's)."""
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if path.startswith(DOCS_PATHS):
        return
    page = headers.get("content-type", "").startswith("text/html")
    headers.setdefault("Content-Security-Policy", PAGE_CSP if page else API_CSP)


def metric_labels(scope: Scope) -> tuple[str, str]:
    """(method, route): OTHER for a method HTTP does not define, "unmatched" for a path no route has."""
    method = scope["method"] if scope["method"] in HTTP_METHODS else "OTHER"
    route = scope.get("route")
    return method, getattr(route, "path", None) or "unmatched"


class RequestContext:
    """Around every HTTP request: its correlation id (the caller's X-Correlation-ID or a new one) in the
    logging context and on the answer, the security headers, and its duration in `http_request_seconds`.

    A plain ASGI middleware: it only looks at the answer's first message, where Starlette's
    `@app.middleware("http")` would run the rest of the app in a task of its own and stream the body
    through a queue, which cost as much time as the rest of a /healthz answer (bench/ceiling.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cid = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"x-correlation-id"),
                   None) or str(uuid.uuid4())
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["x-correlation-id"] = cid
                secure(headers, scope["path"])
            await send(message)

        token = ctx.correlation_id.set(cid)
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            ctx.correlation_id.reset(token)
        method, route = metric_labels(scope)
        http_requests.labels(method=method, route=route, status=str(status)).observe(time.perf_counter() - started)


def create_app(runtimes: list[ServiceRuntime], bus: EventBus, engines: list[Engine], *,
               max_body_bytes: int = 256 * 1024, start_workers: bool = True, title: str | None = None,
               web_dist: Path | None = None, expose_docs: bool = True, expose_metrics: bool = True) -> FastAPI:
    """`expose_docs` / `expose_metrics` (EXPOSE_DOCS, EXPOSE_METRICS): serve /docs, /redoc, /openapi.json
    and /metrics on this port, or answer 404 there."""
    names = "+".join(rt.name for rt in runtimes)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        workers = WorkerSet(process_workers(runtimes, bus, engines) if start_workers else [])
        if start_workers:
            for rt in runtimes:
                rt.warm_up()  # before the first request and the first event (readyz answers after)
        bus.ensure_topics()
        bus.ensure_topics([topic for rt in runtimes for topic in rt.topics()])
        workers.start()
        try:
            yield
        finally:
            workers.stop()
            bus.close()

    app = FastAPI(title=title or f"合川区生态环境投诉处理 ({names})", version="0.1.0", lifespan=lifespan,
                  docs_url="/docs" if expose_docs else None, redoc_url="/redoc" if expose_docs else None,
                  openapi_url="/openapi.json" if expose_docs else None)
    app.state.sessions = SessionGuard(engines)  # ended sessions refuse their tokens (shared/sessions.py)
    install_error_handlers(app)
    document_errors(app)  # the OpenAPI document lists each operation's error answers
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes, form_paths=(TOKEN_URL,),
                       media_types={path: types for rt in runtimes for path, types in rt.media_types.items()},
                       limits={path: limit for rt in runtimes for path, limit in rt.body_limits.items()})

    app.add_middleware(RequestContext)

    # The probes first: a router tries routes in order, and a probe should not wait for every API path.
    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "services": names}

    @app.get("/readyz", tags=["ops"])
    def readyz() -> JSONResponse:
        problems = []
        for engine in engines:
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            except Exception as exc:  # noqa: BLE001 - reported, not raised
                problems.append(f"database: {exc.__class__.__name__}")
        problems += [f"{rt.name}: not ready" for rt in runtimes if not rt.ready()]
        if problems:
            return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
        return JSONResponse({"status": "ready", "services": names})

    if expose_metrics:
        work = runtime_registry([rt.gauges for rt in runtimes])  # queue sizes, deadlines: read when scraped

        @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
        def metrics() -> PlainTextResponse:
            from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

            return PlainTextResponse(generate_latest(REGISTRY) + generate_latest(work), media_type=CONTENT_TYPE_LATEST)

    mount(app, *(rt.router for rt in runtimes))

    mount_pages(app, web_dist or web_dist_dir())
    return app


# --- the pages (web/: Vue, built by `make run` / `make test`) ---------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[1]
# Every path of the single-page app (web/src/router.ts): each answers with its index.html, so a reload
# or a link sent by text message opens the right page.
PAGE_PATHS: tuple[str, ...] = ("/", "/track", "/r/{token}", "/hotline", "/patrol", "/desk", "/dashboard", "/callbacks",
                               "/public", "/rules", "/knowledge", "/help", "/firms", "/rewards", "/inspections",
                               "/public/inspections")
# What the pages must never answer for (a test checks): the APIs, the OpenAPI pages, the probes.
RESERVED_PREFIXES: tuple[str, ...] = ("/api", "/open311", "/docs", "/redoc", "/openapi.json", "/healthz",
                                      "/readyz", "/metrics")
PAGE_HEADERS = {
    "Cache-Control": "no-cache",  # index.html names the hashed assets of the current build
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # /r/<token> is a private link: never leak it to another site
}
ASSET_CACHE = "public, max-age=31536000, immutable"  # file names carry a content hash


def web_dist_dir(configured: str = "") -> Path:
    """WEB_DIST (a path, relative to the working directory) or the repository's `web/dist`."""
    configured = configured.strip()
    return Path(configured).expanduser().resolve() if configured else REPO_ROOT / "web" / "dist"


class _HashedAssets(StaticFiles):
    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = ASSET_CACHE
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def mount_pages(app: FastAPI, dist: Path) -> None:
    """Static assets under /assets, index.html for each page path; nothing under RESERVED_PREFIXES."""
    index = dist / "index.html"
    if not index.is_file():
        message = ("页面尚未构建 / the pages are not built: `make run` builds them "
                   f"(or: cd web && npm ci && npm run build); looked for {index}")

        def not_built() -> JSONResponse:
            return JSONResponse(error_body("not_found", message), status_code=404)

        for path in PAGE_PATHS:
            app.add_api_route(path, not_built, methods=["GET", "HEAD"], include_in_schema=False)
        return

    def page() -> FileResponse:
        return FileResponse(index, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    for path in PAGE_PATHS:
        app.add_api_route(path, page, methods=["GET", "HEAD"], include_in_schema=False)
    if (dist / "assets").is_dir():
        app.mount("/assets", _HashedAssets(directory=dist / "assets"), name="assets")
    # Files copied as they are from web/public (favicon.svg): not hashed, cached for a day.
    for file in sorted(p for p in dist.iterdir() if p.is_file() and p.name != "index.html"
                       and not p.name.startswith(".") and not f"/{p.name}".startswith(RESERVED_PREFIXES)):
        def public_file(file: Path = file) -> FileResponse:
            return FileResponse(file, headers={"Cache-Control": "public, max-age=86400"})

        app.add_api_route(f"/{file.name}", public_file, methods=["GET", "HEAD"], include_in_schema=False)
