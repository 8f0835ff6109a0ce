"""Cases that end without a department's reply, and cases moved by a person, across all three services:
不予受理 (rejected), 转办 (forwarded outside the bureau), 并单 (merged into a master), 改派 (transferred),
and a return (退单) routed again away from the department that returned it. Each checks what the citizen
sees and what the three targets count (DESIGN.md: valid cases only; a duplicate counts with its master)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from services.notify.domain.commands import SweepSlaClocks
from shared.outbound import ListOutbound
from tests.e2e.test_walking_skeleton import EXAMPLE
from tests.images import jpeg

HOUSING = "housing_construction"
OFF_TOPIC = {"channel": "web", "content": "公司拖欠我三个月工资一直不发，老板电话也不接，请帮忙讨薪"}


def met(system, figure: dict) -> list[str]:
    """The cases a figure counted as met (from the page its `cases_url` links to)."""
    return system.behind(figure, system.login("supervisor"))[0]


def sla(system, days: int = 0) -> dict:
    supervisor = system.login("supervisor")
    start = (system.clock.now() - timedelta(days=days)).date().isoformat()
    answer = system.client.get(f"/api/v1/metrics/sla?from={start}&to={system.clock.now().date()}",
                               headers=supervisor)
    assert answer.status_code == 200, answer.text
    return answer.json()


def figure(report: dict, name: str) -> tuple[int, int]:
    return report[name]["numerator"], report[name]["denominator"]


def test_a_rejected_complaint_tells_the_citizen_why_and_leaves_every_target(system):
    accepted = system.report(**OFF_TOPIC)
    system.drain()
    supervisor = system.login("supervisor")
    triage = system.client.get("/api/v1/triage", headers=supervisor).json()
    assert accepted["id"] in [c["id"] for c in triage["cases"]]

    refused = system.client.post(f"/api/v1/cases/{accepted['id']}/reject", headers=supervisor,
                                 json={"reason": "反映的是劳动报酬问题，请向区人力社保局劳动监察大队反映"})
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "rejected"
    system.drain()

    view = system.client.get(f"/api/v1/r/{accepted['citizen_token']}").json()
    assert view["status"] == "rejected" and view["status_label"] == "不予受理"
    assert "劳动监察大队" in view["timeline"][-1]["text"]
    assert accepted["id"] not in [c["id"] for c in system.client.get("/api/v1/triage", headers=supervisor)
                                  .json()["cases"]]
    system.clock.advance(timedelta(days=10))  # long past its assignment deadline: still not a miss
    report = sla(system, days=10)
    assert figure(report, "assignment_rate") == (0, 0)
    with system.engine.connect() as conn:
        status = conn.execute(text("SELECT status FROM notify_cases WHERE complaint_id = :c"),
                              {"c": accepted["id"]}).scalar()
    assert status == "rejected"


def test_rejecting_needs_a_reason_and_a_supervisor_and_a_case_in_triage(system):
    routed = system.report(**EXAMPLE)["id"]
    off_topic = system.report(**OFF_TOPIC)["id"]
    system.drain()
    supervisor, dispatcher = system.login("supervisor"), system.login(f"dispatcher-{HOUSING}")
    assert system.client.post(f"/api/v1/cases/{off_topic}/reject", headers=supervisor, json={}).status_code == 422
    assert system.client.post(f"/api/v1/cases/{off_topic}/reject", headers=supervisor,
                              json={"reason": " "}).status_code == 422
    assert system.client.post(f"/api/v1/cases/{routed}/reject", headers=dispatcher,
                              json={"reason": "不是投诉"}).status_code == 403
    assigned = system.client.post(f"/api/v1/cases/{routed}/reject", headers=supervisor, json={"reason": "不是投诉"})
    assert assigned.status_code == 409  # a department has it: it returns it, nobody rejects it over its head
    assert "assigned" in assigned.json()["error"]["message"]


def test_a_forwarded_complaint_counts_as_assigned_and_tells_the_citizen_where_it_went(system):
    accepted = system.report(**OFF_TOPIC)
    system.drain()
    supervisor = system.login("supervisor")
    forwarded = system.client.post(f"/api/v1/cases/{accepted['id']}/forward", headers=supervisor,
                                   json={"body": "区人力社保局", "note": "劳动监察"})
    assert forwarded.status_code == 200, forwarded.text
    assert (forwarded.json()["status"], forwarded.json()["forwarded_to"]) == ("forwarded", "区人力社保局")
    system.drain()

    view = system.client.get(f"/api/v1/r/{accepted['citizen_token']}").json()
    assert view["status"] == "forwarded" and "已转交区人力社保局办理" in view["timeline"][-1]["text"]
    system.clock.advance(timedelta(days=10))
    report = sla(system, days=10)
    assert figure(report, "assignment_rate") == (1, 1) and met(system, report["assignment_rate"]) == [accepted["id"]]
    assert figure(report, "on_time_reply_rate") == (0, 0)  # no reply of ours is owed


def test_a_supervisor_transfers_a_case_to_another_department_with_fresh_deadlines(system):
    case_id = system.report(**EXAMPLE)["id"]
    system.drain()
    supervisor = system.login("supervisor")
    system.clock.advance(timedelta(hours=3))
    moved = system.client.post(f"/api/v1/cases/{case_id}/transfer", headers=supervisor,
                               json={"department": "urban_management", "reason": "夜间施工属城管执法"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["department"], moved.json()["status"], moved.json()["rule"]) == (
        "urban_management", "assigned", "transfer")
    system.drain()

    old = system.login(f"dispatcher-{HOUSING}")
    new = system.login("dispatcher-urban_management")
    assert system.client.get(f"/api/v1/cases/{case_id}", headers=old).status_code == 404
    queue = system.client.get("/api/v1/queues/urban_management", headers=new).json()
    assert case_id in [c["id"] for c in queue["cases"]]
    detail = system.client.get(f"/api/v1/cases/{case_id}", headers=new).json()
    assert [h["action"] for h in detail["history"]][-2:] == ["transferred", "assigned"]
    assert system.client.post(f"/api/v1/cases/{case_id}/transfer", headers=supervisor,
                              json={"department": "urban_management", "reason": "再改"}).status_code == 409
    assert system.client.post(f"/api/v1/cases/{case_id}/transfer", headers=supervisor,
                              json={"department": "nowhere", "reason": "改派"}).status_code == 422
    assert system.client.post(f"/api/v1/cases/{case_id}/reply", headers=new,
                              json={"reply": "已责令停工"}).status_code == 200
    system.drain()
    report = sla(system)
    assert figure(report, "assignment_rate") == (1, 1)  # the first assignment counts
    assert figure(report, "on_time_reply_rate") == (1, 1)
    with system.engine.connect() as conn:
        rounds = conn.execute(text("SELECT department FROM notify_reply_rounds WHERE complaint_id = :c"),
                              {"c": case_id}).scalars().all()
    assert rounds == ["urban_management"]  # the round belongs to whoever had to reply


def test_a_first_return_is_routed_again_away_from_the_department_and_a_second_goes_to_triage(system):
    body = {"channel": "web", "content": "小区门口垃圾站臭味很大，夏天根本不敢开窗", "category": "odor",
            "subcategory": "garbage", "town": "合阳城街道"}
    case_id = system.report(**body)["id"]
    system.drain()
    first = system.login("dispatcher-urban_management")
    returned = system.client.post(f"/api/v1/cases/{case_id}/return", headers=first,
                                  json={"reason": "垃圾站臭气由生态环境局监测"})
    assert returned.status_code == 200, returned.text
    assert (returned.json()["status"], returned.json()["department"]) == ("assigned", "ecology_env")
    assert "退单后改派" in returned.json()["rule"]
    system.drain()

    second = system.login("dispatcher-ecology_env")
    again = system.client.post(f"/api/v1/cases/{case_id}/return", headers=second, json={"reason": "属城管职责"})
    assert (again.json()["status"], again.json()["department"]) == ("triage", None)
    system.drain()
    report = sla(system)
    assert figure(report, "assignment_rate") == (1, 1)  # assigned on time the first time
    assert figure(report, "on_time_reply_rate") == (0, 0)  # waiting for a person: no deadline stands


def test_a_return_with_no_other_rule_goes_to_triage(system):
    case_id = system.report(**EXAMPLE)["id"]  # noise/construction: only the housing commission's rule
    system.drain()
    dispatcher = system.login(f"dispatcher-{HOUSING}")
    returned = system.client.post(f"/api/v1/cases/{case_id}/return", headers=dispatcher, json={"reason": "不是工地"})
    assert returned.json()["status"] == "triage"


def test_a_duplicate_is_suggested_merged_and_its_citizen_follows_and_rates_the_masters_reply(system):
    master = system.report(channel="web", content="合阳城街道嘉陵江路某工地凌晨两点还在打桩，噪音太大睡不着",
                           town="合阳城街道", address="嘉陵江路88号工地", reporter={"phone": "13912345678"})
    system.drain()
    system.clock.advance(timedelta(hours=2))
    duplicate = system.report(channel="web", content="嘉陵江路工地半夜打桩噪音扰民，吵得睡不着",
                              town="合阳城街道", address="嘉陵江路88号", reporter={"phone": "13812345678"})
    unrelated = system.report(channel="web", content="合阳城街道某餐馆油烟直排，熏得没法开窗",
                              town="合阳城街道", address="嘉陵江路90号")
    system.drain()
    dispatcher = system.login(f"dispatcher-{HOUSING}")
    detail = system.client.get(f"/api/v1/cases/{duplicate['id']}", headers=dispatcher).json()
    assert detail["duplicate_of"] == master["id"]
    assert detail["explanation"]["duplicate"]["tracking_code"] == master["tracking_code"]
    candidates = system.client.get(f"/api/v1/cases/{duplicate['id']}/duplicates", headers=dispatcher).json()
    assert [c["complaint_id"] for c in candidates["candidates"]] == [master["id"]]
    assert unrelated["id"] not in [c["complaint_id"] for c in candidates["candidates"]]

    merged = system.client.post(f"/api/v1/cases/{duplicate['id']}/merge", headers=dispatcher,
                                json={"master_id": master["id"], "reason": "同一工地夜间施工"})
    assert merged.status_code == 200, merged.text
    assert (merged.json()["status"], merged.json()["merged_into"]) == ("merged", master["id"])
    again = system.client.post(f"/api/v1/cases/{duplicate['id']}/merge", headers=dispatcher,
                               json={"master_id": master["id"]})
    assert again.status_code == 409
    system.drain()
    queue = system.client.get(f"/api/v1/queues/{HOUSING}", headers=dispatcher).json()
    assert duplicate["id"] not in [c["id"] for c in queue["cases"]]
    master_detail = system.client.get(f"/api/v1/cases/{master['id']}", headers=dispatcher).json()
    assert master_detail["duplicates"] == [{"id": duplicate["id"], "tracking_code": duplicate["tracking_code"]}]
    assert master_detail["history"][-1]["action"] == "merged_in"

    follower = system.client.get(f"/api/v1/r/{duplicate['citizen_token']}").json()
    assert follower["merged_with"] == master["tracking_code"] and follower["status"] == "assigned"
    assert "已合并办理" in follower["timeline"][-1]["text"]

    assert system.client.post(f"/api/v1/cases/{master['id']}/reply", headers=dispatcher,
                              json={"reply": "已责令工地停止夜间施工"}).status_code == 200
    system.drain()
    follower = system.client.get(f"/api/v1/r/{duplicate['citizen_token']}").json()
    assert follower["status"] == "replied" and "停止夜间施工" in follower["reply"] and follower["can_rate"]
    rated = system.client.post(f"/api/v1/r/{duplicate['citizen_token']}/rating", json={"rating": "satisfied",
                                                                                       "resolution": "resolved"})
    assert rated.status_code == 201, rated.text
    system.drain()

    report = sla(system)
    assert figure(report, "assignment_rate") == (2, 2)  # the master and the unrelated one: the duplicate once
    assert duplicate["id"] not in met(system, report["assignment_rate"])
    assert figure(report, "on_time_reply_rate") == (1, 1)
    assert met(system, report["on_time_reply_rate"]) == [master["id"]]
    assert figure(report, "satisfaction_rate") == (1, 1)  # the follower's rating counts for the master's round
    assert met(system, report["satisfaction_rate"]) == [master["id"]]
    with system.engine.connect() as conn:
        replies = conn.execute(text("SELECT kind FROM intake_outbound_messages WHERE kind = 'reply'")).all()
    assert len(replies) == 2  # both citizens are told of the reply


def test_a_dispatcher_merges_only_within_the_own_department(system):
    master = system.report(**EXAMPLE)["id"]
    other = system.report(channel="web", content="合阳城街道小区楼下烧烤店油烟太大", town="合阳城街道")["id"]
    system.drain()
    dispatcher = system.login(f"dispatcher-{HOUSING}")
    refused = system.client.post(f"/api/v1/cases/{other}/merge", headers=dispatcher, json={"master_id": master})
    assert refused.status_code == 404
    assert system.client.post(f"/api/v1/cases/{master}/merge", headers=dispatcher,
                              json={"master_id": master}).status_code == 422
    supervisor = system.login("supervisor")
    assert system.client.post(f"/api/v1/cases/{other}/merge", headers=supervisor,
                              json={"master_id": master}).status_code == 200


def test_a_lead_department_asks_two_others_to_assist_and_its_own_reply_closes_the_case(system):
    case_id = system.report(**EXAMPLE)["id"]
    system.drain()
    lead = system.login(f"dispatcher-{HOUSING}")
    asked = system.client.post(f"/api/v1/cases/{case_id}/assists", headers=lead,
                               json={"departments": ["urban_management", "ecology_env"], "note": "请测夜间噪声"})
    assert asked.status_code == 200, asked.text
    assert system.client.post(f"/api/v1/cases/{case_id}/assists", headers=lead,
                              json={"departments": ["urban_management"]}).status_code == 409  # asked already
    assert system.client.post(f"/api/v1/cases/{case_id}/assists", headers=lead,
                              json={"departments": [HOUSING]}).status_code == 409  # not itself
    assert system.client.post(f"/api/v1/cases/{case_id}/assists", headers=lead,
                              json={"departments": ["nowhere"]}).status_code == 422

    helper = system.login("dispatcher-ecology_env")
    waiting = system.client.get("/api/v1/assists/ecology_env", headers=helper).json()
    assert [c["id"] for c in waiting["cases"]] == [case_id]
    assist = waiting["cases"][0]["assist"]
    assert assist["status"] == "requested" and assist["note"] == "请测夜间噪声"
    assert assist["due"] <= waiting["cases"][0]["reply_due"]  # never after the lead's own deadline
    assert system.client.get("/api/v1/assists/ecology_env", headers=lead).status_code == 403
    detail = system.client.get(f"/api/v1/cases/{case_id}", headers=helper)  # an assisting department reads it
    assert detail.status_code == 200
    assert system.client.post(f"/api/v1/cases/{case_id}/reply", headers=helper,
                              json={"reply": "不是我们"}).status_code == 404  # but the lead replies

    answered = system.client.post(f"/api/v1/cases/{case_id}/assist/reply", headers=helper,
                                  json={"reply": "夜间监测 62 分贝，超标"})
    assert answered.status_code == 200, answered.text
    outsider = system.login("dispatcher-forestry")
    assert system.client.post(f"/api/v1/cases/{case_id}/assist/reply", headers=outsider,
                              json={"reply": "我们也来"}).status_code == 404
    assists = {a["department"]: a for a in system.client.get(f"/api/v1/cases/{case_id}", headers=lead)
               .json()["assists"]}
    assert assists["ecology_env"]["status"] == "replied" and "62 分贝" in assists["ecology_env"]["reply"]
    assert assists["urban_management"]["status"] == "requested"

    assert system.client.post(f"/api/v1/cases/{case_id}/reply", headers=lead,
                              json={"reply": "经生态环境局监测超标，已责令停工"}).status_code == 200
    assists = {a["department"]: a["status"] for a in system.client.get(f"/api/v1/cases/{case_id}", headers=lead)
               .json()["assists"]}
    assert assists == {"ecology_env": "replied", "urban_management": "closed"}
    late = system.client.post(f"/api/v1/cases/{case_id}/assist/reply", headers=system.login(
        "dispatcher-urban_management"), json={"reply": "迟到的意见"})
    assert late.status_code == 409
    system.drain()
    assert figure(sla(system), "on_time_reply_rate") == (1, 1)  # the lead's reply is the case's


def test_long_standing_cases_are_listed_and_given_to_a_leader_who_owns_them(system):
    late = system.report(**EXAMPLE)["id"]
    system.drain()
    supervisor = system.login("supervisor")
    assert system.client.get("/api/v1/backlog", headers=supervisor).json()["count"] == 0
    system.clock.advance(timedelta(days=10))  # past the reply deadline
    fresh = system.report(**EXAMPLE)["id"]
    system.drain()
    listed = system.client.get("/api/v1/backlog", headers=supervisor).json()
    assert [c["id"] for c in listed["cases"]] == [late] and fresh not in str(listed)
    assert listed["cases"][0]["backlog_reasons"] == ["已超期"]

    given = system.client.post(f"/api/v1/cases/{late}/leader", headers=supervisor,
                               json={"leader": "王局长（分管副局长）", "plan": "本周内现场督办，月底前办结"})
    assert given.status_code == 200, given.text
    assert given.json()["leader"] == "王局长（分管副局长）"
    assert system.client.get("/api/v1/backlog?leader=false", headers=supervisor).json()["count"] == 0
    assert [c["leader"] for c in system.client.get("/api/v1/backlog?leader=true", headers=supervisor)
            .json()["cases"]] == ["王局长（分管副局长）"]
    dispatcher = system.login(f"dispatcher-{HOUSING}")
    assert system.client.post(f"/api/v1/cases/{late}/leader", headers=dispatcher,
                              json={"leader": "我", "plan": "自己包"}).status_code == 403
    assert system.client.get("/api/v1/backlog", headers=dispatcher).status_code == 403
    assert system.client.post(f"/api/v1/cases/{late}/leader", headers=supervisor,
                              json={"leader": "", "plan": "x"}).status_code == 422
    history = system.client.get(f"/api/v1/cases/{late}", headers=dispatcher).json()["history"]
    assert history[-1]["action"] == "leader_assigned" and history[-1]["detail"]["plan"].startswith("本周内")

    assert system.client.post(f"/api/v1/cases/{late}/reply", headers=dispatcher,
                              json={"reply": "已办结"}).status_code == 200
    assert system.client.get("/api/v1/backlog", headers=supervisor).json()["count"] == 0  # closed: off the list


def test_a_reply_carries_the_departments_photos_as_its_evidence(system):
    made = system.report(**EXAMPLE)
    case_id = made["id"]
    system.drain()
    dispatcher = system.login(f"dispatcher-{HOUSING}")
    photo = jpeg()
    stored = system.client.post(f"/api/v1/cases/{case_id}/photos", headers=dispatcher,
                                files={"file": ("现场.jpg", photo, "image/jpeg")})
    assert stored.status_code == 201, stored.text
    assert (stored.json()["content_type"], stored.json()["size"], stored.json()["reply_round"]) == (
        "image/jpeg", len(photo), 1)
    fake = system.client.post(f"/api/v1/cases/{case_id}/photos", headers=dispatcher,
                              files={"file": ("x.jpg", b"<html>not a photo</html>", "image/jpeg")})
    assert fake.status_code == 415  # judged from the bytes, not the name or the Content-Type
    other = system.login("dispatcher-ecology_env")
    assert system.client.post(f"/api/v1/cases/{case_id}/photos", headers=other,
                              files={"file": ("x.jpg", photo, "image/jpeg")}).status_code == 404

    published = f"/api/v1/reply-photos/{stored.json()['id']}"
    assert system.http.get(published).status_code == 404  # the reply is not sent yet: the citizen sees nothing
    assert system.http.get(f"/api/v1/r/{made['citizen_token']}").json()["reply_photos"] == []

    assert system.client.post(f"/api/v1/cases/{case_id}/reply", headers=dispatcher,
                              json={"reply": "已到现场，责令夜间停工（附现场照片）"}).status_code == 200
    system.drain()
    # the citizen reads the reply with its photos (no sign-in for the bytes: the photo's random id opens it)
    view = system.http.get(f"/api/v1/r/{made['citizen_token']}").json()
    assert view["reply"].startswith("已到现场") and view["reply_photos"] == [published]
    seen = system.http.get(published)
    assert seen.status_code == 200 and seen.content == photo and seen.headers["content-type"] == "image/jpeg"
    assert system.http.get("/api/v1/reply-photos/00000000-0000-4000-8000-000000000000").status_code == 404
    detail = system.client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()
    [listed] = detail["photos"]
    assert listed["id"] == stored.json()["id"] and listed["uploaded_by"] == f"dispatcher-{HOUSING}"
    assert detail["history"][-1]["action"] == "replied" and detail["history"][-1]["detail"]["photos"] == 1
    got = system.client.get(f"/api/v1/cases/{case_id}/photos/{listed['id']}", headers=system.login("operator"))
    assert got.status_code == 200 and got.content == photo and got.headers["content-type"] == "image/jpeg"
    assert system.client.get(f"/api/v1/cases/{case_id}/photos/{listed['id']}", headers=other).status_code == 404
    late = system.client.post(f"/api/v1/cases/{case_id}/photos", headers=dispatcher,
                              files={"file": ("later.jpg", photo, "image/jpeg")})
    assert late.status_code == 409  # replied: the evidence of the round is closed


def test_assisting_departments_are_told_and_a_late_one_reminded_once(system):
    def robot() -> list[tuple[str, str]]:
        return sorted((m.recipient, m.body[:m.body.index("】") + 1])
                      for m in system.runtimes["notify"].bus.handle(ListOutbound(limit=200))
                      if m.kind.startswith("assist"))

    def sweep() -> None:
        system.runtimes["notify"].bus.handle(SweepSlaClocks(at=system.clock.now()))

    case_id = system.report(**EXAMPLE)["id"]  # urgent: the lead replies within 24 hours
    system.drain()
    lead = system.login(f"dispatcher-{HOUSING}")
    asked = system.client.post(f"/api/v1/cases/{case_id}/assists", headers=lead,
                               json={"departments": ["urban_management", "ecology_env"]})
    assert asked.status_code == 200
    system.drain()
    assert robot() == [("ecology_env", "【协办】"), ("urban_management", "【协办】")]
    assert system.client.post(f"/api/v1/cases/{case_id}/assist/reply", headers=system.login("dispatcher-ecology_env"),
                              json={"reply": "已监测"}).status_code == 200
    system.drain()
    system.clock.advance(timedelta(hours=25))  # past the assists' deadline (the lead's, 24 h: theirs is no later)
    sweep()
    sweep()
    assert robot() == [("ecology_env", "【协办】"), ("urban_management", "【协办】"),
                       ("urban_management", "【协办催办】")]  # the one that answered is left alone
    replied = system.client.post(f"/api/v1/cases/{case_id}/reply", headers=lead, json={"reply": "已办结"})
    assert replied.status_code == 200
    system.drain()
    with system.engine.connect() as conn:
        states = conn.execute(text("SELECT department, replied_at IS NOT NULL, closed_at IS NOT NULL "
                                   "FROM notify_assists ORDER BY department")).all()
    assert [tuple(s) for s in states] == [("ecology_env", True, False), ("urban_management", False, True)]
