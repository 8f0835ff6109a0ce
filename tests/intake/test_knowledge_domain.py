"""The knowledge base's rules without a database: who reads and edits, versions, the ranking, templates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.intake.domain.knowledge import (
    Article,
    ArticleContent,
    ArticleStatus,
    NotTheOwner,
    Reader,
    ReplyTemplate,
    StaleArticle,
    UnknownPlaceholder,
)
from services.intake.domain.knowledge_search import KnowledgeIndex, words
from shared.clock import SHANGHAI

AT = datetime(2026, 11, 26, 10, tzinfo=SHANGHAI)
OWNER = Reader("dispatcher", "housing_construction", "dispatcher-housing_construction")
ADMIN = Reader("admin", username="admin")


def article(title: str, answer: str = "答复", *, status: ArticleStatus = ArticleStatus.internal,
            keywords: tuple[str, ...] = (), department: str = "housing_construction") -> Article:
    content = ArticleContent(title=title, question="", answer=answer, department=department, status=status,
                             keywords=keywords)
    return Article.write(content, by=ADMIN, at=AT, known_department=True)


def test_who_reads_what():
    draft, internal, public = (article("x", status=s) for s in ArticleStatus)
    operator, other = Reader("operator"), Reader("dispatcher", "ecology_env")
    citizen, grid = Reader("public"), Reader("grid_worker")
    assert [a.readable_by(operator) for a in (draft, internal, public)] == [False, True, True]
    assert [a.readable_by(other) for a in (draft, internal, public)] == [False, True, True]
    assert [a.readable_by(OWNER) for a in (draft, internal, public)] == [True, True, True]
    assert [a.readable_by(citizen) for a in (draft, internal, public)] == [False, False, True]
    assert not any(a.readable_by(grid) for a in (draft, internal, public))


def test_a_revision_is_a_new_version_by_its_owner_only():
    made = article("工地夜间施工")
    changed = ArticleContent(title="工地夜间施工（修订）", question="", answer="新答复",
                             department="housing_construction")
    with pytest.raises(NotTheOwner):
        made.revise(changed, by=Reader("dispatcher", "ecology_env", "x"), at=AT, known_department=True)
    with pytest.raises(StaleArticle):
        made.revise(changed, by=OWNER, at=AT, known_department=True, expected_version=2)
    assert made.revise(changed, by=OWNER, at=AT, known_department=True, expected_version=1, note="修订")
    assert [(v.version, v.changed_by, v.note) for v in made.history] == [
        (1, "admin", "新建"), (2, "dispatcher-housing_construction", "修订")]
    assert not made.revise(changed, by=OWNER, at=AT, known_department=True)  # the same again: no version


def test_review_state_by_the_date():
    made = article("x")
    made.content = ArticleContent(**{**vars(made.content), "review_by": date(2026, 12, 1)})
    assert made.review_state(date(2026, 10, 31)) is None
    assert made.review_state(date(2026, 11, 20)) == "due_soon"
    assert made.review_state(date(2026, 12, 2)) == "overdue"


def test_unknown_words_are_still_words_and_the_word_being_typed_is_a_prefix():
    assert "扬尘" in words("扬尘污染的投诉渠道")  # jieba gives 扬, 尘: the run is joined
    dust = article("扬尘污染的投诉渠道", "工地扬尘由区住房城乡建委查处")
    fumes = article("餐饮油烟扰民怎么处理", "餐饮油烟由区城市管理局查处", keywords=("饭店",))
    index = KnowledgeIndex([dust, fumes])
    assert [h.article for h in index.search("工地扬")] == [dust]
    assert [h.article for h in index.search("扬")] == [dust]
    assert index.search("扬 ") == []  # a finished single character is no prefix, and matches nothing alone
    assert [h.article for h in index.search("楼下饭店太吵")] == [fumes] and "饭店" in index.search("饭店")[0].terms
    assert index.search("快递丢件") == []  # single characters (件) do not match on their own


def test_a_rebuild_segments_only_what_changed():
    first = article("餐饮油烟扰民怎么处理")
    index = KnowledgeIndex([first])
    first.revise(ArticleContent(title="光伏板反光", question="", answer="答复", department="housing_construction"),
                 by=ADMIN, at=AT, known_department=True)
    assert [h.article for h in KnowledgeIndex([first], previous=index).search("光伏板反光")] == [first]


def test_a_template_fills_the_facts_it_has_and_blanks_the_rest():
    body = "您于{received_at}反映的{address}问题（{tracking_code}）已办理。"
    template = ReplyTemplate.write(name="施工噪声", body=body, category="noise", subcategory="construction",
                                   legal_basis="噪声法第四十三条",
                                   by="supervisor", at=AT)
    text, missing = template.render({"address": "学士路 18 号", "tracking_code": "HC261126-7KQ2XM4P"})
    assert text == "您于＿＿＿反映的学士路 18 号问题（HC261126-7KQ2XM4P）已办理。\n依据：噪声法第四十三条"
    assert missing == ["received_at"]
    assert (template.fits("noise", "construction"), template.fits("noise", "industrial"), template.fits("odor", None)) \
        == (0, None, None)
    with pytest.raises(UnknownPlaceholder):
        ReplyTemplate.write(name="x", body="{phone}", category=None, subcategory=None, legal_basis=None, by="s", at=AT)
