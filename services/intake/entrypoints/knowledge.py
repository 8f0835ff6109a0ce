"""The knowledge base's routes (/api/v1/knowledge): staff search and edit articles, operators close a pure
consultation on the spot (直接办结), citizens search public articles, the desk fills a reply template.

Who may do what (shared/access_matrix.py): operators, dispatchers, supervisors and administrators read
(drafts only the owners and supervisors); the owning department's dispatchers, supervisors and administrators
edit; citizens read public articles without signing in.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from services.intake.domain.knowledge import (
    PLACEHOLDERS,
    PUBLIC_READER,
    STATUS_LABELS,
    AnswerConsultation,
    Article,
    ArticleContent,
    ArticleStatus,
    Consultation,
    GetArticle,
    ListReviews,
    ListTemplates,
    Reader,
    RenderTemplate,
    ReplyTemplate,
    SearchArticles,
    WriteArticle,
    WriteTemplate,
)
from services.intake.domain.knowledge_search import Hit
from services.intake.domain.status import type_label
from services.intake.service_layer.knowledge import ArticleDetail, ArticleList, Rendered, ReviewList
from shared.auth import Principal
from shared.clock import SHANGHAI
from shared.http import auth_deps, error_responses
from shared.messagebus import MessageBus

ArticleId = Annotated[str, Path(max_length=36)]
SearchText = Annotated[str, Query(max_length=200, description="来电人的话或关键词（分词检索）")]
STAFF = ("operator", "dispatcher", "supervisor", "admin")
EDITORS = ("dispatcher", "supervisor", "admin")


# --- schemas ---------------------------------------------------------------------------------------------


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    question: str = Field(default="", max_length=20_000)
    answer: str = Field(min_length=1, max_length=20_000)
    department: str = Field(min_length=1, max_length=60, description="维护部门（谁提供、谁维护、谁更新）")
    status: ArticleStatus = ArticleStatus.draft
    category: str | None = Field(default=None, max_length=40)
    subcategory: str | None = Field(default=None, max_length=40)
    legal_basis: str | None = Field(default=None, max_length=20_000, description="法律依据")
    keywords: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=30)
    review_by: date | None = Field(default=None, description="复核日期")
    version: int | None = Field(default=None, ge=1, description="编辑时所依据的版本：他人已改过则 409")
    note: str | None = Field(default=None, max_length=200, description="修改说明")

    def content(self) -> ArticleContent:
        return ArticleContent(title=self.title, question=self.question, answer=self.answer,
                              department=self.department, status=self.status, category=self.category or None,
                              subcategory=self.subcategory or None, legal_basis=self.legal_basis,
                              keywords=tuple(self.keywords), review_by=self.review_by)


class ConsultationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    question: str = Field(min_length=2, max_length=2000, description="来电人的问题")
    article_id: str = Field(max_length=36, description="答复所依据的知识条目")


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000, description="正文，可含占位符如 {tracking_code}")
    category: str | None = Field(default=None, max_length=40)
    subcategory: str | None = Field(default=None, max_length=40)
    legal_basis: str | None = Field(default=None, max_length=20_000)
    active: bool = True


class RenderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    complaint_id: str | None = Field(default=None, max_length=36, description="案件：其事实填入占位符")
    facts: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=500)]] = Field(
        default_factory=dict, max_length=20, description="手工给出的事实，优先于案件的")


# --- JSON ----------------------------------------------------------------------------------------------------


def _iso(value: datetime) -> str:
    return value.astimezone(SHANGHAI).isoformat()


def _article(article: Article, reader: Reader, names: dict[str, str], today: date) -> dict[str, Any]:
    c = article.content
    return {
        "id": article.article_id, "title": c.title, "question": c.question, "answer": c.answer,
        "department": c.department, "department_name": names.get(c.department, c.department),
        "status": c.status.value, "status_label": STATUS_LABELS[c.status], "category": c.category,
        "subcategory": c.subcategory, "type_label": type_label(c.category, c.subcategory),
        "legal_basis": c.legal_basis, "keywords": list(c.keywords),
        "review_by": c.review_by.isoformat() if c.review_by else None, "review_state": article.review_state(today),
        "version": article.version, "updated_by": article.updated_by, "updated_at": _iso(article.updated_at),
        "editable": reader.may_edit(c.department),
    }


def _public(article: Article, names: dict[str, str]) -> dict[str, Any]:
    """What a citizen reads: no draft, no staff names."""
    c = article.content
    return {"id": article.article_id, "title": c.title, "question": c.question, "answer": c.answer,
            "type_label": type_label(c.category, c.subcategory), "legal_basis": c.legal_basis,
            "department_name": names.get(c.department, c.department), "updated_at": _iso(article.updated_at)}


def _hit(hit: Hit, payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "score": hit.score, "terms": list(hit.terms), "snippet": hit.snippet}


def _template(template: ReplyTemplate) -> dict[str, Any]:
    return {"id": template.template_id, "name": template.name, "category": template.category,
            "subcategory": template.subcategory, "type_label": type_label(template.category, template.subcategory),
            "body": template.body, "legal_basis": template.legal_basis, "active": template.active,
            "version": template.version, "updated_by": template.updated_by, "updated_at": _iso(template.updated_at)}


def _detail(found: ArticleDetail, reader: Reader) -> dict[str, Any]:
    """One article with its versions, newest first (who and when), and how often it closed a consultation."""
    names = {found.article.content.department: found.department_name}
    return {**_article(found.article, reader, names, found.today), "answered": found.answered,
            "versions": [{"version": v.version, "changed_by": v.changed_by, "changed_at": _iso(v.changed_at),
                          "note": v.note, "status": v.content.status.value, "title": v.content.title}
                         for v in reversed(found.article.history)]}


def _reader(principal: Principal) -> Reader:
    return Reader(role=principal.role, department=principal.department, username=principal.username)


# --- routes -------------------------------------------------------------------------------------------------


def build_knowledge_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])
    auth = auth_deps(jwt_key)
    staff = auth.role(*STAFF)
    editors = auth.role(*EDITORS)
    supervisors = auth.role("supervisor")  # and admin
    callers = auth.role("operator", "supervisor")  # and admin
    public = Reader(PUBLIC_READER)

    @router.get("/articles", summary="知识库检索 / search the knowledge base (staff)")
    def search(q: SearchText = "", status: ArticleStatus | None = None,
               department: Annotated[str | None, Query(max_length=60)] = None,
               category: Annotated[str | None, Query(max_length=40)] = None,
               limit: Annotated[int, Query(ge=1, le=100)] = 20,
               principal: Principal = Depends(staff)) -> dict[str, Any]:
        """Ranked by BM25 over jieba's words (title and keywords weigh most; the last word typed also matches
        as a prefix); without `q`, the newest. Each item has `terms` (the words found, to highlight) and
        `snippet`. Drafts only for their department, supervisors and administrators."""
        reader = _reader(principal)
        found: ArticleList = bus.handle(SearchArticles(reader, q, status, department, category, limit))
        return {"items": [_hit(h, _article(h.article, reader, found.departments, found.today)) for h in found.hits],
                "departments": [{"code": code, "name": name} for code, name in found.departments.items()]}

    @router.post("/articles", status_code=201, responses=error_responses(403),
                 summary="新建知识条目 / write an article (its department's staff, supervisors)")
    def create(body: ArticleIn, principal: Principal = Depends(editors)) -> dict[str, Any]:
        reader = _reader(principal)
        return _detail(bus.handle(WriteArticle(body.content(), reader, note=body.note)), reader)

    @router.get("/articles/{article_id}", responses=error_responses(404),
                summary="知识条目及其版本 / one article with its versions")
    def detail(article_id: ArticleId, principal: Principal = Depends(staff)) -> dict[str, Any]:
        reader = _reader(principal)
        return _detail(bus.handle(GetArticle(article_id, reader)), reader)

    @router.put("/articles/{article_id}", responses=error_responses(403, 404, 409),
                summary="修改知识条目（新版本） / a new version of an article")
    def update(article_id: ArticleId, body: ArticleIn, principal: Principal = Depends(editors)) -> dict[str, Any]:
        """Its department's dispatchers, supervisors and administrators; with `version`, an edit made on an
        older version than the current one is refused (409) rather than overwriting someone's change."""
        reader = _reader(principal)
        return _detail(bus.handle(WriteArticle(body.content(), reader, article_id, body.version, body.note)), reader)

    @router.get("/reviews", summary="复核提醒 / articles past or near their review date")
    def reviews(within_days: Annotated[int, Query(ge=0, le=366)] = 30,
                principal: Principal = Depends(editors)) -> dict[str, Any]:
        """A dispatcher's own department's; supervisors and administrators see every department's."""
        reader = _reader(principal)
        found: ReviewList = bus.handle(ListReviews(reader, within_days))
        return {"items": [{**_article(r.article, reader, found.departments, found.today), "review_state": r.state}
                          for r in found.reviews]}

    @router.post("/consultations", status_code=201, responses=error_responses(404, 409),
                 summary="咨询直接办结 / a consultation answered with an article on the spot")
    def consult(body: ConsultationIn, principal: Principal = Depends(callers)) -> dict[str, Any]:
        """Recorded with the article (and its version) and the operator; not a complaint: no tracking code,
        never routed, outside the three targets (docs/knowledge.md)."""
        done: Consultation = bus.handle(AnswerConsultation(body.question, body.article_id, _reader(principal)))
        return {"id": done.consultation_id, "article_id": done.article_id, "article_version": done.article_version,
                "answered_by": done.answered_by, "channel": done.channel, "answered_at": _iso(done.answered_at),
                "status": "closed"}

    @router.get("/public", summary="公开知识检索 / search the public articles (no sign-in)")
    def public_search(q: SearchText = "", limit: Annotated[int, Query(ge=1, le=50)] = 10) -> dict[str, Any]:
        found: ArticleList = bus.handle(SearchArticles(public, q, limit=limit))
        return {"items": [_hit(h, _public(h.article, found.departments)) for h in found.hits]}

    @router.get("/public/{article_id}", responses=error_responses(404), summary="公开知识条目 / one public article")
    def public_detail(article_id: ArticleId) -> dict[str, Any]:
        found: ArticleDetail = bus.handle(GetArticle(article_id, public))
        return _public(found.article, {found.article.content.department: found.department_name})

    @router.get("/templates", summary="答复口径 / reply templates that fit a type")
    def templates(category: Annotated[str | None, Query(max_length=40)] = None,
                  subcategory: Annotated[str | None, Query(max_length=40)] = None,
                  include_inactive: bool = False, _principal: Principal = Depends(editors)) -> dict[str, Any]:
        """The closest first: the subtype's own, then the type's, then those for any type."""
        found: list[ReplyTemplate] = bus.handle(ListTemplates(category, subcategory, include_inactive))
        return {"items": [_template(t) for t in found],
                "placeholders": [{"name": name, "label": label} for name, label in PLACEHOLDERS.items()]}

    @router.post("/templates", status_code=201, summary="新建答复口径 / write a reply template (supervisors)")
    def create_template(body: TemplateIn, principal: Principal = Depends(supervisors)) -> dict[str, Any]:
        template: ReplyTemplate = bus.handle(WriteTemplate(
            name=body.name, body=body.body, by=principal.username, category=body.category or None,
            subcategory=body.subcategory or None, legal_basis=body.legal_basis, active=body.active))
        return _template(template)

    @router.put("/templates/{template_id}", responses=error_responses(404),
                summary="修改答复口径 / change a reply template (supervisors)")
    def update_template(template_id: Annotated[str, Path(max_length=36)], body: TemplateIn,
                        principal: Principal = Depends(supervisors)) -> dict[str, Any]:
        template: ReplyTemplate = bus.handle(WriteTemplate(
            name=body.name, body=body.body, by=principal.username, category=body.category or None,
            subcategory=body.subcategory or None, legal_basis=body.legal_basis, active=body.active,
            template_id=template_id))
        return _template(template)

    @router.post("/templates/{template_id}/render", responses=error_responses(404),
                 summary="按案件填写答复口径 / a reply template filled with a case's facts")
    def render(template_id: Annotated[str, Path(max_length=36)], body: RenderIn,
               principal: Principal = Depends(editors)) -> dict[str, Any]:
        """Placeholders ({tracking_code}, {received_at}, {town}, {address}, {department}, {type}, {today})
        take the case's facts (a dispatcher: only a case with the own department), then `facts` given by hand;
        what neither has becomes a blank, named in `missing`. The legal basis is appended when the body does
        not quote it."""
        done: Rendered = bus.handle(RenderTemplate(template_id, _reader(principal), body.complaint_id, body.facts))
        return {"template_id": done.template.template_id, "text": done.text, "missing": done.missing,
                "legal_basis": done.template.legal_basis}

    return router
