"""What the problem list (问题清单) reads instead of every case of its window (issue 12): counts by town and
type, by type and week, and of noise by town and hour, through the covering index on received_at; the
reopened cases; and the pairs of cases near each other (notify_nearby_pairs), which notify's repository keeps
as cases are written (`refresh_pairs`, in the unit of work that writes the case). `rebuild_pairs` fills the
table from the cases already there (seed-volume; migration notify_0017 does the same). The hotspots built
from them (domain/hotspots.py `assess_kept`) are those `assess` finds over every case: tests/notify/
test_hotspot_index.py holds them to it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from itertools import compress
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.pq import Format
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlmodel import col

from services.notify.adapters.tables import CaseRow, NearbyPairRow
from services.notify.domain.clocks import CaseStatus
from services.notify.domain.hotspots import (
    NEARBY_PAIR_DAYS,
    NEARBY_RADIUS_M,
    NOISE,
    RISING_WEEKS,
    WEEK,
    HotspotCase,
    HotspotRules,
    KeptCounts,
    KeptLoaders,
    NearbyPool,
    parse_key,
    sees,
)

REJECTED = CaseStatus.rejected.value  # 不予受理: in no rule
PAIR_SPAN = timedelta(days=NEARBY_PAIR_DAYS)
# Pairs are looked for in a latitude band and a longitude band at least the radius wide (with the margin the
# rule measures exactly), far from the poles: 1° of latitude is more than 110 km.
_LAT_BAND = NEARBY_RADIUS_M * 1.01 / 110_000
_FEW_CENTRES = 500  # more centres than this: read from the window's range of received_at, not one by one
_PAIRS_LOCK = 1_700_012  # pg_advisory_xact_lock: one writer of pairs at a time (see refresh_pairs)
_INT8_BINARY = psycopg.adapters.get_loader(psycopg.postgres.types["int8"].oid, Format.BINARY)

_C: Any = CaseRow  # (Any: columns in select() without col() around each)
_COLUMNS: list[Any] = [_C.complaint_id, _C.tracking_code, _C.category, _C.subcategory, _C.town, _C.department,
                       _C.status, _C.received_at, _C.reply_round, _C.last_assigned_at, _C.replied_at, _C.lat, _C.lon]


def _counted() -> Any:
    return sa.and_(col(_C.received_at).is_not(None), col(_C.status) != REJECTED)


def _lon_band(lat: float) -> float:
    import math
    return _LAT_BAND / max(math.cos(math.radians(min(abs(lat) + _LAT_BAND, 89.0))), 0.01)


class HotspotIndex:
    """Read only, never commits: what `assess_kept` needs at a moment `now`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def counts(self, now: datetime, rules: HotspotRules, key: str | None = None) -> KeptCounts:
        """What `assess_kept` reads at `now`; with `key`, only what that key's hotspot is made of (its town and
        type, its type's pool of the nearby rule, its case): `assess_kept` then finds that hotspot as it would
        among all of them, and the others of its group only."""
        kind, town, category = parse_key(key) if key is not None else (None, None, None)
        start = now - timedelta(days=rules.window_days)
        week_start, base_start = now - WEEK, now - WEEK * (RISING_WEEKS + 1)
        received = col(_C.received_at)
        recurring: dict[tuple[str, str], int] = {}
        rising: dict[str, tuple[int, int]] = {}
        night: dict[tuple[str, int], int] = {}
        if kind in (None, "recurring", "rising", "night_noise"):
            # One scan of the covering index over the window and the five weeks the rising rule compares: counts
            # by town, type, whether in the window / the last 7 days / the 5 weeks, and (noise only) local hour.
            flag = lambda after: sa.case((received > after, 1), else_=0)  # noqa: E731
            in_window, this_week, in_weeks = flag(start), flag(week_start), flag(base_start)
            hour = sa.case((col(_C.category) == NOISE, self._local_hour()), else_=None)
            where = [_counted(), received > min(start, base_start), received <= now]
            if kind == "recurring":
                where += [col(_C.town) == town, col(_C.category) == category]
            elif kind == "rising":
                where += [col(_C.category) == category]
            elif kind == "night_noise":
                where += [col(_C.town) == town, col(_C.category) == NOISE]
            groups = (_C.town, _C.category, hour, in_window, this_week, in_weeks)
            for town_of, type_of, h, window_in, week_in, weeks_in, count in self.session.execute(
                    sa.select(*groups, sa.func.count()).where(*where).group_by(*groups)):
                if window_in and town_of is not None and type_of is not None:
                    recurring[(town_of, type_of)] = recurring.get((town_of, type_of), 0) + count
                if weeks_in and type_of is not None:
                    week, before = rising.get(type_of, (0, 0))
                    rising[type_of] = (week + count, before) if week_in else (week, before + count)
                if window_in and type_of == NOISE and town_of is not None:
                    night[(town_of, int(h))] = night.get((town_of, int(h)), 0) + count
        reopened: list[HotspotCase] = []
        if kind in (None, "reopened"):
            since, rounds = now - rules.lookback, col(_C.reply_round)
            one = [col(_C.complaint_id) == key.partition(":")[2]] if key is not None else []
            reopened = [HotspotCase(*row) for where in (  # (reply_round, received_at) index: one range each
                sa.and_(rounds >= 2, rounds < rules.reopen_rounds, received >= since),
                rounds >= max(2, rules.reopen_rounds)) for row in self.session.connection().execute(
                sa.select(*_COLUMNS).where(where, _counted(), received <= now, *one))]
        pools = self.nearby_pools(start, now, category) if kind in (None, "nearby") else {}
        return KeptCounts(recurring, rising, night, reopened, pools)

    def _local_hour(self) -> Any:
        """The hour of received_at in Asia/Shanghai (UTC+8 all year since 1991; SQLite keeps UTC text)."""
        if self.session.get_bind().dialect.name == "postgresql":
            return sa.extract("hour", sa.func.timezone("Asia/Shanghai", col(_C.received_at)))
        return (sa.cast(sa.func.strftime("%H", col(_C.received_at)), sa.Integer) + 8) % 24

    def nearby_pools(self, start: datetime, now: datetime, category: str | None = None) -> dict[str, NearbyPool]:
        """The kept pairs with both cases received in the window (start, now] (of one type, or all), as each
        type's pool of the nearby rule. Receipt times only order the cases: on PostgreSQL they are read as
        integer microseconds (since 2000, the binary form itself), each type's pairs as one row of arrays in
        the binary format through the driver's own cursor: no datetime, row nor tuple made per pair (a month
        at a million cases is some 60,000 pairs), and nothing computed per pair by the server."""
        one_type = " AND category = %s" if category is not None else ""
        if self.session.get_bind().dialect.name == "postgresql":
            cursor = self.session.connection().connection.cursor(binary=True)
            # A timestamptz's binary form is its microseconds since 2000-01-01 as an 8-byte integer: read with
            # the driver's (compiled) bigint loader, on this cursor only, it is that integer, exact and in order.
            cursor.adapters.register_loader("timestamptz", _INT8_BINARY)
            try:
                cursor.execute(  # (the aggregates of a group read its rows in the same order)
                    "SELECT category, array_agg(first_id), array_agg(first_at), array_agg(second_id), "
                    "array_agg(second_at), array_agg(first_sees), array_agg(second_sees) "
                    "FROM notify_nearby_pairs WHERE first_at > %s AND second_at <= %s" + one_type
                    + " GROUP BY category", (start, now) if category is None else (start, now, category))
                by_type = {row[0]: list(row[1:]) for row in cursor.fetchall()}
            finally:
                cursor.close()
        else:
            p: Any = NearbyPairRow
            plain = sa.DateTime(timezone=True)
            query = (sa.select(p.category, p.first_id, sa.type_coerce(p.first_at, plain), p.second_id,
                               sa.type_coerce(p.second_at, plain), p.first_sees, p.second_sees)
                     .where(col(p.first_at) > start, col(p.second_at) <= now))
            if category is not None:
                query = query.where(col(p.category) == category)
            rows: dict[str, list[Any]] = {}
            for row in self.session.connection().execute(query):
                rows.setdefault(row[0], []).append(tuple(row[1:]))
            by_type = {type_of: [list(c) for c in zip(*pairs, strict=True)] for type_of, pairs in rows.items()}
        return {type_of: _pool(*columns) for type_of, columns in by_type.items()}

    def loaders(self, now: datetime, rules: HotspotRules) -> KeptLoaders:
        start = now - timedelta(days=rules.window_days)
        received = col(_C.received_at)
        in_window = sa.and_(_counted(), received > start, received <= now)

        def cases(*where: Any) -> list[HotspotCase]:
            return [HotspotCase(*row) for row in self.session.execute(sa.select(*_COLUMNS).where(*where))]

        def by_ids(ids: list[str]) -> list[HotspotCase]:
            return [c for chunk in _chunks(ids) for c in cases(col(_C.complaint_id).in_(chunk))]

        return KeptLoaders(
            recurring=lambda town, category: cases(in_window, col(_C.town) == town, col(_C.category) == category),
            rising=lambda category: cases(_counted(), received > now - WEEK, received <= now,
                                          col(_C.category) == category),
            night=lambda town: cases(in_window, col(_C.town) == town, col(_C.category) == NOISE),
            by_ids=by_ids,
            centres=lambda ids: self.centres(ids, start, now))

    def centres(self, ids: list[str], start: datetime | None = None,
                now: datetime | None = None) -> dict[str, tuple[float, float, str | None]]:
        """(lat, lon, town) of each case. On PostgreSQL, for many cases received in the window (start, now]
        (the centres of the nearby rule's clusters: thousands at a million cases), one range of the index on
        received_at that includes them (notify_0021) is read in order, instead of looking each case up (as
        arrays in the binary format: the window holds some 40,000 cases a month at a million)."""
        if not ids:
            return {}
        found: dict[str, tuple[float, float, str | None]] = {}
        if (start is not None and now is not None and len(ids) > _FEW_CENTRES
                and self.session.get_bind().dialect.name == "postgresql"):
            cursor = self.session.connection().connection.cursor(binary=True)
            try:  # the range read back as four arrays: no row object per case of the window
                cursor.execute("SELECT array_agg(complaint_id), array_agg(lat), array_agg(lon), array_agg(town) "
                               "FROM notify_cases WHERE received_at > %s AND received_at <= %s AND lat IS NOT NULL",
                               (start, now))
                row = cursor.fetchone()
            finally:
                cursor.close()
            if row is not None and row[0] is not None:
                window = dict(zip(row[0], zip(row[1], row[2], row[3], strict=True), strict=True))
                found = {cid: window[cid] for cid in ids if cid in window}
        query = sa.select(_C.complaint_id, _C.lat, _C.lon, _C.town)
        missing = [cid for cid in ids if cid not in found]  # all of them, but for the window's range read
        found.update({cid: (lat, lon, town) for chunk in _chunks(missing)
                      for cid, lat, lon, town in self.session.connection().execute(
                          query.where(col(_C.complaint_id).in_(chunk)))})
        return found


def _pool(firsts: list[str], first_at: list[Any], seconds: list[str], second_at: list[Any],
          first_sees: list[bool], second_sees: list[bool]) -> NearbyPool:
    """One type's pool from its pairs, column by column (first ids, their receipts, second ids, their
    receipts, first_sees, second_sees): the cases in (received_at, id) order, each one's neighbours by
    position. Written with whole-list operations (zip, map, sort, compress) so that no loop over the pairs is
    left in Python: each neighbour is appended by `map(list.append, ...)`, run out by a deque of length 0."""
    received = dict(zip(firsts, first_at, strict=True))
    received.update(zip(seconds, second_at, strict=True))
    ids = sorted(received)
    ids.sort(key=received.__getitem__)  # stable: by receipt, then id
    at = dict(zip(ids, range(len(ids)), strict=True))
    first_at_pos, second_at_pos = list(map(at.__getitem__, firsts)), list(map(at.__getitem__, seconds))
    near: list[list[int]] = [[i] for i in range(len(ids))]
    # who counts whom: the first case sees the second where first_sees, the second the first where second_sees
    deque(map(list.append, map(near.__getitem__, compress(first_at_pos, first_sees)),
              compress(second_at_pos, first_sees)), maxlen=0)
    deque(map(list.append, map(near.__getitem__, compress(second_at_pos, second_sees)),
              compress(first_at_pos, second_sees)), maxlen=0)
    return NearbyPool(ids, near)


def _chunks(ids: list[str], size: int = 1000) -> Iterator[list[str]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


# --- keeping the pairs -----------------------------------------------------------------------------------


def pairable(category: str | None, lat: float | None, lon: float | None, received_at: datetime | None,
             status: str) -> bool:
    return bool(category) and lat is not None and lon is not None and received_at is not None and status != REJECTED


def refresh_pairs(session: Session, complaint_id: str, category: str | None, lat: float | None, lon: float | None,
                  received_at: datetime | None, status: str) -> None:
    """A case's pairs made again after its type, place, receipt or refusal changed (the case's row is written
    in the same transaction). On PostgreSQL one transaction at a time does this (an advisory lock held to
    its commit): two cases pinned side by side and written at once would otherwise each look for the other
    before it is committed, and their pair would be missed."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PAIRS_LOCK})
    p = NearbyPairRow
    session.execute(sa.delete(p).where(sa.or_(col(p.first_id) == complaint_id, col(p.second_id) == complaint_id)))
    if not pairable(category, lat, lon, received_at, status):
        return
    assert category is not None and lat is not None and lon is not None and received_at is not None
    session.flush()
    lon_band = _lon_band(lat)
    candidates = session.execute(
        sa.select(_C.complaint_id, _C.lat, _C.lon, _C.received_at)
        .where(col(_C.category) == category, col(_C.lat).between(lat - _LAT_BAND, lat + _LAT_BAND),
               col(_C.lon).between(lon - lon_band, lon + lon_band),
               col(_C.received_at).between(received_at - PAIR_SPAN, received_at + PAIR_SPAN),
               col(_C.status) != REJECTED, col(_C.complaint_id) != complaint_id))
    found = (_pair(category, (complaint_id, lat, lon, received_at), (other[0], other[1], other[2], other[3]))
             for other in candidates)
    rows = [r for r in found if r is not None]
    if rows:
        session.execute(sa.insert(p), rows)


Place = tuple[str, float, float, datetime]  # complaint id, lat, lon, received_at


def _pair(category: str, one: Place, other: Place) -> dict[str, Any] | None:
    first, second = sorted((one, other), key=lambda c: (c[3], c[0]))
    first_sees = sees(first[1], first[2], second[1], second[2], NEARBY_RADIUS_M)
    second_sees = sees(second[1], second[2], first[1], first[2], NEARBY_RADIUS_M)
    if not (first_sees or second_sees) or second[3] - first[3] > PAIR_SPAN:
        return None
    return {"first_id": first[0], "second_id": second[0], "category": category, "first_at": first[3],
            "second_at": second[3], "first_sees": first_sees, "second_sees": second_sees}


def find_pairs(places: Iterable[tuple[str, Place]]) -> Iterator[dict[str, Any]]:
    """Every pair among (type, place)s: a sweep in order of receipt over cells at least the band wide."""
    import math
    ordered = sorted(places, key=lambda tp: (tp[1][3], tp[1][0]))
    cells: dict[tuple[str, int, int], list[Place]] = {}
    top = max((abs(p[1]) for _, p in ordered), default=0.0)
    width = _LAT_BAND / max(math.cos(math.radians(min(top + _LAT_BAND, 89.0))), 0.01)
    oldest = 0
    live: list[tuple[tuple[str, int, int], Place]] = []
    for category, place in ordered:
        while oldest < len(live) and place[3] - live[oldest][1][3] > PAIR_SPAN:  # out of reach from now on
            cell, gone = live[oldest]
            cells[cell].remove(gone)
            oldest += 1
        y, x = int(place[1] // _LAT_BAND), int(place[2] // width)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for other in cells.get((category, y + dy, x + dx), ()):
                    row = _pair(category, place, other)
                    if row is not None:
                        yield row
        cell = (category, y, x)
        cells.setdefault(cell, []).append(place)
        live.append((cell, place))


def rebuild_pairs(connection: Connection) -> int:
    """notify_nearby_pairs filled again from every case (seed-volume, after writing rows directly)."""
    c: Any = CaseRow.__table__  # type: ignore[attr-defined]
    pairs: Any = NearbyPairRow.__table__  # type: ignore[attr-defined]
    rows = connection.execute(sa.select(c.c.category, c.c.complaint_id, c.c.lat, c.c.lon, c.c.received_at)
                              .where(c.c.category.is_not(None), c.c.lat.is_not(None), c.c.lon.is_not(None),
                                     c.c.received_at.is_not(None), c.c.status != REJECTED))
    places = [(category, (cid, lat, lon, at)) for category, cid, lat, lon, at in rows]
    connection.execute(sa.delete(pairs))
    written, batch = 0, []
    for row in find_pairs(places):
        batch.append(row)
        if len(batch) >= 5000:
            connection.execute(sa.insert(pairs), batch)
            written, batch = written + len(batch), []
    if batch:
        connection.execute(sa.insert(pairs), batch)
        written += len(batch)
    return written
