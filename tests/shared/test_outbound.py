"""Messages out (shared/outbound.py) through the real HTTP adapters to the fake gateway and robots:
written once, sent once, retried with backoff, dead after the last try and replayable, leased."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.intake.adapters.tables import OUTBOUND_MESSAGES
from shared.clock import SHANGHAI, FakeClock
from shared.outbound import (
    Channel,
    MessageStatus,
    OutboundMessage,
    OutboundSender,
    OutboundStore,
    Plain,
    SendPolicy,
    parse_quiet_hours,
    quiet_hours_release,
)
from shared.outbound_http import GroupRobot, HttpSmsGateway
from tests.fake_gateway import SECRET, FakeGatewayServer

QUIET = (time(22, 0), time(8, 0))


@pytest.fixture(scope="module")
def gateway() -> Iterator[FakeGatewayServer]:
    with FakeGatewayServer() as server:
        yield server


@pytest.fixture
def fake(gateway: FakeGatewayServer) -> FakeGatewayServer:
    gateway.reset()
    return gateway


@pytest.fixture
def store() -> OutboundStore:
    return OutboundStore(OUTBOUND_MESSAGES, Plain())


def sms(key: str = "receipt:c1", phone: str = "13800001111", body: str = "您的投诉已受理") -> OutboundMessage:
    return OutboundMessage(key=key, channel=Channel.sms, recipient=phone, body=body, kind="receipt")


def enqueue(engine, store: OutboundStore, clock: FakeClock, *messages: OutboundMessage) -> list[bool]:
    with Session(engine) as session:
        added = [store.enqueue(session, m, now=clock.now()) for m in messages]
        session.commit()
    return added


def stored(engine, store: OutboundStore, key: str):
    with Session(engine) as session:
        return next(m for m in store.listed(session) if m.key == key)


def sender_for(engine, store, clock, fake, *, secret: str = SECRET, **policy) -> OutboundSender:
    return OutboundSender(engine, store, {Channel.sms: HttpSmsGateway(f"{fake.url}/sms", secret),
                                          Channel.robot: GroupRobot({"ecology_env": f"{fake.url}/robot/ecology"})},
                          clock, SendPolicy(**policy))


def test_a_message_is_written_once_and_sent_once(engine, store, clock, fake):
    assert enqueue(engine, store, clock, sms(), sms()) == [True, False]
    sender = sender_for(engine, store, clock, fake)
    assert sender.run_once() == 1 and sender.run_once() == 0
    assert [(m["to"], m["content"], m["out_id"]) for m in fake.messages()] == [
        ("13800001111", "您的投诉已受理", "receipt:c1")]
    message = stored(engine, store, "receipt:c1")
    assert message.status is MessageStatus.sent and message.attempts == 1 and message.sent_at == clock.now()


def test_a_busy_gateway_is_tried_again_later_with_growing_waits(engine, store, clock, fake):
    enqueue(engine, store, clock, sms())
    fake.fail_next(2)
    sender = sender_for(engine, store, clock, fake)
    sender.run_once()
    first = stored(engine, store, "receipt:c1")
    assert first.status is MessageStatus.pending and first.attempts == 1 and "HTTP 503" in (first.last_error or "")
    assert first.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert sender.run_once() == 0  # not before its time
    clock.advance(timedelta(seconds=30))
    sender.run_once()
    assert stored(engine, store, "receipt:c1").next_attempt_at == clock.now() + timedelta(seconds=60)
    clock.advance(timedelta(seconds=60))
    sender.run_once()
    done = stored(engine, store, "receipt:c1")
    assert done.status is MessageStatus.sent and done.attempts == 3 and len(fake.messages()) == 1


def test_after_the_last_try_a_message_is_dead_and_a_replay_sends_it(engine, store, clock, fake):
    enqueue(engine, store, clock, sms())
    fake.fail_next(3)
    sender = sender_for(engine, store, clock, fake, max_attempts=3)
    for _ in range(3):
        sender.run_once()
        clock.advance(timedelta(minutes=5))
    dead = stored(engine, store, "receipt:c1")
    assert dead.status is MessageStatus.dead and dead.attempts == 3 and fake.messages() == []
    with Session(engine) as session:
        assert store.replay(session, "receipt:c1", now=clock.now()) is True
        assert store.replay(session, "no-such", now=clock.now()) is False
        session.commit()
    sender.run_once()
    assert stored(engine, store, "receipt:c1").status is MessageStatus.sent and len(fake.messages()) == 1


def test_a_refusal_that_cannot_change_is_dead_at_once(engine, store, clock, fake):
    enqueue(engine, store, clock, sms(), sms("robot:x", body="新投诉"),
            OutboundMessage("robot:unknown", Channel.robot, "town_taihe", "新投诉", "assigned"))
    sender_for(engine, store, clock, fake, secret="a-wrong-secret").run_once()
    wrong_key = stored(engine, store, "receipt:c1")
    assert wrong_key.status is MessageStatus.dead and "HTTP 401" in (wrong_key.last_error or "")
    no_webhook = stored(engine, store, "robot:unknown")
    assert no_webhook.status is MessageStatus.dead and "no robot webhook configured for 'town_taihe'" in (
        no_webhook.last_error or "")


def test_a_group_robot_gets_the_text_message(engine, store, clock, fake):
    warning = OutboundMessage("alert:1", Channel.robot, "ecology_env", "【黄灯预警】…", "sla_yellow")
    enqueue(engine, store, clock, warning)
    sender_for(engine, store, clock, fake).run_once()
    assert [(m["channel"], m["to"], m["content"]) for m in fake.messages()] == [("robot", "ecology", "【黄灯预警】…")]


def test_a_sender_killed_after_sending_leaves_a_repeat_the_gateway_drops(engine, store, clock, fake):
    enqueue(engine, store, clock, sms())
    with Session(engine) as session:  # the first sender claims, sends, and dies before recording it
        [claimed] = store.claim(session, now=clock.now(), lease=timedelta(minutes=2), limit=10)
        session.commit()
    HttpSmsGateway(f"{fake.url}/sms", SECRET).send(claimed.key, claimed.recipient, claimed.body)
    sender = sender_for(engine, store, clock, fake)
    assert sender.run_once() == 0  # its lease still holds
    clock.advance(timedelta(minutes=3))
    assert sender.run_once() == 1
    assert stored(engine, store, "receipt:c1").status is MessageStatus.sent and len(fake.messages()) == 1


def test_two_senders_at_once_send_every_message_exactly_once(engine, store, clock, fake):
    enqueue(engine, store, clock, *[sms(f"receipt:c{i}", body=f"第 {i} 条") for i in range(40)])
    senders = [sender_for(engine, store, clock, fake, batch=7) for _ in range(2)]

    def drain(sender: OutboundSender) -> None:
        while sender.run_once():
            pass

    threads = [threading.Thread(target=drain, args=(s,)) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(m["content"] for m in fake.messages()) == sorted(f"第 {i} 条" for i in range(40))
    with Session(engine) as session:
        sent = session.scalar(select(func.count()).select_from(OUTBOUND_MESSAGES)
                              .where(OUTBOUND_MESSAGES.c.status == "sent"))
    assert sent == 40


@pytest.mark.parametrize(("local", "release"), [
    ("2026-11-30 21:59", None),
    ("2026-11-30 22:00", "2026-12-01 08:00"),
    ("2026-12-01 03:10", "2026-12-01 08:00"),
    ("2026-12-01 07:59", "2026-12-01 08:00"),
    ("2026-12-01 08:00", None),
])
def test_quiet_hours_hold_a_message_until_the_morning(local, release):
    at = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    expected = datetime.strptime(release, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI) if release else None
    assert quiet_hours_release(at, QUIET) == expected
    assert quiet_hours_release(at, None) is None


def test_quiet_hours_within_one_day_and_bad_settings():
    lunch = parse_quiet_hours("12:00-14:00")
    assert quiet_hours_release(datetime(2026, 12, 1, 13, 0, tzinfo=SHANGHAI), lunch) == datetime(
        2026, 12, 1, 14, 0, tzinfo=SHANGHAI)
    assert quiet_hours_release(datetime(2026, 12, 1, 23, 0, tzinfo=SHANGHAI), lunch) is None
    assert parse_quiet_hours("") is None
    for bad in ("22:00", "08:00-08:00", "25:00-08:00", "night"):
        with pytest.raises(ValueError):
            parse_quiet_hours(bad)
