"""Grid workers' patrol findings (网格巡查): a signed-in grid worker reports what they found in their town.

The finding is a complaint of channel `grid`: no citizen reporter; the worker's username is recorded as
`reported_by`, and the town is the worker's own (the one on their account, carried in their token).
The answer carries the private token so the worker can add photos at /api/v1/r/<token>/attachments.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response

from services.intake.domain.commands import ListPatrolReports, ReceiveComplaint
from services.intake.domain.errors import NotAGridWorker
from services.intake.domain.views import PastComplaint
from services.intake.entrypoints.schemas import PatrolAccepted, PatrolIn, PatrolReportOut, PatrolReportsOut
from services.intake.service_layer.handlers import Received
from shared.auth import Principal
from shared.contracts.codes import Channel, Role
from shared.http import auth_deps
from shared.messagebus import MessageBus

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
MINE_LIMIT = 20


def build_grid_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    router = APIRouter(prefix="/api/v1/channels/grid", tags=["intake", "grid"])
    signed_in = auth_deps(jwt_key).principal

    def grid_worker(principal: Principal = Depends(signed_in)) -> Principal:
        """Grid workers only (not even admin: a finding is reported in the worker's own town)."""
        if principal.role != Role.grid_worker or not principal.town:
            raise NotAGridWorker()
        return principal

    @router.post("", status_code=201, response_model=PatrolAccepted,
                 responses={200: {"model": PatrolAccepted, "description": "同一 Idempotency-Key 再次上报 / "
                                                                         "the same Idempotency-Key again"}},
                 summary="网格员上报巡查发现 / a grid worker reports a patrol finding (bearer token)")
    def post_finding(body: PatrolIn, response: Response, idempotency_key: IdempotencyKey = None,
                     worker: Principal = Depends(grid_worker)) -> PatrolAccepted:
        """The town is the worker's own; the same Idempotency-Key with the same body returns the same
        report (200); the same key with another body, or from another worker, is refused (409)."""
        fingerprint = hashlib.sha256(f"grid:{worker.username}:{body.model_dump_json()}".encode()).hexdigest()
        received: Received = bus.handle(ReceiveComplaint(
            channel=Channel.grid, content=body.content, category=body.category, subcategory=body.subcategory,
            town=worker.town, address=body.address, lat=body.lat, lon=body.lon, occurred_at=body.occurred_at,
            urgent=body.urgent, reported_by=worker.username,
            idempotency_key=idempotency_key.strip() if idempotency_key else None, request_fingerprint=fingerprint,
        ))
        if received.replayed:
            response.status_code = 200
        assert worker.town is not None
        return PatrolAccepted(id=received.id, tracking_code=received.tracking_code, status=received.status,
                              received_at=received.received_at, town=worker.town,
                              citizen_token=received.citizen_token)

    @router.get("/mine", response_model=PatrolReportsOut,
                summary="我的巡查上报 / the grid worker's own reports, newest 20")
    def get_mine(worker: Principal = Depends(grid_worker)) -> PatrolReportsOut:
        reports: list[PastComplaint] = bus.handle(ListPatrolReports(worker.username, limit=MINE_LIMIT))
        return PatrolReportsOut(reports=[
            PatrolReportOut(tracking_code=r.tracking_code, received_at=r.received_at, status=r.status.value,
                            status_label=r.status_label, type_label=r.type_label, address=r.address,
                            content=r.content)
            for r in reports])

    return router
