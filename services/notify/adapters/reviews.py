"""不合理差评: the reviews of unsatisfied ratings (RatingReview ⇄ notify_rating_reviews, its audit trail in
notify_rating_review_log), and the list of unsatisfied rounds a supervisor reviews.

A review's state is copied onto the round's rating (notify_ratings.unreasonable) in the same transaction,
so the reviewed satisfaction rate reads one table like the other figures (adapters/queries.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select

from services.notify.adapters.tables import RatingReviewLogRow, RatingReviewRow, RatingRow
from services.notify.domain.metrics import Period
from services.notify.domain.reviews import RatingReview
from shared.repository import Repository


class RatingReviewRepository(Repository[RatingReview]):
    def get(self, complaint_id: str, reply_round: int, *, for_update: bool = False) -> RatingReview | None:
        key = (complaint_id, reply_round)
        if (held := self.held(key)) is not None and not for_update:
            return held
        query = select(RatingReviewRow).where(col(RatingReviewRow.complaint_id) == complaint_id,
                                              col(RatingReviewRow.reply_round) == reply_round)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query.execution_options(populate_existing=True)).one_or_none()
        if row is None:
            return None
        review = RatingReview(row.complaint_id, row.reply_round, row.marked, row.reason, row.by, row.at)
        return self._hold(key, review, new=False)

    def add(self, review: RatingReview) -> RatingReview:
        return self._hold((review.complaint_id, review.reply_round), review, new=True)

    def _write(self, review: RatingReview, before: RatingReview | None) -> None:
        if review.at is None or review.reason is None or review.by is None:
            return  # opened and never acted on (a refused mark): nothing to keep
        values: dict[str, Any] = {"marked": review.marked, "reason": review.reason, "by": review.by, "at": review.at}
        row = self.session.get(RatingReviewRow, (review.complaint_id, review.reply_round))
        if row is None:
            self.session.add(RatingReviewRow(complaint_id=review.complaint_id, reply_round=review.reply_round,
                                             **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
        self.session.add_all([RatingReviewLogRow(complaint_id=review.complaint_id, reply_round=review.reply_round,
                                                 action=a.action, reason=a.reason, by=a.by, at=a.at)
                              for a in review.actions])
        review.actions.clear()
        self.session.execute(sa.update(RatingRow).where(col(RatingRow.complaint_id) == review.complaint_id,
                                                        col(RatingRow.reply_round) == review.reply_round)
                             .values(unreasonable=review.marked))
        self.session.flush()


def review_log(session: Session, complaint_id: str, reply_round: int) -> list[RatingReviewLogRow]:
    """The audit trail of one round's review, oldest first."""
    return list(session.scalars(select(RatingReviewLogRow).where(
        col(RatingReviewLogRow.complaint_id) == complaint_id, col(RatingReviewLogRow.reply_round) == reply_round)
        .order_by(col(RatingReviewLogRow.id))))


def unsatisfied_ratings(session: Session, period: Period, *, state: str, department: str | None, offset: int,
                        limit: int) -> tuple[int, list[tuple[RatingRow, RatingReviewRow | None]]]:
    """The rounds whose latest rating was given in P and is unsatisfied (counted cases only), newest first,
    with their reviews; `state`: all, marked (unreasonable) or unmarked."""
    same = sa.and_(col(RatingReviewRow.complaint_id) == col(RatingRow.complaint_id),
                   col(RatingReviewRow.reply_round) == col(RatingRow.reply_round))
    where = [col(RatingRow.rated_at) >= period.start, col(RatingRow.rated_at) < period.end,
             col(RatingRow.counted) == sa.true(), col(RatingRow.rating) == "unsatisfied"]
    if state != "all":
        where.append(col(RatingRow.unreasonable) == (state == "marked"))
    if department is not None:
        where.append(col(RatingRow.department) == department)
    total = session.execute(select(sa.func.count()).select_from(RatingRow).where(*where)).scalar_one()
    query = (select(RatingRow, RatingReviewRow).outerjoin(RatingReviewRow, same).where(*where)
             .order_by(col(RatingRow.rated_at).desc(), col(RatingRow.complaint_id), col(RatingRow.reply_round))
             .offset(offset).limit(limit))
    return total, [(rating, review) for rating, review in session.execute(query).all()]
