"""notify: the problem list's pairs of cases near each other (notify_nearby_pairs), so that its nearby rule reads
the window's pairs instead of measuring each case of five weeks against its neighbours at every request

- notify_nearby_pairs: two cases of one type pinned within 500 m and received at most 31 days apart, neither
  refused (不予受理); `first` the earlier (received_at, then id); `first_sees`/`second_sees` whether the rule
  counts the other within the radius measured from this one. Index on first_at, the pair's other columns
  included (PostgreSQL).
- notify_cases: an index on (category, lat), lon, received_at and status included, to find a new case's
  neighbours; one on (reply_round, received_at) for the reopened rule.
From now on notify's repository keeps the pairs whenever a case's type, place, receipt or refusal changes
(services/notify/adapters/hotspot_index.py); here they are found among the cases already there, by the same
test as the rule (services/notify/domain/hotspots.py `sees`) as it stands at this revision.

Revision ID: notify_0017
Revises: notify_0016
"""
import math
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "notify_0017"
down_revision = "notify_0016"
branch_labels = None
depends_on = None

RADIUS_M = 500.0
SPAN = timedelta(days=31)
EARTH_RADIUS_M = 6_371_000.0
LAT_BAND = RADIUS_M * 1.01 / 110_000


def upgrade() -> None:
    op.create_table(
        "notify_nearby_pairs",
        sa.Column("first_id", sa.String(64), primary_key=True),
        sa.Column("second_id", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("second_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_sees", sa.Boolean(), nullable=False),
        sa.Column("second_sees", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_notify_nearby_pairs_second_id", "notify_nearby_pairs", ["second_id"])
    op.create_index("ix_notify_cases_place", "notify_cases", ["category", "lat"],
                    postgresql_include=["lon", "received_at", "status"])
    op.create_index("ix_notify_cases_reopened", "notify_cases", ["reply_round", "received_at"])
    _backfill(op.get_bind())
    op.create_index("ix_notify_nearby_pairs_first_at", "notify_nearby_pairs", ["first_at"],
                    postgresql_include=["second_at", "category", "first_id", "second_id", "first_sees",
                                        "second_sees"])


def downgrade() -> None:
    op.drop_index("ix_notify_cases_reopened", table_name="notify_cases")
    op.drop_index("ix_notify_cases_place", table_name="notify_cases")
    op.drop_table("notify_nearby_pairs")


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _sees(lat: float, lon: float, other_lat: float, other_lon: float) -> bool:
    per_degree = math.radians(EARTH_RADIUS_M)
    ky, kx = per_degree, per_degree * math.cos(math.radians(lat))
    squared = ((other_lat - lat) * ky) ** 2 + ((other_lon - lon) * kx) ** 2
    return squared <= (RADIUS_M * (1 - 1e-3)) ** 2 or (
        squared <= (RADIUS_M * (1 + 1e-3)) ** 2 and _distance_m(lat, lon, other_lat, other_lon) <= RADIUS_M)


def _backfill(connection: Any) -> None:
    cases = sa.table("notify_cases", sa.column("complaint_id"), sa.column("category"), sa.column("lat"),
                     sa.column("lon"), sa.column("received_at", sa.DateTime(timezone=True)), sa.column("status"))
    pairs = sa.table("notify_nearby_pairs", *(sa.column(n) for n in (
        "first_id", "second_id", "category", "first_at", "second_at", "first_sees", "second_sees")))
    rows = sorted(connection.execute(
        sa.select(cases.c.category, cases.c.complaint_id, cases.c.lat, cases.c.lon, cases.c.received_at)
        .where(cases.c.category.is_not(None), cases.c.lat.is_not(None), cases.c.lon.is_not(None),
               cases.c.received_at.is_not(None), cases.c.status != "rejected")).all(),
        key=lambda r: (r[4], r[1]))
    top = max((abs(r[2]) for r in rows), default=0.0)
    width = LAT_BAND / max(math.cos(math.radians(min(top + LAT_BAND, 89.0))), 0.01)
    cells: dict[tuple[str, int, int], list[Any]] = {}
    live: list[tuple[tuple[str, int, int], Any]] = []
    oldest, batch = 0, []
    for row in rows:  # a sweep in order of receipt: earlier cases out of reach leave their cells
        category, _, lat, lon, at = row
        while oldest < len(live) and at - live[oldest][1][4] > SPAN:
            cells[live[oldest][0]].remove(live[oldest][1])
            oldest += 1
        y, x = int(lat // LAT_BAND), int(lon // width)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for first in cells.get((category, y + dy, x + dx), ()):  # earlier in (received_at, id)
                    first_sees = _sees(first[2], first[3], lat, lon)
                    second_sees = _sees(lat, lon, first[2], first[3])
                    if first_sees or second_sees:
                        batch.append({"first_id": first[1], "second_id": row[1], "category": category,
                                      "first_at": first[4], "second_at": at, "first_sees": first_sees,
                                      "second_sees": second_sees})
        cells.setdefault((category, y, x), []).append(row)
        live.append(((category, y, x), row))
        if len(batch) >= 5000:
            connection.execute(sa.insert(pairs), batch)
            batch = []
    if batch:
        connection.execute(sa.insert(pairs), batch)
