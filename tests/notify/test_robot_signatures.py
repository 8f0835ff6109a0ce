"""DingTalk group robots with the signature setting (加签): notify signs each request with the group's
secret (ROBOT_SECRETS), and a robot's JSON answer decides what happened (errcode 0 sent, a busy robot
tried again, a refused signature dead). Over real HTTP against the fake robots, which check the
signature as DingTalk documents it."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from services.fakes.gateway import build_gateway
from services.notify.adapters.tables import OUTBOUND_MESSAGES
from services.notify.bootstrap import bootstrap
from services.notify.domain.commands import SweepSlaClocks
from services.notify.settings import NotifySettings
from shared.outbound import (
    Channel,
    MessageStatus,
    OutboundMessage,
    OutboundSender,
    OutboundStore,
    Plain,
    SendPolicy,
)
from shared.outbound_http import GroupRobot, signed_webhook
from tests.notify.conftest import send_due
from tests.notify.factories import T0, assigned, departments
from tests.processes import serve_in_thread
from tests.system import service_context

DINGTALK_SECRET = "SEC3f1b0e9c2a7d4e8f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2"
GATEWAY_SECRET = "gateway-test-secret"


class Robots:
    """The fake gateway's robots on loopback: `supervisors` is a DingTalk robot with 加签, the others not."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self.url = self._stack.enter_context(serve_in_thread(
            build_gateway(GATEWAY_SECRET, robot_secrets={"supervisors": DINGTALK_SECRET})))

    def close(self) -> None:
        self._stack.close()

    def webhook(self, group: str) -> str:
        return f"{self.url}/robot/{group}?access_token=robot-token-{group}"

    def received(self) -> list[dict[str, Any]]:
        return [m for m in httpx.get(f"{self.url}/messages").json() if m["channel"] == "robot"]

    def fail_next(self, count: int, status: int) -> None:
        httpx.post(f"{self.url}/control/fail", params={"count": count, "status": status}).raise_for_status()

    def reset(self) -> None:
        httpx.post(f"{self.url}/control/reset").raise_for_status()


@pytest.fixture(scope="module")
def module_robots() -> Iterator[Robots]:
    robots = Robots()
    yield robots
    robots.close()


@pytest.fixture
def robots(module_robots: Robots) -> Robots:
    module_robots.reset()
    return module_robots


def test_the_signature_is_dingtalks_hmac_of_the_timestamp_and_secret_urlencoded():
    url = signed_webhook("https://oapi.dingtalk.com/robot/send?access_token=abc", DINGTALK_SECRET, now=1764500000.123)
    expected = base64.b64encode(hmac.new(DINGTALK_SECRET.encode(), f"1764500000123\n{DINGTALK_SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert url == (f"https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1764500000123"
                   f"&sign={quote_plus(expected)}")
    query = parse_qs(urlsplit(url).query)
    assert query["sign"] == [expected] and query["timestamp"] == ["1764500000123"]
    assert signed_webhook("https://robot.example/send", "s", now=1.0).startswith("https://robot.example/send?timestamp=1000&")


def test_notify_signs_a_dingtalk_robots_requests_with_the_groups_secret(engine, clock, robots):
    settings = NotifySettings(demo_mode=True, robot_webhooks={"ecology_env": robots.webhook("ecology_env"),
                                                              "supervisors": robots.webhook("supervisors")},
                              robot_secrets={"supervisors": DINGTALK_SECRET})
    runtime = bootstrap(service_context(settings, engine, clock))  # the robots of the settings, not a fake port
    consumer = runtime.bus.consumer()
    for event in (departments(("ecology_env", "区生态环境局")),
                  assigned("c1", assigned_at=T0, reply_due=T0 + timedelta(hours=1),
                           accept_due=T0 + timedelta(hours=1))):
        consumer.handle(event.to_event(source="/hechuan/routing", time=clock.now()))
    send_due(runtime)
    clock.set(T0 + timedelta(hours=3))  # overdue: the supervisors' robot is told (督办)
    runtime.bus.handle(SweepSlaClocks(at=clock.now()))
    send_due(runtime)
    received = robots.received()
    by_group = {(m["to"], m["signed"]) for m in received}
    assert ("ecology_env", False) in by_group and ("supervisors", True) in by_group
    assert any("【督办】" in m["content"] for m in received if m["to"] == "supervisors")
    with runtime.bus.uow_factory() as uow:
        assert {m.status for m in uow.outbound_messages()} == {MessageStatus.sent}


def store_and_sender(engine, clock, robot: GroupRobot) -> tuple[OutboundStore, OutboundSender]:
    store = OutboundStore(OUTBOUND_MESSAGES, Plain())
    return store, OutboundSender(engine, store, {Channel.robot: robot}, clock, SendPolicy(max_attempts=3))


def write(engine, store: OutboundStore, clock, *messages: OutboundMessage) -> None:
    with Session(engine) as session:
        for message in messages:
            store.enqueue(session, message, now=clock.now())
        session.commit()


def stored(engine, store: OutboundStore) -> dict[str, Any]:
    with Session(engine) as session:
        return {m.key: m for m in store.listed(session)}


def escalation(key: str = "alert:c1:reply:1:1:red:supervisors") -> OutboundMessage:
    return OutboundMessage(key, Channel.robot, "supervisors", "【督办】投诉 HCc1 的回复已超期", "sla_escalation")


@pytest.mark.parametrize("secrets", [{"supervisors": "SECnot-the-robots-secret"}, {}], ids=["wrong", "none"])
def test_a_refused_signature_is_final_and_the_message_dead_with_the_robots_answer(engine, clock, robots, secrets):
    store, sender = store_and_sender(engine, clock, GroupRobot({"supervisors": robots.webhook("supervisors")},
                                                               secrets=secrets))
    write(engine, store, clock, escalation())
    sender.run_once()
    [dead] = stored(engine, store).values()
    assert dead.status is MessageStatus.dead and dead.attempts == 1
    assert "errcode 310000" in dead.last_error and "sign not match" in dead.last_error
    assert robots.received() == []


def test_a_busy_robot_answering_errcode_in_json_is_tried_again_then_sent(engine, clock, robots):
    store, sender = store_and_sender(engine, clock, GroupRobot({"supervisors": robots.webhook("supervisors")},
                                                               secrets={"supervisors": DINGTALK_SECRET}))
    write(engine, store, clock, escalation())
    robots.fail_next(1, status=200)  # HTTP 200 with {"errcode": -1, "errmsg": "busy"}
    sender.run_once()
    [waiting] = stored(engine, store).values()
    assert waiting.status is MessageStatus.pending and "errcode -1" in waiting.last_error
    clock.advance(timedelta(seconds=31))
    sender.run_once()
    [sent] = stored(engine, store).values()
    assert sent.status is MessageStatus.sent and [m["signed"] for m in robots.received()] == [True]


def test_a_robot_that_keeps_refusing_is_dead_after_the_last_try(engine, clock, robots):
    store, sender = store_and_sender(engine, clock, GroupRobot({"supervisors": robots.webhook("supervisors")},
                                                               secrets={"supervisors": DINGTALK_SECRET}))
    write(engine, store, clock, escalation())
    robots.fail_next(3, status=200)
    for _ in range(3):
        sender.run_once()
        clock.advance(timedelta(hours=1))
    [dead] = stored(engine, store).values()
    assert dead.status is MessageStatus.dead and dead.attempts == 3 and "errcode -1" in dead.last_error


def test_an_unreachable_robot_is_tried_again_without_its_token_in_the_error(engine, clock):
    store, sender = store_and_sender(engine, clock, GroupRobot(
        {"supervisors": "http://127.0.0.1:9/robot/send?access_token=do-not-log-me"},
        secrets={"supervisors": DINGTALK_SECRET}))
    write(engine, store, clock, escalation())
    sender.run_once()
    [waiting] = stored(engine, store).values()
    assert waiting.status is MessageStatus.pending and "do-not-log-me" not in waiting.last_error


def test_robot_secrets_need_their_groups_webhook():
    with pytest.raises(ValidationError, match="without a webhook"):
        NotifySettings(demo_mode=True, robot_secrets={"supervisors": DINGTALK_SECRET})
    with pytest.raises(ValidationError, match="must not be empty"):
        NotifySettings(demo_mode=True, robot_webhooks={"supervisors": "https://oapi.dingtalk.com/robot/send"},
                       robot_secrets={"supervisors": " "})
    settings = NotifySettings(demo_mode=True, robot_webhooks={"supervisors": "https://oapi.dingtalk.com/robot/send"},
                              robot_secrets={"supervisors": DINGTALK_SECRET})
    assert DINGTALK_SECRET not in repr(settings)  # a secret is never printed
