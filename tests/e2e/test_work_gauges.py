"""/metrics tells operations the state of the work: open cases by status, deadlines overdue or due
soon, callbacks waiting, messages out by status; read when scraped, never breaking the scrape."""

from __future__ import annotations

import re
from datetime import timedelta

from prometheus_client import generate_latest

from shared.metrics import Sample, runtime_registry
from tests.e2e.test_walking_skeleton import EXAMPLE


def gauge(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = rf"^{name}{{{re.escape(wanted)}}} (\S+)$" if labels else rf"^{name} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    assert found is not None, f"no {name}{labels} in /metrics"
    return float(found.group(1))


def test_the_work_in_hand_is_on_metrics(system):
    for _ in range(2):
        system.report(**{**EXAMPLE, "reporter": {"phone": "13912345678"}})
    system.report(channel="web", content="有个事情想反映一下，请联系我")  # no type: triage
    system.drain()
    metrics = system.client.get("/metrics").text
    assert gauge(metrics, "cases_open", status="assigned") == 2
    assert gauge(metrics, "cases_open", status="triage") == 1
    assert gauge(metrics, "outbound_messages", service="intake", status="pending") == 2  # the two receipts
    assert gauge(metrics, "outbound_messages", service="notify", status="pending") == 2  # the new-case messages
    assert gauge(metrics, "sla_deadlines", state="overdue") == 0
    system.clock.advance(timedelta(days=30))
    assert gauge(system.client.get("/metrics").text, "sla_deadlines", state="overdue") >= 3


def test_a_failing_source_is_left_out_and_the_others_still_answer():
    def broken() -> list[Sample]:
        raise RuntimeError("database down")

    registry = runtime_registry([broken, lambda: [Sample("cases_open", "open", {"status": "triage"}, 4)]])
    text = generate_latest(registry).decode()
    assert gauge(text, "cases_open", status="triage") == 4
