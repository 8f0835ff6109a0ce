"""Retention (保存期限): which complaints lose their reporter's personal data, and what is left of them.

A complaint is *finished* when its status is closed (rated, 已办结), rejected (不予受理), forwarded (已转办)
or replied (已回复: a reply the citizen never rated is finished from the bureau's side; without this an
unrated complaint would keep its reporter's data forever); an imported history case (历史件) is closed.
It is *finished before* a moment when its last change (`updated_at`: the reply, the rating, a callback,
whatever came last) was before it; a history case counts from its older system's reply date (or, without
one, the day it was received there), not from the day it was imported. Complaints still being handled
(received, triage, assigned, accepted) keep everything, however old.

What goes (docs/personal-data.md has the whole list): the reporter's name, phone (ciphertext, keyed hash,
last four digits), the private link's token (hash and ciphertext: the link /r/<token> and online rating
end), the WeChat OpenID, messages sent to the reporter, the request's idempotency key and channel
references; phone and ID-card numbers in the complaint's text, the reply, the timeline and the rating
comments become placeholders (`scrub`). What stays is what the figures and the public record need:
channel, type, town, address and position (the place of the pollution), dates, department, status,
reply, rating, attachments (evidence of the place; stored without GPS).

The tracking page (by code, `/track`) still shows an anonymised complaint, without phone digits (there are
none left to check), with the timeline line `ARCHIVE_NOTE` saying it is archived; the same line marks it
as done, so a second run finds nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.intake.domain.status import Status
from shared.clock import SHANGHAI
from shared.scrub import ID_MARK, PHONE_MARK, scrub, scrubbed

__all__ = ["ARCHIVE_NOTE", "FINISHED", "ID_MARK", "PHONE_MARK", "Cutoff", "scrub", "scrubbed"]

DEFAULT_RETENTION_DAYS = 3 * 365
FINISHED = (Status.closed, Status.rejected, Status.forwarded, Status.replied)
ARCHIVE_NOTE = "已归档：办结已超过保存期限，投诉人的个人信息已删除"
@dataclass(frozen=True)
class Cutoff:
    """Complaints finished before `before` (00:00 in Chongqing of `day`) lose their personal data."""

    day: date
    before: datetime

    @classmethod
    def of(cls, *, closed_before: date | None, retention_days: int, today: date) -> Cutoff:
        """The date given, or `retention_days` before today. A date after today is refused: it would
        remove the data of complaints finished today, certainly a typing mistake."""
        day = closed_before if closed_before is not None else today - timedelta(days=retention_days)
        if day > today:
            raise ValueError(f"--closed-before {day.isoformat()} is after today ({today.isoformat()})")
        return cls(day, datetime.combine(day, time(0, 0), tzinfo=SHANGHAI))
