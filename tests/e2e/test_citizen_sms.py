"""Citizens are told by SMS, through the real HTTP adapter, at the fake gateway: the receipt with the
tracking code and the private link, the reply; never an anonymous reporter, never at night, never twice."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from services.cli import main
from shared.clock import SHANGHAI
from shared.outbound_http import HttpSmsGateway
from tests.fake_gateway import SECRET, FakeGatewayServer
from tests.system import EmbeddedSystem

BASE = "https://hc.example.gov.cn"
NOISE = {"channel": "web", "content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "town": "合阳城街道"}
PHONE = "13912345678"


@pytest.fixture(scope="module")
def gateway() -> Iterator[FakeGatewayServer]:
    with FakeGatewayServer() as server:
        yield server


@pytest.fixture
def told(engine, clock, gateway, monkeypatch) -> Iterator[EmbeddedSystem]:
    """The whole system with the SMS gateway at the fake, and links on the public address."""
    gateway.reset()
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    embedded = EmbeddedSystem(engine, clock, intake={"sms_gateway": HttpSmsGateway(f"{gateway.url}/sms", SECRET)})
    yield embedded
    embedded.client.close()


def send_due(system: EmbeddedSystem) -> None:
    [sender] = [w for w in system.runtimes["intake"].workers if w.name == "sms-sender"]
    sender.job()


def test_the_receipt_carries_the_code_and_a_private_link_that_opens_the_complaint(told, gateway):
    accepted = told.report(**NOISE, reporter={"name": "王五", "phone": PHONE})
    send_due(told)
    [sms] = gateway.messages("sms")
    assert sms["to"] == PHONE and accepted["tracking_code"] in sms["content"]
    link = re.search(rf"{re.escape(BASE)}/r/(\S+)", sms["content"])
    assert link is not None and link.group(1) == accepted["citizen_token"]
    assert told.client.get(f"/api/v1/r/{link.group(1)}").json()["tracking_code"] == accepted["tracking_code"]
    send_due(told)
    assert len(gateway.messages("sms")) == 1  # sent once


def test_the_reply_is_told_once_even_when_the_event_comes_again(told, gateway):
    accepted = told.report(**NOISE, reporter={"phone": PHONE})
    told.drain()
    dispatcher = told.login("dispatcher-housing_construction")
    told.client.post(f"/api/v1/cases/{accepted['id']}/accept", headers=dispatcher)
    told.client.post(f"/api/v1/cases/{accepted['id']}/reply", headers=dispatcher, json={"reply": "已责令停工"})
    told.drain()
    with told.engine.begin() as conn:  # the lifecycle read again from the start: every event redelivered
        conn.execute(text("DELETE FROM event_inbox WHERE group_id = 'intake'"))
        conn.execute(text("UPDATE event_consumer_offset SET position = 0 WHERE group_id = 'intake'"))
    told.drain()
    send_due(told)
    contents = [m["content"] for m in gateway.messages("sms")]
    # the receipt, the reply, and the rating link of the callback (the department's first reply this week)
    assert len(contents) == 3 and "已受理" in contents[0] and "已有办理回复" in contents[1]
    assert accepted["tracking_code"] in contents[1] and f"{BASE}/r/{accepted['citizen_token']}" in contents[1]
    assert "诚邀您评价办理结果" in contents[2]


def test_nobody_is_told_who_did_not_ask(told, gateway):
    told.report(**NOISE, reporter={"phone": PHONE, "anonymous": True})  # anonymous: nothing
    told.report(**NOISE, reporter={"name": "李四", "phone": "023-42812345"})  # a landline takes no SMS
    told.report(**NOISE)  # no number at all
    send_due(told)
    assert gateway.messages("sms") == []
    with told.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM intake_outbound_messages")) == 0


def test_at_night_the_receipt_waits_for_the_morning(told, gateway):
    told.clock.set(datetime(2026, 11, 26, 23, 30, tzinfo=SHANGHAI))
    told.report(**NOISE, reporter={"phone": PHONE})
    send_due(told)
    assert gateway.messages("sms") == []
    told.clock.set(datetime(2026, 11, 27, 7, 59, tzinfo=SHANGHAI))
    send_due(told)
    assert gateway.messages("sms") == []
    told.clock.advance(timedelta(minutes=1))
    send_due(told)
    assert len(gateway.messages("sms")) == 1


def test_what_is_stored_is_encrypted_and_nothing_personal_reaches_the_log(told, gateway, caplog):
    accepted = told.report(**NOISE, reporter={"phone": PHONE})
    gateway.fail_next(1)
    send_due(told)
    with told.engine.connect() as conn:
        row = conn.execute(text("SELECT recipient_enc, body_enc, status, last_error "
                                "FROM intake_outbound_messages")).one()
    assert PHONE not in row.recipient_enc and accepted["citizen_token"] not in row.body_enc
    assert row.status == "pending" and "HTTP 503" in row.last_error
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert PHONE not in logged and accepted["citizen_token"] not in logged


def test_an_administrator_lists_a_dead_message_masked_and_replays_it(told, gateway, database_url, monkeypatch,
                                                                      capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    accepted = told.report(**NOISE, reporter={"phone": PHONE})
    gateway.fail_next(1, status=400)  # the gateway refuses this one for good
    send_due(told)
    capsys.readouterr()
    assert main(["outbound", "list", "--service", "intake", "--status", "dead"]) == 0
    [dead] = json.loads(capsys.readouterr().out)
    assert dead["key"] == f"receipt:{accepted['id']}" and dead["to"] == "139****5678"
    assert "HTTP 400" in dead["last_error"]
    assert accepted["citizen_token"] not in dead["text"] and "/r/…" in dead["text"]
    assert main(["outbound", "replay", dead["key"], "--service", "intake"]) == 0
    assert main(["outbound", "replay", dead["key"], "--service", "intake"]) == 1  # no longer dead
    assert "no dead message" in capsys.readouterr().err
    told.clock.set(datetime.now(SHANGHAI) + timedelta(minutes=1))  # the command line ran on the real clock
    send_due(told)
    assert [m["to"] for m in gateway.messages("sms")] == [PHONE]
