"""The targets counted from per-day sums of closed facts (notify_figure_days, notify_0022) plus what still moves
with time, counted live: exactly what `ReportQueries.scanned_counts` counts over every row (issue 12).

A fact is closed when its outcome no longer depends on `now`: a case assigned (on time or late), a round
replied (on time or late), a round's latest rating, a callback completed. The triggers of notify_0022 write
each row's contribution to the day it counts on (received, due, rated, completed; Shanghai days) whenever the
row is inserted, changed or deleted, whoever writes it, in the same transaction: a late event, a reopening,
an extension, a merge, a refusal or a review corrects the sums as it commits. What is open is counted from
small partial indexes: cases not yet assigned (missed once their assignment deadline has passed `now`) and
rounds not yet replied (missed once due, unless their case waits to be routed again or is paused).

The on-time reply rate counts a round whose deadline or reply falls in the period. The sums hold each replied
round on its deadline's day; the rounds whose reply is in the period and whose deadline is not cross the
period's first midnight (deadline before it: late) or its last (deadline after it: early), and are counted
live: on PostgreSQL through a GiST index of each round's span (a few thousand rounds at a million cases).

Periods are whole Shanghai days (domain.metrics.Period), so a period is a range of the sums' days.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from services.notify.adapters.tables import CaseRow, FigureDayRow, ReplyRoundRow
from services.notify.domain.clocks import NOT_COUNTED
from services.notify.domain.metrics import Period

Counts = dict[str | None, tuple[int, int]]
DIMS = {None: "department", "department": "department", "type": "category", "category": "category",
        "town": "town", "channel": "channel"}
RATING_FIGURES = ("satisfaction_rate", "resolution_rate", "reviewed_satisfaction_rate")  # n1/n2, n3/n4, n5/n6
_F = FigureDayRow.__table__  # type: ignore[attr-defined]
_COUNTS = ("n1", "n2", "n3", "n4", "n5", "n6")


def _decode(key: str) -> str | None:
    return None if key == "" else key[1:]


def _sums(session: Session, figures: list[str], dim: str, period: Period) -> dict[str, dict[str | None, list[int]]]:
    """figure → group → the six sums over the period's days."""
    rows = session.execute(
        sa.select(_F.c.figure, _F.c.key, *(sa.func.sum(_F.c[n]) for n in _COUNTS))
        .where(_F.c.figure.in_(figures), _F.c.dim == dim, _F.c.day >= period.first_day, _F.c.day <= period.last_day)
        .group_by(_F.c.figure, _F.c.key)).all()
    found: dict[str, dict[str | None, list[int]]] = {f: {} for f in figures}
    for figure, key, *sums in rows:
        found[figure][_decode(key)] = [int(s or 0) for s in sums]
    return found


def _case_key(dim: str) -> Any:
    c = CaseRow
    return {"department": sa.func.coalesce(col(c.department), col(c.first_department)), "category": col(c.category),
            "town": col(c.town), "channel": col(c.channel)}[dim]


def _round_key(dim: str) -> Any:
    return getattr(ReplyRoundRow, dim)


def _within(column: Any, period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(column >= period.start, column < period.end)


def _span_contains(session: Session, moment: datetime) -> list[sa.ColumnElement[bool]]:
    """On PostgreSQL: the round's span (earlier of deadline and reply, later of them] holds `moment`, as the GiST
    index ix_notify_reply_rounds_span has it (implied by the exact conditions beside it; it only lets the index
    find them)."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    r = ReplyRoundRow
    span = sa.func.tstzrange(sa.func.least(col(r.reply_due), col(r.replied_at)),
                             sa.func.greatest(col(r.reply_due), col(r.replied_at)), sa.literal_column("'(]'"))
    return [span.op("@>")(sa.cast(moment, sa.DateTime(timezone=True)))]


def _assignment(session: Session, dim: str, period: Period, now: datetime,
                sums: dict[str | None, list[int]]) -> Counts:
    c = CaseRow
    key = _case_key(dim)
    due = col(c.assign_due)
    live = session.execute(
        sa.select(key, sa.func.count().filter(sa.and_(due.is_not(None), due < now)))
        .where(col(c.assigned_at).is_(None), _within(col(c.received_at), period), col(c.status).not_in(NOT_COUNTED))
        .group_by(key)).all()
    found = {k: (s[0], s[1]) for k, s in sums.items() if s[0] + s[1]}
    for k, missed in live:
        met, was = found.get(k, (0, 0))
        found[k] = (met, was + missed)
    return found


def _reply(session: Session, dim: str, period: Period, now: datetime, sums: dict[str | None, list[int]]) -> Counts:
    r = ReplyRoundRow
    key = _round_key(dim)
    due, replied = col(r.reply_due), col(r.replied_at)
    found = {k: (s[0], s[1]) for k, s in sums.items() if s[0] + s[1]}
    a, b = period.start, period.end
    # not yet replied: due in the period; missed once due, unless waiting to be routed again or paused
    open_ = sa.select(key, sa.literal(0), sa.func.count().filter(sa.and_(due < now, sa.not_(col(r.rerouting)))))\
        .where(replied.is_(None), col(r.counted) == sa.true(), _within(due, period)).group_by(key)
    # replied in the period, due before it (late: across its first midnight) or after it (early: across its last)
    late = sa.and_(due < a, replied >= a, replied < b, *_span_contains(session, a))
    early = sa.and_(replied >= a, replied < b, due >= b, *_span_contains(session, b))
    crossing = sa.select(key, sa.func.count().filter(due >= b), sa.func.count().filter(due < a))\
        .where(replied.is_not(None), col(r.counted) == sa.true(), sa.or_(late, early)).group_by(key)
    for query in (open_, crossing):
        for k, met, missed in session.execute(query).all():
            was_met, was_missed = found.get(k, (0, 0))
            found[k] = (was_met + met, was_missed + missed)
    return found


def figures_counts(session: Session, names: tuple[str, ...], period: Period, now: datetime,
                   group_by: str | None) -> dict[str, Counts]:
    """The same answer as `ReportQueries.scanned_counts`: per figure named, group → (met, missed), the groups
    being those with a row the figure's table reads in the period ((0, 0) for a rating figure whose own rows are
    none there); without a grouping, one entry keyed None."""
    dim = DIMS[group_by]
    figures = sorted({"assign" if n == "assignment_rate" else "reply" if n == "on_time_reply_rate" else "rating"
                      for n in names})
    sums = _sums(session, figures, dim, period)
    found: dict[str, Counts] = {}
    for name in names:
        if name == "assignment_rate":
            found[name] = _assignment(session, dim, period, now, sums["assign"])
        elif name == "on_time_reply_rate":
            found[name] = _reply(session, dim, period, now, sums["reply"])
        else:
            n = RATING_FIGURES.index(name)
            found[name] = {k: (s[2 * n], s[2 * n + 1]) for k, s in sums["rating"].items() if s[0] + s[1]}
    if group_by is None:
        return {name: {None: (sum(m for m, _ in c.values()), sum(x for _, x in c.values()))}
                for name, c in found.items()}
    return found


def completed_callbacks(session: Session, period: Period) -> tuple[int, int]:
    """(rated, unreachable): callbacks completed in the period, for the valid-callback rate."""
    sums = _sums(session, ["callback"], "department", period)["callback"].get(None, [0] * 6)
    return sums[0], sums[1]


def compact(connection: sa.Connection) -> int:
    """Sum each group's deltas (rows the triggers wrote since) into one row: the sums stay what they were. In the
    caller's transaction; the rows summed are exactly those deleted, so concurrent writers lose nothing (a
    delta not yet committed is not deleted, and is summed next time). How many rows it took away."""
    new = sa.select(_F.c.figure, _F.c.day, _F.c.dim, _F.c.key).where(_F.c.compacted == sa.false()).distinct()
    gone = connection.execute(
        sa.delete(_F).where(sa.tuple_(_F.c.figure, _F.c.day, _F.c.dim, _F.c.key).in_(new))
        .returning(_F.c.figure, _F.c.day, _F.c.dim, _F.c.key, *(_F.c[n] for n in _COUNTS))).all()
    totals: dict[tuple[Any, ...], list[int]] = {}
    for figure, day, dim, key, *counts in gone:
        total = totals.setdefault((figure, day, dim, key), [0] * len(_COUNTS))
        for i, n in enumerate(counts):
            total[i] += n
    rows = [dict(figure=f, day=d, dim=m, key=k, compacted=True, **dict(zip(_COUNTS, t, strict=True)))
            for (f, d, m, k), t in totals.items() if any(t)]
    if rows:
        connection.execute(sa.insert(_F), rows)
    return len(gone) - len(rows)
