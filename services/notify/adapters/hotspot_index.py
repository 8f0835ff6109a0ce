"""What the problem list (问题清单) reads instead of every case of its window (issue 12): counts by town and
type, by type and week, and of noise by town and hour, through the covering index on received_at; the
reopened cases; and the pairs of cases near each other (notify_nearby_pairs), which notify's repository keeps
as cases are written (`refresh_pairs`, in the unit of work that writes the case). `rebuild_pairs` fills the
table from the cases already there (seed-volume; migration notify_0017 does the same). The hotspots built
from them (domain/hotspots.py `assess_kept`) are those `assess` finds over every case: tests/notify/
test_hotspot_index.py holds them to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
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
    KeptPair,
    sees,
)

REJECTED = CaseStatus.rejected.value  # 不予受理: in no rule
PAIR_SPAN = timedelta(days=NEARBY_PAIR_DAYS)
# Pairs are looked for in a latitude band and a longitude band at least the radius wide (with the margin the
# rule measures exactly), far from the poles: 1° of latitude is more than 110 km.
_LAT_BAND = NEARBY_RADIUS_M * 1.01 / 110_000
_PAIRS_LOCK = 1_700_012  # pg_advisory_xact_lock: one writer of pairs at a time (see refresh_pairs)

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

    def counts(self, now: datetime, rules: HotspotRules) -> KeptCounts:
        start = now - timedelta(days=rules.window_days)
        week_start, base_start = now - WEEK, now - WEEK * (RISING_WEEKS + 1)
        received = col(_C.received_at)
        in_window = sa.and_(_counted(), received > start, received <= now)
        recurring = {(town, category): count for town, category, count in self.session.execute(
            sa.select(_C.town, _C.category, sa.func.count())
            .where(in_window, col(_C.town).is_not(None), col(_C.category).is_not(None))
            .group_by(_C.town, _C.category))}
        this_week = sa.func.sum(sa.case((received > week_start, 1), else_=0))
        rising = {category: (int(week), int(total) - int(week)) for category, week, total in self.session.execute(
            sa.select(_C.category, this_week, sa.func.count())
            .where(_counted(), received > base_start, received <= now, col(_C.category).is_not(None))
            .group_by(_C.category))}
        hour = self._local_hour()
        night = {(town, int(h)): count for town, h, count in self.session.execute(
            sa.select(_C.town, hour, sa.func.count())
            .where(in_window, col(_C.category) == NOISE, col(_C.town).is_not(None))
            .group_by(_C.town, hour))}
        since, rounds = now - rules.lookback, col(_C.reply_round)
        reopened = [HotspotCase(*row) for where in (  # (reply_round, received_at) index: one range each
            sa.and_(rounds >= 2, rounds < rules.reopen_rounds, received >= since),
            rounds >= max(2, rules.reopen_rounds)) for row in self.session.execute(
            sa.select(*_COLUMNS).where(where, _counted(), received <= now))]
        return KeptCounts(recurring, rising, night, reopened, self.pairs(start, now))

    def _local_hour(self) -> Any:
        """The hour of received_at in Asia/Shanghai (UTC+8 all year since 1991; SQLite keeps UTC text)."""
        if self.session.get_bind().dialect.name == "postgresql":
            return sa.extract("hour", sa.func.timezone("Asia/Shanghai", col(_C.received_at)))
        return (sa.cast(sa.func.strftime("%H", col(_C.received_at)), sa.Integer) + 8) % 24

    def pairs(self, start: datetime, now: datetime) -> dict[str, list[KeptPair]]:
        """The kept pairs with both cases received in the window (start, now]. Their receipt times only
        order the cases: read as the database gives them (no conversion to Asia/Shanghai)."""
        p: Any = NearbyPairRow
        found: dict[str, list[KeptPair]] = {}
        plain = sa.DateTime(timezone=True)
        query = (sa.select(p.category, p.first_id, sa.type_coerce(p.first_at, plain), p.second_id,
                           sa.type_coerce(p.second_at, plain), p.first_sees, p.second_sees)
                 .where(col(p.first_at) > start, col(p.second_at) <= now))
        for category, *pair in self.session.connection().execute(query).fetchall():  # Core: no ORM work per row
            found.setdefault(category, []).append(tuple(pair))  # type: ignore[arg-type]
        return found

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
            centres=self.centres)

    def centres(self, ids: list[str]) -> dict[str, tuple[float, float, str | None]]:
        """(lat, lon, town) of each case."""
        query = sa.select(_C.complaint_id, _C.lat, _C.lon, _C.town)
        return {cid: (lat, lon, town) for chunk in _chunks(ids)
                for cid, lat, lon, town in self.session.connection().execute(
                    query.where(col(_C.complaint_id).in_(chunk)))}


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
