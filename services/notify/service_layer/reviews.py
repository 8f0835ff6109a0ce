"""不合理差评: supervisors review unsatisfied ratings (registered in handlers.py's tables).

Marking and withdrawing load the round's rating and its review, call the domain, commit: the review, its
audit entry and the rating's flag (what the reviewed satisfaction rate reads) in one transaction. Queries
never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.notify.adapters.reviews import review_log, unsatisfied_ratings
from services.notify.adapters.tables import RatingReviewRow, RatingRow
from services.notify.domain.callbacks import RESOLUTION_LABELS
from services.notify.domain.errors import RatingNotFound
from services.notify.domain.metrics import Period
from services.notify.domain.reviews import (
    ACTION_LABELS,
    GetRatingReview,
    ListUnsatisfiedRatings,
    MarkUnreasonable,
    RatingReview,
    WithdrawUnreasonable,
)
from services.notify.service_layer.uow import NotifyUnitOfWork


@dataclass(frozen=True)
class ReviewEntry:
    action: str
    action_label: str
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class RatedRoundView:
    """One round's latest rating, the citizen's comment (phone and ID numbers replaced, never their contact),
    and how it was reviewed."""

    complaint_id: str
    reply_round: int
    tracking_code: str | None
    department: str | None
    department_name: str | None
    rating: str
    resolution: str | None
    resolution_label: str | None
    comment: str | None
    via: str
    rated_at: datetime
    marked: bool  # 不合理差评 now
    reason: str | None  # of the latest mark or withdrawal
    reviewed_by: str | None
    reviewed_at: datetime | None
    history: tuple[ReviewEntry, ...] = ()


@dataclass(frozen=True)
class UnsatisfiedPage:
    period: Period
    total: int
    rounds: list[RatedRoundView]


def _view(uow: NotifyUnitOfWork, rating: RatingRow, review: RatingReviewRow | RatingReview | None,
          history: tuple[ReviewEntry, ...] = ()) -> RatedRoundView:
    directory = uow.departments.get()
    return RatedRoundView(
        complaint_id=rating.complaint_id, reply_round=rating.reply_round,
        tracking_code=rating.tracking_code or rating.case_tracking_code,
        department=rating.department,
        department_name=directory.name_of(rating.department) if rating.department else None,
        rating=rating.rating, resolution=rating.resolution,
        resolution_label=RESOLUTION_LABELS.get(rating.resolution or ""), comment=rating.comment, via=rating.via,
        rated_at=rating.rated_at,
        marked=bool(review and review.marked), reason=review.reason if review else None,
        reviewed_by=review.by if review else None, reviewed_at=review.at if review else None, history=history)


def get_rating_review(query: GetRatingReview, uow: NotifyUnitOfWork) -> RatedRoundView:
    rating = uow.session.get(RatingRow, (query.complaint_id, query.reply_round))
    if rating is None:
        raise RatingNotFound()
    review = uow.reviews.get(query.complaint_id, query.reply_round)
    history = tuple(ReviewEntry(e.action, ACTION_LABELS.get(e.action, e.action), e.reason, e.by, e.at)
                    for e in review_log(uow.session, query.complaint_id, query.reply_round))
    return _view(uow, rating, review, history)


def mark_unreasonable(command: MarkUnreasonable, uow: NotifyUnitOfWork) -> RatedRoundView:
    """标记不合理差评: the round's latest rating must be unsatisfied."""
    rating = uow.ratings.get(command.complaint_id, command.reply_round)
    if rating is None:
        raise RatingNotFound()
    review = (uow.reviews.get(command.complaint_id, command.reply_round, for_update=True)
              or uow.reviews.add(RatingReview(command.complaint_id, command.reply_round)))
    review.mark(rating.rating, reason=command.reason, by=command.by, at=uow.clock.now())
    uow.commit()
    return get_rating_review(GetRatingReview(command.complaint_id, command.reply_round), uow)


def withdraw_unreasonable(command: WithdrawUnreasonable, uow: NotifyUnitOfWork) -> RatedRoundView:
    """撤销标记: the round counts in the reviewed satisfaction rate again."""
    if uow.ratings.get(command.complaint_id, command.reply_round) is None:
        raise RatingNotFound()
    review = (uow.reviews.get(command.complaint_id, command.reply_round, for_update=True)
              or RatingReview(command.complaint_id, command.reply_round))  # not marked: the domain refuses
    review.withdraw(reason=command.reason, by=command.by, at=uow.clock.now())
    uow.commit()
    return get_rating_review(GetRatingReview(command.complaint_id, command.reply_round), uow)


def list_unsatisfied_ratings(query: ListUnsatisfiedRatings, uow: NotifyUnitOfWork) -> UnsatisfiedPage:
    period = query.period(uow.clock.now())
    total, rows = unsatisfied_ratings(uow.session, period, state=query.state, department=query.department,
                                      offset=query.offset, limit=query.limit)
    return UnsatisfiedPage(period, total, [_view(uow, rating, review) for rating, review in rows])
