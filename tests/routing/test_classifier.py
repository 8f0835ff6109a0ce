"""The classifier and the default rules together: what a complaint is, and where it goes."""

from __future__ import annotations

import pytest

from services.routing.domain.classifier import assess_urgency, classify, resolve_town, town_in_text
from services.routing.domain.routing import RoutingRule, route
from services.routing.seed import load_seed_data
from shared.contracts.codes import DEPARTMENTS, TOWNS, TRIAGE

EXAMPLE = "合阳城街道某工地凌晨两点还在打桩，噪音太大"
SEED_RULES = [RoutingRule(id=i, **rule) for i, rule in enumerate(load_seed_data()["rules"], start=1)]


def department_for(text: str, town_code: str | None = None, **chosen: str) -> str:
    found = classify(text, **chosen)
    town = TOWNS[town_code] if town_code else town_in_text(text)
    decision = route(SEED_RULES, category=found.category, subcategory=found.subcategory, town=town,
                     confidence=found.confidence, min_confidence=0.5, departments=DEPARTMENTS)
    return decision.department or TRIAGE


def test_the_night_piling_example_is_construction_noise_for_the_housing_commission():
    found = classify(EXAMPLE)

    assert (found.category, found.subcategory) == ("noise", "construction")
    assert found.confidence >= 0.8
    assert {"打桩", "工地", "噪音"} <= set(found.words)
    assert department_for(EXAMPLE, "heyangcheng") == "housing_construction"


def test_the_night_piling_example_is_urgent_and_says_why():
    urgency = assess_urgency(EXAMPLE)

    assert urgency.urgent
    assert "凌晨" in urgency.words
    assert "凌晨" in urgency.explanation


def test_a_complaint_is_urgent_when_the_reporter_flags_it_even_without_urgent_words():
    assert assess_urgency("小区门口垃圾堆放", flagged=True).urgent
    assert not assess_urgency("小区门口垃圾堆放").urgent


@pytest.mark.parametrize("text, category, subcategory", [
    ("楼下餐馆油烟很大，熏得开不了窗", "odor", "cooking_fumes"),
    ("隔壁养猪场臭得不行", "odor", "livestock"),
    ("工地扬尘很大，灰尘满天", "air", "dust"),
    ("有人在河边焚烧垃圾，冒黑烟", "air", "open_burning"),
    ("工厂排污，污水直接排进河里", "water", "sewage_discharge"),
    ("小区旁边的河道黑臭", "water", "black_odorous"),
    ("晚上 KTV 音响声音太吵", "noise", "social_life"),
])
def test_keywords_decide_the_type_and_subtype(text, category, subcategory):
    found = classify(text)

    assert (found.category, found.subcategory) == (category, subcategory)
    assert found.confidence >= 0.5


def test_social_life_noise_in_a_town_goes_to_the_town_government():
    text = "太和镇每天晚上广场舞音响太吵了"

    assert town_in_text(text) == TOWNS["taihe"]
    assert department_for(text) == "town_taihe"


def test_social_life_noise_in_a_street_goes_to_urban_management():
    assert department_for("钓鱼城街道广场舞音响太吵了") == "urban_management"


def test_social_life_noise_with_no_known_place_goes_to_triage():
    assert department_for("每天晚上广场舞音响太吵了") == TRIAGE


def test_unclear_text_goes_to_triage_never_to_a_guessed_department():
    found = classify("你好，我想反映一个问题，请尽快处理")

    assert found.category is None and found.out_of_scope
    assert department_for("你好，我想反映一个问题，请尽快处理") == TRIAGE


def test_a_single_weak_word_is_not_confident_enough_to_route():
    found = classify("太吵")

    assert found.category == "noise"
    assert found.confidence < 0.5
    assert department_for("太吵", "taihe") == TRIAGE


def test_the_category_the_citizen_chose_is_honoured_over_the_keywords():
    found = classify("工地扬尘很大", category="noise")

    assert found.category == "noise"
    assert found.subcategory == "construction"  # the subtype is still read from the words, within noise
    assert found.chosen_by_citizen and found.confidence == 1.0


def test_a_type_and_subtype_the_citizen_chose_are_both_kept():
    found = classify("随便写点什么", category="water", subcategory="river")

    assert (found.category, found.subcategory) == ("water", "river")
    assert department_for("随便写点什么", category="water", subcategory="river") == "water_resources"


def test_a_chosen_category_without_a_recognisable_subtype_uses_the_category_rule():
    found = classify("说不清楚是什么味道", category="odor")

    assert (found.category, found.subcategory) == ("odor", None)
    assert department_for("说不清楚是什么味道", category="odor") == "ecology_env"


def test_an_unknown_chosen_category_falls_back_to_the_keywords():
    found = classify(EXAMPLE, category="not-a-category")

    assert (found.category, found.subcategory) == ("noise", "construction")
    assert not found.chosen_by_citizen


def test_towns_are_found_in_the_text_with_or_without_their_suffix():
    assert town_in_text("合阳城某小区") == TOWNS["heyangcheng"]
    assert town_in_text("我住在草街街道") == TOWNS["caojie"]
    assert town_in_text("龙市镇的养猪场") == TOWNS["longshi"]
    assert town_in_text("重庆某地") is None


def test_the_town_intake_resolved_is_taken_by_code_or_name():
    assert resolve_town("heyangcheng", dict(TOWNS)) == TOWNS["heyangcheng"]
    assert resolve_town("太和", dict(TOWNS)) == TOWNS["taihe"]
    assert resolve_town("nowhere", dict(TOWNS)) is None


def test_two_problems_scoring_alike_are_not_confident_and_go_to_triage():
    text = "工地打桩噪音很大，还有餐馆油烟熏人"

    assert classify(text).confidence < 0.5
    assert department_for(text, "heyangcheng") == TRIAGE
