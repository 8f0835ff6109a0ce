"""The upstream platforms, both ways (docs/upstream.md), against the fake platforms over real HTTP: transferred
cases are pulled and received once each (also when pulled again, also across a kill -9), routed like any
complaint; signing and the reply reach the platform exactly once each, in order; failures are retried,
dead-lettered and replayed; the reconciliation reports the differences planted in the fake."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from services.cli import main
from services.intake.domain.upstream import AdvanceUpstreamCursor, ReplayUpstreamPush
from shared.clock import SHANGHAI
from tests.fake_upstream import FakeUpstreamServer
from tests.processes import ServedProcess
from tests.system import EmbeddedSystem
from tests.waiting import wait_for

NOISE = {"title": "工地夜间施工噪音", "content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "town": "合阳城街道",
         "address": "学士路18号", "reporter": {"name": "张三", "phone": "13912345678"}}
ODOUR = {"title": "餐馆油烟", "content": "南津街一家火锅店油烟没有净化直接排放，熏得楼上住户没法开窗",
         "town": "南津街街道"}
DAY = "2026-11-26"  # the conftest clock's day


def case(number: str, **fields: Any) -> dict[str, Any]:
    """A case as the platform transferred it on DAY, with the platform's deadlines."""
    return {"case_no": number, "transferred_at": f"{DAY}T09:30:00+08:00", "registered_at": f"{DAY}T09:10:00+08:00",
            "sign_due": f"{DAY}T17:30:00+08:00", "reply_due": "2026-12-08T17:30:00+08:00", **NOISE, **fields}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeUpstreamServer]:
    with FakeUpstreamServer() as server:
        yield server


@pytest.fixture
def system(engine, clock, fake, monkeypatch) -> Iterator[EmbeddedSystem]:
    """The whole system with both platforms at the fake."""
    fake.reset()
    for name, value in {**fake.env("12345"), **fake.env("national")}.items():
        monkeypatch.setenv(name, value)
    embedded = EmbeddedSystem(engine, clock)
    yield embedded
    embedded.client.close()


def worker(system: EmbeddedSystem, name: str) -> Any:
    [found] = [w for w in system.runtimes["intake"].workers if w.name == name]
    return found.job


def pull(system: EmbeddedSystem, platform: str = "12345") -> None:
    worker(system, f"upstream-pull-{platform}")()


def send(system: EmbeddedSystem) -> None:
    """Run the sender until it has nothing due (a case's actions go one per round, in order)."""
    for _ in range(10):
        if worker(system, "upstream-sender")() == 0:
            return
    raise AssertionError("the sender kept finding actions")


def rows(system: EmbeddedSystem, sql: str, **params: Any) -> list[Any]:
    with system.engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def linked(system: EmbeddedSystem) -> dict[str, str]:
    """case number → complaint id, for every case received."""
    return {r.case_no: r.complaint_id for r in rows(system, "SELECT case_no, complaint_id FROM intake_upstream_cases")}


def fake_case(fake: FakeUpstreamServer, number: str, platform: str = "12345") -> dict[str, Any]:
    [found] = [c for c in fake.cases(platform) if c["case_no"] == number]
    return found


def pushes(system: EmbeddedSystem) -> dict[str, tuple[str, int, str | None]]:
    """key → (status, attempts, last error) of every action for the platforms."""
    return {r.key: (r.status, r.attempts, r.last_error)
            for r in rows(system, "SELECT key, status, attempts, last_error FROM intake_upstream_pushes")}


def sign_and_reply(system: EmbeddedSystem, complaint_id: str, reply: str = "已责令工地停止夜间施工") -> None:
    dispatcher = system.login("dispatcher-housing_construction")
    assert system.client.post(f"/api/v1/cases/{complaint_id}/accept", headers=dispatcher).status_code == 200
    response = system.client.post(f"/api/v1/cases/{complaint_id}/reply", headers=dispatcher, json={"reply": reply})
    assert response.status_code == 200, response.text
    system.drain()


def test_cases_are_received_once_each_routed_and_the_platform_hears_signing_and_reply_once(system, fake):
    fake.transfer(**case("CQ12345-20261126-000001"))
    fake.transfer(**case("CQ12345-20261126-000002", **ODOUR, reporter=None, urgent=True))
    fake.transfer("national", **case("HBXF-20261126-000001"))
    pull(system)
    pull(system, "national")
    pull(system)  # nothing new
    # From the start again: every case comes once more, and none becomes a second complaint.
    assert system.runtimes["intake"].bus.handle(AdvanceUpstreamCursor("12345", "2", None)) is True
    pull(system)
    links = linked(system)
    assert sorted(links) == ["CQ12345-20261126-000001", "CQ12345-20261126-000002", "HBXF-20261126-000001"]
    complaints = rows(system, "SELECT id, channel, urgent, content FROM intake_complaints WHERE channel = 'upstream'")
    assert sorted(r.id for r in complaints) == sorted(links.values())
    assert {r.id: bool(r.urgent) for r in complaints}[links["CQ12345-20261126-000002"]] is True
    first = links["CQ12345-20261126-000001"]
    assert {r.id: r.content for r in complaints}[first] == f"{NOISE['title']}：{NOISE['content']}"

    system.drain()
    decisions = rows(system, "SELECT key, type FROM event_outbox WHERE type LIKE '%case.assigned%' "
                             "OR type LIKE '%case.triaged%'")
    assert sorted(r.key for r in decisions) == sorted(links.values())  # each routed, once
    told = rows(system, "SELECT key, payload FROM event_outbox WHERE type LIKE '%complaint.upstream_linked%'")
    assert sorted(r.key for r in told) == sorted(links.values())
    supervisor = system.login("supervisor")
    detail = system.client.get(f"/api/v1/cases/{first}", headers=supervisor).json()
    assert detail["channel"] == "upstream" and detail["department"] == "housing_construction"

    listed = system.client.get("/api/v1/upstream/cases", params={"platform": "12345"}, headers=supervisor).json()
    mine = next(c for c in listed["cases"] if c["case_no"] == "CQ12345-20261126-000001")
    assert mine["tracking_code"] == detail["tracking_code"] and mine["told"] == "transferred"
    assert mine["upstream_reply_due"].startswith("2026-12-08T17:30") and mine["our_reply_due"] is not None
    assert mine["upstream_earlier"] is False  # the platform gave more time than routing's 5 working days

    sign_and_reply(system, first)
    send(system)
    got = fake_case(fake, "CQ12345-20261126-000001")
    assert got["status"] == "replied"
    assert [a["action"] for a in got["actions"]] == ["sign", "reply"]
    sign, reply = got["actions"]
    assert sign["department"] == "区住房城乡建委" and sign["unit"] == "重庆市合川区生态环境局"
    assert reply["reply"] == "已责令工地停止夜间施工" and reply["seq"] == 2 and reply["reply_round"] == 1
    assert all(not c["actions"] for c in fake.cases("12345") if c["case_no"] != "CQ12345-20261126-000001")

    # Every lifecycle event delivered to intake again: no action is written or sent a second time.
    with system.engine.begin() as conn:
        conn.execute(text("DELETE FROM event_inbox WHERE group_id = 'intake'"))
        conn.execute(text("UPDATE event_consumer_offset SET position = 0 WHERE group_id = 'intake'"))
    system.drain()
    send(system)
    assert [a["action"] for a in fake_case(fake, "CQ12345-20261126-000001")["actions"]] == ["sign", "reply"]
    assert len(pushes(system)) == 2
    listed = system.client.get("/api/v1/upstream/cases", params={"open": "true"}, headers=supervisor).json()
    assert "CQ12345-20261126-000001" not in {c["case_no"] for c in listed["cases"]}  # replied: not open


def test_the_same_case_again_keeps_one_complaint_and_takes_the_platforms_new_deadline(system, fake):
    fake.transfer(**case("CQ12345-20261126-000009"))
    pull(system)
    fake.control("12345/cases/CQ12345-20261126-000009/redue", reply_due="2026-11-26T16:00:00+08:00")
    pull(system)
    assert len(rows(system, "SELECT id FROM intake_complaints WHERE channel = 'upstream'")) == 1
    told = rows(system, "SELECT payload FROM event_outbox WHERE type LIKE '%upstream_linked%' ORDER BY position")
    assert [json.loads(r.payload)["data"]["reply_due"][:16] for r in told] == ["2026-12-08T17:30",
                                                                                "2026-11-26T16:00"]  # told again
    system.drain()
    supervisor = system.login("supervisor")
    [listed] = system.client.get("/api/v1/upstream/cases", params={"open": "true"}, headers=supervisor).json()["cases"]
    assert listed["upstream_reply_due"].startswith("2026-11-26T16:00")
    assert listed["upstream_earlier"] is True  # the platform's deadline now comes before routing's


def test_a_case_merged_into_another_hears_the_masters_signing_and_reply(system, fake):
    fake.transfer(**case("CQ12345-20261126-000021"))
    fake.transfer(**case("CQ12345-20261126-000022", content="学士路工地凌晨还在打桩施工，吵得睡不着觉"))
    pull(system)
    system.drain()
    links = linked(system)
    master, duplicate = links["CQ12345-20261126-000021"], links["CQ12345-20261126-000022"]
    dispatcher = system.login("dispatcher-housing_construction")
    merged = system.client.post(f"/api/v1/cases/{duplicate}/merge", headers=dispatcher,
                                json={"master_id": master, "reason": "同一工地"})
    assert merged.status_code == 200, merged.text
    system.drain()
    sign_and_reply(system, master)
    send(system)
    assert [a["action"] for a in fake_case(fake, "CQ12345-20261126-000021")["actions"]] == ["sign", "reply"]
    got = fake_case(fake, "CQ12345-20261126-000022")
    assert [a["action"] for a in got["actions"]] == ["progress", "sign", "reply"] and got["status"] == "replied"
    assert "合并办理" in got["actions"][0]["note"] and got["actions"][2]["reply"] == "已责令工地停止夜间施工"


def test_a_failing_platform_is_tried_again_a_refusal_is_dead_and_a_replay_sends_it(system, fake, database_url,
                                                                                       monkeypatch, capsys):
    fake.transfer(**case("CQ12345-20261126-000003"))
    pull(system)
    system.drain()
    complaint_id = linked(system)["CQ12345-20261126-000003"]
    sign_and_reply(system, complaint_id)

    fake.fail_next(1, 503, what="push")
    send(system)
    state = pushes(system)
    signing = next(k for k in state if ":accepted:" in k)
    replying = next(k for k in state if k.endswith(":replied:1"))
    assert state[signing][0] == "pending" and "HTTP 503" in (state[signing][2] or "")
    assert state[replying] == ("pending", 0, None)  # never tried: it waits for its signing
    assert fake_case(fake, "CQ12345-20261126-000003")["actions"] == []

    system.clock.advance(timedelta(seconds=31))  # the first retry's wait
    worker(system, "upstream-sender")()  # the signing goes
    fake.fail_next(1, 400, what="push")  # the platform refuses the reply for good
    worker(system, "upstream-sender")()
    state = pushes(system)
    assert state[signing][0] == "sent" and state[replying][0] == "dead" and "HTTP 400" in (state[replying][2] or "")
    assert [a["action"] for a in fake_case(fake, "CQ12345-20261126-000003")["actions"]] == ["sign"]

    monkeypatch.setenv("DATABASE_URL", database_url)
    capsys.readouterr()
    assert main(["upstream", "pushes", "--status", "dead"]) == 0
    [dead] = json.loads(capsys.readouterr().out)
    assert dead["key"] == replying and dead["action"] == "reply" and dead["platform"] == "12345"
    assert main(["upstream", "replay", replying]) == 0
    assert main(["upstream", "replay", replying]) == 1  # no longer dead
    assert "no dead upstream action" in capsys.readouterr().err
    system.clock.set(datetime.now(SHANGHAI) + timedelta(minutes=1))  # the command line ran on the real clock
    send(system)
    got = fake_case(fake, "CQ12345-20261126-000003")
    assert [a["action"] for a in got["actions"]] == ["sign", "reply"] and got["status"] == "replied"
    assert pushes(system)[replying][0] == "sent"


def test_a_platform_down_for_every_try_leaves_the_action_dead_holding_back_its_case_until_replayed(system, fake):
    fake.transfer(**case("CQ12345-20261126-000004"))
    pull(system)
    system.drain()
    sign_and_reply(system, linked(system)["CQ12345-20261126-000004"])
    fake.fail_next(100, 502, what="push")
    for _ in range(6):  # OUTBOUND_MAX_ATTEMPTS tries, 30 s, 1, 2, 4, 8 min apart
        worker(system, "upstream-sender")()
        system.clock.advance(timedelta(minutes=20))
    state = pushes(system)
    signing = next(k for k in state if ":accepted:" in k)
    replying = next(k for k in state if k.endswith(":replied:1"))
    assert state[signing][:2] == ("dead", 6) and state[replying] == ("pending", 0, None)
    fake.fail_next(0)
    send(system)
    assert pushes(system)[replying][0] == "pending"  # a dead signing holds its reply back
    system.runtimes["intake"].bus.handle(ReplayUpstreamPush(signing))
    send(system)
    assert [a["action"] for a in fake_case(fake, "CQ12345-20261126-000004")["actions"]] == ["sign", "reply"]


def test_requests_are_signed_and_a_wrong_secret_receives_nothing(engine, clock, fake, monkeypatch):
    fake.reset()
    fake.transfer(**case("CQ12345-20261126-000005"))
    for name, value in fake.env("12345", UPSTREAM_12345_SECRET="not-the-platforms-secret").items():
        monkeypatch.setenv(name, value)
    embedded = EmbeddedSystem(engine, clock)
    try:
        with pytest.raises(Exception, match="HTTP 401"):
            pull(embedded)
        assert linked(embedded) == {} and fake.stats()["refused_signatures"] == 1
    finally:
        embedded.client.close()


def test_the_reconciliation_reports_what_differs_and_stores_it(system, fake, database_url, monkeypatch, capsys):
    fake.transfer(**case("CQ12345-20261126-000011"))  # signed and replied; the platform then loses the reply
    fake.transfer(**case("CQ12345-20261126-000012", reply_due=f"{DAY}T18:00:00+08:00"))  # the platform: sooner
    fake.transfer(**case("CQ12345-20261126-000013", content=""))  # unreadable: never received
    pull(system)
    fake.transfer(**case("CQ12345-20261126-000014"))  # transferred after the pull: not here yet
    system.drain()
    links = linked(system)
    assert sorted(links) == ["CQ12345-20261126-000011", "CQ12345-20261126-000012"]
    sign_and_reply(system, links["CQ12345-20261126-000011"])
    send(system)
    reply_key = next(k for k in pushes(system) if k.endswith(":replied:1"))
    fake.control("12345/cases/CQ12345-20261126-000011/forget", action_id=reply_key)
    fake.control("12345/cases/CQ12345-20261126-000012/status", status="signed")  # we never signed it

    monkeypatch.setenv("DATABASE_URL", database_url)
    capsys.readouterr()
    assert main(["upstream", "reconcile", "--date", DAY, "--platform", "12345"]) == 1  # differences
    out = capsys.readouterr().out
    assert "upstream 4 cases, ours 2" in out
    for label, number in (("上级有、本系统无", "000013"), ("上级有、本系统无", "000014"), ("状态不一致", "000012"),
                          ("答复未获确认", "000011"), ("上级时限早于本系统", "000012")):
        assert any(label in line and number in line for line in out.splitlines()), (label, number, out)

    assert main(["upstream", "reconcile", "--date", DAY, "--platform", "12345", "--json"]) == 1
    [report] = json.loads(capsys.readouterr().out)
    assert report["counts"] == {"upstream_only": 2, "ours_only": 0, "status_mismatch": 1, "reply_unacknowledged": 1,
                                "deadline_earlier": 1}
    mismatch = next(d for d in report["differences"] if d["kind"] == "status_mismatch")
    assert (mismatch["case_no"], mismatch["ours"], mismatch["theirs"]) == ("CQ12345-20261126-000012", "transferred",
                                                                           "signed")
    supervisor = system.login("supervisor")
    stored = system.client.get("/api/v1/upstream/reconciliations", headers=supervisor).json()["reports"]
    assert len(stored) == 2 and stored[0]["counts"] == report["counts"] and stored[0]["date"] == DAY

    # The day before: nothing was transferred, nothing differs.
    assert main(["upstream", "reconcile", "--date", "2026-11-25", "--days", "1", "--platform", "12345"]) == 0


def received_rows(database_url: str) -> tuple[list[str], dict[str, list[str]]]:
    """The case numbers received, and complaint id → its routing decisions (assigned/triaged)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            numbers = [r[0] for r in conn.execute(text("SELECT case_no FROM intake_upstream_cases"))]
            decisions: dict[str, list[str]] = {}
            for key, kind in conn.execute(text("SELECT key, type FROM event_outbox WHERE type LIKE '%case.assigned%'"
                                               " OR type LIKE '%case.triaged%' OR type LIKE '%complaint.received%'")):
                decisions.setdefault(key, []).append(kind.rsplit(".", 2)[-2])
            complaints = [r[0] for r in conn.execute(text("SELECT id FROM intake_complaints "
                                                          "WHERE channel = 'upstream'"))]
    finally:
        engine.dispose()
    return numbers, {cid: decisions.get(cid, []) for cid in complaints}


def test_a_puller_killed_mid_sync_loses_nothing_and_doubles_nothing_after_restart(database_url, fake):
    fake.reset()
    cases = fake.transfer_many(100)
    fake.delay(0.3)  # each page of 10 takes 0.3 s: the kill comes mid-sync
    env = {"DATABASE_URL": database_url, "EMBEDDED_POLL_INTERVAL": "0.05", "UPSTREAM_PAGE_SIZE": "10",
           "UPSTREAM_12345_POLL_SECONDS": "0.5", "UPSTREAM_LEASE_SECONDS": "2", **fake.env("12345")}
    with ServedProcess("all", env) as server:
        wait_for(lambda: len(received_rows(database_url)[0]) >= 20, 60, "the first pages received")
        assert server.proc is not None
        server.proc.kill()  # kill -9, in the middle of the pull
        server.proc.wait()
    at_kill = len(received_rows(database_url)[0])
    assert 20 <= at_kill < 100, at_kill
    fake.delay(0)
    with ServedProcess("all", env, migrate=False):  # takes the lease over once the dead one's has run out
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            numbers, routed = received_rows(database_url)
            if len(numbers) == 100 and all(len(kinds) == 2 for kinds in routed.values()):
                break
            time.sleep(0.3)
    numbers, routed = received_rows(database_url)
    assert sorted(numbers) == sorted(c["case_no"] for c in cases)  # every case, once
    assert len(routed) == 100
    doubled = {cid: kinds for cid, kinds in routed.items() if sorted(kinds) not in (["assigned", "received"],
                                                                                   ["received", "triaged"])}
    assert not doubled, json.dumps(doubled)[:500]  # each received once and routed once
