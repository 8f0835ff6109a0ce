"""Routing reads Chinese complaints: the held-out figures, the hard pairs, out of scope with the body
it belongs to, urgency that knows the past, towns from landmarks, and the reasons a dispatcher reads."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session

from services.routing.adapters.tables import RoutingCase
from services.routing.domain.classifier import assess_urgency, classify, find_place
from services.routing.domain.corpus import held_out_part, load_corpus, training_part
from services.routing.domain.lexicon import load_lexicon
from services.routing.domain.routing import route
from shared.contracts.codes import DEPARTMENTS, TOWNS, TRIAGE
from tests.routing.test_classifier import SEED_RULES, department_for

HELD_OUT = held_out_part(load_corpus())


def test_the_corpus_covers_every_type_and_subtype_and_has_enough_of_each_side():
    corpus = load_corpus()
    environmental = [m for m in corpus if m.environmental]
    assert len(environmental) >= 500 and len(corpus) - len(environmental) >= 400
    from shared.contracts.codes import SUBCATEGORIES
    covered = {(m.category, m.subcategory) for m in environmental}
    for category, subs in SUBCATEGORIES.items():
        assert any(c == category for c, _ in covered), category
        for sub in subs:
            assert (category, sub) in covered, (category, sub)


def test_the_split_is_deterministic_and_the_parts_do_not_overlap():
    held_out = {m.text for m in HELD_OUT}
    trained = {m.text for m in training_part(load_corpus())}
    assert not held_out & trained
    assert 0.15 < len(held_out) / len(load_corpus()) < 0.25


def test_held_out_accuracy_stays_above_its_floor():
    """Floors a little under what the bench measured, so a change that makes reading worse fails. Measured
    (issue 8's second round, 731 held-out messages): type 0.905, caught 0.949, kept away 0.958. The catch
    floor went from 0.95 to 0.94 as the split grew by harder messages: on its 521 messages of before the
    catch rose (0.959 → 0.963)."""
    environmental = [m for m in HELD_OUT if m.environmental]
    other = [m for m in HELD_OUT if not m.environmental]
    found = {m.text: classify(m.text) for m in HELD_OUT}
    type_accuracy = sum(found[m.text].category == m.category for m in environmental) / len(environmental)
    caught = sum(found[m.text].environmental for m in environmental) / len(environmental)
    kept_away = sum(found[m.text].category is None for m in other) / len(other)
    assert type_accuracy >= 0.89
    assert caught >= 0.94
    assert kept_away >= 0.94


def test_held_out_department_accuracy_stays_above_its_floor():
    """The department the rules give the classifier's reading against the one the label gives (triage
    for out of scope), as bench/classifier.py counts it: 0.932 measured (issue 8's second round), the aim 0.90."""
    def expected(m):
        if not m.environmental:
            return TRIAGE
        decision = route(SEED_RULES, category=m.category, subcategory=m.subcategory,
                         town=TOWNS[m.town] if m.town else None, confidence=1.0, min_confidence=0.5,
                         departments=DEPARTMENTS)
        return decision.department or TRIAGE

    hits = [department_for(m.text) == expected(m) for m in HELD_OUT]
    assert sum(hits) / len(hits) >= 0.91


@pytest.mark.parametrize("text, category, subcategory", [
    ("大石街道那个厂机器轰隆隆的响，半夜都不停，吵得睡不着", "noise", "industrial"),
    ("大石街道那个厂排出来的气味又酸又臭，熏得人头昏", "odor", "industrial"),
    ("小区门口的垃圾堆了一个星期没有人来清运", "waste", "garbage"),
    ("小区门口的垃圾中转站臭得很，夏天窗户都不敢开", "odor", "garbage"),
    ("对面工地灰尘漫天，也不洒水，阳台上全是灰", "air", "dust"),
    ("对面工地天天打桩，吵得脑壳痛", "noise", "construction"),
    ("楼下火锅店的油烟直接排到我家窗户", "odor", "cooking_fumes"),
    ("养猪场的粪水排到河沟里了，水都黑了", "water", "livestock"),
])
def test_the_hard_pairs_are_told_apart(text, category, subcategory):
    found = classify(text)

    assert (found.category, found.subcategory) == (category, subcategory), found.explanation


@pytest.mark.parametrize("text, body", [
    ("装修公司老板欠了我们两个月的工资，一直拖着不给", "hrss"),
    ("新房交房才一年，墙体开裂，卫生间漏水，开发商不管", "housing"),
    ("孩子学校的老师周末组织有偿补课，不去还要被批评", "education"),
    ("小区外面那条路的路灯坏了半个月了，晚上黑漆漆的", "urban"),
])
def test_other_matters_are_out_of_scope_with_the_body_they_belong_to(text, body):
    found = classify(text)

    assert found.category is None and found.out_of_scope
    assert found.suggested_body == body
    assert load_lexicon().bodies[body] in found.explanation
    assert department_for(text, "heyangcheng") == "triage"


def test_noise_words_in_a_matter_for_another_body_do_not_make_it_environmental():
    found = classify("新买的洗衣机噪音大得很，甩干的时候整个屋都在震，商家不给换货也不退款")

    assert found.out_of_scope, found.explanation


def test_an_environmental_decision_explains_itself_with_words_and_confidence():
    found = classify("合阳城街道某工地凌晨两点还在打桩，噪音太大")

    assert 0.5 <= found.confidence <= 1
    assert "噪声/建筑施工噪声" in found.explanation and "打桩" in found.explanation
    assert "置信度" in found.explanation
    assert "打桩" in found.features or "打桩" in found.words


@pytest.mark.parametrize("text", [
    "工地凌晨两点还在打桩，吵得睡不着",
    "厂里烟囱正在冒黑烟，浓烟滚滚",
    "河里好多死鱼，刚刚发现的",
    "有人在河边焚烧垃圾，现在还在烧",
])
def test_pollution_going_on_now_is_urgent(text):
    assert assess_urgency(text).urgent


@pytest.mark.parametrize("text", [
    "昨天晚上工地通宵施工，今天白天还好",
    "上个月那个厂冒黑烟，后来已经处理好了",
    "小区门口垃圾堆放，希望清理",
])
def test_what_is_over_or_not_acute_is_not_urgent(text):
    urgency = assess_urgency(text)

    assert not urgency.urgent, urgency.explanation


def test_the_past_is_told_in_the_urgency_reason():
    urgency = assess_urgency("上周有人焚烧垃圾，现在已经停了")

    assert not urgency.urgent and "焚烧" in urgency.cancelled


@pytest.mark.parametrize("text, code", [
    ("钓鱼城古战场下面的江边有人电鱼", "diaoyucheng"),
    ("涞滩古镇旁边的工地扬尘很大", "laitan"),
    ("二佛寺附近有人烧垃圾", "laitan"),
    ("双槐电厂的烟囱冒黄烟", "shuanghuai"),
    ("我们住在合阳镇老街，楼下油烟很大", "heyangcheng"),
])
def test_towns_are_found_from_landmarks_and_old_names(text, code):
    place = find_place(text)

    assert place is not None and place.town == TOWNS[code]
    assert place.name in text


def test_a_word_that_only_looks_like_a_town_is_not_one():
    assert find_place("路边有块大石头挡住了排水沟") is None
    assert find_place("卖燕窝粥的店油烟很大") is None


def test_landmark_town_routes_town_level_rules_when_the_citizen_picked_none():
    assert department_for("涞滩古镇每天晚上坝坝舞的大喇叭吵得很") == "town_laitan"


def test_the_classify_endpoint_gives_type_urgency_town_department_confidence_and_reasons(client):
    body = client.post("/api/v1/classify", json={"content": "钓鱼城古战场旁边的工地凌晨还在打桩，噪音太大"}).json()

    assert (body["category"], body["subcategory"]) == ("noise", "construction")
    assert body["type_name"] == "噪声/建筑施工噪声"
    assert body["urgent"] is True and "凌晨" in body["urgency_reason"]
    assert body["town"] == "diaoyucheng"
    assert body["department"] == "housing_construction"
    assert 0.5 <= body["confidence"] <= 1 and body["environmental"] is True
    assert "钓鱼城古战场" in body["explanation"]["town_reason"]
    assert body["explanation"]["words"] and body["summary"]


def test_the_classify_endpoint_sends_other_matters_to_triage_naming_the_body(client):
    body = client.post("/api/v1/classify", json={"content": "公司拖欠我们农民工工资三个月了，老板跑了"}).json()

    assert body["category"] is None and body["environmental"] is False
    assert body["department"] == "triage"
    assert body["suggested_body"] == "hrss" and "人社" in body["suggested_body_name"]
    assert "人社" in body["explanation"]["routing"]


def test_an_out_of_scope_complaint_ends_in_triage_with_the_body_in_the_reason(engine, receive):
    event = receive(content="我在厂里上了三个月班，老板一直拖欠工资不发，社保也没买", town="heyangcheng")

    with Session(engine) as session:
        case = session.get(RoutingCase, event.subject)
        assert case is not None
        assert case.status == "triage" and case.department is None and case.category is None
        explanation = json.loads(case.explanation)
    assert explanation["environmental"] is False and explanation["suggested_body"] == "hrss"
    assert "人社" in explanation["routing"]
