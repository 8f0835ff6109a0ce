"""派单异议 and 挂起 through all three services (tests/system.py): routing's case, its audit trail and desk views;
notify's clocks and sweeper (no warnings while paused, deadlines moved by the paused working time across the
weekend); the assessment's log; and the routes' validation and refusals (422, 409, 404, 403)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from services.intake.adapters.tables import ComplaintRow
from services.notify.domain.commands import SweepSlaClocks
from services.routing.domain.deadlines import DeadlinePolicy
from shared.calendar import WorkingCalendar
from shared.clock import SHANGHAI
from tests.e2e.test_moved_clock_scenario import ODOUR
from tests.system import EmbeddedSystem

ECOLOGY, OTHER = "ecology_env", "housing_construction"
POLICY = DeadlinePolicy(WorkingCalendar())
FRI_16 = datetime(2026, 11, 27, 16, tzinfo=SHANGHAI)
MON_10 = datetime(2026, 11, 30, 10, tzinfo=SHANGHAI)


@pytest.fixture
def system(engine, clock) -> Iterator[EmbeddedSystem]:
    embedded = EmbeddedSystem(engine, clock)
    yield embedded
    embedded.client.close()


def post(system, who: str, case_id: str, action: str, body: dict | None = None, status: int = 200) -> dict:
    answer = system.client.post(f"/api/v1/cases/{case_id}/{action}", headers=system.login(who), json=body)
    assert answer.status_code == status, answer.text
    system.drain()
    return answer.json()


def detail(system, case_id: str) -> dict:
    answer = system.client.get(f"/api/v1/cases/{case_id}", headers=system.login("supervisor"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def notify_case(system, case_id: str):
    with system.runtimes["notify"].bus.uow_factory() as uow:
        return uow.cases.get(case_id)


def sweep(system) -> list:
    return system.runtimes["notify"].bus.handle(SweepSlaClocks(at=system.clock.now()))


def test_a_dispute_upheld_then_a_suspension_move_the_deadlines_in_routing_and_notify(system):
    reported = system.report(**ODOUR, reporter={"phone": "13812345678"})  # Thursday 10:00
    case_id, code = reported["id"], reported["tracking_code"]
    system.drain()
    before = detail(system, case_id)
    assert before["department"] == ECOLOGY and before["can_dispute"] is True
    dispatcher = f"dispatcher-{ECOLOGY}"

    # validation and who may
    post(system, dispatcher, case_id, "dispute", {"reason": ""}, status=422)
    post(system, dispatcher, case_id, "dispute", {"reason": "x" * 501}, status=422)
    post(system, dispatcher, case_id, "dispute", {"reason": "不属于本部门", "extra": 1}, status=422)
    post(system, dispatcher, case_id, "dispute", {"reason": "不属于本部门", "proposed_department": "nope"}, status=422)
    post(system, f"dispatcher-{OTHER}", case_id, "dispute", {"reason": "不属于本部门"}, status=404)
    post(system, "supervisor", case_id, "dispute", {"reason": "不属于本部门"}, status=403)
    post(system, dispatcher, case_id, "dispute/uphold", {}, status=403)

    system.clock.set(FRI_16)
    disputed = post(system, dispatcher, case_id, "dispute",
                    {"reason": "属于属地管理事项", "proposed_department": OTHER})
    assert disputed["paused"] == "dispute" and detail(system, case_id)["deadline"] is None  # no countdown runs
    post(system, dispatcher, case_id, "dispute", {"reason": "再次异议"}, status=409)
    post(system, dispatcher, case_id, "accept", status=409)
    listed = system.client.get("/api/v1/triage/disputes", headers=system.login("supervisor")).json()
    assert [item["id"] for item in listed["items"]] == [case_id] and listed["items"][0]["dispute"]["reason"]
    assert notify_case(system, case_id).pause_kind == "dispute"

    system.clock.set(MON_10)  # the accept deadline (Friday 10:00) passed while disputed: no warning
    assert sweep(system) == []
    upheld = post(system, "supervisor", case_id, "dispute/uphold", {"note": "属于本部门职责"})
    paused = 18 * 3600  # Friday 16:00 → Monday 10:00 in working time
    reply_due = POLICY.add_working_seconds(datetime.fromisoformat(before["reply_due"]), paused)
    assert datetime.fromisoformat(upheld["reply_due"]) == reply_due
    assert notify_case(system, case_id).reply_due == reply_due
    assert notify_case(system, case_id).accept_due == datetime.fromisoformat(upheld["accept_due"])
    system.drain()
    with system.engine.connect() as conn:  # intake's copy (Open311's expected_datetime) moved too
        shown = conn.scalar(select(ComplaintRow.reply_due).where(ComplaintRow.id == case_id))  # type: ignore[arg-type]
    assert shown == reply_due
    post(system, dispatcher, case_id, "return", {"reason": "还是不属于本部门"}, status=409)
    post(system, dispatcher, case_id, "accept")

    # 挂起: refused with a clear 409 beyond the limits; 422 for an unknown reason or 其他 without text
    post(system, dispatcher, case_id, "suspend", {"reason": "weather"}, status=422)
    post(system, dispatcher, case_id, "suspend", {"reason": "other"}, status=409)
    suspended = post(system, dispatcher, case_id, "suspend", {"reason": "unreachable"})
    assert suspended["paused"] == "suspension"
    citizen = system.client.get(f"/api/v1/complaints/{code}", params={"phone_last4": "5678"}).json()
    assert citizen["status"] == "accepted" and "等待您联系" in citizen["timeline"][-1]["text"]
    assert detail(system, case_id)["can_suspend"] is False
    post(system, dispatcher, case_id, "reply", {"reply": "已处理完毕"}, status=409)
    system.clock.set(reply_due + timedelta(days=1))  # past the old deadline: still no warning of the paused clocks
    # (the 督办 clocks — first contact here — are not paused by a suspension: docs/metrics.md)
    assert [(a.clock.value, a.level.value) for a in sweep(system) if a.clock.value in ("accept", "reply")] == []
    resumed = post(system, dispatcher, case_id, "resume")
    credited = POLICY.working_seconds(MON_10, system.clock.now())
    moved = POLICY.add_working_seconds(reply_due, credited)
    assert datetime.fromisoformat(resumed["reply_due"]) == moved == notify_case(system, case_id).reply_due
    history = [(h["action"], h["actor"]) for h in detail(system, case_id)["history"]]
    assert history[-5:] == [("disputed", dispatcher), ("dispute_upheld", "supervisor"), ("accepted", dispatcher),
                            ("suspended", dispatcher), ("resumed", dispatcher)]

    post(system, dispatcher, case_id, "suspend", {"reason": "materials"})
    post(system, dispatcher, case_id, "resume")
    refused = system.client.post(f"/api/v1/cases/{case_id}/suspend", headers=system.login(dispatcher),
                                 json={"reason": "citizen_asked"})
    assert refused.status_code == 409 and "最多挂起 2 次" in refused.json()["error"]["message"]


def test_a_dispute_reassigned_is_not_a_return_and_the_new_department_has_fresh_clocks(system):
    case_id = system.report(**ODOUR, reporter={"phone": "13812345678"})["id"]
    system.drain()
    post(system, f"dispatcher-{ECOLOGY}", case_id, "dispute", {"reason": "属于属地管理事项"})
    post(system, "supervisor", case_id, "dispute/reassign", {"department": "nope"}, status=422)
    system.clock.advance(timedelta(hours=2))
    moved = post(system, "supervisor", case_id, "dispute/reassign", {"department": OTHER, "note": "属地"})
    assert (moved["status"], moved["department"], moved["rule"], moved["paused"]) == ("assigned", OTHER, "dispute",
                                                                                      None)
    sla = notify_case(system, case_id)
    assert (sla.department, sla.paused_since, sla.assigned_at) == (OTHER, None, datetime(2026, 11, 26, 10,
                                                                                        tzinfo=SHANGHAI))
    with system.runtimes["notify"].bus.uow_factory() as uow:
        ended = [(row.department, row.ended_how) for row in uow.session.query(
            __import__("services.notify.adapters.tables", fromlist=["AssignmentRow"]).AssignmentRow)
            .filter_by(complaint_id=case_id)]
    assert sorted(ended, key=str) == sorted([(ECOLOGY, "disputed"), (OTHER, None)], key=str)
    # the new department may dispute its own assignment once
    post(system, f"dispatcher-{OTHER}", case_id, "dispute", {"reason": "也不属于本单位"})
