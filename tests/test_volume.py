"""`complaints seed-volume` (services/volume.py) on both databases: it writes what the services would have,
and the supervisors' queries over its rows answer exactly: the targets (counted by SQL) equal the
definitions of domain/metrics.py applied to every record read back, the cases behind a figure are those
records in the same order, the queue holds what routing's rows say is open, and a citizen finds a seeded
case by its code. It refuses to write into databases that already hold cases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from services import volume
from services.notify.adapters.queries import ReportQueries
from services.notify.domain.dashboard import ListFigureCases, figure_cases
from services.notify.domain.metrics import GROUP_BY, Period, sla_report

CASES = 1500


@pytest.fixture
def seeded(system, engine):
    engines = dict.fromkeys(("intake", "routing", "notify"), engine)
    report = volume.seed_volume(engines, cases=CASES, months=3, seed=7, now=system.clock.now())
    return report


def count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_it_writes_every_service_s_rows_for_each_case(seeded, engine):
    assert seeded.cases == CASES
    for table in ("intake_complaints", "routing_cases", "notify_cases"):
        assert count(engine, f"SELECT count(*) FROM {table}") == seeded.rows[table] == CASES
    for table, rows in seeded.rows.items():
        assert count(engine, f"SELECT count(*) FROM {table}") == rows, table
    # the mix the figures need: late replies, ratings both ways, reopened rounds, closed cases, callbacks
    assert count(engine, "SELECT count(*) FROM notify_reply_rounds WHERE replied_at > reply_due") > 0
    assert count(engine, "SELECT count(*) FROM notify_ratings WHERE rating = 'unsatisfied'") > 0
    assert count(engine, "SELECT count(*) FROM notify_reply_rounds WHERE reply_round > 1") > 0
    assert count(engine, "SELECT count(DISTINCT status) FROM notify_cases") >= 6
    assert count(engine, "SELECT count(DISTINCT town) FROM notify_cases") == 30
    assert count(engine, "SELECT count(DISTINCT department) FROM notify_reply_rounds") >= 35
    assert count(engine, "SELECT count(*) FROM notify_callbacks WHERE status = 'unreachable'") > 0
    # routing and notify agree on who has each open case
    assert count(engine, "SELECT count(*) FROM routing_cases r JOIN notify_cases n ON n.complaint_id = "
                         "r.complaint_id WHERE r.status IN ('assigned', 'accepted') AND (r.department <> "
                         "n.department OR r.status <> n.status)") == 0


def test_it_refuses_databases_that_hold_cases_unless_forced(seeded, system, engine):
    engines = dict.fromkeys(("intake", "routing", "notify"), engine)
    with pytest.raises(volume.Refused, match="--force"):
        volume.seed_volume(engines, cases=10, now=system.clock.now())
    volume.seed_volume(engines, cases=10, months=1, now=system.clock.now(), force=True)
    assert count(engine, "SELECT count(*) FROM notify_cases") == CASES + 10
    assert count(engine, "SELECT count(DISTINCT tracking_code) FROM intake_complaints") == CASES + 10


@pytest.mark.parametrize("first, last", [(date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 8, 1),
                                                                                    date(2026, 11, 26))])
def test_the_targets_over_the_seeded_rows_equal_a_recount_of_every_record(seeded, system, engine, first, last):
    supervisor = system.login("supervisor")
    now = system.clock.now()
    period = Period(first, last)
    with Session(engine.execution_options(read_only=True)) as session:
        reports = ReportQueries(session)
        records = (reports.assignment_records(period), reports.reply_records(period), reports.rating_records(period))
    for group_by in (None, *GROUP_BY):
        expected = sla_report(*records, period, now, group_by=group_by)
        params = {"from": first.isoformat(), "to": last.isoformat()} | ({"group_by": group_by} if group_by else {})
        body = system.client.get("/api/v1/metrics/sla", params=params, headers=supervisor).json()
        for name in ("assignment_rate", "on_time_reply_rate", "satisfaction_rate"):
            rate = getattr(expected.overall, name)
            assert (body[name]["numerator"], body[name]["denominator"]) == (rate.numerator, rate.denominator)
            assert rate.denominator > 0, name  # the seeded months have something to measure
        assert [g["key"] for g in body["groups"]] == [key for key, _ in expected.groups]
        for group, (_, figures) in zip(body["groups"], expected.groups, strict=True):
            for name in ("assignment_rate", "on_time_reply_rate", "satisfaction_rate"):
                rate = getattr(figures, name)
                assert (group[name]["numerator"], group[name]["denominator"]) == (rate.numerator, rate.denominator)
                assert "cases" not in group[name] and "misses" not in group[name]  # a link, never the ids


@pytest.mark.parametrize("figure", ["assignment_rate", "on_time_reply_rate", "satisfaction_rate"])
def test_the_cases_behind_a_figure_are_the_recounted_records_in_order_a_page_at_a_time(seeded, system, engine,
                                                                                     figure):
    supervisor = system.login("supervisor")
    now = system.clock.now()
    first, last = date(2026, 9, 1), date(2026, 11, 26)
    period = Period(first, last)
    with Session(engine.execution_options(read_only=True)) as session:
        reports = ReportQueries(session)
        records = (reports.assignment_records(period), reports.reply_records(period), reports.rating_records(period))
    department = max((r.department for r in records[1] if r.department), key=lambda d: sum(
        1 for r in records[1] if r.department == d))
    for outcome, group in (("missed", None), ("all", department), ("met", department)):
        grouping = {"group_by": "department", "group": group} if group else {}
        query = ListFigureCases(figure=figure, outcome=outcome, first_day=first, last_day=last, **grouping)
        expected = [(c.record.complaint_id, getattr(c.record, "reply_round", 1), c.met)
                    for c in figure_cases(query, *records, period, now)]
        listed: list[tuple[str, int, bool]] = []
        total = None
        for offset in range(0, len(expected) + 1, 100):
            body = system.client.get("/api/v1/metrics/sla/cases", headers=supervisor, params={
                "figure": figure, "outcome": outcome, "from": first.isoformat(), "to": last.isoformat(),
                "offset": offset, "limit": 100, **grouping}).json()
            total = body["total"]
            listed += [(c["complaint_id"], c["reply_round"], c["met"]) for c in body["cases"]]
        assert total == len(expected) and len(expected) > 0
        assert listed == expected  # the same records in the same order: misses first, by deadline, then id


def test_a_department_s_queue_and_a_citizen_s_lookup_read_the_seeded_cases(seeded, system, engine):
    supervisor = system.login("supervisor")
    with engine.connect() as conn:
        department, open_cases = conn.execute(text(
            "SELECT department, count(*) FROM routing_cases WHERE status IN ('assigned', 'accepted') "
            "GROUP BY department ORDER BY count(*) DESC, department LIMIT 1")).one()
        code, status = conn.execute(text(
            "SELECT tracking_code, status FROM intake_complaints WHERE status = 'closed' LIMIT 1")).one()
    queue = system.client.get(f"/api/v1/queues/{department}", params={"limit": 5}, headers=supervisor).json()
    assert queue["count"] == open_cases and len(queue["cases"]) == min(5, open_cases)
    seen = system.client.get(f"/api/v1/complaints/{code}").json()
    assert seen["tracking_code"] == code and seen["status"] == status
