"""notify learns each case's channel from complaints.received and shows the targets per channel
(grid workers' patrol findings apart from citizens' reports); the figures themselves do not change."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.app import create_app
from services.notify.adapters.tables import CaseRow
from services.notify.domain.case import SlaCase
from services.notify.domain.metrics import AssignmentRecord, Period, RatingRecord, ReplyRecord, sla_report
from shared.clock import SHANGHAI
from shared.contracts.events import ComplaintReceivedV1
from shared.eventbus.dblog import DbLogBus
from tests.notify.factories import T0, assigned, rated, replied, triaged
from tests.notify.test_api import SUPERVISOR, behind


def nov(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


def received(cid: str, channel: str, at: datetime = T0) -> ComplaintReceivedV1:
    return ComplaintReceivedV1(complaint_id=cid, tracking_code=f"HC{cid}", channel=channel,
                               content="河面发黑，有异味", town="taihe", received_at=at)


# --- the aggregate and the figures (pure) -------------------------------------------------------------


def test_a_case_keeps_the_channel_it_was_received_by_and_nothing_else_changes():
    case = SlaCase("c1")
    case.on_received(received("c1", "grid"))
    assert (case.channel, case.tracking_code) == ("grid", "HCc1")
    assert case.received_at is None and case.clocks == {} and case.running_clocks() == []
    case.follow(triaged("c1"))
    assert case.channel == "grid" and case.received_at == T0


NOVEMBER = Period(nov(1).date(), nov(30).date())


def test_the_figures_group_by_channel_and_the_overall_figures_stay_the_same():
    assignments = [AssignmentRecord("w1", nov(2), nov(3), nov(2, 11), channel="web"),
                   AssignmentRecord("g1", nov(2), nov(3), nov(4), channel="grid"),  # assigned late
                   AssignmentRecord("g2", nov(5), nov(6), nov(5, 11), channel="grid"),
                   AssignmentRecord("x1", nov(5), nov(6), nov(5, 11))]  # received before channels were kept
    replies = [ReplyRecord("w1", 1, nov(6), nov(5), channel="web"),
               ReplyRecord("g2", 1, nov(9), nov(10), channel="grid")]
    ratings = [RatingRecord("w1", 1, "satisfied", nov(7), channel="web"),
               RatingRecord("g2", 1, "basically_satisfied", nov(11), channel="grid")]
    grouped = sla_report(assignments, replies, ratings, NOVEMBER, nov(26), group_by="channel")
    assert grouped.overall == sla_report(assignments, replies, ratings, NOVEMBER, nov(26)).overall
    groups = dict(grouped.groups)
    assert list(groups) == ["grid", "web", None]
    grid = groups["grid"]
    assert (grid.assignment_rate.numerator, grid.assignment_rate.denominator) == (1, 2)
    assert grid.assignment_rate.cases == ("g2",) and grid.assignment_rate.misses == ("g1",)
    assert (grid.on_time_reply_rate.numerator, grid.on_time_reply_rate.denominator) == (0, 1)
    assert (grid.satisfaction_rate.numerator, grid.satisfaction_rate.denominator) == (1, 1)
    web = groups["web"]
    assert [(r.numerator, r.denominator) for r in (web.assignment_rate, web.on_time_reply_rate,
                                                   web.satisfaction_rate)] == [(1, 1), (1, 1), (1, 1)]
    assert groups[None].assignment_rate.cases == ("x1",)


# --- the handlers and the API (both databases) -----------------------------------------------------------


def stored_channel(engine, cid: str) -> str | None:
    with Session(engine) as session:
        return session.scalars(select(CaseRow.channel).where(CaseRow.complaint_id == cid)).one()


@pytest.mark.parametrize("received_first", [True, False])
def test_the_channel_arrives_from_complaints_received_whichever_topic_is_read_first(
        feed, read_case, engine, received_first):
    if received_first:
        feed(received("c1", "grid"))
        assert stored_channel(engine, "c1") == "grid" and read_case("c1").received_at is None
    feed(assigned("c1", department="town_taihe", town="taihe"))
    if not received_first:
        assert stored_channel(engine, "c1") is None
        feed(received("c1", "grid"))
    case = read_case("c1")
    assert (case.channel, case.status, case.department, case.received_at) == ("grid", "assigned", "town_taihe", T0)
    assert stored_channel(engine, "c1") == "grid"


@pytest.fixture
def client(runtime, engine, clock):
    with TestClient(create_app([runtime], DbLogBus(engine, clock), [engine], start_workers=False)) as client:
        yield client


def test_group_by_channel_names_the_channels_in_chinese(client, feed):
    for cid, channel in (("w1", "web"), ("h1", "hotline"), ("g1", "grid")):
        feed(received(cid, channel, nov(2)))
        feed(assigned(cid, received_at=nov(2), assigned_at=nov(2, 11), reply_due=nov(6, 11)))
    feed(replied("g1", nov(5), reply_due=nov(6, 11)))
    feed(rated("g1", "unsatisfied", nov(6)))
    feed(assigned("o1", received_at=nov(3), assigned_at=nov(3, 11), reply_due=nov(7)))  # no channel known
    params = {"from": "2026-11-01", "to": "2026-11-26"}
    plain = client.get("/api/v1/metrics/sla", params=params, headers=SUPERVISOR).json()
    response = client.get("/api/v1/metrics/sla", params={**params, "group_by": "channel"}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    body = response.json()
    for target in ("assignment_rate", "on_time_reply_rate", "satisfaction_rate"):
        assert body[target] == plain[target]
    assert {g["key"]: g["name"] for g in body["groups"]} == {"grid": "网格巡查", "hotline": "热线", "web": "网站",
                                                             None: "未定 / unassigned"}
    grid = next(g for g in body["groups"] if g["key"] == "grid")
    assert (grid["assignment_rate"]["numerator"], grid["assignment_rate"]["denominator"]) == (1, 1)
    assert (grid["on_time_reply_rate"]["numerator"], grid["on_time_reply_rate"]["denominator"]) == (1, 1)
    assert behind(client, grid["satisfaction_rate"])[1] == ["g1"] and grid["satisfaction_rate"]["denominator"] == 1
    assert body["assignment_rate"]["denominator"] == 4
    refused = client.get("/api/v1/metrics/sla", params={"group_by": "patrol"}, headers=SUPERVISOR)
    assert refused.status_code == 422 and "channel" in refused.json()["error"]["message"]
