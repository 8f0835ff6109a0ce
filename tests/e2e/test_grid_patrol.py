"""A grid worker's patrol finding travels the whole way like a citizen's report, and the targets count
it apart (group_by=channel), with exact numerators and denominators."""

from __future__ import annotations

from typing import Any

WEB = {"channel": "web", "content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "town": "合阳城街道"}
FINDING = {"content": "太和镇东岳村一工地夜间打桩，噪音扰民", "category": "noise", "subcategory": "construction",
           "address": "太和镇东岳村 3 组"}


def handle_to_reply(system: Any, complaint_id: str) -> dict[str, Any]:
    """The department the case was routed to accepts and replies; returns the case as routing showed it."""
    supervisor = system.login("supervisor")
    case = system.client.get(f"/api/v1/cases/{complaint_id}", headers=supervisor)
    assert case.status_code == 200, case.text
    department = case.json()["department"]
    assert department, case.json()
    dispatcher = system.login(f"dispatcher-{department}")
    assert system.client.post(f"/api/v1/cases/{complaint_id}/accept", headers=dispatcher).status_code == 200
    reply = system.client.post(f"/api/v1/cases/{complaint_id}/reply", headers=dispatcher,
                               json={"reply": "已到现场核查，责令停止夜间施工"})
    assert reply.status_code == 200, reply.text
    return case.json()


def test_a_patrol_finding_is_counted_apart_from_a_citizens_report(system):
    web = system.report(**WEB)
    worker = system.login("grid-taihe")
    finding = system.client.post("/api/v1/channels/grid", json=FINDING, headers=worker)
    assert finding.status_code == 201, finding.text
    grid = finding.json()
    system.drain()

    handle_to_reply(system, web["id"])
    routed = handle_to_reply(system, grid["id"])
    assert (routed["channel"], routed["town"]) == ("grid", "taihe")  # the worker's own town
    system.drain()
    assert system.client.post(f"/api/v1/r/{web['citizen_token']}/rating",
                              json={"rating": "satisfied", "resolution": "resolved"}).status_code == 201
    assert system.client.post(f"/api/v1/r/{grid['citizen_token']}/rating",
                              json={"rating": "unsatisfied", "resolution": "unresolved"}).status_code == 201
    system.drain()

    supervisor = system.login("supervisor")
    today = system.clock.now().date().isoformat()
    period = f"from={today}&to={today}"
    plain = system.client.get(f"/api/v1/metrics/sla?{period}", headers=supervisor).json()
    sla = system.client.get(f"/api/v1/metrics/sla?{period}&group_by=channel", headers=supervisor)
    assert sla.status_code == 200, sla.text
    report = sla.json()

    def numbers(figures: dict[str, Any]) -> dict[str, tuple[int, int, list[str]]]:
        return {t: (figures[t]["numerator"], figures[t]["denominator"],
                    sorted(system.behind(figures[t], supervisor)[0]))
                for t in ("assignment_rate", "on_time_reply_rate", "satisfaction_rate")}

    both = sorted([web["id"], grid["id"]])
    assert numbers(report) == numbers(plain) == {  # the overall figures do not change with grouping
        "assignment_rate": (2, 2, both), "on_time_reply_rate": (2, 2, both),
        "satisfaction_rate": (1, 2, [web["id"]])}
    assert report["group_by"] == "channel"
    groups = {g["key"]: g for g in report["groups"]}
    assert list(groups) == ["grid", "web"]
    assert (groups["grid"]["name"], groups["web"]["name"]) == ("网格巡查", "网站")
    assert numbers(groups["grid"]) == {"assignment_rate": (1, 1, [grid["id"]]),
                                       "on_time_reply_rate": (1, 1, [grid["id"]]),
                                       "satisfaction_rate": (0, 1, [])}
    assert system.behind(groups["grid"]["satisfaction_rate"], supervisor)[1] == [grid["id"]]
    assert numbers(groups["web"]) == {"assignment_rate": (1, 1, [web["id"]]),
                                      "on_time_reply_rate": (1, 1, [web["id"]]),
                                      "satisfaction_rate": (1, 1, [web["id"]])}
