"""notify's HTTP contract: the three targets with the cases behind them (a link to them, paged), and the
alert list."""

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from services.app import create_app
from shared.auth import Principal, issue_token
from shared.clock import SHANGHAI, SystemClock
from shared.eventbus.dblog import DbLogBus
from tests.notify.conftest import SETTINGS
from tests.notify.factories import NAMES, T0, accepted, assigned, departments, extension, rated, replied, triaged


def nov(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


def token(principal: Principal) -> dict[str, str]:
    # Signed with wall time: PyJWT checks expiry against the real clock, not the test's FakeClock.
    value = issue_token(principal, key=SETTINGS.jwt_key, now=SystemClock().now(), ttl=timedelta(hours=1))
    return {"Authorization": f"Bearer {value}"}


SUPERVISOR = token(Principal("sup", "supervisor"))
DISPATCHER = token(Principal("d-eco", "dispatcher", "ecology_env"))


def behind(client: TestClient, figure: dict) -> tuple[list[str], list[str]]:
    """The ids behind a figure's numerator and those that missed it, from the cases its `cases_url` links to
    (a figure carries no ids of its own); every case it counted is on that list."""
    response = client.get(figure["cases_url"] + "&limit=100", headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    lines = response.json()["cases"]
    assert response.json()["total"] == figure["denominator"] == len(lines)
    return (sorted(c["complaint_id"] for c in lines if c["met"]),
            sorted(c["complaint_id"] for c in lines if not c["met"]))


@pytest.fixture
def client(runtime, engine, clock):
    with TestClient(create_app([runtime], DbLogBus(engine, clock), [engine], start_workers=False)) as client:
        yield client


@pytest.fixture
def november(feed):
    """Five cases of November 2026, seen on Thursday 26 November at 10:00."""
    feed(assigned("a1", received_at=nov(2), assigned_at=nov(2, 11), reply_due=nov(6, 11)))  # both on time
    feed(replied("a1", nov(5), reply_due=nov(6, 11)))
    feed(rated("a1", "unsatisfied", nov(6)))
    feed(rated("a1", "satisfied", nov(7)))  # changed its mind: counts once, satisfied
    feed(assigned("a2", department="town_taihe", received_at=nov(10), assign_due=nov(11), assigned_at=nov(12),
                  reply_due=nov(16), town="taihe"))  # assigned late; never replied: late
    feed(triaged("a3", received_at=nov(26, 9), assign_due=nov(27, 9)))  # not due yet: left out
    feed(assigned("a4", received_at=nov(20), assigned_at=nov(20), reply_due=nov(24)))
    feed(extension("a4", nov(30)))  # extended past today: not due yet, left out of the reply rate
    feed(assigned("a5", department="urban_management", received_at=datetime(2026, 10, 28, 10, tzinfo=SHANGHAI),
                  reply_due=nov(1)))
    feed(replied("a5", nov(3), reply_due=nov(1), department="urban_management"))  # replied late, in November
    feed(rated("a5", "unsatisfied", nov(4)))


def test_the_targets_match_the_events_fed_in(client, november):
    response = client.get("/api/v1/metrics/sla", params={"from": "2026-11-01", "to": "2026-11-26"}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"] == {"from": "2026-11-01", "to": "2026-11-26"}
    assert body["targets"] == {"assignment_rate": 1.0, "on_time_reply_rate": 1.0, "satisfaction_rate": 0.98}
    assert body["assignment_rate"] == {
        "numerator": 2, "denominator": 3, "rate": 0.6667, "target": 1.0, "met": False,
        "cases_url": "/api/v1/metrics/sla/cases?figure=assignment_rate&outcome=all&from=2026-11-01&to=2026-11-26"}
    assert behind(client, body["assignment_rate"]) == (["a1", "a4"], ["a2"])
    reply = body["on_time_reply_rate"]
    assert (reply["numerator"], reply["denominator"], *behind(client, reply)) == (1, 3, ["a1"], ["a2", "a5"])
    satisfaction = body["satisfaction_rate"]
    assert (satisfaction["numerator"], satisfaction["denominator"], satisfaction["rate"]) == (1, 2, 0.5)
    assert behind(client, satisfaction) == (["a1"], ["a5"]) and satisfaction["met"] is False
    # both rated rounds were called back (each its department's first reply of the week), and the
    # citizens' own ratings completed those callbacks
    assert satisfaction["valid_callback_rate"] == {"numerator": 2, "denominator": 2, "rate": 1.0}
    assert "callback" in satisfaction["note"]
    assert body["groups"] == []


def test_without_dates_the_report_covers_this_month_to_date(client, november):
    body = client.get("/api/v1/metrics/sla", headers=SUPERVISOR).json()
    assert body["period"] == {"from": "2026-11-01", "to": "2026-11-26"}
    assert body["assignment_rate"]["denominator"] == 3


def test_the_targets_can_be_grouped_by_department_town_or_category(client, november, feed):
    feed(departments(*NAMES))  # routing's directory: the names the groups are shown with
    body = client.get("/api/v1/metrics/sla", params={"group_by": "department"}, headers=SUPERVISOR).json()
    groups = {g["key"]: g for g in body["groups"]}
    assert list(groups) == ["ecology_env", "town_taihe", "urban_management"]
    assert groups["ecology_env"]["name"] == "区生态环境局"
    assert behind(client, groups["ecology_env"]["assignment_rate"]) == (["a1", "a4"], [])
    assert behind(client, groups["town_taihe"]["assignment_rate"]) == ([], ["a2"])
    assert behind(client, groups["urban_management"]["on_time_reply_rate"]) == ([], ["a5"])
    towns = client.get("/api/v1/metrics/sla", params={"group_by": "town"}, headers=SUPERVISOR).json()
    assert {g["key"]: g["name"] for g in towns["groups"]} == {"heyangcheng": "合阳城街道", "taihe": "太和镇"}


def test_an_empty_period_reports_no_rate_rather_than_a_made_up_one(client, november):
    body = client.get("/api/v1/metrics/sla", params={"from": "2026-01-01", "to": "2026-01-31"},
                      headers=SUPERVISOR).json()
    assert body["assignment_rate"]["denominator"] == 0
    assert body["assignment_rate"]["rate"] is None and body["assignment_rate"]["met"] is None


@pytest.mark.parametrize("params, words", [
    ({"from": "2026-13-01"}, "from"),
    ({"from": "2026/11/01"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "2026-W48-4"}, "from"),
    ({"from": "0001-01-01"}, "between"),
    ({"from": "2026-11-01", "to": "9999-12-31"}, "between"),
    ({"from": "2026-11-20", "to": "2026-11-01"}, "after"),
    ({"group_by": "weather"}, "group_by"),
])
def test_bad_report_parameters_get_a_clear_422(client, params, words):
    response = client.get("/api/v1/metrics/sla", params=params, headers=SUPERVISOR)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid" and words in error["message"]


def test_only_supervisors_see_the_targets(client):
    assert client.get("/api/v1/metrics/sla", headers=DISPATCHER).status_code == 403
    assert client.get("/api/v1/metrics/sla").status_code == 401
    assert client.get("/api/v1/metrics/sla", headers=token(Principal("root", "admin"))).status_code == 200


@pytest.fixture
def warned(feed, sweep, clock):
    """An eco case and a Taihe case, both past their reply deadline and swept twice (yellow, then red)."""
    feed(departments(*NAMES))
    for cid, department in (("e1", "ecology_env"), ("t1", "town_taihe")):
        feed(assigned(cid, department=department, assigned_at=T0, reply_due=T0 + timedelta(hours=96)))
        feed(accepted(cid, T0 + timedelta(hours=1), department=department))
    for hours in (80, 96):
        clock.set(T0 + timedelta(hours=hours))
        sweep()


def test_supervisors_see_every_alert_newest_first(client, warned):
    response = client.get("/api/v1/alerts", headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    alerts = response.json()["alerts"]
    assert [(a["complaint_id"], a["level"]) for a in alerts] == [
        ("t1", "red"), ("e1", "red"), ("t1", "yellow"), ("e1", "yellow")]
    first = alerts[0]
    assert first["tracking_code"] == "HCt1" and first["department"] == "town_taihe" and first["clock"] == "reply"
    assert first["department_name"] == "太和镇人民政府" and first["reply_round"] == 1
    assert set(first) == {"id", "complaint_id", "tracking_code", "department", "department_name", "clock", "level",
                          "reply_round", "due", "at"}
    assert first["due"] == (T0 + timedelta(hours=96)).isoformat()
    only_red = client.get("/api/v1/alerts", params={"level": "red", "limit": 1}, headers=SUPERVISOR).json()["alerts"]
    assert [(a["complaint_id"], a["level"]) for a in only_red] == [("t1", "red")]


def test_a_dispatcher_sees_only_the_alerts_of_their_own_department(client, warned):
    alerts = client.get("/api/v1/alerts", headers=DISPATCHER).json()["alerts"]
    assert {a["department"] for a in alerts} == {"ecology_env"} and len(alerts) == 2
    assert client.get("/api/v1/alerts", params={"department": "town_taihe"}, headers=DISPATCHER).status_code == 403
    assert client.get("/api/v1/alerts", headers=token(Principal("op", "operator"))).status_code == 403
    assert client.get("/api/v1/alerts", headers=token(Principal("d", "dispatcher"))).status_code == 403


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 10_000}, {"limit": "many"}, {"level": "purple"},
                                    {"clock": "lunch"}])
def test_bad_alert_filters_get_a_422(client, params):
    response = client.get("/api/v1/alerts", params=params, headers=SUPERVISOR)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid"
