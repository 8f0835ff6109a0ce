"""HTTP routes of the satisfaction callbacks (抽查回访): the list staff work through, one callback with its
calls, and recording a call. Operators (who make the calls) and supervisors.

Each route parses, builds a command or query, hands it to the bus and shapes the JSON.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from services.notify.domain.commands import GetCallback, ListCallbacks, RecordCallbackCall
from services.notify.service_layer.callbacks import CallbackView
from shared.auth import Principal
from shared.clock import SHANGHAI
from shared.http import auth_deps
from shared.messagebus import MessageBus

CALLERS = ("operator", "supervisor")
ComplaintId = Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
Round = Path(ge=1, le=100)


class CallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["satisfied", "basically_satisfied", "unsatisfied", "no_answer", "refused"] = Field(
        description="满意 / 基本满意 / 不满意 / 无人接听 / 拒绝回访")
    note: str | None = Field(None, max_length=1000, description="回访记录（可选）")
    resolution: Literal["resolved", "partly_resolved", "unresolved"] | None = Field(
        None, description="问题是否解决：解决 / 部分解决 / 未解决（取得评价时必填，无人接听、拒绝回访时不填）/ "
                          "required with a rating, absent without one")


def build_callbacks_router(jwt_key: str, bus: MessageBus[Any]) -> APIRouter:
    router = APIRouter(prefix="/api/v1/callbacks", tags=["notify", "callbacks"])
    deps = auth_deps(jwt_key)

    @router.get("", summary="回访清单 / the callbacks, earliest due first")
    def callbacks(
        status: Literal["pending", "done", "unreachable", "all"] = Query("pending"),
        department: str | None = Query(None, min_length=1, max_length=64),
        limit: int = Query(50, ge=1, le=100),
        offset: int = Query(0, ge=0, le=100_000),
        _user: Principal = Depends(deps.role(*CALLERS)),
    ) -> dict[str, Any]:
        found = bus.handle(ListCallbacks(status=None if status == "all" else status, department=department,
                                         limit=limit, offset=offset))
        return {"total": found["total"], "offset": offset, "limit": limit,
                "callbacks": [callback_json(c) for c in found["callbacks"]]}

    @router.get("/{complaint_id}/{reply_round}", summary="一件回访及其通话记录 / one callback with its calls")
    def callback(complaint_id: str = ComplaintId, reply_round: int = Round,
                 _user: Principal = Depends(deps.role(*CALLERS))) -> dict[str, Any]:
        return callback_json(bus.handle(GetCallback(complaint_id, reply_round)))

    @router.post("/{complaint_id}/{reply_round}/calls", status_code=201,
                 summary="记录一次回访电话 / record one call of a callback")
    def record_call(body: CallIn, complaint_id: str = ComplaintId, reply_round: int = Round,
                    user: Principal = Depends(deps.role(*CALLERS))) -> dict[str, Any]:
        return callback_json(bus.handle(RecordCallbackCall(complaint_id, reply_round, body.outcome, user.username,
                                                           body.note, body.resolution)))

    return router


def callback_json(view: CallbackView) -> dict[str, Any]:
    data = asdict(view)
    for name in ("replied_at", "due_at", "completed_at"):
        if data[name] is not None:
            data[name] = data[name].astimezone(SHANGHAI).isoformat()
    data["calls"] = [{**call, "at": call["at"].astimezone(SHANGHAI).isoformat()} for call in data["calls"]]
    return data
