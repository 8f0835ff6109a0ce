"""知识库维护及时率 and 直接办结 computed exactly on a seeded month (services/notify/domain/knowledge.py): which review
dates count, whose they are, on time or not by the Chongqing day, towns without articles left without data; and the
consultations counted per month, type, article, operator and channel."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.notify.domain.assessment import AssessmentPolicy, assess
from services.notify.domain.disclosure import Month
from services.notify.domain.knowledge import (
    ArticleVersionFact,
    ConsultationRecord,
    ReviewDue,
    consultation_report,
    judge_upkeep,
    reviews_due,
    upkeep_by_department,
)
from services.notify.domain.metrics import Period
from services.notify.settings import NotifySettings
from shared.clock import SHANGHAI

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
ECO, URBAN, TOWN = "ecology_env", "urban_management", "town_taihe"


def at(day: int, hour: int = 9, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def v(article: str, version: int, review: date | None, when: datetime, department: str = ECO,
      status: str = "public") -> ArticleVersionFact:
    return ArticleVersionFact(article, version, department, status, review, when, title=f"条目{article}")


SEEDED = [
    # a1: due 11-10, reviewed 11-09 (a new review date): on time
    v("a1", 1, date(2026, 11, 10), at(1, month=10)), v("a1", 2, date(2027, 5, 10), at(9)),
    # a2: due 11-12, reviewed 11-12 23:30 Chongqing time, the last minutes of the day: on time
    v("a2", 1, date(2026, 11, 12), at(1, month=10), status="internal"), v("a2", 2, date(2027, 2, 1), at(12, 23, 30)),
    # a3: due 11-05, reviewed 11-13 00:30 Chongqing time (still 11-12 in UTC): late
    v("a3", 1, date(2026, 11, 5), at(1, month=10)), v("a3", 2, date(2027, 5, 5), at(13, 0, 30)),
    # a4: due 11-20, never reviewed, the day has passed: late
    v("a4", 1, date(2026, 11, 20), at(1, month=10)),
    # a5: due today and a6 due on the 28th, not reviewed: not judged yet
    v("a5", 1, date(2026, 11, 26), at(1, month=10)), v("a6", 1, date(2026, 11, 28), at(1, month=10)),
    # a7: a draft's review date is left out (a draft answers nobody)
    v("a7", 1, date(2026, 11, 15), at(1, month=10), status="draft"),
    # a8: due in October (reviewed in November, late): October's, not November's
    v("a8", 1, date(2026, 10, 30), at(1, month=9)), v("a8", 2, date(2027, 4, 30), at(2)),
    # a9: an edit that keeps the review date reviews nothing; the one that moves it does: on time
    v("a9", 1, date(2026, 11, 18), at(1, month=10)), v("a9", 2, date(2026, 11, 18), at(16)),
    v("a9", 3, date(2026, 12, 31), at(17)),
    # a10: given to the urban management bureau before its review date, which that bureau kept: theirs, on time
    v("a10", 1, date(2026, 11, 8), at(1, month=10)), v("a10", 2, date(2026, 11, 8), at(3), department=URBAN),
    v("a10", 3, date(2027, 3, 8), at(7), department=URBAN),
    # a11: the review date removed after it passed: reviewed (late); versions may arrive out of order
    v("a11", 2, None, at(25)), v("a11", 1, date(2026, 11, 21), at(1, month=10)),
]


def test_each_review_date_belongs_to_its_department_and_is_reviewed_by_the_version_that_changes_it():
    dues = {(d.article_id, d.due): d for d in reviews_due(SEEDED)}
    assert set(dues) == {("a1", date(2026, 11, 10)), ("a1", date(2027, 5, 10)), ("a2", date(2026, 11, 12)),
                         ("a2", date(2027, 2, 1)), ("a3", date(2026, 11, 5)), ("a3", date(2027, 5, 5)),
                         ("a4", date(2026, 11, 20)), ("a5", date(2026, 11, 26)), ("a6", date(2026, 11, 28)),
                         ("a8", date(2026, 10, 30)), ("a8", date(2027, 4, 30)), ("a9", date(2026, 11, 18)),
                         ("a9", date(2026, 12, 31)), ("a10", date(2026, 11, 8)), ("a10", date(2027, 3, 8)),
                         ("a11", date(2026, 11, 21))}  # a7 (a draft) has none
    assert dues[("a9", date(2026, 11, 18))] == ReviewDue("a9", ECO, date(2026, 11, 18), at(17))
    assert dues[("a10", date(2026, 11, 8))].department == URBAN
    assert dues[("a1", date(2027, 5, 10))].reviewed_at is None  # still open


def test_the_upkeep_of_a_seeded_month_is_computed_exactly():
    upkeep = upkeep_by_department(SEEDED, NOVEMBER, NOW)
    eco = upkeep[ECO]
    assert eco.on_time == ("a1", "a2", "a9")
    assert eco.missed == ("a11", "a3", "a4")  # a5, a6 not due yet; a7 a draft; a8 October's
    assert (eco.numerator, eco.denominator) == (3, 6)
    assert (upkeep[URBAN].numerator, upkeep[URBAN].denominator) == (1, 1)
    assert TOWN not in upkeep
    october = upkeep_by_department(SEEDED, Period(date(2026, 10, 1), date(2026, 10, 31)), NOW)
    assert (october[ECO].on_time, october[ECO].missed) == ((), ("a8",))
    # a day later a5 (due the 26th) has passed unreviewed
    later = upkeep_by_department(SEEDED, NOVEMBER, NOW + timedelta(days=1))
    assert later[ECO].missed == ("a11", "a3", "a4", "a5")


def test_a_review_date_of_today_is_judged_once_reviewed():
    due = [ReviewDue("x", ECO, date(2026, 11, 26), at(26, 9, 30))]
    assert judge_upkeep(due, NOVEMBER, NOW).on_time == ("x",)
    assert judge_upkeep([ReviewDue("x", ECO, date(2026, 11, 26))], NOVEMBER, NOW).denominator == 0


def test_the_assessment_scores_the_upkeep_with_its_weight_and_leaves_a_town_without_articles_without_data():
    units = {ECO: "district", URBAN: "district", TOWN: "town"}
    upkeep = upkeep_by_department(SEEDED, NOVEMBER, NOW)
    found = {u.department: u for u in assess(spans=[], replies=[], ratings=[], rounds=[], units=units,
                                              period=NOVEMBER, now=NOW, upkeep=upkeep).units}
    knowledge = found[ECO].indicators["knowledge"]
    assert (knowledge.name, knowledge.numerator, knowledge.denominator, knowledge.rate) == ("knowledge", 3, 6, 0.5)
    assert knowledge.points == 50 and knowledge.cases == ()  # articles, not complaints: nothing to open as cases
    assert found[ECO].score == 50.0  # the only indicator with data: the weighted mean is its points
    assert found[URBAN].score == 100.0
    town = found[TOWN].indicators["knowledge"]
    assert (town.numerator, town.denominator, town.rate, town.points) == (0, 0, None, None)  # no data, not zero
    assert found[TOWN].score is None
    # with other indicators, its weight counts: signing 15 and returns 10 at 100 points, knowledge 5 at 50
    from tests.notify.test_assessment_domain import spans
    found = {u.department: u for u in assess(spans=spans(ECO, 2, 0), replies=[], ratings=[], rounds=[],
                                              units=units, period=NOVEMBER, now=NOW, upkeep=upkeep).units}
    assert found[ECO].score == pytest.approx((15 * 100 + 10 * 100 + 5 * 50) / 30, abs=0.01)
    heavier = {u.department: u for u in assess(
        spans=spans(ECO, 2, 0), replies=[], ratings=[], rounds=[], units=units, period=NOVEMBER, now=NOW,
        upkeep=upkeep, policy=AssessmentPolicy(weights={"signing": 15, "knowledge": 15})).units}
    assert heavier[ECO].score == 75.0  # returns has no weight here


def test_the_weight_is_configured_like_the_others():
    assert NotifySettings(assessment_weights={"knowledge": 20}).assessment_weights == {"knowledge": 20}
    with pytest.raises(ValueError, match="ASSESSMENT_WEIGHTS"):
        NotifySettings(assessment_weights={"knowlege": 20})


# --- 直接办结 -------------------------------------------------------------------------------------------------


def consulted(n: int, article: str, when: datetime, *, operator: str = "operator", channel: str = "hotline",
              title: str = "夜间施工噪声投诉的处理时限", category: str | None = "noise",
              subcategory: str | None = "construction") -> list[ConsultationRecord]:
    return [ConsultationRecord(f"{article}-{when:%m%d%H%M}-{i}", article, title, ECO, category, subcategory, operator,
                               channel, when) for i in range(n)]


def test_the_consultations_of_a_month_are_counted_by_type_article_operator_and_channel():
    records = (consulted(3, "p1", at(3)) + consulted(1, "p1", at(20), operator="operator2")
               + consulted(2, "p2", at(5), operator="operator2", category="odor", subcategory="cooking_fumes",
                           title="餐饮油烟扰民怎么处理")
               + consulted(1, "p3", at(6), channel="wechat", category=None, subcategory=None, title="话务口径")
               + consulted(4, "p1", at(15, month=10))  # October
               + consulted(1, "p1", at(30, 23, 59), title="夜间施工时限（新）")  # the last minute; the latest title
               + consulted(1, "p1", datetime(2026, 12, 1, 0, 10, tzinfo=SHANGHAI))  # December: not counted
               + consulted(2, "p1", at(15, month=11).replace(year=2025)))  # November last year: out of the window
    found = consultation_report(records, Month(2026, 11), NOW)
    assert found.total == 8
    assert [(c.key, c.name, c.count) for c in found.by_type] == [
        ("noise/construction", "噪声 / 建筑施工噪声", 5), ("odor/cooking_fumes", "异味恶臭 / 餐饮油烟", 2),
        ("none", "未分类", 1)]
    assert [(c.key, c.name, c.count, c.department) for c in found.by_article] == [
        ("p1", "夜间施工时限（新）", 5, ECO), ("p2", "餐饮油烟扰民怎么处理", 2, ECO), ("p3", "话务口径", 1, ECO)]
    assert [(c.key, c.count) for c in found.by_operator] == [("operator", 5), ("operator2", 3)]
    assert [(c.key, c.name, c.count) for c in found.by_channel] == [("hotline", "热线电话", 7), ("wechat", "微信", 1)]
    assert found.months[-2:] == (("2026-10", 4), ("2026-11", 8))
    assert found.months[0] == ("2025-12", 0) and len(found.months) == 12
    empty = consultation_report([], Month(2026, 11), NOW)
    assert (empty.total, empty.by_type, empty.by_article) == (0, (), ())
