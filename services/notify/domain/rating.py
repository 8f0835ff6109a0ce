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

    def rate_again(self, rating: str, via: str, rated_at: datetime, resolution: str | None = None) -> bool:
        """A later rating replaces this one, with its resolution (none: the round has none now); an older one
        delivered late does not. True when it changed."""
        if rated_at < self.rated_at:
            return False
        self.rating, self.via, self.rated_at, self.resolution = rating, via, rated_at, resolution
        return True
