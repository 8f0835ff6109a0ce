"""The monthly report (月报, .xlsx) and public disclosure (主动公开): what is asked for, and what may be shown.

Public disclosure shows the district's figures of a month and the cases handled in it, with nothing that
points to a person: no complaint text, no address, no tracking code, no reporter; per case only the month
it came in, its type, town, handling department, status, the day it was replied and a summary of the
department's reply. That summary is scrubbed (`scrub`) before notify stores it and again before it is
shown: mobile and landline numbers, ID-card numbers, e-mail addresses, names with a title (张先生,
李女士, 王师傅...), the reporter named as such (投诉人张三), and house numbers (3栋2单元501室) become
asterisks, and it is cut to `SUMMARY_MAX` characters (docs/hotspots-and-disclosure.md says why).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from services.notify.domain.dashboard import _page
from services.notify.domain.errors import InvalidReportRequest
from services.notify.domain.metrics import Period
from shared.clock import SHANGHAI
from shared.domain import Aggregate

SUMMARY_MAX = 120
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MASK = "**"

# Order matters: the long digit runs (ID cards) before the phone numbers inside them.
_SCRUB: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                r"(?![0-9A-Za-z])"), "[身份证号]"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[邮箱]"),
    (re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?!\d)"), "[电话]"),
    (re.compile(r"(?<!\d)(?:[(（]?0\d{2,3}[)）]?[-\s]?)?[2-9]\d{6,7}(?!\d)"), "[电话]"),
    (re.compile(r"(?<!\d)\d{5,}(?!\d)"), "[号码]"),  # any other long number (a bank card, a QQ number)
    # the reporter or a person named as such: 投诉人张三, 举报人：李四, 联系人王五
    (re.compile(r"(投诉人|举报人|反映人|来电人|联系人|当事人|业主|住户|市民|群众)[:：\s]*"
                r"(?!反映|投诉|举报|来电|表示|要求|称|说)[\u4e00-\u9fa5]{2,3}"
                r"(?=[，,。；;、：:\s（）()]|$|(?:先生|女士|反映|投诉|来电|称|说|表示|要求|家))"), r"\1" + MASK),
    # a name with a title: 张先生, 李女士, 王师傅, 刘阿姨, 赵大爷, 陈老师, 周同志
    (re.compile(r"[\u4e00-\u9fa5](?=(?:先生|女士|小姐|师傅|阿姨|大爷|大妈|老师|同志|老板|经理))"
                r"(?<!某)"), "某"),
    # house numbers: 3栋2单元501室, 5号楼1202, 12幢
    (re.compile(r"\d+\s*(?:栋|幢|号楼|单元|楼|室|户)(?:\s*\d+\s*(?:栋|幢|号楼|单元|楼|室|户|号)?)*"), MASK),
]


def scrub(text: str) -> str:
    """The text with personal data replaced (see the module's docstring); idempotent."""
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    return text


def reply_summary(text: str) -> str:
    """What may be shown of a department's reply: scrubbed, on one line, at most SUMMARY_MAX characters."""
    one_line = re.sub(r"\s+", " ", scrub(text)).strip()
    return one_line if len(one_line) <= SUMMARY_MAX else one_line[:SUMMARY_MAX - 1].rstrip() + "…"


@dataclass
class ReplySummary(Aggregate):
    """The public summary of a case's latest reply (scrubbed before it is kept: the reply itself is routing's)."""

    complaint_id: str
    reply_round: int
    summary: str
    replied_at: datetime

    @classmethod
    def of(cls, complaint_id: str, reply_round: int, reply: str, replied_at: datetime) -> ReplySummary:
        return cls(complaint_id, reply_round, reply_summary(reply), replied_at)

    def replied_again(self, reply_round: int, reply: str, replied_at: datetime) -> None:
        """A later round's reply replaces the summary; a redelivered or older one does not."""
        if (reply_round, replied_at) > (self.reply_round, self.replied_at):
            self.reply_round, self.summary, self.replied_at = reply_round, reply_summary(reply), replied_at


# --- what is asked for ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`YYYY-MM` within the years a report may cover."""
        found = _MONTH.match(text.strip()) if text else None
        if found is None or not 1 <= int(found.group(2)) <= 12:
            raise InvalidReportRequest(f"月份格式应为 YYYY-MM / month must be YYYY-MM, not {text!r}")
        month = cls(int(found.group(1)), int(found.group(2)))
        month.period  # noqa: B018 - Period checks the range
        return month

    @classmethod
    def asked(cls, text: str | None, now: datetime) -> Month:
        """The month asked for (default: the month of `now`), which must have begun by `now`."""
        if not text:
            return cls.of(now)
        month = cls.parse(text)
        if month > cls.of(now):
            raise InvalidReportRequest(f"月份不能晚于本月 / {text} has not begun yet")
        return month

    @classmethod
    def of(cls, now: datetime) -> Month:
        today = now.astimezone(SHANGHAI).date()
        return cls(today.year, today.month)

    def __gt__(self, other: Month) -> bool:
        return (self.year, self.month) > (other.year, other.month)

    @property
    def period(self) -> Period:
        first = date(self.year, self.month, 1)
        following = date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return Period(first, date.fromordinal(following.toordinal() - 1))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def as_of(self, now: datetime) -> datetime:
        """The moment a month's problem list is taken at: its end, or now while it runs."""
        return min(now, self.period.end)


@dataclass(frozen=True)
class ReportMonth:
    """The monthly report (月报) of one month (`YYYY-MM`; default this month), for the .xlsx."""

    month: str | None = None

    def __post_init__(self) -> None:
        if self.month:
            Month.parse(self.month)


@dataclass(frozen=True)
class PublicMonthly:
    """The public disclosure of one month (`YYYY-MM`; default this month): the figures and a page of the
    cases handled in it."""

    month: str | None = None
    offset: int = 0
    limit: int = 20

    def __post_init__(self) -> None:
        if self.month:
            Month.parse(self.month)
        _page(self.offset, self.limit)
