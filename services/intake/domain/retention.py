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

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.intake.domain.status import Status
from shared.clock import SHANGHAI

DEFAULT_RETENTION_DAYS = 3 * 365
FINISHED = (Status.closed, Status.rejected, Status.forwarded, Status.replied)
ARCHIVE_NOTE = "已归档：办结已超过保存期限，投诉人的个人信息已删除"
PHONE_MARK = "[电话]"
ID_MARK = "[身份证号]"

_NOT_ALNUM_BEFORE, _NOT_ALNUM_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_BIRTH_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
# Order matters: ID-card numbers first (a mobile number's digits may sit inside one), then mobiles, then
# landlines with an area code, then a local landline number said to be one (电话 4281 2345).
_SCRUB: tuple[tuple[re.Pattern[str], str], ...] = (
    # 18-digit resident ID (six digits of place, birth date 18xx–20xx, three digits, a check digit or X)
    (re.compile(_NOT_ALNUM_BEFORE + r"\d{6}(?:18|19|20)\d{2}" + _BIRTH_DATE + r"\d{3}[\dXx]" + _NOT_ALNUM_AFTER),
     ID_MARK),
    # 15-digit resident ID of before 1999 (two-digit year)
    (re.compile(_NOT_ALNUM_BEFORE + r"\d{8}" + _BIRTH_DATE + r"\d{3}" + _NOT_ALNUM_AFTER), ID_MARK),
    # mobile: 1[3-9]x xxxx xxxx, with +86 / 0086 / 86 before it, spaces or hyphens between the groups
    (re.compile(r"(?<![\d+])(?:(?:\+|00)?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?!\d)"), PHONE_MARK),
    # landline with its area code: 023-4281 2345, (023)42812345, 0571 876 5432
    (re.compile(r"(?<!\d)[(（]?0\d{2,3}[)）]?[-\s]?[2-9]\d{2,3}[-\s]?\d{4}(?!\d)"), PHONE_MARK),
    # a local number named as a phone: 电话4281 2345, 座机：42812345
    (re.compile(r"((?:电话|手机|座机|号码|联系方式|tel|Tel|TEL)[:：是为\s]*)[2-9]\d{2,3}[-\s]?\d{4}(?!\d)"),
     r"\1" + PHONE_MARK),
)


def scrub(text: str) -> str:
    """The text with phone and ID-card numbers replaced by PHONE_MARK and ID_MARK; idempotent."""
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    return text


def scrubbed(text: str | None) -> str | None:
    return scrub(text) if text else text


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
