"""The hotline channel (热线): the call centre's system reports the calls operators take, and the operator's
page asks for a caller's earlier complaints while they are on the line."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from services.intake.domain.commands import GetHotlineHistory, ReceiveComplaint, Reporter
from services.intake.domain.views import CallerHistory, PastComplaint
from services.intake.entrypoints.schemas import (
    HotlineAccepted,
    HotlineHistoryOut,
    HotlineIn,
    PastComplaintOut,
    caller_number,
)
from services.intake.service_layer.handlers import Received
from shared.auth import Principal
from shared.contracts.codes import Channel
from shared.errors import InvalidInput
from shared.http import auth_deps
from shared.messagebus import MessageBus

HotlineKey = Annotated[str | None, Header(alias="X-API-Key", description="the call centre's client key")]


def _past(item: PastComplaint) -> PastComplaintOut:
    return PastComplaintOut(tracking_code=item.tracking_code, received_at=item.received_at,
                            status=item.status.value, status_label=item.status_label, type_label=item.type_label,
                            address=item.address, content=item.content)


def build_hotline_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    router = APIRouter(prefix="/api/v1/channels/hotline", tags=["intake", "hotline"])
    operators = auth_deps(jwt_key).role("operator", "supervisor")  # and admin

    @router.post("", status_code=201, response_model=HotlineAccepted,
                 responses={200: {"model": HotlineAccepted,
                                  "description": "同一 call_id 再次登记 / the same call_id again"}},
                 summary="热线来电登记 / a call taken by the hotline (X-API-Key)")
    def post_call(body: HotlineIn, response: Response, api_key: HotlineKey = None) -> HotlineAccepted:
        """The caller's number is the reporter's phone: encrypted at rest, masked for staff. The same
        call_id again returns the complaint it created (200), never a second one."""
        received: Received = bus.handle(ReceiveComplaint(
            channel=Channel.hotline, content=body.content, category=body.category, subcategory=body.subcategory,
            town=body.town, address=body.address, urgent=body.urgent, reporter=Reporter(phone=body.caller_number),
            api_key=api_key.strip() if api_key else None, channel_ref=body.call_id,
        ))
        if received.replayed:
            response.status_code = 200
        # No citizen token here: this answer goes to the call centre's system, i.e. to staff.
        return HotlineAccepted(id=received.id, tracking_code=received.tracking_code, status=received.status,
                               received_at=received.received_at)

    @router.get("/history", response_model=HotlineHistoryOut,
                summary="来电人与地址的历史投诉 / a caller's and an address's earlier complaints")
    def get_history(caller: Annotated[str | None, Query(max_length=30, description="来电号码")] = None,
                    address: Annotated[str | None, Query(min_length=4, max_length=200,
                                                         description="地址中的文字（至少 4 个字）")] = None,
                    _principal: Principal = Depends(operators)) -> HotlineHistoryOut:
        try:
            number = caller_number(caller)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        history: CallerHistory = bus.handle(GetHotlineHistory(caller=number, address=address))
        return HotlineHistoryOut(by_caller=[_past(p) for p in history.by_caller],
                                 by_address=[_past(p) for p in history.by_address])

    return router
