"""疑似重复: which open cases a new one is suggested as a duplicate of, and which not."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.routing.domain.duplicates import (
    Candidate,
    DuplicatePolicy,
    Probe,
    bigrams,
    bounding_box,
    dice,
    distance_m,
    matches,
)
from shared.clock import SHANGHAI

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
SITE = (30.0, 106.27)  # near 合川


def probe(**given) -> Probe:
    fields = {"complaint_id": "new", "category": "noise", "town": "heyangcheng", "address": "嘉陵江路88号",
              "content": "嘉陵江路工地半夜打桩噪音扰民，吵得睡不着", "received_at": NOW}
    return Probe(**(fields | given))


def candidate(complaint_id: str = "old", **given) -> Candidate:
    fields = {"tracking_code": "HC-1", "category": "noise", "town": "heyangcheng",
              "address": "嘉陵江路88号工地", "content": "嘉陵江路某工地凌晨两点还在打桩，噪音太大睡不着",
              "received_at": NOW - timedelta(days=2), "status": "assigned", "department": "housing_construction"}
    return Candidate(complaint_id, **(fields | given))


def test_text_measures():
    assert dice(bigrams("工地打桩"), bigrams("工地打桩！")) == 1.0  # punctuation does not count
    assert dice(bigrams("工地打桩"), bigrams("餐馆油烟")) == 0.0
    assert dice(frozenset(), bigrams("工地")) == 0.0
    assert bigrams("ＡＢ c") == bigrams("abc")  # full-width folded, spaces dropped


def test_distance_and_box():
    north = (SITE[0] + 0.0027, SITE[1])  # about 300 m north
    assert distance_m(*SITE, *north) == pytest.approx(300, rel=0.01)
    low_lat, high_lat, low_lon, high_lon = bounding_box(*SITE, 310)
    assert low_lat < north[0] < high_lat and low_lon < SITE[1] < high_lon
    assert not bounding_box(*SITE, 290)[1] > north[0]


def test_the_same_site_in_other_words_is_a_duplicate():
    found = matches(probe(), [candidate()])
    assert [m.candidate.complaint_id for m in found] == ["old"]
    assert found[0].text_similarity >= 0.2 and found[0].address_similarity >= 0.5
    assert "同一镇街" in " ".join(found[0].reasons())


@pytest.mark.parametrize("change", [
    {"category": "odor"},  # another type
    {"town": "taihe", "address": "嘉陵江路88号工地"},  # the same street name in another town
    {"address": "南津街99号"},  # another place in the town
    {"content": "小区门口餐馆油烟直排，熏得没法开窗"},  # another problem at the place
    {"received_at": NOW - timedelta(days=31)},  # older than the window
])
def test_not_a_duplicate(change):
    assert matches(probe(), [candidate(**change)]) == []


def test_coordinates_within_the_radius_stand_for_the_address():
    near = candidate(address=None, town=None, lat=SITE[0] + 0.001, lon=SITE[1])
    far = candidate("far", address=None, town=None, lat=SITE[0] + 0.01, lon=SITE[1])
    found = matches(probe(lat=SITE[0], lon=SITE[1], address=None), [far, near])
    assert [m.candidate.complaint_id for m in found] == ["old"]
    assert found[0].distance_m == pytest.approx(111, rel=0.05)


def test_best_first_and_never_itself_nor_without_a_type():
    weaker = candidate("weaker", content="嘉陵江路附近施工，晚上也吵")
    found = matches(probe(), [weaker, candidate(), candidate("new")])
    assert [m.candidate.complaint_id for m in found] == ["old", "weaker"]
    assert matches(probe(category=None), [candidate()]) == []
    assert matches(probe(), [candidate()], DuplicatePolicy(text_min=0.9)) == []
