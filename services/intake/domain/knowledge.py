"""The knowledge base (知识库) and reply templates (答复口径): what operators answer callers with, and what
departments reply to cases with.

Pure Python. An `Article` belongs to one department (谁提供、谁维护、谁更新): its staff edit it, supervisors
and administrators edit any; it is a draft (草稿: the owners and supervisors only), internal (内部: every
member of staff) or public (公开: citizens too). Every change is a new numbered version with who and when,
kept for good. `review_by` is when the owners must check it again (复核提醒). A `Consultation` is a pure
question the hotline answered with an article on the spot (直接办结): it is not a complaint, is never routed,
and no target counts it (docs/knowledge.md). A `ReplyTemplate` is the wording of a reply for a type and
subtype, with its legal basis and placeholders filled from the case.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from shared.contracts.codes import is_known_type
from shared.contracts.events import ConsultationAnsweredV1, KnowledgeArticleWrittenV1
from shared.domain import Aggregate
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound


class ArticleStatus(StrEnum):
    draft = "draft"  # 草稿: the owning department, supervisors and administrators
    internal = "internal"  # 内部: every member of staff (operators answer with it)
    public = "public"  # 公开: citizens too (the self-service page /help)


STATUS_LABELS = {ArticleStatus.draft: "草稿", ArticleStatus.internal: "内部", ArticleStatus.public: "公开"}

TITLE_MAX = 200
TEXT_MAX = 20_000
KEYWORDS_MAX = 30
QUESTION_MAX = 2_000
REVIEW_SOON = timedelta(days=30)  # a review this close is listed as due soon

# Who reads what. Operators answer callers with internal and public articles; a dispatcher also sees the
# own department's drafts; supervisors and administrators see everything; citizens only public ones.
EVERYTHING = frozenset({"supervisor", "admin"})
STAFF_READERS = frozenset({"operator", "dispatcher", "supervisor", "admin"})
PUBLIC_READER = "public"


# --- errors ------------------------------------------------------------------------------------------


class ArticleNotFound(NotFound):
    """No article with that id, or none this reader may see (absence and refusal look alike)."""

    def __init__(self) -> None:
        super().__init__("未找到该知识条目 / no such article")


class NotTheOwner(Forbidden):
    def __init__(self) -> None:
        super().__init__("只能编辑本部门的知识条目 / you may edit only your own department's articles")


class StaleArticle(Conflict):
    def __init__(self, current: int) -> None:
        super().__init__(f"条目已被他人修改（当前第 {current} 版），请刷新后再改 / changed meanwhile (version "
                         f"{current}): reload first")


class DraftCannotAnswer(Conflict):
    def __init__(self) -> None:
        super().__init__("草稿不能用于答复，请先发布 / a draft answers nobody: publish it first")


class InvalidArticle(InvalidInput):
    pass


class TemplateNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("未找到该答复口径 / no such reply template")


class UnknownPlaceholder(InvalidInput):
    def __init__(self, names: list[str]) -> None:
        known = "、".join("{" + p + "}" for p in PLACEHOLDERS)
        super().__init__(f"未知占位符 {'、'.join('{' + n + '}' for n in names)}，可用：{known} / "
                         "unknown placeholders")


# --- who may do what ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """Who asks: a staff role (and a dispatcher's department), or PUBLIC_READER for citizens."""

    role: str
    department: str | None = None
    username: str | None = None

    @property
    def sees_everything(self) -> bool:
        return self.role in EVERYTHING

    def may_read(self, status: ArticleStatus, department: str) -> bool:
        if self.role == PUBLIC_READER:
            return status is ArticleStatus.public
        if self.role not in STAFF_READERS:
            return False
        if status is not ArticleStatus.draft or self.sees_everything:
            return True
        return self.role == "dispatcher" and self.department == department

    def may_edit(self, department: str) -> bool:
        """The owning department's dispatchers edit its articles; supervisors and administrators any;
        other departments read them (when not drafts) and never edit."""
        return self.sees_everything or (self.role == "dispatcher" and self.department == department)


# --- articles ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleContent:
    """What an author writes; checked once here, the same for a new article and a revision."""

    title: str
    question: str
    answer: str
    department: str
    status: ArticleStatus = ArticleStatus.draft
    category: str | None = None
    subcategory: str | None = None
    legal_basis: str | None = None
    keywords: tuple[str, ...] = ()
    review_by: date | None = None

    def checked(self) -> ArticleContent:
        title, question, answer = self.title.strip(), self.question.strip(), self.answer.strip()
        if not title or len(title) > TITLE_MAX:
            raise InvalidArticle(f"标题须为 1–{TITLE_MAX} 字 / a title of 1–{TITLE_MAX} characters")
        if not answer or len(answer) > TEXT_MAX or len(question) > TEXT_MAX:
            raise InvalidArticle("答复内容不能为空，且不超过 2 万字 / an answer of 1–20000 characters")
        if not is_known_type(self.category, self.subcategory):
            raise InvalidArticle("未知的投诉类型 / unknown type or subtype")
        words = tuple(dict.fromkeys(w.strip() for w in self.keywords if w.strip()))
        if len(words) > KEYWORDS_MAX or any(len(w) > 40 for w in words):
            raise InvalidArticle(f"关键词最多 {KEYWORDS_MAX} 个，每个不超过 40 字 / at most {KEYWORDS_MAX} keywords")
        basis = (self.legal_basis or "").strip() or None
        return ArticleContent(title, question, answer, self.department, ArticleStatus(self.status), self.category,
                              self.subcategory, basis, words, self.review_by)


@dataclass(frozen=True)
class ArticleVersion:
    """One version as it was written: the whole content, who wrote it and when (the audit trail)."""

    version: int
    content: ArticleContent
    changed_by: str
    changed_at: datetime
    note: str | None = None


@dataclass(eq=False)
class Article(Aggregate):
    article_id: str
    content: ArticleContent
    version: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    # Every version, oldest first. Loaded for one article; empty when articles are read for searching.
    history: list[ArticleVersion] = field(default_factory=list)

    @classmethod
    def write(cls, content: ArticleContent, *, by: Reader, at: datetime, known_department: bool) -> Article:
        if not known_department:
            raise InvalidArticle("未知的维护部门 / unknown owning department")
        if not by.may_edit(content.department):
            raise NotTheOwner()
        checked = content.checked()
        who = by.username or by.role
        article = cls(article_id=str(uuid.uuid4()), content=checked, version=1, created_by=who, created_at=at,
                      updated_by=who, updated_at=at, history=[ArticleVersion(1, checked, who, at, "新建")])
        article._written()
        return article

    def revise(self, content: ArticleContent, *, by: Reader, at: datetime, known_department: bool,
               expected_version: int | None = None, note: str | None = None) -> bool:
        """A new version (False when nothing changed). Moving an article to another department needs the
        right to edit in both: a dispatcher cannot give their article away, nor take another's."""
        if not by.may_edit(self.content.department):
            raise NotTheOwner()
        if expected_version is not None and expected_version != self.version:
            raise StaleArticle(self.version)
        if content.department != self.content.department:
            if not known_department:
                raise InvalidArticle("未知的维护部门 / unknown owning department")
            if not by.may_edit(content.department):
                raise NotTheOwner()
        checked = content.checked()
        if checked == self.content:
            return False
        who = by.username or by.role
        self.content, self.version, self.updated_by, self.updated_at = checked, self.version + 1, who, at
        self.history.append(ArticleVersion(self.version, checked, who, at, (note or "").strip()[:200] or None))
        self._written()
        return True

    def _written(self) -> None:
        """Each version tells notify its owner, status and review date (知识库维护及时率, docs/assessment.md)."""
        c = self.content
        self.record(KnowledgeArticleWrittenV1, title=c.title, department=c.department, status=c.status.value,
                    category=c.category, subcategory=c.subcategory, review_by=c.review_by,
                    changed_by=self.updated_by, changed_at=self.updated_at)

    def readable_by(self, reader: Reader) -> bool:
        return reader.may_read(self.content.status, self.content.department)

    def review_state(self, today: date, soon: timedelta = REVIEW_SOON) -> str | None:
        """'overdue' past its review date, 'due_soon' within `soon` of it, else None."""
        due = self.content.review_by
        if due is None:
            return None
        if due < today:
            return "overdue"
        return "due_soon" if due <= today + soon else None


# --- 直接办结: a consultation answered on the spot ---------------------------------------------------


@dataclass(frozen=True)
class Consultation:
    """A caller's pure question, answered with an article and closed at once. Not a complaint: it has no
    tracking code, goes to no department and is in no target's denominator."""

    consultation_id: str
    question: str
    article_id: str
    article_version: int
    answered_by: str
    channel: str
    answered_at: datetime

    @classmethod
    def answer(cls, question: str, article: Article, *, by: Reader, channel: str, at: datetime) -> Consultation:
        question = question.strip()
        if not 2 <= len(question) <= QUESTION_MAX:
            raise InvalidArticle(f"请记录来电人的问题（2–{QUESTION_MAX} 字） / the caller's question, "
                                 f"2–{QUESTION_MAX} characters")
        if not article.readable_by(by):
            raise ArticleNotFound()
        if article.content.status is ArticleStatus.draft:
            raise DraftCannotAnswer()
        consultation = cls(str(uuid.uuid4()), question, article.article_id, article.version,
                           by.username or by.role, channel, at)
        c = article.content
        # counted by notify's report of 直接办结 (docs/knowledge.md); the caller's question stays in intake
        article.record(ConsultationAnsweredV1, consultation_id=consultation.consultation_id,
                       article_version=article.version, article_title=c.title, department=c.department,
                       category=c.category, subcategory=c.subcategory, answered_by=consultation.answered_by,
                       channel=channel, answered_at=at)
        return consultation


# --- 答复口径: reply templates --------------------------------------------------------------------------

# What a template may say in braces, and what fills it (the case's facts).
PLACEHOLDERS: dict[str, str] = {
    "tracking_code": "查询码", "received_at": "受理日期", "town": "镇街", "address": "地址",
    "department": "承办单位", "type": "投诉类型", "today": "今天",
}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")
BLANK = "＿＿＿"  # a fact the case does not have: a blank the dispatcher fills in by hand


def placeholders_in(text: str) -> list[str]:
    return list(dict.fromkeys(_PLACEHOLDER.findall(text)))


@dataclass(eq=False)
class ReplyTemplate(Aggregate):
    template_id: str
    name: str
    body: str
    updated_by: str
    updated_at: datetime
    category: str | None = None  # None: for any type
    subcategory: str | None = None  # None: for the whole type
    legal_basis: str | None = None
    active: bool = True
    version: int = 1

    @classmethod
    def write(cls, *, name: str, body: str, category: str | None, subcategory: str | None,
              legal_basis: str | None, by: str, at: datetime) -> ReplyTemplate:
        template = cls(str(uuid.uuid4()), "", "", by, at, version=0)
        template.revise(name=name, body=body, category=category, subcategory=subcategory, legal_basis=legal_basis,
                        active=True, by=by, at=at)
        return template

    def revise(self, *, name: str, body: str, category: str | None, subcategory: str | None,
               legal_basis: str | None, active: bool, by: str, at: datetime) -> None:
        name, body = name.strip(), body.strip()
        if not name or len(name) > TITLE_MAX or not body or len(body) > TEXT_MAX:
            raise InvalidArticle("口径名称和正文不能为空 / a name and a body")
        if not is_known_type(category, subcategory):
            raise InvalidArticle("未知的投诉类型 / unknown type or subtype")
        unknown = [p for p in placeholders_in(body) if p not in PLACEHOLDERS]
        if unknown:
            raise UnknownPlaceholder(unknown)
        self.name, self.body, self.category, self.subcategory = name, body, category, subcategory
        self.legal_basis = (legal_basis or "").strip() or None
        self.active, self.updated_by, self.updated_at, self.version = active, by, at, self.version + 1

    def fits(self, category: str | None, subcategory: str | None) -> int | None:
        """How closely it fits a case's type (0 the subtype's own, 1 the type's, 2 any type), None if not."""
        if self.category is None:
            return 2
        if self.category != category:
            return None
        if self.subcategory is None:
            return 1
        return 0 if self.subcategory == subcategory else None

    def render(self, facts: Mapping[str, str | None]) -> tuple[str, list[str]]:
        """The body with each placeholder replaced by its fact; missing facts become blanks (and are named)."""
        missing: list[str] = []

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            value = facts.get(name)
            if name not in PLACEHOLDERS:
                return match.group(0)
            if not value:
                missing.append(name)
                return BLANK
            return value

        text = _PLACEHOLDER.sub(fill, self.body)
        if self.legal_basis and self.legal_basis not in text:
            text = f"{text}\n依据：{self.legal_basis}"
        return text, list(dict.fromkeys(missing))


# --- commands and queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteArticle:
    """A new article (article_id None) or a new version of one; `expected_version` refuses a stale edit."""

    content: ArticleContent
    by: Reader
    article_id: str | None = None
    expected_version: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class GetArticle:
    article_id: str
    reader: Reader


@dataclass(frozen=True)
class SearchArticles:
    """Query: ranked articles for the words typed (none: the newest), those the reader may see."""

    reader: Reader
    text: str = ""
    status: ArticleStatus | None = None
    department: str | None = None
    category: str | None = None
    limit: int = 20


@dataclass(frozen=True)
class ListReviews:
    """Query (复核提醒): articles past their review date or due within `within_days`; a dispatcher's own."""

    reader: Reader
    within_days: int = 30


@dataclass(frozen=True)
class AnswerConsultation:
    question: str
    article_id: str
    by: Reader
    channel: str = "hotline"


@dataclass(frozen=True)
class ListTemplates:
    category: str | None = None
    subcategory: str | None = None
    include_inactive: bool = False


@dataclass(frozen=True)
class WriteTemplate:
    name: str
    body: str
    by: str
    category: str | None = None
    subcategory: str | None = None
    legal_basis: str | None = None
    active: bool = True
    template_id: str | None = None


@dataclass(frozen=True)
class RenderTemplate:
    """The template's text for a case (its facts from the complaint) and/or facts given by hand."""

    template_id: str
    reader: Reader
    complaint_id: str | None = None
    facts: Mapping[str, str] = field(default_factory=dict)
