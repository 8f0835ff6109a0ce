"""Routing rules: the most specific active match wins; "town" and "triage" are honoured."""

from __future__ import annotations

from services.routing.domain.routing import RoutingRule, best_rule, route
from shared.contracts.codes import TOWNS

STREET, TOWN = TOWNS["heyangcheng"], TOWNS["taihe"]
RULES = [
    RoutingRule(1, "noise", "ecology_env"),
    RoutingRule(2, "noise", "urban_management", area="streets"),
    RoutingRule(3, "noise", "housing_construction", subcategory="construction"),
    RoutingRule(4, "noise", "town", subcategory="construction", area="towns"),
    RoutingRule(5, "other", "triage"),
]


def decide(category, subcategory, town, rules=RULES, confidence=0.9, **kwargs):
    return route(rules, category=category, subcategory=subcategory, town=town, confidence=confidence,
                 min_confidence=0.5, **kwargs)


def test_category_subcategory_and_area_beats_category_and_subcategory():
    assert best_rule(RULES, "noise", "construction", TOWN).id == 4


def test_category_and_subcategory_beats_category_and_area():
    assert best_rule(RULES, "noise", "construction", STREET).id == 3


def test_category_and_area_beats_category_alone():
    assert best_rule(RULES, "noise", "social_life", STREET).id == 2


def test_category_alone_is_the_last_resort():
    assert best_rule(RULES, "noise", "social_life", TOWN).id == 1
    assert best_rule(RULES, "noise", "social_life", None).id == 1


def test_an_inactive_rule_is_skipped():
    rules = [*RULES[:3], RoutingRule(4, "noise", "town", subcategory="construction", area="towns", active=False)]

    assert best_rule(rules, "noise", "construction", TOWN).id == 3


def test_a_town_rule_routes_to_the_government_of_that_town():
    decision = decide("noise", "construction", TOWN)

    assert decision.department == "town_taihe"
    assert decision.rule.id == 4
    assert "#4" in decision.reason


def test_a_town_rule_without_a_known_town_goes_to_triage():
    rules = [RoutingRule(1, "odor", "town")]

    decision = decide("odor", None, None, rules=rules)

    assert decision.to_triage
    assert decision.rule.id == 1


def test_a_triage_rule_sends_the_case_to_a_person():
    assert decide("other", None, STREET).to_triage


def test_no_matching_rule_goes_to_triage_with_the_reason():
    decision = decide("water", None, STREET)

    assert decision.to_triage and decision.rule is None
    assert "water" in decision.reason


def test_low_confidence_goes_to_triage_even_when_a_rule_matches():
    decision = decide("noise", "construction", STREET, confidence=0.3)

    assert decision.to_triage
    assert "0.30" in decision.reason


def test_a_rule_pointing_at_an_inactive_department_goes_to_triage():
    decision = decide("noise", "construction", STREET, departments={"ecology_env"})

    assert decision.to_triage
