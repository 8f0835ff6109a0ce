"""HTTP routes of the reviews of unsatisfied ratings (不合理差评), supervisors only: the unsatisfied rounds of a
period, one round's review with its audit trail, marking one unreasonable and withdrawing the mark.

Under /api/v1/metrics/satisfaction/reviews: the reviews change one figure (the reviewed satisfaction rate,
shown beside the raw one), so they live with the figures (and reach notify through its /api/v1/metrics
prefix). Each route parses, builds a command or query, hands it to the bus and shapes the JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from services.notify.domain.dashboard import MAX_OFFSET, days
from services.notify.domain.reviews import (
    REASON_MAX,
    GetRatingReview,
    ListUnsatisfiedRatings,
    MarkUnreasonable,
    WithdrawUnreasonable,
)
from services.notify.service_layer.reviews import RatedRoundView, UnsatisfiedPage
from shared.auth import Principal
from shared.clock import SHANGHAI
from shared.http import auth_deps, error_responses
from shared.messagebus import MessageBus

ComplaintId = Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
Round = Path(ge=1, le=100)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=REASON_MAX,
                        description=f"理由（必填，不超过 {REASON_MAX} 字）/ why (required, at most {REASON_MAX} "
                                    "characters)")


def build_reviews_router(jwt_key: str, bus: MessageBus[Any]) -> APIRouter:
    router = APIRouter(prefix="/api/v1/metrics/satisfaction/reviews", tags=["notify", "rating reviews"])
    supervisors = auth_deps(jwt_key).role("supervisor")

    @router.get("", summary="不满意评价与审核 / unsatisfied ratings and their reviews")
    def unsatisfied(
        first_day: str | None = Query(None, alias="from", description="YYYY-MM-DD (default: 1st of the month)"),
        last_day: str | None = Query(None, alias="to", description="YYYY-MM-DD, inclusive (default: today)"),
        state: Literal["all", "marked", "unmarked"] = Query("all", description="marked: 不合理差评"),
        department: str | None = Query(None, min_length=1, max_length=64),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
        limit: int = Query(20, ge=1, le=100),
        _user: Principal = Depends(supervisors),
    ) -> dict[str, Any]:
        """The rounds whose latest rating, given in the period, is unsatisfied, newest first, with their reviews."""
        page: UnsatisfiedPage = bus.handle(ListUnsatisfiedRatings(state=state, department=department,
                                                                  offset=offset, limit=limit,
                                                                  **days(first_day, last_day)))
        following = offset + len(page.rounds)
        return {"period": {"from": page.period.first_day.isoformat(), "to": page.period.last_day.isoformat()},
                "state": state, "total": page.total, "offset": offset, "limit": limit,
                "next_offset": following if following < page.total else None,
                "rounds": [round_json(r) for r in page.rounds]}

    @router.get("/{complaint_id}/{reply_round}", responses=error_responses(404),
                summary="一轮评价的审核与记录 / one round's review and its audit trail")
    def review(complaint_id: str = ComplaintId, reply_round: int = Round,
               _user: Principal = Depends(supervisors)) -> dict[str, Any]:
        return round_json(bus.handle(GetRatingReview(complaint_id, reply_round)))

    @router.post("/{complaint_id}/{reply_round}", status_code=201, responses=error_responses(404, 409),
                 summary="标记不合理差评 / mark an unsatisfied rating unreasonable")
    def mark(body: ReviewIn, complaint_id: str = ComplaintId, reply_round: int = Round,
             user: Principal = Depends(supervisors)) -> dict[str, Any]:
        """The round leaves the reviewed satisfaction rate (the raw one, the target's, keeps it)."""
        return round_json(bus.handle(MarkUnreasonable(complaint_id, reply_round, body.reason, user.username)))

    @router.post("/{complaint_id}/{reply_round}/withdraw", responses=error_responses(404, 409),
                 summary="撤销不合理差评标记 / withdraw the mark")
    def withdraw(body: ReviewIn, complaint_id: str = ComplaintId, reply_round: int = Round,
                 user: Principal = Depends(supervisors)) -> dict[str, Any]:
        return round_json(bus.handle(WithdrawUnreasonable(complaint_id, reply_round, body.reason, user.username)))

    return router


def _at(when: datetime | None) -> str | None:
    return when.astimezone(SHANGHAI).isoformat() if when is not None else None


def round_json(view: RatedRoundView) -> dict[str, Any]:
    return {
        "complaint_id": view.complaint_id, "reply_round": view.reply_round, "tracking_code": view.tracking_code,
        "department": view.department, "department_name": view.department_name,
        "rating": view.rating, "resolution": view.resolution, "resolution_label": view.resolution_label,
        "comment": view.comment, "via": view.via, "rated_at": _at(view.rated_at),
        "marked": view.marked, "reason": view.reason, "reviewed_by": view.reviewed_by,
        "reviewed_at": _at(view.reviewed_at),
        "history": [{"action": e.action, "action_label": e.action_label, "reason": e.reason, "by": e.by,
                     "at": _at(e.at)} for e in view.history],
    }
