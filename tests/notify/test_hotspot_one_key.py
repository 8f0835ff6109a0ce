"""One hotspot asked for by its key (the cases behind it, a supervisor's decision on it: issue 12) is counted
from its own group only (its town and type, its type's pool of the nearby rule, its case) and is exactly
the hotspot the whole list holds under that key: on both databases, over the generated cases of
test_hotspot_index.py, at moments that move cases out of the window, with keys flagged, quiet, decided on
and never seen."""

from __future__ import annotations

import random
from datetime import timedelta

from services.notify.adapters.hotspot_index import HotspotIndex
from services.notify.domain.hotspots import HotspotRules, ListHotspotCases, UpdateHotspot, assess_kept
from services.notify.service_layer.hotspots import hotspots_at
from tests.notify import hotspot_reference
from tests.notify.factories import NAMES, T0, departments
from tests.notify.test_hotspot_index import MOMENTS, _flat, scenario


def _shown(views) -> list[tuple]:
    return [(v.hotspot.key, v.hotspot.flagged, v.hotspot.count, v.hotspot.reason, v.hotspot.town, v.status,
             v.title, v.since_resolved, [line.case for line in v.cases]) for v in views]


def test_one_key_is_counted_alone_and_is_the_hotspot_of_the_whole_list(runtime, feed):
    feed(departments(*NAMES))
    for event in scenario(random.Random(11), 160):
        feed(event)
    with runtime.bus.uow_factory() as uow:
        every = uow.issues.hotspot_cases(T0 - timedelta(days=70), 3)
        flagged_now = sorted(k for k, h in hotspot_reference.assess(every, T0).items() if h.flagged)
    # decisions on two keys flagged now: listed at every moment, whether flagged then or quiet
    nearby = next(k for k in flagged_now if k.startswith("nearby:"))
    runtime.bus.handle(UpdateHotspot(key=flagged_now[0], by="supervisor", owner="张局长"))
    runtime.bus.handle(UpdateHotspot(key=nearby, by="supervisor", owner="李主任"))
    runtime.bus.handle(UpdateHotspot(key=nearby, by="supervisor", status="resolved", note="已整改"))
    checked = 0
    with runtime.bus.uow_factory() as uow:
        for now in MOMENTS:
            for rules in (HotspotRules(), HotspotRules(min_cases=2, window_days=14)):
                every = uow.issues.hotspot_cases(now - rules.lookback, rules.reopen_rounds)
                expected = _flat(hotspot_reference.assess(every, now, rules))
                index = HotspotIndex(uow.session)
                for key in [*expected, "recurring:nowhere:noise", "nearby:noise:1_1", "reopened:none"]:
                    alone = _flat(assess_kept(index.counts(now, rules, key), index.loaders(now, rules), now, rules))
                    assert alone.get(key) == expected.get(key), (now, key)
                    checked += 1
            listed = hotspots_at(uow, now, HotspotRules())
            for key in [v.hotspot.key for v in listed] + ["rising:nothing", "firm:none"]:
                assert _shown(hotspots_at(uow, now, HotspotRules(), key=key)) == _shown(
                    [v for v in listed if v.hotspot.key == key]), (now, key)
    assert checked > 500


def test_the_cases_of_a_key_are_those_the_list_shows(runtime, feed):
    feed(departments(*NAMES))
    for event in scenario(random.Random(12), 120):
        feed(event)
    with runtime.bus.uow_factory() as uow:
        listed = {v.hotspot.key: (v.hotspot.count, [line.case for line in v.cases])
                  for v in hotspots_at(uow, T0, HotspotRules())}
    assert listed
    for key, (count, cases) in listed.items():
        page = runtime.bus.handle(ListHotspotCases(key=key, offset=1, limit=3))
        assert page.total == count
        assert [line.case for line in page.cases] == cases[1:4]


def test_the_centres_read_from_the_window_are_those_looked_up_one_by_one(runtime, feed, monkeypatch):
    """Many centres (more than _FEW_CENTRES: at a million cases) are read from the window's range of the index
    on received_at; here every lookup is made that way, and the hotspots are still those of every case."""
    from services.notify.adapters import hotspot_index

    feed(departments(*NAMES))
    for event in scenario(random.Random(13), 160):
        feed(event)
    monkeypatch.setattr(hotspot_index, "_FEW_CENTRES", 0)
    nearby = 0
    with runtime.bus.uow_factory() as uow:
        for now in MOMENTS:
            rules = HotspotRules()
            every = uow.issues.hotspot_cases(now - rules.lookback, rules.reopen_rounds)
            expected = _flat(hotspot_reference.assess(every, now, rules))
            index = HotspotIndex(uow.session)
            loaders = index.loaders(now, rules)
            assert _flat(assess_kept(index.counts(now, rules), loaders, now, rules)) == expected
            ids = [c.complaint_id for c in every]
            assert loaders.centres(ids) == index.centres(ids)  # the window's range read, or one by one
            nearby += sum(1 for h in expected.values() if h[1] == "nearby")
    assert nearby > 5
