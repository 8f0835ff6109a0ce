"""The problem list from what notify keeps (issue 12: counts through the covering index and the pairs of
cases near each other, notify_nearby_pairs, kept as cases are written) is exactly the list computed over
every case of the window (the computation as it was: tests/notify/hotspot_reference.py), on both databases:
generated cases delivered through notify's consumer, with intake's receipt (the place) arriving before or
after routing's events, reopened rounds, merges, refusals and refusals undone, types and places changed, and
the list asked at moments that move cases out of the window. The migration's backfill and seed-volume's
rebuild find the pairs the repository kept."""

from __future__ import annotations

import random
from dataclasses import astuple
from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.notify.adapters.hotspot_index import HotspotIndex, rebuild_pairs
from services.notify.adapters.tables import NearbyPairRow
from services.notify.domain.hotspots import Hotspot, HotspotRules, assess, assess_kept
from services.notify.service_layer.hotspots import hotspots_at
from shared.contracts.events import CaseMergedV1, CaseRejectedV1, ComplaintReceivedV1, EventPayload
from tests.migration_files import load_migration
from tests.notify import hotspot_reference
from tests.notify.factories import NAMES, T0, assigned, departments, replied, triaged

SITES = [(29.9800, 106.2700), (29.9840, 106.2740), (30.0100, 106.3000), (30.2000, 106.4000)]
TOWNS = ["heyangcheng", "taihe", "caojie"]
TYPES = ["noise", "odor", "air"]
MOMENTS = [T0 - timedelta(days=d) for d in (40, 20, 7)] + [T0 + timedelta(days=d) for d in (0, 5, 21, 31, 36, 60)]


def _place(rng: random.Random) -> tuple[float, float] | tuple[None, None]:
    if rng.random() < 0.1:
        return None, None
    lat, lon = rng.choice(SITES)
    spread = rng.choice((0.0005, 0.003, 0.006))  # ~50 m, ~330 m, ~660 m: inside, across and outside 500 m
    return round(lat + rng.uniform(-spread, spread), 6), round(lon + rng.uniform(-spread, spread), 6)


def scenario(rng: random.Random, count: int) -> list[EventPayload]:
    """Each case's events in order; the cases interleaved, intake's receipt anywhere among them."""
    lines: list[list[EventPayload]] = []
    for n in range(count):
        cid = f"k{n:03d}"
        # received on whole hours (so at the edges of the window, the weeks and the night exactly)
        received = T0 - timedelta(days=rng.randint(0, 70)) + timedelta(hours=rng.randint(-12, 12))
        category, town = rng.choice(TYPES), rng.choice(TOWNS)
        lat, lon = _place(rng)
        receipt = ComplaintReceivedV1(complaint_id=cid, tracking_code=f"HC{cid}", channel="hotline", content="x",
                                      received_at=received, lat=lat, lon=lon)
        line: list[EventPayload] = []
        if rng.random() < 0.2:
            line.append(triaged(cid, received_at=received, category=rng.choice([None, category]), town=town))
        due = received + timedelta(days=4)
        line.append(assigned(cid, received_at=received, category=category, town=town, reply_due=due))
        roll = rng.random()
        if roll < 0.25:  # reopened once or twice (or three times): the reopened rule, and the rounds' clocks
            for r in range(2, rng.randint(3, 5)):
                at = received + timedelta(days=2 * r)
                line.append(replied(cid, at, reply_due=due, reply_round=r - 1))
                line.append(assigned(cid, received_at=received, assigned_at=at + timedelta(hours=1),
                                     category=category, town=town, reply_round=r, reply_due=at + timedelta(days=4)))
            if rng.random() < 0.5:
                line.append(replied(cid, received + timedelta(days=11), reply_due=due, reply_round=r))
        elif roll < 0.35:
            line.append(CaseRejectedV1(complaint_id=cid, tracking_code=f"HC{cid}", reason="不予受理",
                                       rejected_at=received + timedelta(hours=2), by="supervisor"))
            if rng.random() < 0.3:  # and routed again after all
                line.append(assigned(cid, received_at=received, assigned_at=received + timedelta(hours=5),
                                     category=category, town=town, reply_due=due))
        elif roll < 0.45:
            line.append(CaseMergedV1(complaint_id=cid, tracking_code=f"HC{cid}", master_id="k000",
                                     master_tracking_code="HCk000", merged_at=received + timedelta(hours=3),
                                     by="supervisor"))
        elif roll < 0.55:  # another type, or another town, on reassignment
            line.append(assigned(cid, received_at=received, assigned_at=received + timedelta(hours=6),
                                 category=rng.choice(TYPES), town=rng.choice(TOWNS), reply_due=due))
        elif roll < 0.60:  # the place pinned again elsewhere
            line.append(receipt)
            lat, lon = _place(rng)
            receipt = receipt.model_copy(update={"lat": lat, "lon": lon})
        elif roll < 0.75:
            line.append(replied(cid, received + timedelta(days=1), reply_due=due))
        line.insert(rng.randint(0, len(line)), receipt)  # intake's receipt before, among or after routing's
        lines.append(line)
    events: list[EventPayload] = []
    while lines:
        line = rng.choice(lines)
        events.append(line.pop(0))
        if not line:
            lines.remove(line)
    return events


def _flat(found: dict[str, Hotspot]) -> dict[str, tuple]:
    return {key: (h.key, h.kind, h.town, h.category, h.window_start, h.window_end,
                  [astuple(c) for c in h.cases], h.count, h.flagged, h.reason, h.figures, h.label)
            for key, h in found.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_kept_counts_and_pairs_give_exactly_the_hotspots_of_every_case(runtime, feed, seed):
    rng = random.Random(seed)
    feed(departments(*NAMES))
    for event in scenario(rng, 160):
        feed(event)
    nearby = 0
    with runtime.bus.uow_factory() as uow:
        for now in MOMENTS:
            for rules in (HotspotRules(), HotspotRules(min_cases=2, window_days=14)):
                every = uow.issues.hotspot_cases(now - rules.lookback, rules.reopen_rounds)
                expected = _flat(hotspot_reference.assess(every, now, rules))
                assert _flat(assess(every, now, rules)) == expected  # the rules as now written, over every case
                index = HotspotIndex(uow.session)
                kept = _flat(assess_kept(index.counts(now, rules), index.loaders(now, rules), now, rules))
                assert kept.keys() == expected.keys(), now
                for key in expected:
                    assert kept[key] == expected[key], (now, key)
                nearby += sum(1 for h in expected.values() if h[1] == "nearby" and h[8])
            # and the list as supervisors see it
            shown = [(v.hotspot.key, v.title, v.since_resolved, [line.case for line in v.cases])
                     for v in hotspots_at(uow, now, HotspotRules())]
            assert shown == [(v.hotspot.key, v.title, v.since_resolved, [line.case for line in v.cases])
                             for v in hotspots_at(uow, now, HotspotRules(), every_case=True)]
    assert nearby > 5  # the scenario does make clusters


def _pairs(engine) -> set[tuple]:
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(sa.select(NearbyPairRow.__table__))}  # type: ignore[attr-defined]


def test_the_migration_and_the_rebuild_find_the_pairs_the_repository_kept(runtime, feed, engine):
    feed(departments(*NAMES))
    for event in scenario(random.Random(7), 160):
        feed(event)
    kept = _pairs(engine)
    assert len(kept) > 20
    with engine.begin() as conn:
        conn.execute(sa.delete(NearbyPairRow.__table__))  # type: ignore[attr-defined]
        assert rebuild_pairs(conn) == len(kept)
    assert _pairs(engine) == kept
    with engine.begin() as conn:
        conn.execute(sa.delete(NearbyPairRow.__table__))  # type: ignore[attr-defined]
        load_migration("notify", "0017_notify_nearby_pairs.py")._backfill(conn)
    assert _pairs(engine) == kept


def test_two_cases_a_month_apart_are_a_pair_and_a_refused_one_is_none(runtime, feed, engine):
    for cid, days in (("a", 0), ("b", 31), ("c", 32)):
        received = T0 - timedelta(days=days)
        feed(ComplaintReceivedV1(complaint_id=cid, tracking_code=f"HC{cid}", channel="hotline", content="x",
                                 received_at=received, lat=29.98, lon=106.27))
        feed(assigned(cid, received_at=received, category="noise"))
    # (first, second): the earlier first; a and c are 32 days apart, beyond what any window joins
    assert {(p[0], p[1]) for p in _pairs(engine)} == {("b", "a"), ("c", "b")}
    feed(CaseRejectedV1(complaint_id="b", tracking_code="HCb", reason="不予受理", rejected_at=T0, by="supervisor"))
    assert _pairs(engine) == set()
