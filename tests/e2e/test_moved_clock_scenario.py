"""One scenario with a moved clock, through all three services, every figure exact.

Thursday 2026-11-26 10:00 two complaints arrive: A (night piling: urgent, a reply due in 24 hours) and B
(factory odour: a reply due in 5 working days). The clock moves; the sweeper runs again and again.
A goes yellow, red and overdue: the department is warned, then reminded (催办), the supervisors told
(督办) — each once, however often the sweeper runs. A's reply comes late; it is called back (抽查回访);
the citizen is unsatisfied, so it is reopened (重办) in a new round, replied on time and rated satisfied.
B is replied on time and rated satisfied online. Every message is written once, the citizen's SMS once
each, and the month's targets come out exactly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest

from services.notify.domain.commands import SweepSlaClocks
from shared.outbound import ListOutbound
from tests.e2e.test_walking_skeleton import EXAMPLE
from tests.system import EmbeddedSystem

HOUSING, ECOLOGY = "housing_construction", "ecology_env"
ODOUR = {"channel": "web", "content": "工业园区化工厂排放刺鼻气味，已经持续一周，闻着头晕",
         "town": "合阳城街道", "category": "odor", "subcategory": "industrial"}


@pytest.fixture
def system(engine, clock, monkeypatch) -> Iterator[EmbeddedSystem]:
    """The whole system with PUBLIC_BASE_URL set, so that SMS carry the private link (and the callback's)."""
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://hc.example.gov.cn")
    embedded = EmbeddedSystem(engine, clock)
    yield embedded
    embedded.client.close()


def sweep(system, times: int = 2) -> None:
    """The SLA sweeper (twice: a second sweep at the same moment must raise nothing new), then the senders."""
    notify = system.runtimes["notify"]
    for _ in range(times):
        notify.bus.handle(SweepSlaClocks(at=system.clock.now()))
    system.drain()
    for runtime in system.runtimes.values():
        for worker in runtime.workers:
            if worker.name.endswith("sender"):
                worker.job()


def messages(system, service: str) -> list:
    return system.runtimes[service].bus.handle(ListOutbound(limit=500))


def robot(system) -> Counter[tuple[str, str]]:
    """(recipient, opening words) of every message to the group robots."""
    return Counter((m.recipient, m.body[:m.body.index("】") + 1]) for m in messages(system, "notify"))


def act(system, who: str, case_id: str, action: str, **body) -> dict:
    answer = system.client.post(f"/api/v1/cases/{case_id}/{action}", headers=system.login(who), json=body or None)
    assert answer.status_code == 200, answer.text
    system.drain()
    return answer.json()


def test_warnings_escalation_reminder_callback_reopening_and_the_figures(system, monkeypatch):
    monkeypatch.setattr("services.notify.domain.callbacks.draw", lambda *_: 0.0)  # every reply is drawn (3 links)
    a = system.report(**EXAMPLE, reporter={"phone": "13912345678"})
    b = system.report(**ODOUR, reporter={"phone": "13812345678"})
    system.drain()
    sweep(system)
    assert robot(system) == Counter({(HOUSING, "【新案件】"): 1, (ECOLOGY, "【新案件】"): 1})
    act(system, f"dispatcher-{HOUSING}", a["id"], "accept")
    act(system, f"dispatcher-{ECOLOGY}", b["id"], "accept")
    # both call the citizen at once: the first-contact 督办 clock (docs/metrics.md) is met and warns nobody
    act(system, f"dispatcher-{HOUSING}", a["id"], "contact", method="phone")
    act(system, f"dispatcher-{ECOLOGY}", b["id"], "contact", method="phone")

    system.clock.advance(timedelta(hours=18, minutes=1))  # 75% of A's 24 hours
    sweep(system)
    assert robot(system)[(HOUSING, "【黄灯预警】")] == 1
    system.clock.advance(timedelta(hours=6))  # A is due
    sweep(system)
    assert robot(system)[(HOUSING, "【红灯预警】")] == 1
    system.clock.advance(timedelta(hours=2))  # A is overdue
    sweep(system)
    sweep(system)  # and again: nothing is raised twice
    seen = robot(system)
    assert (seen[(HOUSING, "【催办】")], seen[("supervisors", "【督办】")]) == (1, 1)
    supervisor = system.login("supervisor")
    alerts = system.client.get("/api/v1/alerts", headers=supervisor).json()
    levels = Counter((x["complaint_id"], x["level"]) for x in alerts["alerts"])
    assert levels[(a["id"], "yellow")] == levels[(a["id"], "red")] == levels[(a["id"], "escalated")] == 1

    act(system, f"dispatcher-{HOUSING}", a["id"], "reply", reply="已到现场，责令夜间停工")  # late
    act(system, f"dispatcher-{ECOLOGY}", b["id"], "reply", reply="已监测，责令企业整改")  # on time
    rated = system.client.post(f"/api/v1/r/{b['citizen_token']}/rating", json={"rating": "satisfied",
                                                                               "resolution": "resolved"})
    assert rated.status_code == 201
    system.drain()

    system.clock.advance(timedelta(hours=3))
    calls = system.client.post(f"/api/v1/callbacks/{a['id']}/1/calls", headers=system.login("operator"),
                               json={"outcome": "unsatisfied", "note": "晚上还在施工", "resolution": "unresolved"})
    assert calls.status_code == 201, calls.text
    system.drain()
    case = system.client.get(f"/api/v1/cases/{a['id']}", headers=supervisor).json()
    assert (case["status"], case["reply_round"]) == ("assigned", 2)
    assert robot(system)[(HOUSING, "【重办】")] == 1

    act(system, f"dispatcher-{HOUSING}", a["id"], "reply", reply="已协调施工单位，夜间不再施工")  # on time
    rated = system.client.post(f"/api/v1/r/{a['citizen_token']}/rating", json={"rating": "satisfied",
                                                                               "resolution": "resolved"})
    assert rated.status_code == 201
    system.drain()
    for _ in range(3):
        system.clock.advance(timedelta(days=2))
        sweep(system)  # nothing runs late any more: no new warnings

    seen = robot(system)
    assert seen == Counter({(HOUSING, "【新案件】"): 1, (ECOLOGY, "【新案件】"): 1, (HOUSING, "【黄灯预警】"): 1,
                            (HOUSING, "【红灯预警】"): 1, (HOUSING, "【催办】"): 1, ("supervisors", "【督办】"): 1,
                            (HOUSING, "【重办】"): 1})
    sms = Counter((m.recipient[-4:], m.kind) for m in messages(system, "intake"))
    assert sms == Counter({("5678", "receipt"): 2, ("5678", "reply"): 3, ("5678", "callback"): 3,
                           ("5678", "reopened"): 1})
    assert all(m.status.value == "sent" for m in messages(system, "notify"))

    month = system.client.get("/api/v1/metrics/sla?from=2026-11-01&to=2026-11-30", headers=supervisor).json()
    assignment, reply, satisfaction = (month[k] for k in ("assignment_rate", "on_time_reply_rate",
                                                          "satisfaction_rate"))
    assert (assignment["numerator"], assignment["denominator"]) == (2, 2)
    # A's first round was late, its second on time; B on time
    assert (reply["numerator"], reply["denominator"]) == (2, 3) and system.behind(reply, supervisor)[1] == [a["id"]]
    # A's round 1 rated unsatisfied by phone, round 2 satisfied online; B satisfied: 2 of 3 rounds
    assert (satisfaction["numerator"], satisfaction["denominator"]) == (2, 3)
    assert system.behind(satisfaction, supervisor)[1] == [a["id"]]
