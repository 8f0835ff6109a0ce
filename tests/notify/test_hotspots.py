"""The problem list (问题清单, `GET/PATCH /api/v1/hotspots`) through notify's HTTP API, on both databases:
each rule flags exactly at its threshold and not below, with the cases behind it and why; a supervisor
gives a hotspot an owner (领导包案) and a plan and resolves it with a note; a resolved hotspot comes back
when cases keep coming; everything that makes no sense is a 4xx, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from services.app import create_app
from services.notify.domain.hotspots import HotspotCase, HotspotRules, assess
from shared.clock import SHANGHAI
from shared.eventbus.dblog import DbLogBus
from tests.notify.factories import NAMES, T0, assigned, departments, replied
from tests.notify.test_api import DISPATCHER, SUPERVISOR

NOW = T0  # Thursday 2026-11-26 10:00, the clock fixture's time


@pytest.fixture
def client(runtime, engine, clock):
    with TestClient(create_app([runtime], DbLogBus(engine, clock), [engine], start_workers=False)) as client:
        yield client


def hotspots(client: TestClient, **params: str) -> dict[str, dict]:
    response = client.get("/api/v1/hotspots", params=params, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    return {h["key"]: h for h in response.json()["hotspots"]}


def cases_of(client: TestClient, spot: dict, **params: int) -> dict:
    """The page of cases a hotspot links to (`cases_url`): the list itself never carries them."""
    response = client.get(spot["cases_url"], params=params, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    return response.json()


def days_ago(days: float, hour: int | None = None) -> datetime:
    moment = NOW - timedelta(days=days)
    return moment.replace(hour=hour, minute=0) if hour is not None else moment


def case(feed, cid: str, received_at: datetime, *, town: str = "taihe", category: str = "odor") -> None:
    feed(assigned(cid, received_at=received_at, town=town, category=category))


# --- the rules -----------------------------------------------------------------------------------------


def test_one_town_and_type_is_flagged_at_three_cases_in_thirty_days_and_not_before(client, feed):
    feed(departments(*NAMES))
    case(feed, "old", days_ago(31))  # before the window
    case(feed, "r1", days_ago(20))
    case(feed, "r2", days_ago(3))
    case(feed, "elsewhere", days_ago(2), town="shayu")
    case(feed, "other-type", days_ago(2), category="water")
    assert "recurring:taihe:odor" not in hotspots(client)
    case(feed, "r3", days_ago(1))
    spot = hotspots(client)["recurring:taihe:odor"]
    assert spot["flagged"] is True and spot["count"] == 3
    assert "cases" not in spot
    behind = cases_of(client, spot)
    assert behind["total"] == 3 and behind["next_offset"] is None
    assert [c["complaint_id"] for c in behind["cases"]] == ["r3", "r2", "r1"]  # newest first
    assert spot["title"] == "太和镇 · 异味恶臭" and spot["kind_name"] == "同地同类反复投诉"
    assert "30天内异味恶臭类投诉3件" in spot["reason"]
    assert behind["cases"][0]["department_name"] == "区生态环境局" and behind["cases"][0]["tracking_code"] == "HCr3"
    page = cases_of(client, spot, offset=1, limit=1)  # a page at a time
    assert [c["complaint_id"] for c in page["cases"]] == ["r2"] and page["next_offset"] == 2
    assert spot["status"] == "open" and spot["owner"] is None


def test_a_type_rising_well_above_its_four_week_average_is_flagged(client, feed):
    towns = ["taihe", "shayu", "guandu", "laitan", "xiaojia", "gulou", "sanmiao", "erlang"]
    for week in range(1, 5):  # one water case in each of the four weeks before this one
        case(feed, f"w{week}", days_ago(7 * week + 2), town=towns[week], category="water")
    case(feed, "n1", days_ago(1), town="shuangfeng", category="water")
    case(feed, "n2", days_ago(2), town="tongxi", category="water")
    assert "rising:water" not in hotspots(client)  # two this week: under the three a hotspot needs
    case(feed, "n3", days_ago(3), town="longfeng", category="water")
    spot = hotspots(client)["rising:water"]
    assert spot["count"] == 3 and spot["figures"] == {"this_week": 3, "previous_weekly_average": 1.0}
    assert spot["title"] == "全区 · 水" and "前4周平均每周1件" in spot["reason"]
    for n in range(5, 9):  # the average doubles to 2 a week: 3 is no longer twice the average
        case(feed, f"w{n}", days_ago(7 * (n - 4) + 3), town=towns[n - 4], category="water")
    assert "rising:water" not in hotspots(client)


def test_noise_at_night_in_one_town_is_flagged(client, feed):
    for cid, ago, hour in (("n1", 10, 23), ("n2", 5, 1), ("day", 4, 14)):
        case(feed, cid, days_ago(ago, hour), town="nanjinjie", category="noise")
    assert "night_noise:nanjinjie" not in hotspots(client)
    case(feed, "n3", days_ago(2, 5), town="nanjinjie", category="noise")  # 05:00, still night
    found = hotspots(client)
    spot = found["night_noise:nanjinjie"]
    assert [c["complaint_id"] for c in cases_of(client, spot)["cases"]] == ["n3", "n2", "n1"]
    assert spot["title"] == "南津街街道 · 夜间噪声" and "夜间（22:00—06:00）噪声投诉3件" in spot["reason"]
    assert found["recurring:nanjinjie:noise"]["count"] == 4  # the day-time one counts there


def test_a_case_reopened_into_its_third_round_is_flagged(client, feed):
    feed(assigned("x", received_at=days_ago(20), reply_due=days_ago(16)))
    feed(replied("x", days_ago(17), reply_due=days_ago(16)))
    feed(assigned("x", received_at=days_ago(20), assigned_at=days_ago(15), reply_due=days_ago(11), reply_round=2))
    feed(replied("x", days_ago(12), reply_due=days_ago(11), reply_round=2))
    assert "reopened:x" not in hotspots(client)  # reopened once
    feed(assigned("x", received_at=days_ago(20), assigned_at=days_ago(10), reply_due=days_ago(-2), reply_round=3))
    spot = hotspots(client)["reopened:x"]
    assert spot["count"] == 1 and spot["figures"] == {"reply_round": 3}
    assert spot["title"] == "HCx · 第3轮办理" and "重办2次" in spot["reason"]


def test_the_rules_read_their_thresholds_from_the_settings():
    cases = [HotspotCase(f"c{i}", None, "air", None, "taihe", None, "assigned", NOW - timedelta(days=i))
             for i in range(1, 6)]
    assert assess(cases, NOW, HotspotRules(min_cases=5))["recurring:taihe:air"].flagged
    assert not assess(cases, NOW, HotspotRules(min_cases=6))["recurring:taihe:air"].flagged
    assert not assess(cases, NOW, HotspotRules(min_cases=5, window_days=4))["recurring:taihe:air"].flagged


def test_cases_of_one_type_pinned_within_the_radius_are_one_place_across_town_borders():
    def at(cid: str, lat: float, lon: float, town: str, category: str = "noise", days: int = 1) -> HotspotCase:
        return HotspotCase(cid, None, category, None, town, None, "assigned", NOW - timedelta(days=days),
                           lat=lat, lon=lon)

    site = (29.9800, 106.2700)
    cases = [at("a", *site, "heyangcheng"), at("b", site[0] + 0.002, site[1], "heyangcheng", days=2),  # 222 m
             at("c", site[0], site[1] + 0.003, "nanjinjie", days=3),  # 289 m, the next town's side of the road
             at("d", site[0] + 0.02, site[1], "heyangcheng"),  # 2.2 km away
             at("e", *site, "heyangcheng", category="odor"),  # another type
             at("f", *site, "heyangcheng", days=40),  # outside the window
             HotspotCase("g", None, "noise", None, "heyangcheng", None, "assigned", NOW)]  # no place
    found = {k: v for k, v in assess(cases, NOW, HotspotRules(min_cases=3)).items() if v.kind == "nearby"}
    [(key, spot)] = found.items()
    assert key == "nearby:noise:5996_21255" and spot.flagged  # all tie: the earliest, c, is the centre
    assert sorted(c.complaint_id for c in spot.cases) == ["a", "b", "c"] and "500米" in spot.reason
    assert not assess(cases, NOW, HotspotRules(min_cases=4))[key].flagged
    assert [v.kind for v in assess(cases, NOW, HotspotRules(min_cases=3, radius_m=100)).values()
            if v.kind == "nearby"] == []  # within 100 m only a and… nobody else


# --- the bureau's decisions ----------------------------------------------------------------------------


def patch(client: TestClient, key: str, **body: object) -> dict:
    response = client.patch(f"/api/v1/hotspots/{key}", json=body, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_owner_and_a_plan_then_resolved_with_a_note_and_back_when_cases_keep_coming(client, feed, clock):
    for n in range(3):
        case(feed, f"h{n}", days_ago(5 - n))
    key = "recurring:taihe:odor"
    taken = patch(client, key, owner="王副局长", plan="联合执法检查太和镇养殖场，12月10日前完成整改")
    assert (taken["status"], taken["status_name"], taken["owner"]) == ("in_progress", "包案整改中", "王副局长")
    assert taken["updated_by"] == "sup" and taken["count"] == 3
    refused = client.patch(f"/api/v1/hotspots/{key}", json={"status": "resolved"}, headers=SUPERVISOR)
    assert refused.status_code == 422 and "办结说明" in refused.json()["error"]["message"]
    done = patch(client, key, status="resolved", note="养殖场已关停，复查无异味")
    assert (done["status"], done["note"], done["resolved_by"]) == ("resolved", "养殖场已关停，复查无异味", "sup")
    assert key not in hotspots(client)  # the active list: closed, and nothing new since
    assert hotspots(client, status="resolved")[key]["plan"].startswith("联合执法检查")
    clock.advance(timedelta(days=1))
    case(feed, "again", clock.now() - timedelta(hours=1))
    back = hotspots(client)[key]
    assert back["status"] == "resolved" and back["since_resolved"] == 1 and back["count"] == 4
    reopened = patch(client, key, status="in_progress")
    assert reopened["resolved_at"] is None and reopened["note"] is None and reopened["owner"] == "王副局长"


def test_a_hotspot_that_calmed_down_stays_on_the_list_while_it_is_worked_on(client, feed, clock):
    for n in range(3):
        case(feed, f"q{n}", days_ago(10 + n))
    patch(client, "recurring:taihe:odor", owner="李主任")
    clock.advance(timedelta(days=25))  # the cases leave the window
    spot = hotspots(client)["recurring:taihe:odor"]
    assert spot["flagged"] is False and spot["status"] == "in_progress" and spot["count"] == 0
    assert hotspots(client, status="all")["recurring:taihe:odor"]["owner"] == "李主任"


@pytest.mark.parametrize(("key", "body", "status"), [
    ("recurring:taihe:odor", {"status": "done"}, 422),
    ("recurring:taihe:odor", {}, 422),
    ("recurring:taihe:odor", {"owner": "王" * 41}, 422),
    ("recurring:taihe:odor", {"owner": "王\n局长"}, 422),
    ("recurring:taihe:odor", {"plan": "x" * 2001}, 422),
    ("recurring:taihe:odor", {"owner": "王局长", "colour": "red"}, 422),
    ("recurring:taihe:odor", {"owner": 42}, 422),
    ("recurring:taihe:odor", {"status": "in_progress"}, 422),  # nobody leads it yet
    ("recurring:taihe:odor", {"status": "resolved", "note": "已整改"}, 422),  # resolved by its owner
    ("recurring:shayu:odor", {"owner": "王局长"}, 404),  # not flagged, never worked on
    ("nonsense", {"owner": "王局长"}, 404),
    ("recurring:taihe:odor;drop", {"owner": "王局长"}, 404),
])
def test_a_change_that_makes_no_sense_is_refused_with_its_reason(client, feed, key, body, status):
    for n in range(3):
        case(feed, f"v{n}", days_ago(n + 1))
    response = client.patch(f"/api/v1/hotspots/{key}", json=body, headers=SUPERVISOR)
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]


def test_a_body_that_is_not_json_is_refused(client):
    response = client.patch("/api/v1/hotspots/rising:odor", content=b"owner=x",
                            headers=SUPERVISOR | {"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["message"]  # shared.http: malformed JSON


@pytest.mark.parametrize("params", [{"status": "closed"}, {"kind": "smell"}, {"status": "x" * 17}])
def test_the_list_refuses_filters_it_does_not_know(client, params):
    response = client.get("/api/v1/hotspots", params=params, headers=SUPERVISOR)
    assert response.status_code == 422 and response.json()["error"]["message"]


def test_the_list_filters_by_kind(client, feed):
    for cid, hour in (("k1", 23), ("k2", 0), ("k3", 2)):
        case(feed, cid, days_ago(int(cid[1]), hour), category="noise")
    assert set(hotspots(client, kind="night_noise")) == {"night_noise:taihe"}
    # three noise cases this week and none before: a rising type too
    assert set(hotspots(client)) == {"night_noise:taihe", "recurring:taihe:noise", "rising:noise"}


def test_the_list_is_paged_and_a_hotspot_not_listed_has_no_cases_to_show(client, feed):
    for cid, hour in (("k1", 23), ("k2", 0), ("k3", 2)):
        case(feed, cid, days_ago(int(cid[1]), hour), category="noise")
    whole = client.get("/api/v1/hotspots", headers=SUPERVISOR).json()
    assert whole["total"] == 3 and whole["next_offset"] is None
    first = client.get("/api/v1/hotspots", params={"limit": 2}, headers=SUPERVISOR).json()
    second = client.get("/api/v1/hotspots", params={"limit": 2, "offset": 2}, headers=SUPERVISOR).json()
    assert first["total"] == second["total"] == 3 and first["next_offset"] == 2 and second["next_offset"] is None
    assert [h["key"] for h in first["hotspots"] + second["hotspots"]] == [h["key"] for h in whole["hotspots"]]
    assert client.get("/api/v1/hotspots/recurring:taihe:odor/cases", headers=SUPERVISOR).status_code == 404
    assert client.get("/api/v1/hotspots/no-such-key/cases", headers=SUPERVISOR).status_code == 404


def test_only_supervisors_see_or_change_the_list(client):
    assert client.get("/api/v1/hotspots").status_code == 401
    assert client.get("/api/v1/hotspots", headers=DISPATCHER).status_code == 403
    assert client.get("/api/v1/hotspots/rising:odor/cases", headers=DISPATCHER).status_code == 403
    assert client.patch("/api/v1/hotspots/rising:odor", json={"owner": "x"}, headers=DISPATCHER).status_code == 403


def test_night_is_judged_in_chongqing_time():
    rules = HotspotRules()
    assert rules.at_night(datetime(2026, 11, 20, 22, 0, tzinfo=SHANGHAI))
    assert rules.at_night(datetime(2026, 11, 20, 5, 59, tzinfo=SHANGHAI))
    assert not rules.at_night(datetime(2026, 11, 20, 6, 0, tzinfo=SHANGHAI))
    assert not rules.at_night(datetime(2026, 11, 20, 21, 59, tzinfo=SHANGHAI))
    assert rules.at_night(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))  # 23:00 in Chongqing
