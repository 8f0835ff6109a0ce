"""举报奖励, the whole system embedded on both databases with the SMS gateway at the fake: three citizens report
the same site (the first anonymously), two reports are merged into the third (并单), the department finds it true
and fines the builder, a supervisor signs it off (销号); routing opens a reward for the first REAL-NAME reporter
and says why; a supervisor approves it (amount within the cap, with a reason) and that reporter alone is told by
SMS; the payment is recorded; another reward is refused, a third lapses after its 90 days. Only supervisors see
rewards, the events name no reporter but the one to tell, and retention removes the masked phone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from shared.contracts.events import ComplaintAnonymisedV1
from shared.outbound_http import HttpSmsGateway
from tests.e2e.test_citizen_sms import send_due
from tests.fake_gateway import SECRET, FakeGatewayServer
from tests.images import jpeg
from tests.photo_store import MemoryStore
from tests.system import EmbeddedSystem

NOISE = {"channel": "web", "content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "town": "合阳城街道"}
DEPARTMENT = "housing_construction"
FIRST, LATER = "13912340001", "13912340002"


@pytest.fixture(scope="module")
def gateway() -> Iterator[FakeGatewayServer]:
    with FakeGatewayServer() as server:
        yield server


@pytest.fixture
def told(engine, clock, gateway) -> Iterator[EmbeddedSystem]:
    gateway.reset()
    embedded = EmbeddedSystem(engine, clock, intake={"sms_gateway": HttpSmsGateway(f"{gateway.url}/sms", SECRET)},
                              routing={"photos": MemoryStore()})
    yield embedded
    embedded.client.close()


def investigate(system: EmbeddedSystem, case_id: str, action: dict[str, Any]) -> None:
    """Check, finding 属实, the action, a re-check that found it rectified (unless a transfer), 销号."""
    disp, sup = system.login(f"dispatcher-{DEPARTMENT}"), system.login("supervisor")
    base = f"/api/v1/cases/{case_id}/investigation"
    photo = system.client.post(f"{base}/photos", headers=disp,
                               files={"file": ("现场.jpg", jpeg(), "image/jpeg")}).json()["id"]
    now = system.clock.now().isoformat()
    steps: list[tuple[str, dict[str, Any]]] = [
        ("checks", {"checked_at": now, "by": "张三", "photos": [photo]}), ("finding", {"finding": "true"}),
        ("actions", action)]
    if action["kind"] != "transfer":
        steps.append(("rechecks", {"checked_at": now, "by": "张三", "result": "rectified", "photos": [photo]}))
    for step, body in steps:
        made = system.client.post(f"{base}/{step}", headers=disp, json=body)
        assert made.status_code in (200, 201), (step, made.text)
    signed = system.client.post(f"{base}/sign-off", headers=sup, json={})
    assert signed.status_code == 200, signed.text
    system.drain()


def only_reward(system: EmbeddedSystem, case_id: str) -> dict[str, Any]:
    sup = system.login("supervisor")
    listed = system.client.get("/api/v1/rewards", headers=sup).json()["items"]
    [reward] = [r for r in listed if r["complaint_id"] == case_id]
    return reward  # type: ignore[no-any-return]


def test_the_first_real_name_reporter_is_rewarded_told_by_sms_and_paid(told, gateway, clock):
    anonymous = told.report(**NOISE, reporter={"phone": "13912349999", "anonymous": True})
    clock.advance(timedelta(minutes=30))
    first = told.report(**NOISE, reporter={"name": "王五", "phone": FIRST})
    clock.advance(timedelta(minutes=30))
    master = told.report(**NOISE, reporter={"name": "赵六", "phone": LATER})
    told.drain()
    sup, disp = told.login("supervisor"), told.login(f"dispatcher-{DEPARTMENT}")
    for duplicate in (anonymous, first):
        merged = told.client.post(f"/api/v1/cases/{duplicate['id']}/merge", headers=sup,
                                  json={"master_id": master["id"], "reason": "同一工地夜间施工"})
        assert merged.status_code == 200, merged.text
    told.drain()
    clock.advance(timedelta(hours=2))
    investigate(told, master["id"], {"kind": "penalty", "amount_yuan": "20000.50",
                                     "case_number": "渝合环罚〔2026〕9号"})

    # the reward waits for approval: the first real-name report wins, and every report weighed says why
    listed = told.client.get("/api/v1/rewards?status=eligible", headers=sup)
    assert listed.status_code == 200, listed.text
    assert listed.json()["counts"]["eligible"] == 1 and listed.json()["rules"] == {"cap_yuan": "10000",
                                                                                   "claim_days": 90}
    [reward] = listed.json()["items"]
    assert (reward["status_label"], reward["tracking_code"], reward["finding"]) == ("待审批", master["tracking_code"],
                                                                                   "true")
    assert reward["reporter"]["tracking_code"] == first["tracking_code"]
    assert reward["reporter"]["phone_masked"] == "139****0001"
    assert (reward["penalty_yuan"], reward["suggested_yuan"]) == ("20000.50", "1000")
    assert [(e["tracking_code"], e["relation"], e["standing"]) for e in reward["explanation"]] == [
        (anonymous["tracking_code"], "merged", "anonymous"), (first["tracking_code"], "merged", "first"),
        (master["tracking_code"], "case", "later")]

    # confidential: no one but supervisors (and admins); no event names the winner until it must be told
    for role in (disp, told.login("operator")):
        assert told.client.get("/api/v1/rewards", headers=role).status_code == 403
        assert told.client.get(f"/api/v1/rewards/{reward['id']}", headers=role).status_code == 403
    assert told.client.get("/api/v1/rewards", headers=told.login("admin")).status_code == 200
    with told.engine.connect() as conn:
        logged = conn.execute(text("SELECT type, payload FROM event_outbox WHERE type LIKE '%reward%'")).all()
    assert [t.rsplit(".", 2)[-2] for t, _ in logged] == ["eligible"]
    assert first["id"] not in logged[0][1] and FIRST[-4:] not in logged[0][1]

    base = f"/api/v1/rewards/{reward['id']}"
    too_much = told.client.post(f"{base}/approve", headers=sup, json={"amount_yuan": "20000", "reason": "按罚款额"})
    assert too_much.status_code == 422
    no_reason = told.client.post(f"{base}/approve", headers=sup, json={"amount_yuan": "800"})
    assert no_reason.status_code == 422
    assert told.client.post(f"{base}/approve", headers=disp, json={"amount_yuan": "800", "reason": "ok"}
                            ).status_code == 403
    approved = told.client.post(f"{base}/approve", headers=sup,
                                json={"amount_yuan": "800", "reason": "罚款2万元，按档次"})
    assert approved.status_code == 200, approved.text
    due = clock.now().date() + timedelta(days=90)
    assert (approved.json()["status"], approved.json()["amount_yuan"], approved.json()["claim_due"]) == (
        "approved", "800.00", due.isoformat())
    again = told.client.post(f"{base}/approve", headers=sup, json={"amount_yuan": "900", "reason": "再批一次"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "reward_refused"

    # the first reporter alone is told by SMS how much and by when
    told.drain()
    send_due(told)
    told_of = [m for m in gateway.messages("sms") if "举报奖励" in m["content"]]
    assert [m["to"] for m in told_of] == [FIRST]
    assert "800.00 元" in told_of[0]["content"] and f"{due.year}年{due.month}月{due.day}日" in told_of[0]["content"]
    assert first["tracking_code"] in told_of[0]["content"]
    told.drain()
    send_due(told)  # once
    assert len([m for m in gateway.messages("sms") if "举报奖励" in m["content"]]) == 1

    # the payment: not in the future, then recorded; nothing more after it
    today = clock.now().date()
    future = told.client.post(f"{base}/payment", headers=sup, json={
        "claimed_on": today.isoformat(), "paid_on": (today + timedelta(days=1)).isoformat(), "method": "cash",
        "paid_by": "财务科 李会计"})
    assert future.status_code == 422 and future.json()["error"]["code"] == "reward_invalid"
    paid = told.client.post(f"{base}/payment", headers=sup, json={
        "claimed_on": today.isoformat(), "paid_on": today.isoformat(), "method": "bank_transfer",
        "paid_by": "财务科 李会计", "reference": "记字第0088号"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["payment"]["method_label"] == "银行转账" and paid.json()["status_label"] == "已发放"
    assert [t["action"] for t in paid.json()["trail"]] == ["eligible", "approved", "paid"]
    assert [t["by"] for t in paid.json()["trail"]] == ["system", "supervisor", "supervisor"]
    assert told.client.post(f"{base}/lapse", headers=sup, json={}).status_code == 409

    # retention: the rewarded report anonymised, the reward keeps the amounts but loses the masked phone
    event = ComplaintAnonymisedV1(complaint_id=first["id"], tracking_code=first["tracking_code"],
                                  anonymised_at=clock.now())
    told.runtimes["routing"].consumers[0].handle(event.to_event(source="/hechuan/intake", time=clock.now()))
    kept = told.client.get(base, headers=sup).json()
    assert kept["reporter"]["phone_masked"] is None and kept["amount_yuan"] == "800.00"
    assert kept["trail"][-1]["action"] == "anonymised"


def test_a_reward_is_refused_or_lapses_and_anonymous_reports_earn_none(told, gateway, clock):
    sup = told.login("supervisor")
    refused_case = told.report(**NOISE, reporter={"phone": FIRST})
    lapsing_case = told.report(**NOISE, reporter={"phone": LATER})
    nobody = told.report(**NOISE, reporter={"phone": "13912349999", "anonymous": True})
    told.drain()
    clock.advance(timedelta(hours=1))
    investigate(told, refused_case["id"], {"kind": "rectify", "deadline": clock.now().date().isoformat()})
    investigate(told, lapsing_case["id"], {"kind": "transfer", "body": "区城市管理局"})
    investigate(told, nobody["id"], {"kind": "rectify", "deadline": clock.now().date().isoformat()})

    assert told.client.get("/api/v1/rewards", headers=sup).json()["total"] == 2  # none for the anonymous report
    refused = only_reward(told, refused_case["id"])
    assert refused["suggested_yuan"] == "200"  # no fine: the lowest tier
    rejected = told.client.post(f"/api/v1/rewards/{refused['id']}/reject", headers=sup,
                                json={"reason": "举报人系该工地前员工，因劳资纠纷举报，经研究不予奖励"})
    assert rejected.status_code == 200 and rejected.json()["status_label"] == "不予奖励"
    assert told.client.post(f"/api/v1/rewards/{refused['id']}/approve", headers=sup,
                            json={"amount_yuan": "200", "reason": "改批"}).status_code == 409

    lapsing = only_reward(told, lapsing_case["id"])
    base = f"/api/v1/rewards/{lapsing['id']}"
    assert told.client.post(f"{base}/approve", headers=sup, json={"amount_yuan": "200", "reason": "按档次"}
                            ).status_code == 200
    early = told.client.post(f"{base}/lapse", headers=sup, json={})
    assert early.status_code == 409 and "尚未届满" in early.json()["error"]["message"]
    approved_on = clock.now().date()
    clock.advance(timedelta(days=91))
    late = told.client.post(f"{base}/payment", headers=sup, json={
        "claimed_on": clock.now().date().isoformat(), "paid_on": clock.now().date().isoformat(), "method": "cash",
        "paid_by": "李会计"})
    assert late.status_code == 409 and "领取期限" in late.json()["error"]["message"]
    lapsed = told.client.post(f"{base}/lapse", headers=sup, json={})
    assert lapsed.status_code == 200 and lapsed.json()["status_label"] == "逾期失效"
    assert lapsed.json()["claim_due"] == (approved_on + timedelta(days=90)).isoformat()
    counts = told.client.get("/api/v1/rewards", headers=sup).json()["counts"]
    assert (counts["rejected"], counts["lapsed"], counts["eligible"]) == (1, 1, 0)

    assert told.client.get("/api/v1/rewards/no-such-reward", headers=sup).status_code == 404
    assert told.client.get("/api/v1/rewards?status=won", headers=sup).status_code == 422
    with told.engine.connect() as conn:
        payloads = [json.loads(p)["data"] for (p,) in conn.execute(
            text("SELECT payload FROM event_outbox WHERE type LIKE '%reward.rejected%'"))]
    assert payloads and all("reason" not in data for data in payloads)  # the reason stays in routing


def test_an_earlier_report_on_the_same_firm_wins_over_the_investigated_one(told, clock):
    sup, disp = told.login("supervisor"), told.login(f"dispatcher-{DEPARTMENT}")
    firm = told.client.post("/api/v1/firms", headers=disp, json={
        "name": "合川某某建筑有限公司", "credit_code": "91500117MA5U00000N", "address": "合阳城街道工业路8号",
        "town": "heyangcheng", "industry": "建筑施工"}).json()
    earlier = told.report(**NOISE, reporter={"phone": FIRST})
    clock.advance(timedelta(days=3))
    later = told.report(**NOISE, reporter={"phone": LATER})
    told.drain()
    for case in (earlier, later):
        linked = told.client.put(f"/api/v1/cases/{case['id']}/firm", headers=disp, json={"firm_id": firm["id"]})
        assert linked.status_code == 200, linked.text
    told.drain()
    clock.advance(timedelta(hours=1))
    investigate(told, later["id"], {"kind": "penalty", "amount_yuan": "150000", "case_number": "渝合环罚〔2026〕10号"})
    reward = only_reward(told, later["id"])
    assert reward["reporter"]["tracking_code"] == earlier["tracking_code"]
    assert [(e["relation"], e["standing"]) for e in reward["explanation"]] == [("same_firm", "first"),
                                                                               ("case", "later")]
    assert reward["suggested_yuan"] == "3000"
    assert told.client.get(f"/api/v1/rewards/{reward['id']}", headers=sup).json() == reward
