"""The targets from the per-day sums the triggers keep (notify_figure_days, notify_0022) plus what is still open,
counted live (adapters/figure_days.py), are exactly the counts over every row (`ReportQueries.scanned_counts`,
the way they were counted before), on both databases: generated cases delivered through notify's consumer with
late and on-time assignments and replies, extensions, reopenings, returns waiting to be routed again,
transfers, suspensions, merges, refusals and refusals undone, ratings changed later, reviews marked and
withdrawn, callbacks completed, and rows changed or deleted by hand (any writer); asked for many periods (a day,
a week across months, a year), every grouping and several moments, with the deltas compacted at random points.
The migration's backfill gives the same sums as the triggers kept."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from services.notify.adapters import figure_days
from services.notify.adapters.queries import FIGURE_NAMES, ReportQueries
from services.notify.adapters.tables import CallbackRow, FigureDayRow
from services.notify.domain.callbacks import CallbackStatus
from services.notify.domain.metrics import EXTRA_FIGURES, GROUP_BY, Period
from services.notify.domain.reviews import MarkUnreasonable, WithdrawUnreasonable
from shared.contracts.events import (
    CaseMergedV1,
    CaseRejectedV1,
    CaseResumedV1,
    CaseSuspendedV1,
    EventPayload,
)
from shared.db import AwareDateTime
from shared.errors import DomainError
from tests.migration_files import load_migration
from tests.notify.factories import (
    NAMES,
    T0,
    accepted,
    assigned,
    departments,
    extension,
    rated,
    replied,
    returned,
    triaged,
)

NAMES_ASKED = FIGURE_NAMES + EXTRA_FIGURES
DEPARTMENTS = [code for code, _ in NAMES]
TOWNS = ["heyangcheng", "taihe", None]
TYPES = ["noise", "odor", "air"]
RATINGS = ["satisfied", "basically_satisfied", "unsatisfied"]
RESOLUTIONS = [None, "resolved", "partly_resolved", "unresolved"]
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def scenario(rng: random.Random, count: int) -> tuple[list[EventPayload], list[tuple[str, int]]]:
    """Each case's events in order, the cases interleaved; and the rated rounds (for reviews)."""
    lines: list[list[EventPayload]] = []
    rated_rounds: list[tuple[str, int]] = []
    for n in range(count):
        cid = f"f{n:03d}"
        received = T0 - timedelta(days=rng.randint(0, 75)) + timedelta(hours=rng.randint(-12, 12))
        category, town, dept = rng.choice(TYPES), rng.choice(TOWNS), rng.choice(DEPARTMENTS)
        line: list[EventPayload] = []
        if rng.random() < 0.25:
            line.append(triaged(cid, received_at=received, category=rng.choice([None, category]), town=town))
            if rng.random() < 0.3:  # never assigned: missed once its assignment deadline passes
                lines.append(line)
                continue
        assigned_at = received + timedelta(hours=rng.choice((0, 3, 20, 23, 25, 40)))  # on time or late
        due = assigned_at + timedelta(days=rng.choice((2, 4, 9)))
        line.append(assigned(cid, department=dept, received_at=received, assigned_at=assigned_at, category=category,
                             town=town, reply_due=due))
        roll = rng.random()
        reply_round = 1
        if roll < 0.08:
            line.append(CaseRejectedV1(complaint_id=cid, tracking_code=f"HC{cid}", reason="不予受理",
                                       rejected_at=received + 2 * HOUR, by="supervisor"))
            if rng.random() < 0.4:  # and routed again after all
                line.append(assigned(cid, department=dept, received_at=received, assigned_at=received + 5 * HOUR,
                                     category=category, town=town, reply_due=due))
        elif roll < 0.14:
            line.append(CaseMergedV1(complaint_id=cid, tracking_code=f"HC{cid}", master_id="f000",
                                     master_tracking_code="HCf000", merged_at=received + 3 * HOUR, by="supervisor"))
        elif roll < 0.22:  # returned: waits to be routed again (its round's deadline waits), maybe routed
            line.append(returned(cid, assigned_at + HOUR, department=dept))
            if rng.random() < 0.5:
                other = rng.choice(DEPARTMENTS)
                line.append(assigned(cid, department=other, received_at=received, assigned_at=assigned_at + 30 * HOUR,
                                     category=category, town=town, reply_due=due + 2 * DAY))
                due, dept = due + 2 * DAY, other
        elif roll < 0.30:  # transferred (改派): another department, another type or town
            other = rng.choice(DEPARTMENTS)
            due = due + DAY
            line.append(assigned(cid, department=other, received_at=received, assigned_at=assigned_at + 6 * HOUR,
                                 category=rng.choice(TYPES), town=rng.choice(TOWNS), reply_due=due))
            dept = other
        elif roll < 0.36:  # suspended, maybe resumed with a moved deadline
            line.append(accepted(cid, assigned_at + HOUR, department=dept))
            line.append(CaseSuspendedV1(complaint_id=cid, tracking_code=f"HC{cid}", department=dept,
                                        reason_code="unreachable", suspended_at=assigned_at + 2 * HOUR, by="d"))
            if rng.random() < 0.6:
                due = due + 3 * DAY
                line.append(CaseResumedV1(complaint_id=cid, tracking_code=f"HC{cid}", department=dept, reply_due=due,
                                          paused_seconds=3 * 86400, resumed_at=assigned_at + 3 * DAY, by="d"))
        if roll >= 0.14 and rng.random() < 0.3:  # an approved extension moves the deadline
            due = due + timedelta(days=rng.choice((1, 5)))
            line.append(extension(cid, due, at=assigned_at + DAY, department=dept))
        if roll >= 0.14 and rng.random() < 0.8:
            for _ in range(rng.choice((1, 1, 2, 3))):  # replied, maybe reopened and replied again
                at = due + timedelta(hours=rng.randint(-100, 60))  # before or after the deadline, across midnights
                line.append(replied(cid, at, reply_due=due, department=dept, reply_round=reply_round))
                for _ in range(rng.choice((0, 1, 1, 2))):  # rated, maybe rated again later
                    rated_at = at + timedelta(hours=rng.randint(1, 300))
                    line.append(rated(cid, rng.choice(RATINGS), rated_at, reply_round=reply_round,
                                      resolution=rng.choice(RESOLUTIONS)))
                    rated_rounds.append((cid, reply_round))
                if rng.random() < 0.5:
                    break
                reply_round += 1
                due = at + timedelta(days=rng.choice((3, 6)))
                line.append(assigned(cid, department=dept, received_at=received, assigned_at=at + HOUR,
                                     category=category, town=town, reply_round=reply_round, reply_due=due))
        if rng.random() < 0.04:  # a rating of a case notify has no row for
            line = [rated(cid + "x", rng.choice(RATINGS), received + DAY, resolution=rng.choice(RESOLUTIONS))]
        lines.append(line)
    events: list[EventPayload] = []
    while lines:
        line = rng.choice(lines)
        if line:
            events.append(line.pop(0))
        if not line:
            lines.remove(line)
    return events, rated_rounds


PERIODS = [(T0.date(), T0.date()), (T0.date() - timedelta(days=6), T0.date()),
           (date(2026, 10, 28), date(2026, 11, 3)), (date(2026, 11, 1), date(2026, 11, 30)),
           (date(2026, 9, 20), date(2026, 12, 15)), (date(2025, 12, 2), date(2026, 12, 1)),
           (date(2026, 11, 10), date(2026, 11, 10)), (date(2026, 12, 5), date(2026, 12, 31))]
MOMENTS = [T0 - 20 * DAY, T0 - 3 * DAY + 5 * HOUR, T0, T0 + 4 * DAY, T0 + 40 * DAY]


def scanned_callbacks(session: Session, period: Period) -> tuple[int, int]:
    """(rated, unreachable): the callbacks completed in the period, counted over every row (the reference; the
    way the valid-callback rate was counted before notify_0022)."""
    rows = session.execute(sa.select(CallbackRow.status, sa.func.count()).where(
        col(CallbackRow.completed_at) >= period.start, col(CallbackRow.completed_at) < period.end)
        .group_by(col(CallbackRow.status))).all()
    counts = {status: count for status, count in rows}
    return counts.get(CallbackStatus.done.value, 0), counts.get(CallbackStatus.unreachable.value, 0)


def assert_equal_everywhere(engine, rng: random.Random, *, compact_sometimes: bool = True) -> int:
    """The sums and the live counts give exactly the scan's answer; how many (met, missed) were compared."""
    compared = 0
    for first, last in PERIODS:
        period = Period(first, last)
        for now in MOMENTS:
            for group_by in (None, *GROUP_BY):
                if compact_sometimes and rng.random() < 0.05:
                    with engine.begin() as connection:
                        figure_days.compact(connection)
                with Session(engine) as session:
                    reports = ReportQueries(session)
                    expected = reports.scanned_counts(NAMES_ASKED, period, now, group_by)
                    kept = reports.figures_counts(NAMES_ASKED, period, now, group_by)
                    for name in NAMES_ASKED:
                        assert kept[name] == expected[name], (name, first, last, now, group_by)
                        compared += sum(m + x for m, x in expected[name].values())
                    assert figure_days.completed_callbacks(session, period) == scanned_callbacks(session, period), (
                        first, last)
    return compared


def _by_hand(engine, rng: random.Random) -> None:
    """Other writers: SQL that changes and deletes rows directly, and callbacks completed (the triggers see all)."""
    with engine.begin() as conn:
        ids = sorted(conn.execute(sa.text("SELECT complaint_id FROM notify_cases")).scalars())
        for cid in rng.sample(ids, 6):
            conn.execute(sa.text("UPDATE notify_cases SET channel = 'web' WHERE complaint_id = :c"), {"c": cid})
        for cid in rng.sample(ids, 12):  # a column of each table changed, by any writer
            other = rng.choice(DEPARTMENTS)
            for table in ("notify_cases", "notify_reply_rounds", "notify_ratings"):
                conn.execute(sa.text(f"UPDATE {table} SET department = :d WHERE complaint_id = :c"),
                             {"c": cid, "d": other})
            conn.execute(sa.text("UPDATE notify_ratings SET rating = :r, town = NULL WHERE complaint_id = :c"),
                         {"c": cid, "r": rng.choice(RATINGS)})
        for cid in rng.sample(ids, 3):
            for table in ("notify_ratings", "notify_reply_rounds", "notify_clocks", "notify_cases"):
                conn.execute(sa.text(f"DELETE FROM {table} WHERE complaint_id = :c"), {"c": cid})
        for n, cid in enumerate(rng.sample(ids, 12)):
            completed = T0 - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
            status = rng.choice(("done", "unreachable", "pending"))
            conn.execute(sa.text(
                "INSERT INTO notify_callbacks (complaint_id, reply_round, reason, replied_at, due_at, status, "
                "attempts, completed_at, created_at) VALUES (:c, :r, 'sampled', :t, :t, :s, 1, :done, :t)")
                .bindparams(sa.bindparam("t", type_=AwareDateTime()), sa.bindparam("done", type_=AwareDateTime())),
                {"c": cid, "r": 9, "t": completed - DAY, "s": status,
                 "done": None if status == "pending" else completed})
            if n % 3 == 0:
                conn.execute(sa.text("UPDATE notify_callbacks SET status = 'done', completed_at = :t "
                                     "WHERE complaint_id = :c AND reply_round = 9")
                             .bindparams(sa.bindparam("t", type_=AwareDateTime())), {"c": cid, "t": completed + DAY})


@pytest.mark.parametrize("seed", [1, 2])
def test_the_kept_sums_and_the_open_cases_give_exactly_the_counts_of_every_row(runtime, feed, engine, seed):
    rng = random.Random(seed)
    feed(departments(*NAMES))
    events, rated_rounds = scenario(rng, 150)
    half = len(events) // 2
    for event in events[:half]:
        feed(event)
    assert_equal_everywhere(engine, rng)  # midway: some cases open, some rounds not yet replied
    for event in events[half:]:
        feed(event)
    marked = 0
    for cid, reply_round in rng.sample(rated_rounds, min(40, len(rated_rounds))):  # 不合理差评, some withdrawn
        try:
            runtime.bus.handle(MarkUnreasonable(complaint_id=cid, reply_round=reply_round, reason="无理要求", by="s"))
            marked += 1
            if rng.random() < 0.3:
                runtime.bus.handle(WithdrawUnreasonable(complaint_id=cid, reply_round=reply_round, reason="复核",
                                                        by="s"))
        except DomainError:  # not unsatisfied, or marked already
            pass
    assert marked > 2
    compared = assert_equal_everywhere(engine, rng)
    _by_hand(engine, rng)
    compared += assert_equal_everywhere(engine, rng)
    assert compared > 2000  # the scenario does fill the figures


def _sums(engine) -> dict[tuple, tuple]:
    t = FigureDayRow.__table__  # type: ignore[attr-defined]
    counts = [sa.func.sum(t.c[n]) for n in ("n1", "n2", "n3", "n4", "n5", "n6")]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.figure, t.c.day, t.c.dim, t.c.key, *counts)
                            .group_by(t.c.figure, t.c.day, t.c.dim, t.c.key)).all()
    return {tuple(r[:4]): tuple(r[4:]) for r in rows if any(r[4:])}


def test_the_migration_s_backfill_and_the_compaction_give_the_sums_the_triggers_kept(runtime, feed, engine):
    rng = random.Random(5)
    feed(departments(*NAMES))
    for event in scenario(rng, 120)[0]:
        feed(event)
    _by_hand(engine, rng)
    kept = _sums(engine)
    assert len(kept) > 100
    with engine.begin() as conn:
        removed = figure_days.compact(conn)
        assert removed > 0
        assert conn.execute(sa.text("SELECT count(*) FROM notify_figure_days WHERE NOT compacted")).scalar_one() == 0
    assert _sums(engine) == kept
    with engine.begin() as conn:
        assert figure_days.compact(conn) == 0  # nothing new: nothing to do
        conn.execute(sa.delete(FigureDayRow.__table__))  # type: ignore[attr-defined]
        load_migration("notify", "0022_notify_figure_days.py").backfill(conn)
    assert _sums(engine) == kept
    assert_equal_everywhere(engine, rng, compact_sometimes=False)
