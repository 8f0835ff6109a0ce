"""The rating of one reply round (评价): the latest wins, whichever way it came (link, phone, tracking page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.domain import Aggregate


@dataclass
class RoundRating(Aggregate):
    complaint_id: str
    reply_round: int
    tracking_code: str | None
    rating: str  # satisfied | basically_satisfied | unsatisfied
    via: str  # citizen | callback_link | phone_callback
    rated_at: datetime
    resolution: str | None = None  # resolved | partly_resolved | unresolved; None: not asked (older ratings)
    # the citizen's words with the rating (评价意见), phone and ID-card numbers already replaced (shared/scrub.py):
    # what a supervisor reads before calling an unsatisfied rating unreasonable; None: none given (a phone callback)
    comment: str | None = None

    def rate_again(self, rating: str, via: str, rated_at: datetime, resolution: str | None = None,
                   comment: str | None = None) -> bool:
        """A later rating replaces this one, with its resolution and comment (none: the round has none now); an
        older one delivered late does not. True when it changed."""
        if rated_at < self.rated_at:
            return False
        self.rating, self.via, self.rated_at, self.resolution = rating, via, rated_at, resolution
        self.comment = comment
        return True
