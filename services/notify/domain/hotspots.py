"""The problem list and early warning (问题清单 / 预警): places and types where complaints recur, and what
the bureau does about each (领导包案, 整改方案, 销号).

Four rules over notify's own projection of the cases, for a moment `now` and a window of `window_days`
(default 30) ending at it:
- recurring (同地同类反复投诉): one town and one type with `min_cases`+ cases received in the window;
- rising (投诉量上升): one type, district-wide, whose last 7 days hold `min_cases`+ cases and at least
  `rising_factor` × the weekly average of the 4 weeks before them;
- night_noise (夜间噪声集中): one town with `min_cases`+ noise complaints received 22:00–06:00 (Asia/Shanghai)
  in the window;
- reopened (多次重办): one case in its `reopen_rounds`th (default third) reply round or later, reopened in
  the window or not yet answered;
- nearby (同一地点附近反复投诉): one type with `min_cases`+ cases received in the window within `radius_m`
  (default 500 m) of one of them — the place citizens pinned, across town borders and whatever address
  they typed. The case with the most such neighbours (then the earliest) is the centre; its grid cell
  (about 500 m) names the key, so it stays the same while the cluster grows.
Rejected complaints (不予受理) are not counted.
Each hotspot has a stable key (`recurring:taihe:noise`, `rising:odor`, `night_noise:taihe`,
`reopened:<complaint id>`), the cases behind it, its counts and the reason it is flagged. What the bureau
decides about a key (its owner, plan, closure) is a `HotspotState`, kept whether or not it is flagged now.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

from services.notify.domain.errors import HotspotNotFound, InvalidHotspotChange, InvalidReportRequest
from shared.clock import SHANGHAI
from shared.contracts.codes import CATEGORY_NAMES, TOWNS
from shared.domain import Aggregate
from shared.geo import EARTH_RADIUS_M, distance_m

KINDS = ("recurring", "rising", "night_noise", "reopened", "nearby", "firm")
KIND_NAMES = {"recurring": "同地同类反复投诉", "rising": "投诉量上升", "night_noise": "夜间噪声集中",
              "reopened": "多次重办", "nearby": "同一地点附近反复投诉", "firm": "企业重复被举报"}
CELL_DEGREES = 0.005  # the grid that names a nearby cluster's key (about 550 m north-south)
STATUSES = ("open", "in_progress", "resolved")
STATUS_NAMES = {"open": "待包案", "in_progress": "包案整改中", "resolved": "已销号"}
VIEWS = ("active", "resolved", "all")  # the list: flagged or being worked on | closed | everything
NOISE = "noise"
WEEK = timedelta(days=7)
RISING_WEEKS = 4  # "this week" is compared with the weekly average of the four weeks before it
KEY = re.compile(r"^(recurring:[a-z_]{1,32}:[a-z_]{1,32}|rising:[a-z_]{1,32}|night_noise:[a-z_]{1,32}"
                 r"|reopened:[A-Za-z0-9_-]{1,64}|nearby:[a-z_]{1,32}:-?\d{1,6}_-?\d{1,6}|firm:[A-Za-z0-9_-]{1,36})$")
OWNER_MAX, TEXT_MAX = 40, 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class HotspotRules:
    """The thresholds (settings: HOTSPOT_MIN_CASES, HOTSPOT_WINDOW_DAYS, HOTSPOT_RISING_FACTOR)."""

    min_cases: int = 3
    window_days: int = 30
    rising_factor: float = 2.0
    reopen_rounds: int = 3
    radius_m: float = 500.0  # the nearby rule's radius
    night_from_hour: int = 22  # 22:00 …
    night_until_hour: int = 6  # … to 06:00, Asia/Shanghai
    firm_threshold: int = 3  # the firm rule: FIRM_REPEAT_THRESHOLD cases …
    firm_days: int = 90  # … received within FIRM_REPEAT_DAYS days (docs/firms.md)

    @property
    def lookback(self) -> timedelta:
        """How far back the rules look at all: the window, or the five weeks the rising rule compares."""
        return max(timedelta(days=self.window_days), WEEK * (RISING_WEEKS + 1))

    def at_night(self, when: datetime) -> bool:
        return self.night_hour(when.astimezone(SHANGHAI).hour)

    def night_hour(self, hour: int) -> bool:
        """Whether an hour of the day (Asia/Shanghai, 0–23) is night."""
        return hour >= self.night_from_hour or hour < self.night_until_hour


@dataclass(frozen=True)
class HotspotCase:
    """What the rules read of one case (notify's projection: no text, no address, nobody's name)."""

    complaint_id: str
    tracking_code: str | None
    category: str | None
    subcategory: str | None
    town: str | None
    department: str | None
    status: str
    received_at: datetime
    reply_round: int = 1
    last_assigned_at: datetime | None = None
    replied_at: datetime | None = None
    lat: float | None = None  # where the citizen pinned it (the nearby rule), never shown
    lon: float | None = None


@dataclass(frozen=True)
class Hotspot:
    key: str
    kind: str
    town: str | None
    category: str | None
    window_start: datetime
    window_end: datetime
    cases: Sequence[HotspotCase]  # newest first (a tuple, or LazyCases: loaded when asked for)
    flagged: bool
    reason: str  # why it is flagged (or what it would take), in Chinese
    figures: dict[str, float] = field(default_factory=dict)
    label: str | None = None  # what names it when town and type do not (the firm rule: the firm's name)

    @property
    def count(self) -> int:
        return len(self.cases)

    def received_after(self, moment: datetime) -> int:
        return sum(1 for c in self.cases if c.received_at > moment)


def town_name(code: str | None) -> str:
    if not code:
        return "未定镇街"
    town = TOWNS.get(code)
    return town.name if town else code


def type_name(code: str | None) -> str:
    return CATEGORY_NAMES.get(code, code) if code else "未分类"


def check_key(key: str) -> str:
    if not KEY.match(key):
        raise HotspotNotFound(f"没有这个问题清单条目 / no hotspot {key!r}")
    return key


def parse_key(key: str) -> tuple[str, str | None, str | None]:
    """(kind, town, category) of a key; the town or category is None where the kind has none."""
    kind, _, rest = check_key(key).partition(":")
    if kind == "recurring":
        town, _, category = rest.partition(":")
        return kind, town, category
    if kind == "rising":
        return kind, None, rest
    if kind == "night_noise":
        return kind, rest, NOISE
    if kind == "nearby":
        return kind, None, rest.partition(":")[0]
    return kind, None, None


# --- the rules -----------------------------------------------------------------------------------------


def assess(cases: Iterable[HotspotCase], now: datetime, rules: HotspotRules = HotspotRules()) -> dict[str, Hotspot]:
    """Every candidate key with at least one case, flagged or not (a key being worked on is shown even
    when it has calmed down); `flagged` says whether it meets its rule now. This reads every case of the
    window; `assess_kept` gives the same from counts and notify_nearby_pairs (service_layer/hotspots.py)."""
    start = now - timedelta(days=rules.window_days)
    seen = [c for c in cases if c.received_at <= now]
    in_window = [c for c in seen if c.received_at > start]
    found: dict[str, Hotspot] = {}

    recurring: dict[tuple[str, str], list[HotspotCase]] = {}
    for c in in_window:
        if c.town and c.category:
            recurring.setdefault((c.town, c.category), []).append(c)
    for (town, category), group in recurring.items():
        found[f"recurring:{town}:{category}"] = recurring_hotspot(town, category, start, now, group, rules)

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
        if this_week:
            found[f"rising:{category}"] = rising_hotspot(category, now, this_week, before, rules)

    night: dict[str, list[HotspotCase]] = {}
    for c in in_window:
        if c.category == NOISE and c.town and rules.at_night(c.received_at):
            night.setdefault(c.town, []).append(c)
    for town, group in night.items():
        found[f"night_noise:{town}"] = night_hotspot(town, start, now, group, rules)

    found.update(_nearby(in_window, start, now, rules))

    for c in seen:
        if c.reply_round >= 2:
            found[f"reopened:{c.complaint_id}"] = reopened_hotspot(c, start, now, rules)
    return found


def recurring_hotspot(town: str, category: str, start: datetime, now: datetime, group: Sequence[HotspotCase],
                      rules: HotspotRules) -> Hotspot:
    flagged = len(group) >= rules.min_cases
    reason = (f"{town_name(town)}{rules.window_days}天内{type_name(category)}类投诉{len(group)}件"
              f"（达到{rules.min_cases}件即预警）")
    return _hotspot(f"recurring:{town}:{category}", "recurring", town, category, start, now, group, flagged, reason)


def rising_hotspot(category: str, now: datetime, this_week: Sequence[HotspotCase], before: int,
                   rules: HotspotRules) -> Hotspot:
    average = before / RISING_WEEKS
    flagged = len(this_week) >= rules.min_cases and len(this_week) >= rules.rising_factor * average
    reason = (f"近7天{type_name(category)}类投诉{len(this_week)}件，前4周平均每周{average:g}件"
              f"（达到{rules.min_cases}件且为平均的{rules.rising_factor:g}倍以上即预警）")
    return _hotspot(f"rising:{category}", "rising", None, category, now - WEEK, now, this_week, flagged, reason,
                    {"this_week": len(this_week), "previous_weekly_average": average})


def night_hotspot(town: str, start: datetime, now: datetime, group: Sequence[HotspotCase],
                  rules: HotspotRules) -> Hotspot:
    flagged = len(group) >= rules.min_cases
    reason = (f"{town_name(town)}{rules.window_days}天内夜间（{rules.night_from_hour}:00—"
              f"{rules.night_until_hour:02d}:00）噪声投诉{len(group)}件（达到{rules.min_cases}件即预警）")
    return _hotspot(f"night_noise:{town}", "night_noise", town, NOISE, start, now, group, flagged, reason)


def reopened_hotspot(c: HotspotCase, start: datetime, now: datetime, rules: HotspotRules) -> Hotspot:
    reopened_lately = c.last_assigned_at is not None and start < c.last_assigned_at <= now
    flagged = c.reply_round >= rules.reopen_rounds and (reopened_lately or c.status != "replied")
    reason = (f"该件已第{c.reply_round}轮办理（群众不满意重办{c.reply_round - 1}次；"
              f"第{rules.reopen_rounds}轮起预警）")
    return _hotspot(f"reopened:{c.complaint_id}", "reopened", c.town, c.category, start, now, [c], flagged, reason,
                    {"reply_round": c.reply_round})


# --- the same from what notify keeps (counts, and the pairs of cases near each other) -----------------

NEARBY_RADIUS_M = 500.0  # notify_nearby_pairs holds the pairs within this radius …
NEARBY_PAIR_DAYS = 31  # … received at most this many days apart: enough for a window up to that long


def kept_pairs_serve(rules: HotspotRules) -> bool:
    """Whether the kept pairs answer the nearby rule with these rules (else `assess` reads every case)."""
    return rules.radius_m == NEARBY_RADIUS_M and rules.window_days <= NEARBY_PAIR_DAYS


class LazyCases(Sequence[HotspotCase]):
    """The cases behind a hotspot whose number is known: loaded (newest first) only when asked for."""

    def __init__(self, count: int, load: Callable[[], Iterable[HotspotCase]]) -> None:
        self._count, self._load = count, load
        self._cases: tuple[HotspotCase, ...] | None = None

    def _all(self) -> tuple[HotspotCase, ...]:
        if self._cases is None:
            self._cases = tuple(sorted(self._load(), key=lambda c: (c.received_at, c.complaint_id), reverse=True))
        return self._cases

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):  # type: ignore[no-untyped-def,override]
        return self._all()[index]

    def __iter__(self) -> Iterator[HotspotCase]:
        return iter(self._all())


@dataclass(frozen=True)
class NearbyPool:
    """One type's cases with a kept pair in the window, as the nearby rule's greedy reads them: `ids` in
    (received_at, id) order, `near[i]` the positions of the cases the rule counts within the radius of case i
    (itself included; in any order: `clusters` picks centres by count and position, and a cluster's cases
    are ordered by receipt when loaded). Built from notify_nearby_pairs (adapters/hotspot_index.py
    `nearby_pools`)."""

    ids: list[str]
    near: list[list[int]]


@dataclass(frozen=True)
class KeptCounts:
    """What notify counts of the window (adapters/hotspot_index.py), for `assess_kept`."""

    recurring: dict[tuple[str, str], int]  # (town, type): cases in the window
    rising: dict[str, tuple[int, int]]  # type: (cases in the last 7 days, in the 4 weeks before)
    night_by_hour: dict[tuple[str, int], int]  # (town, Asia/Shanghai hour): noise cases in the window
    reopened: list[HotspotCase]  # seen cases in their second round or later
    nearby: dict[str, NearbyPool]  # type: its cases with a pair in the window, and who is near whom


@dataclass(frozen=True)
class KeptLoaders:
    """How the cases behind a key are loaded when asked for (the service layer binds them to the database)."""

    recurring: Callable[[str, str], Iterable[HotspotCase]]  # town, type
    rising: Callable[[str], Iterable[HotspotCase]]  # type
    night: Callable[[str], Iterable[HotspotCase]]  # town: its noise cases of the window (day and night)
    by_ids: Callable[[list[str]], Iterable[HotspotCase]]
    centres: Callable[[list[str]], dict[str, tuple[float, float, str | None]]]  # (lat, lon, town) by id


def assess_kept(counts: KeptCounts, load: KeptLoaders, now: datetime,
                rules: HotspotRules = HotspotRules()) -> dict[str, Hotspot]:
    """`assess`, from counts and the kept pairs instead of every case of the window: the same hotspots (a
    test holds it to the computation over every case), the cases behind each loaded when asked for."""
    start = now - timedelta(days=rules.window_days)
    found: dict[str, Hotspot] = {}
    for (town, category), count in counts.recurring.items():
        found[f"recurring:{town}:{category}"] = recurring_hotspot(
            town, category, start, now, LazyCases(count, partial(load.recurring, town, category)), rules)
    for category, (this_week, before) in counts.rising.items():
        if this_week:
            found[f"rising:{category}"] = rising_hotspot(
                category, now, LazyCases(this_week, partial(load.rising, category)), before, rules)
    night: dict[str, int] = {}
    for (town, hour), count in counts.night_by_hour.items():
        if rules.night_hour(hour):
            night[town] = night.get(town, 0) + count
    for town, count in night.items():
        group = LazyCases(count, partial(_at_night, load.night, town, rules))
        found[f"night_noise:{town}"] = night_hotspot(town, start, now, group, rules)
    found.update(_kept_nearby(counts.nearby, load, start, now, rules))
    for c in counts.reopened:
        found[f"reopened:{c.complaint_id}"] = reopened_hotspot(c, start, now, rules)
    return found


def _at_night(noise: Callable[[str], Iterable[HotspotCase]], town: str, rules: HotspotRules) -> list[HotspotCase]:
    return [c for c in noise(town) if rules.at_night(c.received_at)]


def _kept_nearby(pools: dict[str, NearbyPool], load: KeptLoaders, start: datetime, now: datetime,
                 rules: HotspotRules) -> dict[str, Hotspot]:
    """`_nearby` over the cases that have a neighbour: the same clusters (see `clusters`)."""
    found: dict[str, Hotspot] = {}
    formed: list[tuple[str, str, list[str]]] = []  # type, centre, members
    for category, pool in pools.items():
        ids = pool.ids
        formed += [(category, ids[i], [ids[j] for j in group]) for i, group in clusters(pool.near)]
    centres = load.centres([centre for _, centre, _ in formed])
    for category, centre_id, members in formed:
        lat, lon, town = centres[centre_id]
        key = f"nearby:{category}:{_cell(lat, lon)}"
        group = LazyCases(len(members), partial(load.by_ids, members))
        found[key] = nearby_hotspot(key, category, town, start, now, group, rules)
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
        for i, group_at in clusters(_neighbours(pool, rules.radius_m)):
            centre, group = pool[i], [pool[j] for j in group_at]
            key = f"nearby:{category}:{_cell(centre.lat, centre.lon)}"  # type: ignore[arg-type]
            found[key] = nearby_hotspot(key, category, centre.town, start, now, group, rules)
    return found


def nearby_hotspot(key: str, category: str, town: str | None, start: datetime, now: datetime,
                   group: Sequence[HotspotCase], rules: HotspotRules) -> Hotspot:
    flagged = len(group) >= rules.min_cases
    reason = (f"{rules.window_days}天内同一地点{rules.radius_m:g}米范围内{type_name(category)}类投诉"
              f"{len(group)}件（达到{rules.min_cases}件即预警）")
    return _hotspot(key, "nearby", town, category, start, now, group, flagged, reason,
                    {"cases": len(group), "radius_m": rules.radius_m})


def clusters(near: list[list[int]]) -> list[tuple[int, list[int]]]:
    """The greedy of the nearby rule over one type's pool (in (received_at, id) order), `near[i]` the
    positions within the radius of case i (itself included): the centre and the positions of each
    cluster, in the order they are found. Only cases with a neighbour other than themselves take part;
    those without one never start a cluster nor join one, so a pool of the others alone (in the same
    order) gives the same clusters (the kept pairs of notify_nearby_pairs rely on it)."""
    found = []
    # The centre is the case with the most neighbours left (then the earliest). Counts only fall as clusters
    # leave the pool, so each case keeps one entry in a heap, its count when pushed (never below its count
    # now): the first entry whose count is still its case's count is the centre (a case that would win has
    # its entry at its count, ahead of any other at that count); an entry whose count fell goes back in at
    # its count now, and counts that fall push nothing.
    left = [len(n) for n in near]
    alive = [True] * len(near)
    heap = [(-count, i) for i, count in enumerate(left)]
    heapq.heapify(heap)
    while heap:
        negative, i = heap[0]
        if not alive[i]:
            heapq.heappop(heap)  # left the pool
            continue
        if -negative != left[i]:
            heapq.heapreplace(heap, (-left[i], i))  # an old count: back in at its count now
            continue
        heapq.heappop(heap)
        group_at = [j for j in near[i] if alive[j]]
        if len(group_at) < 2:
            break  # nothing left has a neighbour
        found.append((i, group_at))
        for j in group_at:
            alive[j] = False
        for j in group_at:
            for k in near[j]:
                if alive[k]:
                    left[k] -= 1
    return found


def sees(lat: float, lon: float, other_lat: float, other_lon: float, radius_m: float) -> bool:
    """Whether the nearby rule counts the other case within the radius of this one: exactly the test of
    `_neighbours` (a flat-earth distance along this case's parallel, the haversine near the edge)."""
    per_degree = math.radians(EARTH_RADIUS_M)
    ky, kx = per_degree, per_degree * math.cos(math.radians(lat))
    squared = ((other_lat - lat) * ky) ** 2 + ((other_lon - lon) * kx) ** 2
    return squared <= (radius_m * (1 - 1e-3)) ** 2 or (
        squared <= (radius_m * (1 + 1e-3)) ** 2 and distance_m(lat, lon, other_lat, other_lon) <= radius_m)


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
             cases: Sequence[HotspotCase], flagged: bool, reason: str,
             figures: dict[str, float] | None = None) -> Hotspot:
    ordered: Sequence[HotspotCase] = cases if isinstance(cases, LazyCases) else tuple(
        sorted(cases, key=lambda c: (c.received_at, c.complaint_id), reverse=True))
    return Hotspot(key, kind, town, category, start, end, ordered, flagged, reason,
                   dict(figures or {"cases": len(cases)}))


@dataclass(frozen=True)
class FirmCase:
    """A case linked to a firm of routing's register (被举报企业), as notify follows it."""

    firm_id: str
    firm_name: str
    credit_code: str
    firm_town: str | None
    case: HotspotCase


FIRM_NOT_COUNTED = ("rejected", "merged")  # 不予受理; 并单 (its master counts)


def firm_hotspots(cases: Iterable[FirmCase], now: datetime, rules: HotspotRules = HotspotRules()) -> dict[str, Hotspot]:
    """firm (企业重复被举报, docs/firms.md): a firm with `firm_threshold`+ linked cases received within the
    `firm_days` days ending at `now` (now − days < received ≤ now), refused (不予受理) and merged (并单) cases not
    counted. The key is `firm:<firm id>`; the firm's name and credit code label it."""
    start = now - timedelta(days=rules.firm_days)
    groups: dict[str, list[FirmCase]] = {}
    for linked in cases:
        c = linked.case
        if start < c.received_at <= now and c.status not in FIRM_NOT_COUNTED:
            groups.setdefault(linked.firm_id, []).append(linked)
    found: dict[str, Hotspot] = {}
    for firm_id, group in groups.items():
        first, count = group[0], len(group)
        flagged = count >= rules.firm_threshold
        reason = (f"{first.firm_name}{rules.firm_days}天内被举报{count}次（达到{rules.firm_threshold}次即为重复被举报；"
                  "不予受理、已并单的不计）")
        key = f"firm:{firm_id}"
        hotspot = _hotspot(key, "firm", first.firm_town, None, start, now, [g.case for g in group], flagged, reason,
                           {"cases": count, "days": rules.firm_days})
        found[key] = replace(hotspot, label=f"{first.firm_name}（{first.credit_code}）")
    return found


def quiet(key: str, now: datetime, rules: HotspotRules = HotspotRules()) -> Hotspot:
    """A key with a state but no case left in its window: shown with nothing behind it."""
    kind, town, category = parse_key(key)
    start = now - (WEEK if kind == "rising" else timedelta(days=rules.firm_days if kind == "firm"
                                                           else rules.window_days))
    return Hotspot(key, kind, town, category, start, now, (), False, "统计期内已无相关投诉", {"cases": 0})


# --- the bureau's decisions about a key -----------------------------------------------------------------


@dataclass(frozen=True)
class ListHotspots:
    """The problem list: `view` active (flagged now, or being worked on), resolved, or all; one kind or all;
    a page of it (`offset`, `limit`). Each hotspot links to its cases (ListHotspotCases), never carries them."""

    view: str = "active"
    kind: str | None = None
    offset: int = 0
    limit: int = 100

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise InvalidReportRequest(f"status 只能是 {'|'.join(VIEWS)} / status must be one of "
                                       f"{', '.join(VIEWS)}, not {self.view!r}")
        if self.kind is not None and self.kind not in KINDS:
            raise InvalidReportRequest(f"kind 只能是 {'|'.join(KINDS)} / kind must be one of {', '.join(KINDS)}, "
                                       f"not {self.kind!r}")


@dataclass(frozen=True)
class ListHotspotCases:
    """The cases behind one hotspot of the list (flagged now, or with a decision), newest first, a page."""

    key: str
    offset: int = 0
    limit: int = 50

    def __post_init__(self) -> None:
        check_key(self.key)


@dataclass(frozen=True)
class UpdateHotspot:
    """A supervisor gives a hotspot its owner (包案领导) and plan, or moves its status; None = unchanged,
    "" clears the owner or the plan. Resolving (销号) takes a note of what was done."""

    key: str
    by: str
    owner: str | None = None
    plan: str | None = None
    status: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        check_key(self.key)
        if self.owner is None and self.plan is None and self.status is None and self.note is None:
            raise InvalidHotspotChange("请至少修改一项 / give at least one of owner, plan, status, note")
        if self.status is not None and self.status not in STATUSES:
            raise InvalidHotspotChange(f"status 只能是 {'|'.join(STATUSES)} / status must be one of "
                                       f"{', '.join(STATUSES)}, not {self.status!r}")
        if self.owner is not None:
            owner = self.owner.strip()
            if len(owner) > OWNER_MAX or _CONTROL.search(owner):
                raise InvalidHotspotChange(f"包案领导姓名不超过{OWNER_MAX}个字、不能换行 / owner: at most "
                                           f"{OWNER_MAX} characters on one line")
            object.__setattr__(self, "owner", owner)
        for name in ("plan", "note"):
            value = getattr(self, name)
            if value is not None:
                value = value.strip()
                if len(value) > TEXT_MAX or re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
                    raise InvalidHotspotChange(f"{name} 不超过{TEXT_MAX}个字 / {name}: at most {TEXT_MAX} "
                                               "characters of text")
                object.__setattr__(self, name, value)
        if self.status == "resolved" and not self.note:
            raise InvalidHotspotChange("销号须填写办结说明 / resolving a hotspot takes a note of what was done")


@dataclass
class HotspotState(Aggregate):
    """What the bureau decided about one hotspot key: who leads it (领导包案), the plan, and its closure."""

    key: str
    kind: str
    created_at: datetime
    updated_at: datetime
    status: str = "open"
    owner: str | None = None
    plan: str | None = None
    note: str | None = None  # 办结说明, when resolved
    updated_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None

    @classmethod
    def new(cls, key: str, at: datetime) -> HotspotState:
        return cls(key=key, kind=parse_key(key)[0], created_at=at, updated_at=at)

    def change(self, command: UpdateHotspot, at: datetime) -> None:
        if command.owner is not None:
            self.owner = command.owner or None
        if command.plan is not None:
            self.plan = command.plan or None
        status = command.status
        if status is None and command.owner and self.status == "open":
            status = "in_progress"  # giving it an owner is taking it on
        if status == "resolved":
            if not self.owner:
                raise InvalidHotspotChange("销号前须指定包案领导 / a hotspot is resolved by its owner: give one first")
            if self.status != "resolved":
                self.resolved_at, self.resolved_by = at, command.by
            self.note = command.note
        elif status is not None:
            if status == "in_progress" and not self.owner:
                raise InvalidHotspotChange("包案整改须指定包案领导 / in_progress needs an owner")
            if self.status == "resolved":  # reopened: the closure no longer stands
                self.resolved_at = self.resolved_by = None
                self.note = None
        if command.note is not None and status != "resolved":
            self.note = command.note or None
        if status is not None:
            self.status = status
        if self.status == "in_progress" and not self.owner:
            raise InvalidHotspotChange("包案整改中的问题须有包案领导 / a hotspot in progress keeps an owner")
        self.updated_at, self.updated_by = at, command.by
