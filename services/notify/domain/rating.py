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

    def rate_again(self, rating: str, via: str, rated_at: datetime) -> bool:
        """A later rating replaces this one; an older one delivered late does not. True when it changed."""
        if rated_at < self.rated_at:
            return False
        self.rating, self.via, self.rated_at = rating, via, rated_at
        return True
