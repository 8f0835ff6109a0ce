"""The problem list's rules as notify computed them before issue 12 (services/notify/domain/hotspots.py at
ed3e51b: `assess` over every case of the window, the nearby rule's clusters measured at each request), kept
verbatim as the reference that `assess_kept` (counts and kept pairs, adapters/hotspot_index.py) must match
exactly: tests/notify/test_hotspot_index.py."""

# ruff: noqa
# mypy: ignore-errors

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from services.notify.domain.hotspots import (
    CELL_DEGREES,
    NOISE,
    RISING_WEEKS,
    WEEK,
    Hotspot,
    HotspotCase,
    HotspotRules,
    town_name,
    type_name,
)
from shared.geo import EARTH_RADIUS_M, distance_m


def assess(cases: Iterable[HotspotCase], now: datetime, rules: HotspotRules = HotspotRules()) -> dict[str, Hotspot]:
    """Every candidate key with at least one case, flagged or not (a key being worked on is shown even
    when it has calmed down); `flagged` says whether it meets its rule now."""
    start = now - timedelta(days=rules.window_days)
    seen = [c for c in cases if c.received_at <= now]
    in_window = [c for c in seen if c.received_at > start]
    found: dict[str, Hotspot] = {}

    recurring: dict[tuple[str, str], list[HotspotCase]] = {}
    for c in in_window:
        if c.town and c.category:
            recurring.setdefault((c.town, c.category), []).append(c)
    for (town, category), group in recurring.items():
        flagged = len(group) >= rules.min_cases
        reason = (f"{town_name(town)}{rules.window_days}天内{type_name(category)}类投诉{len(group)}件"
                  f"（达到{rules.min_cases}件即预警）")
        found[f"recurring:{town}:{category}"] = _hotspot(f"recurring:{town}:{category}", "recurring", town, category,
                                                         start, now, group, flagged, reason)

    week_start, base_start = now - WEEK, now - WEEK * (RISING_WEEKS + 1)
    rising: dict[str, tuple[list[HotspotCase], int]] = {}
    for c in seen:
        if c.category and c.received_at > base_start:
            this_week, before = rising.get(c.category, ([], 0))
            if c.received_at > week_start:
                this_week.append(c)
            else:
                before += 1
            rising[c.category] = (this_week, before)
    for category, (this_week, before) in rising.items():
        if not this_week:
            continue
        average = before / RISING_WEEKS
        flagged = len(this_week) >= rules.min_cases and len(this_week) >= rules.rising_factor * average
        reason = (f"近7天{type_name(category)}类投诉{len(this_week)}件，前4周平均每周{average:g}件"
                  f"（达到{rules.min_cases}件且为平均的{rules.rising_factor:g}倍以上即预警）")
        found[f"rising:{category}"] = _hotspot(f"rising:{category}", "rising", None, category, week_start, now,
                                               this_week, flagged, reason,
                                               {"this_week": len(this_week), "previous_weekly_average": average})

    night: dict[str, list[HotspotCase]] = {}
    for c in in_window:
        if c.category == NOISE and c.town and rules.at_night(c.received_at):
            night.setdefault(c.town, []).append(c)
    for town, group in night.items():
        flagged = len(group) >= rules.min_cases
        reason = (f"{town_name(town)}{rules.window_days}天内夜间（{rules.night_from_hour}:00—"
                  f"{rules.night_until_hour:02d}:00）噪声投诉{len(group)}件（达到{rules.min_cases}件即预警）")
        found[f"night_noise:{town}"] = _hotspot(f"night_noise:{town}", "night_noise", town, NOISE, start, now, group,
                                                flagged, reason)

    found.update(_nearby(in_window, start, now, rules))

    for c in seen:
        if c.reply_round < 2:
            continue
        reopened_lately = c.last_assigned_at is not None and start < c.last_assigned_at <= now
        flagged = c.reply_round >= rules.reopen_rounds and (reopened_lately or c.status != "replied")
        reason = (f"该件已第{c.reply_round}轮办理（群众不满意重办{c.reply_round - 1}次；"
                  f"第{rules.reopen_rounds}轮起预警）")
        key = f"reopened:{c.complaint_id}"
        found[key] = _hotspot(key, "reopened", c.town, c.category, start, now, [c], flagged, reason,
                              {"reply_round": c.reply_round})
    return found


def _cell(lat: float, lon: float) -> str:
    return f"{round(lat / CELL_DEGREES)}_{round(lon / CELL_DEGREES)}"


def _nearby(cases: list[HotspotCase], start: datetime, now: datetime, rules: HotspotRules) -> dict[str, Hotspot]:
    """Clusters of one type within the radius: the case with the most neighbours (then the earliest) is a
    centre, it and its neighbours form a cluster and leave the pool, and so on."""
    found: dict[str, Hotspot] = {}
    by_type: dict[str, list[HotspotCase]] = {}
    for c in cases:
        if c.category and c.lat is not None and c.lon is not None:
            by_type.setdefault(c.category, []).append(c)
    for category, unsorted in by_type.items():
        pool = sorted(unsorted, key=lambda c: (c.received_at, c.complaint_id))
        near = _neighbours(pool, rules.radius_m)
        # The centre is the case with the most neighbours left (then the earliest); counts only fall as
        # clusters leave the pool, so a heap with stale entries skipped finds it without rescanning.
        left = [len(n) for n in near]
        alive = [True] * len(pool)
        heap = [(-count, i) for i, count in enumerate(left)]
        heapq.heapify(heap)
        while heap:
            negative, i = heapq.heappop(heap)
            if not alive[i] or -negative != left[i]:
                continue  # left the pool, or an old count
            group_at = [j for j in near[i] if alive[j]]
            if len(group_at) < 2:
                break  # nothing left has a neighbour
            centre, group = pool[i], [pool[j] for j in group_at]
            key = f"nearby:{category}:{_cell(centre.lat, centre.lon)}"  # type: ignore[arg-type]
            flagged = len(group) >= rules.min_cases
            reason = (f"{rules.window_days}天内同一地点{rules.radius_m:g}米范围内{type_name(category)}类投诉"
                      f"{len(group)}件（达到{rules.min_cases}件即预警）")
            found[key] = _hotspot(key, "nearby", centre.town, category, start, now, group, flagged, reason,
                                  {"cases": len(group), "radius_m": rules.radius_m})
            for j in group_at:
                alive[j] = False
            for j in group_at:
                for k in near[j]:
                    if alive[k]:
                        left[k] -= 1
                        heapq.heappush(heap, (-left[k], k))
    return found


def _neighbours(pool: list[HotspotCase], radius_m: float) -> list[list[int]]:
    """For each case, the positions of the cases within the radius (itself included), in pool order. Cases
    are bucketed in cells at least the radius wide, so only the 3×3 cells around a case are measured."""
    top = max(abs(c.lat) for c in pool)  # type: ignore[arg-type]
    height = radius_m / 110_000  # a degree of latitude is at least 110 km
    width = height / max(math.cos(math.radians(min(top, 89.0))), 0.01)
    cells: dict[tuple[int, int], list[int]] = {}
    for i, c in enumerate(pool):
        cells.setdefault((int(c.lat // height), int(c.lon // width)), []).append(i)  # type: ignore[operator]
    # A flat-earth distance (metres along the meridian and the parallel of the case) is within 0.1% of the
    # haversine at these distances: only a pair that close to the radius is measured exactly.
    lats, lons = [c.lat for c in pool], [c.lon for c in pool]
    per_degree = math.radians(EARTH_RADIUS_M)
    surely_in, surely_out = (radius_m * (1 - 1e-3)) ** 2, (radius_m * (1 + 1e-3)) ** 2
    near = []
    for c in pool:
        lat, lon = c.lat, c.lon
        y, x = int(lat // height), int(lon // width)  # type: ignore[operator]
        ky, kx = per_degree, per_degree * math.cos(math.radians(lat))  # type: ignore[arg-type]
        found = []
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for j in cells.get((y + dy, x + dx), ()):
                    squared = ((lats[j] - lat) * ky) ** 2 + ((lons[j] - lon) * kx) ** 2  # type: ignore[operator]
                    if squared <= surely_in or (squared <= surely_out and distance_m(
                            lat, lon, lats[j], lons[j]) <= radius_m):  # type: ignore[arg-type]
                        found.append(j)
        near.append(sorted(found))
    return near


def _hotspot(key: str, kind: str, town: str | None, category: str | None, start: datetime, end: datetime,
             cases: list[HotspotCase], flagged: bool, reason: str, figures: dict[str, float] | None = None) -> Hotspot:
    ordered = tuple(sorted(cases, key=lambda c: (c.received_at, c.complaint_id), reverse=True))
    return Hotspot(key, kind, town, category, start, end, ordered, flagged, reason,
                   dict(figures or {"cases": len(cases)}))
