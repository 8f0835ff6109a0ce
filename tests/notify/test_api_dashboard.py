"""The supervisors' dashboard through notify's HTTP API, on both databases: the three targets right
under late events, extensions, unanswered deadlines, returns and reopened rounds; grouping by type and
channel; the trend per week and month; the cases behind any figure; the overdue and due-soon lists;
and a clear 422 for every parameter that makes no sense."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from services.app import create_app
from shared.auth import Principal
from shared.contracts.events import CaseMergedV1, ComplaintReceivedV1
from shared.eventbus.dblog import DbLogBus
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
from tests.notify.test_api import DISPATCHER, SUPERVISOR, behind, nov, token

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def client(runtime, engine, clock):
    with TestClient(create_app([runtime], DbLogBus(engine, clock), [engine], start_workers=False)) as client:
        yield client


def get(client: TestClient, path: str, **params: object) -> dict:
    response = client.get(path, params=params, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    return response.json()


def reply_rate(client: TestClient, **params: object) -> tuple[int, int, list[str], list[str]]:
    body = get(client, "/api/v1/metrics/sla", **(NOVEMBER | params))["on_time_reply_rate"]
    return body["numerator"], body["denominator"], *behind(client, body)


# --- the targets, exactly as DESIGN.md defines them --------------------------------------------------


def test_a_reply_delivered_late_is_judged_by_when_it_was_made_not_when_it_arrived(client, feed, clock):
    feed(assigned("r1", received_at=nov(16), reply_due=nov(20)))
    clock.set(nov(24))  # past the deadline, and routing's reply event has not reached notify yet
    assert reply_rate(client) == (0, 1, [], ["r1"])  # unanswered past its deadline: late for now
    feed(replied("r1", nov(19), reply_due=nov(20)))  # made on the 19th, delivered on the 24th
    assert reply_rate(client) == (1, 1, ["r1"], [])


def test_an_assignment_delivered_late_is_judged_by_when_it_was_made(client, feed, clock):
    feed(triaged("t1", received_at=nov(16), assign_due=nov(17)))
    clock.set(nov(18))
    body = get(client, "/api/v1/metrics/sla", **NOVEMBER)["assignment_rate"]
    assert (body["numerator"], body["denominator"], behind(client, body)[1]) == (0, 1, ["t1"])
    feed(assigned("t1", received_at=nov(16), assign_due=nov(17), assigned_at=nov(16, 15)))
    body = get(client, "/api/v1/metrics/sla", **NOVEMBER)["assignment_rate"]
    assert (body["numerator"], body["denominator"], behind(client, body)[0]) == (1, 1, ["t1"])


def test_an_older_rating_delivered_late_does_not_replace_the_newer_one(client, feed, clock):
    feed(assigned("s1", received_at=nov(2), reply_due=nov(6)))
    feed(replied("s1", nov(5), reply_due=nov(6)))
    feed(rated("s1", "satisfied", nov(9), via="phone_callback"))
    feed(rated("s1", "unsatisfied", nov(7), via="citizen"))  # given earlier, arrives later
    body = get(client, "/api/v1/metrics/sla", **NOVEMBER)["satisfaction_rate"]
    assert (body["numerator"], body["denominator"], behind(client, body)[0]) == (1, 1, ["s1"])


def test_what_a_figure_reads_of_its_case_follows_the_case_whatever_order_the_events_come_in(client, feed, clock):
    # The figures read the case's type, department and validity copied onto its rounds and ratings: a
    # rating delivered before the case it rates, and a merge after the round began, still count right.
    feed(departments(*NAMES))
    feed(rated("e1", "unsatisfied", nov(9)))  # arrives first: notify does not know the case yet
    by_town = get(client, "/api/v1/metrics/sla", group_by="town", **NOVEMBER)
    assert [(g["key"], g["satisfaction_rate"]["denominator"]) for g in by_town["groups"]] == [(None, 1)]
    feed(assigned("e1", received_at=nov(2), reply_due=nov(6), town="taihe", category="water"))
    feed(replied("e1", nov(5), reply_due=nov(6)))
    by_town = get(client, "/api/v1/metrics/sla", group_by="town", **NOVEMBER)
    assert [(g["key"], g["satisfaction_rate"]["denominator"]) for g in by_town["groups"]] == [("taihe", 1)]
    by_department = get(client, "/api/v1/metrics/sla", group_by="department", **NOVEMBER)
    assert [(g["key"], behind(client, g["satisfaction_rate"])) for g in by_department["groups"]] == [
        ("ecology_env", ([], ["e1"]))]
    # a duplicate merged into its master (并单) leaves every figure, the round it had begun included
    feed(assigned("m1", received_at=nov(16), reply_due=nov(20)))
    assert reply_rate(client) == (1, 2, ["e1"], ["m1"])
    feed(CaseMergedV1(complaint_id="m1", tracking_code="HCm1", master_id="e1", master_tracking_code="HCe1",
                      department="ecology_env", merged_at=nov(21), by="supervisor"))
    assert reply_rate(client) == (1, 1, ["e1"], [])
    assignment = get(client, "/api/v1/metrics/sla", **NOVEMBER)["assignment_rate"]
    assert behind(client, assignment) == (["e1"], [])


def test_an_approved_extension_moves_the_deadline_a_refused_one_does_not(client, feed, clock):
    clock.set(datetime(2026, 12, 10, 10, tzinfo=nov(1).tzinfo))
    feed(assigned("x1", received_at=nov(16), reply_due=nov(20)))
    feed(extension("x1", nov(25)))
    feed(replied("x1", nov(24), reply_due=nov(25)))  # after the first deadline, before the extended one
    feed(assigned("x2", received_at=nov(16), reply_due=nov(20)))
    feed(extension("x2", nov(25), approved=False))
    feed(replied("x2", nov(24), reply_due=nov(20)))
    assert reply_rate(client) == (1, 2, ["x1"], ["x2"])
    # still unanswered, extended into December: it leaves November and is late in December
    feed(assigned("x3", received_at=nov(16), reply_due=nov(27)))
    feed(extension("x3", datetime(2026, 12, 3, 10, tzinfo=nov(1).tzinfo)))
    assert reply_rate(client)[1] == 2
    december = get(client, "/api/v1/metrics/sla", **{"from": "2026-12-01", "to": "2026-12-10"})
    assert behind(client, december["on_time_reply_rate"])[1] == ["x3"]


def test_an_unanswered_case_counts_as_late_once_its_deadline_has_passed_and_not_before(client, feed, clock):
    feed(assigned("u1", received_at=nov(16), reply_due=nov(25)))  # due yesterday
    feed(assigned("u2", received_at=nov(16), reply_due=nov(27)))  # due tomorrow
    assert reply_rate(client) == (0, 1, [], ["u1"])
    clock.set(nov(27, 11))
    assert reply_rate(client) == (0, 2, [], ["u1", "u2"])


def test_a_returned_case_waiting_to_be_routed_again_is_not_late_against_its_old_deadline(client, feed, clock):
    feed(departments(*NAMES))
    feed(assigned("b1", received_at=nov(16), assigned_at=nov(16), reply_due=nov(20)))
    feed(returned("b1", nov(17)))
    clock.set(nov(23))  # the old deadline passed while nobody had the case
    assert reply_rate(client) == (0, 0, [], [])
    body = get(client, "/api/v1/metrics/sla", group_by="department", **NOVEMBER)
    # the first assignment still counts for the department it went to
    assert [g["key"] for g in body["groups"]] == ["ecology_env"]
    feed(assigned("b1", department="town_taihe", received_at=nov(16), assigned_at=nov(23), reply_due=nov(27)))
    clock.set(nov(28))
    assert reply_rate(client) == (0, 1, [], ["b1"])  # judged against the new assignment's deadline
    body = get(client, "/api/v1/metrics/sla", group_by="department", **NOVEMBER)
    assert {g["key"]: behind(client, g["on_time_reply_rate"])[1] for g in body["groups"]} == {"town_taihe": ["b1"]}


def test_a_reopened_round_has_its_own_deadline_and_the_first_reply_still_counts_once(client, feed, clock):
    feed(assigned("o1", received_at=nov(2), reply_due=nov(6)))
    feed(replied("o1", nov(5), reply_due=nov(6)))
    feed(rated("o1", "unsatisfied", nov(9)))
    feed(assigned("o1", received_at=nov(2), assigned_at=nov(10), reply_due=nov(13), reply_round=2))
    feed(replied("o1", nov(16), reply_due=nov(13), reply_round=2))  # the second round replied late
    feed(rated("o1", "satisfied", nov(17), reply_round=2))
    body = get(client, "/api/v1/metrics/sla", **NOVEMBER)
    reply = body["on_time_reply_rate"]
    assert (reply["numerator"], reply["denominator"]) == (1, 2)
    assert behind(client, reply) == (["o1"], ["o1"])
    satisfaction = body["satisfaction_rate"]
    assert (satisfaction["numerator"], satisfaction["denominator"]) == (1, 2)
    assert body["assignment_rate"]["denominator"] == 1  # the case, once


def test_the_targets_group_by_type_and_by_channel(client, feed):
    feed(ComplaintReceivedV1(complaint_id="g1", tracking_code="HCg1", channel="hotline", content="噪声扰民",
                             town="taihe", received_at=nov(2)))
    feed(assigned("g1", received_at=nov(2), category="noise"))
    feed(assigned("g2", received_at=nov(3), category="water"))
    by_type = get(client, "/api/v1/metrics/sla", group_by="type", **NOVEMBER)
    assert by_type["group_by"] == "type"
    assert [(g["key"], g["name"]) for g in by_type["groups"]] == [("noise", "噪声"), ("water", "水")]
    assert by_type["groups"] == get(client, "/api/v1/metrics/sla", group_by="category", **NOVEMBER)["groups"]
    by_channel = get(client, "/api/v1/metrics/sla", group_by="channel", **NOVEMBER)
    assert [(g["key"], g["name"]) for g in by_channel["groups"]] == [("hotline", "热线"), (None, "未定 / unassigned")]


# --- the trend -------------------------------------------------------------------------------------------


@pytest.fixture
def autumn(feed, clock):
    """Cases over October and November 2026, seen on 10 December."""
    clock.set(datetime(2026, 12, 10, 10, tzinfo=T0.tzinfo))
    feed(departments(*NAMES))
    tz = T0.tzinfo
    feed(assigned("k1", received_at=datetime(2026, 10, 12, 9, tzinfo=tz), reply_due=datetime(2026, 10, 16, tzinfo=tz)))
    feed(replied("k1", datetime(2026, 10, 15, tzinfo=tz), reply_due=datetime(2026, 10, 16, tzinfo=tz)))
    feed(rated("k1", "satisfied", datetime(2026, 10, 20, tzinfo=tz)))
    feed(assigned("k2", department="town_taihe", town="taihe", received_at=nov(2), assign_due=nov(3),
                  assigned_at=nov(4), reply_due=nov(9)))  # assigned late
    feed(replied("k2", nov(12), reply_due=nov(9), department="town_taihe"))  # replied late, a week after
    feed(rated("k2", "unsatisfied", nov(13)))
    feed(assigned("k3", received_at=nov(3), reply_due=nov(5)))
    feed(replied("k3", nov(4), reply_due=nov(5)))
    feed(assigned("k4", received_at=nov(24), reply_due=nov(30)))  # never replied: late on 30 November


def counts(point: dict, figure: str) -> tuple[int, int]:
    return point[figure]["numerator"], point[figure]["denominator"]


def test_the_trend_by_month_gives_each_month_its_three_figures(client, autumn):
    body = get(client, "/api/v1/metrics/sla/trend", interval="month", **{"from": "2026-10-01", "to": "2026-12-10"})
    assert body["interval"] == "month" and body["period"] == {"from": "2026-10-01", "to": "2026-12-10"}
    points = body["points"]
    assert [(p["key"], p["from"], p["to"]) for p in points] == [
        ("2026-10", "2026-10-01", "2026-10-31"), ("2026-11", "2026-11-01", "2026-11-30"),
        ("2026-12", "2026-12-01", "2026-12-10")]
    october, november, december = points
    assert counts(october, "assignment_rate") == (1, 1) and counts(october, "on_time_reply_rate") == (1, 1)
    assert counts(october, "satisfaction_rate") == (1, 1)
    assert counts(november, "assignment_rate") == (2, 3)
    assert counts(november, "on_time_reply_rate") == (1, 3)
    assert counts(november, "satisfaction_rate") == (0, 1)
    assert november["on_time_reply_rate"]["rate"] == 0.3333 and november["on_time_reply_rate"]["met"] is False
    assert counts(december, "on_time_reply_rate") == (0, 0) and december["on_time_reply_rate"]["rate"] is None


def test_each_point_of_the_weekly_trend_is_what_the_report_says_for_that_week(client, autumn):
    body = get(client, "/api/v1/metrics/sla/trend", interval="week", **{"from": "2026-11-01", "to": "2026-11-30"})
    keys = [p["key"] for p in body["points"]]
    assert keys == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    assert (body["points"][0]["from"], body["points"][0]["to"]) == ("2026-11-01", "2026-11-01")  # a Sunday
    assert (body["points"][1]["from"], body["points"][1]["to"]) == ("2026-11-02", "2026-11-08")
    for point in body["points"]:
        report = get(client, "/api/v1/metrics/sla", **{"from": point["from"], "to": point["to"]})
        for figure in ("assignment_rate", "on_time_reply_rate", "satisfaction_rate"):
            assert counts(point, figure) == counts(report, figure), (point["key"], figure)
    # k2: due in week 46 (9 Nov) and replied in week 46 (12 Nov): one miss there
    assert counts(body["points"][2], "on_time_reply_rate") == (0, 1)


def test_the_trend_for_one_department_and_its_defaults(client, autumn):
    body = get(client, "/api/v1/metrics/sla/trend", interval="month", department="town_taihe",
               **{"from": "2026-10-01", "to": "2026-11-30"})
    assert body["department_name"] == "太和镇人民政府"
    assert [counts(p, "assignment_rate") for p in body["points"]] == [(0, 0), (0, 1)]
    weeks = get(client, "/api/v1/metrics/sla/trend", interval="week")
    assert len(weeks["points"]) == 12 and weeks["period"]["to"] == "2026-12-10"
    assert weeks["period"]["from"] == "2026-09-21"  # the Monday eleven weeks before this week's
    months = get(client, "/api/v1/metrics/sla/trend")
    assert months["interval"] == "month" and months["period"] == {"from": "2026-01-01", "to": "2026-12-10"}
    assert len(months["points"]) == 12


# --- the cases behind a figure ----------------------------------------------------------------------------


def test_the_cases_behind_a_figure_are_those_the_report_counted_with_their_tracking_codes(client, autumn):
    report = get(client, "/api/v1/metrics/sla", **NOVEMBER)
    missed = get(client, "/api/v1/metrics/sla/cases", figure="on_time_reply_rate", **NOVEMBER)
    assert missed["total"] == 2 and missed["outcome"] == "missed"
    assert sorted(c["complaint_id"] for c in missed["cases"]) == behind(client, report["on_time_reply_rate"])[1]
    first = missed["cases"][0]  # the earliest deadline first
    assert first["complaint_id"] == "k2" and first["tracking_code"] == "HCk2" and first["met"] is False
    assert first["department_name"] == "太和镇人民政府" and first["town_name"] == "太和镇"
    assert first["category_name"] == "噪声"
    assert first["due"] == nov(9).isoformat() and first["done_at"] == nov(12).isoformat()
    met = get(client, "/api/v1/metrics/sla/cases", figure="on_time_reply_rate", outcome="met", **NOVEMBER)
    assert [c["complaint_id"] for c in met["cases"]] == behind(client, report["on_time_reply_rate"])[0] == ["k3"]
    every = get(client, "/api/v1/metrics/sla/cases", figure="assignment_rate", outcome="all", **NOVEMBER)
    assert [(c["complaint_id"], c["met"]) for c in every["cases"]] == [("k2", False), ("k3", True), ("k4", True)]
    ratings = get(client, "/api/v1/metrics/sla/cases", figure="satisfaction_rate", **NOVEMBER)
    assert [(c["complaint_id"], c["rating"]) for c in ratings["cases"]] == [("k2", "unsatisfied")]


def test_the_cases_behind_one_groups_figure_and_paging(client, autumn):
    taihe = get(client, "/api/v1/metrics/sla/cases", figure="assignment_rate", outcome="all", group_by="department",
                group="town_taihe", **NOVEMBER)
    assert taihe["group_name"] == "太和镇人民政府" and [c["complaint_id"] for c in taihe["cases"]] == ["k2"]
    page = get(client, "/api/v1/metrics/sla/cases", figure="assignment_rate", outcome="all", offset=1, limit=1,
               **NOVEMBER)
    assert page["total"] == 3 and [c["complaint_id"] for c in page["cases"]] == ["k3"]


# --- overdue and due soon ---------------------------------------------------------------------------------


@pytest.fixture
def running(feed, clock):
    """On 26 November 10:00: one case overdue for its reply, one unassigned past its deadline, two due soon
    (one to be signed for, one to be replied), one in time, one replied."""
    feed(departments(*NAMES))
    feed(assigned("late", received_at=nov(16), reply_due=nov(25), urgent=True))
    feed(accepted("late", nov(16, 11)))
    feed(assigned("soon", department="town_taihe", town="taihe", received_at=nov(20), assigned_at=nov(20),
                  accept_due=nov(21), reply_due=nov(26, 16)))  # 6 days in, 6 hours left: > 75% used
    feed(accepted("soon", nov(20, 11), department="town_taihe"))
    feed(assigned("fresh", received_at=nov(26, 9), assigned_at=nov(26, 9), reply_due=nov(30)))
    feed(assigned("unsigned", received_at=nov(25, 10), assigned_at=nov(25, 10), accept_due=nov(26, 12),
                  reply_due=nov(30)))  # 24 of 26 hours used to sign for it
    feed(assigned("done", received_at=nov(16), reply_due=nov(20)))
    feed(replied("done", nov(24), reply_due=nov(20)))  # replied late: no longer waiting
    feed(triaged("stuck", received_at=nov(24), assign_due=nov(25, 9)))  # never assigned


def test_the_overdue_list_has_each_running_clock_past_its_deadline_longest_overdue_first(client, running, sweep):
    sweep()  # raises the escalations (督办) of what is overdue
    body = get(client, "/api/v1/metrics/deadlines", state="overdue")
    assert body["counts"] == {"overdue": 2, "due_soon": 2}
    assert [(c["complaint_id"], c["clock"]) for c in body["cases"]] == [("stuck", "assign"), ("late", "reply")]
    stuck, late = body["cases"]
    assert stuck["clock_name"] == "交办" and stuck["department"] is None and stuck["tracking_code"] == "HCstuck"
    assert late["clock_name"] == "回复" and late["department_name"] == "区生态环境局" and late["urgent"] is True
    assert late["seconds_left"] == -24 * 3600 and late["due"] == nov(25).isoformat()
    assert late["escalated"] is True and late["state"] == "overdue"


def test_the_due_soon_list_has_the_clocks_past_three_quarters_of_their_time(client, running):
    body = get(client, "/api/v1/metrics/deadlines", state="due_soon")
    assert [(c["complaint_id"], c["clock"]) for c in body["cases"]] == [("unsigned", "accept"), ("soon", "reply")]
    soon = body["cases"][1]
    assert soon["seconds_left"] == 6 * 3600 and soon["department_name"] == "太和镇人民政府" and not soon["escalated"]
    only_taihe = get(client, "/api/v1/metrics/deadlines", state="due_soon", department="town_taihe")
    assert [c["complaint_id"] for c in only_taihe["cases"]] == ["soon"]
    page = get(client, "/api/v1/metrics/deadlines", state="due_soon", offset=1, limit=1)
    assert page["total"] == 2 and [c["complaint_id"] for c in page["cases"]] == ["soon"]


def test_a_case_leaves_the_lists_when_it_moves_on(client, running, feed):
    feed(replied("late", nov(26, 9), reply_due=nov(25)))
    body = get(client, "/api/v1/metrics/deadlines", state="overdue")
    assert [c["complaint_id"] for c in body["cases"]] == ["stuck"]


# --- who may ask, and what is refused ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/metrics/sla/trend", "/api/v1/metrics/sla/cases?figure=assignment_rate",
                                  "/api/v1/metrics/deadlines"])
def test_only_supervisors_see_the_dashboard(client, path):
    assert client.get(path, headers=DISPATCHER).status_code == 403
    assert client.get(path, headers=token(Principal("op", "operator"))).status_code == 403
    assert client.get(path).status_code == 401
    assert client.get(path, headers=SUPERVISOR).status_code == 200


@pytest.mark.parametrize("path, params, words", [
    ("/api/v1/metrics/sla", {"from": "2020-01-01", "to": "2026-11-30"}, "three years"),
    ("/api/v1/metrics/sla", {"group_by": "weather"}, "group_by"),
    ("/api/v1/metrics/sla/trend", {"interval": "day"}, "interval"),
    ("/api/v1/metrics/sla/trend", {"from": "2026-11-30", "to": "2026-11-01"}, "after"),
    ("/api/v1/metrics/sla/trend", {"from": "2019-01-01"}, "three years"),
    ("/api/v1/metrics/sla/trend", {"to": "30/11/2026"}, "to"),
    ("/api/v1/metrics/sla/cases", {}, "figure"),
    ("/api/v1/metrics/sla/cases", {"figure": "happiness"}, "figure"),
    ("/api/v1/metrics/sla/cases", {"figure": "assignment_rate", "outcome": "maybe"}, "outcome"),
    ("/api/v1/metrics/sla/cases", {"figure": "assignment_rate", "group_by": "planet", "group": "x"}, "group_by"),
    ("/api/v1/metrics/sla/cases", {"figure": "assignment_rate", "group": "taihe"}, "group_by"),
    ("/api/v1/metrics/sla/cases", {"figure": "assignment_rate", "group_by": "town"}, "group"),
    ("/api/v1/metrics/sla/cases", {"figure": "assignment_rate", "limit": 101}, "limit"),
    ("/api/v1/metrics/sla/cases", {"figure": "assignment_rate", "limit": 0}, "limit"),
    ("/api/v1/metrics/sla/cases", {"figure": "assignment_rate", "offset": -1}, "offset"),
    ("/api/v1/metrics/sla/cases", {"figure": "assignment_rate", "offset": "x"}, "offset"),
    ("/api/v1/metrics/deadlines", {"state": "late"}, "state"),
    ("/api/v1/metrics/deadlines", {"limit": 1000}, "limit"),
    ("/api/v1/metrics/deadlines", {"offset": 10**12}, "offset"),
    ("/api/v1/metrics/deadlines", {"department": "x" * 65}, "department"),
])
def test_every_bad_parameter_gets_a_clear_422(client, path, params, words):
    response = client.get(path, params=params, headers=SUPERVISOR)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid" and words in error["message"], error


def test_a_period_of_three_years_is_allowed(client, feed):
    feed(assigned("y1", received_at=nov(2)))
    body = get(client, "/api/v1/metrics/sla", **{"from": "2023-12-01", "to": "2026-11-30"})
    assert body["assignment_rate"]["denominator"] == 1
    weeks = get(client, "/api/v1/metrics/sla/trend", interval="week", **{"from": "2023-12-01", "to": "2026-11-30"})
    assert len(weeks["points"]) == 158  # Friday 1 December 2023 to Monday 30 November 2026: 156 weeks and two ends


def test_the_report_before_the_period_starts_is_empty_not_an_error(client, feed, clock):
    clock.set(T0 + timedelta(days=1))
    body = get(client, "/api/v1/metrics/sla/trend", interval="week", **{"from": "2027-01-04", "to": "2027-01-10"})
    assert [counts(p, "assignment_rate") for p in body["points"]] == [(0, 0)]
