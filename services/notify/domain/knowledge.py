"""The knowledge base as notify sees it (intake owns it, docs/knowledge.md): the upkeep of each department's
articles for the assessment (知识库维护及时率, docs/assessment.md) and the report of 直接办结.

Pure Python. notify keeps the facts of every article version intake publishes (`ArticleVersionFact`: owner,
status, review date) and of every consultation closed on the spot (`ConsultationRecord`), and computes:

- `reviews_due(versions)`: each review date (复核日期) an article had, whose department it was, and when it was
  reviewed. A review date D set by a version is *reviewed* by the first later version that sets another review
  date (later, earlier or none: the owners looked at it and decided), at that version's time. The date belongs
  to the department that owned the article in the last version holding D. A review date held last by a draft
  is left out (a draft answers nobody). A date no later version changed is still open.
- `judge_upkeep(dues, period, now)`: 知识库维护及时率 of one department = its review dates D in P reviewed by the
  end of D (Chongqing day) ÷ its review dates D in P that were reviewed, or whose day has passed (D before
  today). A date in P still open and not yet past (today or later) is not judged yet. No review date in P:
  no data (the indicator does not count in the score), never zero.
- `consultation_report(records, month, now)`: 直接办结 of a month by type, article, operator and channel, and
  the count of each of the twelve months up to it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from services.notify.domain.disclosure import Month
from services.notify.domain.metrics import Period
from shared.clock import SHANGHAI
from shared.contracts.codes import CATEGORY_NAMES, SUBCATEGORIES

DRAFT = "draft"


@dataclass(frozen=True)
class ArticleVersionFact:
    """One version of an article, as intake's KnowledgeArticleWrittenV1 told it."""

    article_id: str
    version: int
    department: str
    status: str  # draft | internal | public
    review_by: date | None
    changed_at: datetime
    title: str = ""


@dataclass(frozen=True)
class ReviewDue:
    """A review date an article had: the department it was due to, and when it was reviewed (None: not yet)."""

    article_id: str
    department: str
    due: date
    reviewed_at: datetime | None = None

    def on_time(self) -> bool:
        return self.reviewed_at is not None and self.reviewed_at.astimezone(SHANGHAI).date() <= self.due


def reviews_due(versions: Iterable[ArticleVersionFact]) -> list[ReviewDue]:
    by_article: dict[str, list[ArticleVersionFact]] = defaultdict(list)
    for v in versions:
        by_article[v.article_id].append(v)
    found: list[ReviewDue] = []
    for article_id, history in by_article.items():
        history.sort(key=lambda v: v.version)
        holder: ArticleVersionFact | None = None  # the last version holding the open review date
        for v in history:
            if holder is not None and v.review_by != holder.review_by:
                if holder.status != DRAFT and holder.review_by is not None:
                    found.append(ReviewDue(article_id, holder.department, holder.review_by, v.changed_at))
                holder = None
            if v.review_by is not None:
                holder = v
        if holder is not None and holder.status != DRAFT and holder.review_by is not None:
            found.append(ReviewDue(article_id, holder.department, holder.review_by))
    return found


@dataclass(frozen=True)
class Upkeep:
    """知识库维护及时率 of one department: on time ÷ judged, and the articles behind each."""

    on_time: tuple[str, ...]  # article ids reviewed by their due date
    missed: tuple[str, ...]  # reviewed late, or past due and not reviewed

    @property
    def numerator(self) -> int:
        return len(self.on_time)

    @property
    def denominator(self) -> int:
        return len(self.on_time) + len(self.missed)


def judge_upkeep(dues: Iterable[ReviewDue], period: Period, now: datetime) -> Upkeep:
    today = now.astimezone(SHANGHAI).date()
    on_time: list[str] = []
    missed: list[str] = []
    for due in dues:
        if not period.first_day <= due.due <= period.last_day:
            continue
        if due.on_time():
            on_time.append(due.article_id)
        elif due.reviewed_at is not None or due.due < today:
            missed.append(due.article_id)
    return Upkeep(tuple(sorted(on_time)), tuple(sorted(missed)))


def upkeep_by_department(versions: Iterable[ArticleVersionFact], period: Period, now: datetime) -> dict[str, Upkeep]:
    by_department: dict[str, list[ReviewDue]] = defaultdict(list)
    for due in reviews_due(versions):
        by_department[due.department].append(due)
    return {code: judge_upkeep(dues, period, now) for code, dues in by_department.items()}


# --- 直接办结 -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultationRecord:
    """A consultation closed on the spot, as intake's ConsultationAnsweredV1 told it (no question text)."""

    consultation_id: str
    article_id: str
    article_title: str
    department: str
    category: str | None
    subcategory: str | None
    answered_by: str
    channel: str
    answered_at: datetime


@dataclass(frozen=True)
class Count:
    key: str  # the code: type "noise/construction", the article id, the username, the channel
    name: str  # what a person reads
    count: int
    department: str | None = None  # for an article: its owning department


@dataclass(frozen=True)
class ConsultationReport:
    month: Month
    now: datetime
    total: int
    months: tuple[tuple[str, int], ...]  # the twelve months up to this one, oldest first: (YYYY-MM, count)
    by_type: tuple[Count, ...]
    by_article: tuple[Count, ...]
    by_operator: tuple[Count, ...]
    by_channel: tuple[Count, ...]


CHANNEL_NAMES = {"hotline": "热线电话", "wechat": "微信", "web": "网站", "app": "移动端", "walk_in": "来访"}


def type_name(category: str | None, subcategory: str | None) -> str:
    if not category:
        return "未分类"
    name = CATEGORY_NAMES.get(category, category)
    if subcategory:
        return f"{name} / {SUBCATEGORIES.get(category, {}).get(subcategory, subcategory)}"
    return name


def months_up_to(month: Month, count: int = 12) -> list[Month]:
    index = month.year * 12 + month.month - 1
    return [Month(i // 12, i % 12 + 1) for i in range(index - count + 1, index + 1)]


def report_window(month: Month) -> tuple[datetime, datetime]:
    """From the first of the eleventh month before `month` to the end of `month` (end exclusive)."""
    first = months_up_to(month)[0]
    return datetime.combine(date(first.year, first.month, 1), time(0), SHANGHAI), month.period.end


def consultation_report(records: Iterable[ConsultationRecord], month: Month, now: datetime) -> ConsultationReport:
    """`records`: at least those of `report_window(month)` (others are ignored)."""
    window = months_up_to(month)
    per_month: Counter[str] = Counter()
    this: list[ConsultationRecord] = []
    first, last = report_window(month)
    for r in records:
        if not first <= r.answered_at < last:
            continue
        local = r.answered_at.astimezone(SHANGHAI)
        per_month[f"{local.year:04d}-{local.month:02d}"] += 1
        if r.answered_at in month.period:
            this.append(r)

    def ranked(counts: Counter[str], names: dict[str, str], departments: dict[str, str] | None = None
               ) -> tuple[Count, ...]:
        return tuple(Count(key, names.get(key, key), n, (departments or {}).get(key))
                     for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], names.get(kv[0], kv[0]))))

    types: Counter[str] = Counter()
    type_names: dict[str, str] = {}
    articles: Counter[str] = Counter()
    titles: dict[str, tuple[datetime, str]] = {}
    owners: dict[str, str] = {}
    for r in this:
        key = "/".join(p for p in (r.category or "", r.subcategory or "") if p) or "none"
        types[key] += 1
        type_names[key] = type_name(r.category, r.subcategory)
        articles[r.article_id] += 1
        if r.article_id not in titles or titles[r.article_id][0] <= r.answered_at:  # the latest title it had
            titles[r.article_id] = (r.answered_at, r.article_title)
            owners[r.article_id] = r.department
    operators = Counter(r.answered_by for r in this)
    channels = Counter(r.channel for r in this)
    return ConsultationReport(
        month=month, now=now, total=len(this),
        months=tuple((str(m), per_month.get(str(m), 0)) for m in window),
        by_type=ranked(types, type_names),
        by_article=ranked(articles, {k: t for k, (_, t) in titles.items()}, owners),
        by_operator=ranked(operators, {}),
        by_channel=ranked(channels, CHANNEL_NAMES),
    )
