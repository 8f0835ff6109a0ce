"""One FastAPI application for one process: the three services embedded, or a single service.

Both ways serve the same paths. The lifespan starts the process's workers (consumers, relay,
periodic jobs) and stops them cleanly on shutdown.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine

from shared import logging as ctx
from shared.auth import TOKEN_URL
from shared.eventbus.port import EventBus, Worker
from shared.http import BodyLimitMiddleware, install_error_handlers
from shared.metrics import REGISTRY, http_requests
from shared.runtime import ServiceRuntime, WorkerSet


def process_workers(runtimes: list[ServiceRuntime], bus: EventBus, engines: list[Engine]) -> list[Worker]:
    workers: list[Worker] = [bus.consumer(spec) for rt in runtimes for spec in rt.consumers]
    for engine in engines:
        relay = bus.relay(engine)
        if relay is not None:
            workers.append(relay)
    for rt in runtimes:
        workers.extend(rt.workers)
    return workers


def create_app(runtimes: list[ServiceRuntime], bus: EventBus, engines: list[Engine], *,
               max_body_bytes: int = 256 * 1024, start_workers: bool = True, title: str | None = None) -> FastAPI:
    names = "+".join(rt.name for rt in runtimes)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        workers = WorkerSet(process_workers(runtimes, bus, engines) if start_workers else [])
        bus.ensure_topics()
        bus.ensure_topics([topic for rt in runtimes for topic in rt.topics()])
        workers.start()
        try:
            yield
        finally:
            workers.stop()
            bus.close()

    app = FastAPI(title=title or f"合川区生态环境投诉处理 ({names})", version="0.1.0", lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes, form_paths=(TOKEN_URL,))

    @app.middleware("http")
    async def correlate(request: Request, call_next):  # type: ignore[no-untyped-def]
        cid = request.headers.get("x-correlation-id") or str(uuid.uuid4())
        token = ctx.correlation_id.set(cid)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            ctx.correlation_id.reset(token)
        route = request.scope.get("route")
        http_requests.labels(method=request.method, route=getattr(route, "path", "unmatched"),
                             status=str(response.status_code)).observe(time.perf_counter() - started)
        response.headers["x-correlation-id"] = cid
        return response

    for rt in runtimes:
        app.include_router(rt.router)

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

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return PlainTextResponse(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return app
