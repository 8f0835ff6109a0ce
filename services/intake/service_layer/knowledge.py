"""The knowledge base's handlers: articles written and searched, consultations closed on the spot (直接办结),
reply templates listed and filled from a case. Registered in `handlers.py`'s tables under `COMMANDS`.

Searching uses an in-memory index of every article (`KnowledgeIndexCache`, a port: one per process). Each
search first asks the database for a stamp of the articles (their count and the sum of their versions, one
cheap query); when it differs from the index's, the index is rebuilt. So an edit made through any replica
is found by the next search everywhere, and nothing is rebuilt while nothing changes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.intake.domain.complaint import Complaint
from services.intake.domain.errors import ComplaintNotFound
from services.intake.domain.knowledge import (
    AnswerConsultation,
    Article,
    ArticleNotFound,
    Consultation,
    GetArticle,
    ListReviews,
    ListTemplates,
    RenderTemplate,
    ReplyTemplate,
    SearchArticles,
    TemplateNotFound,
    WriteArticle,
    WriteTemplate,
)
from services.intake.domain.knowledge_search import Hit, KnowledgeIndex, snippet
from services.intake.domain.status import type_label
from services.intake.service_layer.uow import IntakeUnitOfWork
from shared.clock import SHANGHAI
from shared.contracts.codes import DEPARTMENTS, TOWNS

audit = logging.getLogger("complaints.audit")


class KnowledgeIndexCache:
    """The process's search index and the stamp of the articles it was built from."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._index = KnowledgeIndex(())

    def current(self, uow: IntakeUnitOfWork) -> KnowledgeIndex:
        stamp = uow.articles.stamp()
        with self._lock:
            if stamp != self._stamp:
                self._index = KnowledgeIndex(uow.articles.every(), previous=self._index)
                self._stamp = stamp
            return self._index


@dataclass(frozen=True)
class ArticleDetail:
    article: Article
    answered: int  # consultations closed with it (直接办结)
    department_name: str
    today: date  # by the service's clock: what review dates are judged against


@dataclass(frozen=True)
class Review:
    article: Article
    state: str  # overdue | due_soon


@dataclass(frozen=True)
class Rendered:
    template: ReplyTemplate
    text: str
    missing: list[str]


def department_names(uow: IntakeUnitOfWork) -> dict[str, str]:
    """Every department's name: routing's directory as intake last heard it, over the built-in list (which
    is all there is before routing's first snapshot arrives)."""
    directory = uow.department_names.directory()
    return {**DEPARTMENTS, **{code: directory.name_of(code) or code for code in directory.codes()}}


def _known_department(uow: IntakeUnitOfWork, code: str) -> bool:
    return code in department_names(uow)


@dataclass(frozen=True)
class ArticleList:
    hits: list[Hit]
    departments: dict[str, str]  # code → name, of every department (for the page's filters and forms)
    today: date


def _today(uow: IntakeUnitOfWork) -> date:
    return uow.clock.now().astimezone(SHANGHAI).date()


def _detail(article: Article, uow: IntakeUnitOfWork) -> ArticleDetail:
    name = department_names(uow).get(article.content.department, article.content.department)
    return ArticleDetail(article, uow.consultations.answered_with(article.article_id), name, _today(uow))


def write_article(cmd: WriteArticle, uow: IntakeUnitOfWork) -> ArticleDetail:
    now = uow.clock.now()
    known = _known_department(uow, cmd.content.department)
    if cmd.article_id is None:
        article = Article.write(cmd.content, by=cmd.by, at=now, known_department=known)
        uow.articles.add(article)
        changed = True
    else:
        found = uow.articles.get(cmd.article_id, for_update=True)
        if found is None or not found.readable_by(cmd.by):
            raise ArticleNotFound()
        article = found
        changed = article.revise(cmd.content, by=cmd.by, at=now, known_department=known,
                                 expected_version=cmd.expected_version, note=cmd.note)
    uow.commit()
    if changed:
        audit.info("knowledge article %s version %d written by %s (%s, %s)", article.article_id, article.version,
                   article.updated_by, article.content.department, article.content.status.value)
    return _detail(article, uow)


def get_article(query: GetArticle, uow: IntakeUnitOfWork) -> ArticleDetail:
    article = uow.articles.get(query.article_id)
    if article is None or not article.readable_by(query.reader):
        raise ArticleNotFound()
    return _detail(article, uow)


def search_articles(query: SearchArticles, uow: IntakeUnitOfWork,
                    knowledge_index: KnowledgeIndexCache) -> ArticleList:
    index = knowledge_index.current(uow)
    limit = min(max(query.limit, 1), 100)

    def allowed(article: Article) -> bool:
        c = article.content
        return (article.readable_by(query.reader) and (query.status is None or c.status == query.status)
                and (query.department is None or c.department == query.department)
                and (query.category is None or c.category == query.category))

    if query.text.strip():
        hits = index.search(query.text, allowed=allowed, limit=limit)
    else:
        newest = sorted((d.article for d in index.docs if allowed(d.article)), key=lambda a: a.updated_at,
                        reverse=True)
        hits = [Hit(a, 0.0, (), snippet(a.content.answer, ())) for a in newest[:limit]]
    return ArticleList(hits, department_names(uow), _today(uow))


@dataclass(frozen=True)
class ReviewList:
    reviews: list[Review]
    departments: dict[str, str]
    today: date


def list_reviews(query: ListReviews, uow: IntakeUnitOfWork, knowledge_index: KnowledgeIndexCache) -> ReviewList:
    """复核提醒: past or near their review date, the most overdue first; a dispatcher sees the own department's."""
    today = _today(uow)
    soon = timedelta(days=min(max(query.within_days, 0), 366))
    found = []
    for doc in knowledge_index.current(uow).docs:
        article = doc.article
        if not query.reader.sees_everything and article.content.department != query.reader.department:
            continue
        state = article.review_state(today, soon)
        if state is not None:
            found.append(Review(article, state))
    found.sort(key=lambda r: (r.article.content.review_by or today, r.article.content.title))
    return ReviewList(found, department_names(uow), today)


def answer_consultation(cmd: AnswerConsultation, uow: IntakeUnitOfWork) -> Consultation:
    """直接办结: recorded, never received as a complaint, so routing never sees it and no target counts it."""
    article = uow.articles.get(cmd.article_id)
    if article is None:
        raise ArticleNotFound()
    consultation = Consultation.answer(cmd.question, article, by=cmd.by, channel=cmd.channel, at=uow.clock.now())
    uow.consultations.add(consultation)
    uow.commit()
    return consultation


def list_templates(query: ListTemplates, uow: IntakeUnitOfWork) -> list[ReplyTemplate]:
    """The templates that fit the type, the closest first (the subtype's own, the type's, any type's)."""
    found = []
    for template in uow.reply_templates.every():
        if not template.active and not query.include_inactive:
            continue
        if query.category is None:
            found.append((0, template))
            continue
        fit = template.fits(query.category, query.subcategory)
        if fit is not None:
            found.append((fit, template))
    return [t for _, t in sorted(found, key=lambda pair: (pair[0], pair[1].name))]


def write_template(cmd: WriteTemplate, uow: IntakeUnitOfWork) -> ReplyTemplate:
    now = uow.clock.now()
    if cmd.template_id is None:
        template = ReplyTemplate.write(name=cmd.name, body=cmd.body, category=cmd.category,
                                       subcategory=cmd.subcategory, legal_basis=cmd.legal_basis, by=cmd.by, at=now)
        uow.reply_templates.add(template)
    else:
        found = uow.reply_templates.get(cmd.template_id)
        if found is None:
            raise TemplateNotFound()
        template = found
        template.revise(name=cmd.name, body=cmd.body, category=cmd.category, subcategory=cmd.subcategory,
                        legal_basis=cmd.legal_basis, active=cmd.active, by=cmd.by, at=now)
    uow.commit()
    audit.info("reply template %s version %d written by %s", template.template_id, template.version, cmd.by)
    return template


def render_template(query: RenderTemplate, uow: IntakeUnitOfWork) -> Rendered:
    """The template filled with the case's facts; facts given by hand win. A dispatcher renders only for a
    case with the own department (another's is not found, as on the desk)."""
    template = uow.reply_templates.get(query.template_id)
    if template is None:
        raise TemplateNotFound()
    facts: dict[str, str | None] = {"today": f"{uow.clock.now().astimezone(SHANGHAI):%Y年%-m月%-d日}"}
    if query.complaint_id is not None:
        complaint = uow.complaints.get(query.complaint_id)
        reader = query.reader
        if complaint is None or (reader.role == "dispatcher" and complaint.department != reader.department):
            raise ComplaintNotFound()
        names = department_names(uow)
        facts |= case_facts(complaint, lambda code: names.get(code) if code else None)
    facts |= {k: v for k, v in query.facts.items() if v}
    text, missing = template.render(facts)
    return Rendered(template, text, missing)


def case_facts(complaint: Complaint, department_name: Callable[[str | None], str | None]) -> dict[str, str | None]:
    town = TOWNS.get(complaint.town) if complaint.town else None
    return {
        "tracking_code": complaint.tracking_code,
        "received_at": f"{complaint.received_at.astimezone(SHANGHAI):%Y年%-m月%-d日}",
        "town": town.name if town else complaint.town,
        "address": complaint.address,
        "department": department_name(complaint.department),
        "type": type_label(complaint.category, complaint.subcategory),
    }


COMMANDS: dict[type, Callable[..., Any]] = {
    WriteArticle: write_article,
    GetArticle: get_article,
    SearchArticles: search_articles,
    ListReviews: list_reviews,
    AnswerConsultation: answer_consultation,
    ListTemplates: list_templates,
    WriteTemplate: write_template,
    RenderTemplate: render_template,
}
