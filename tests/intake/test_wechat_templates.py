"""Citizens who reported through the official account are told by WeChat template message (模板消息):
the receipt, the reply, the callback's rating link and the reopening, through intake as deployed (the
settings wire wechatpy's client to the fake of WeChat's API, over real HTTP). Once per moment, never at
night, the OpenID sealed like the phone and nowhere in clear."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine

from services.cli import main
from services.intake.adapters.tables import OUTBOUND_MESSAGES, WechatRecipientRow
from services.intake.domain import messages
from services.intake.settings import IntakeSettings
from shared.clock import SHANGHAI
from shared.contracts import events as ev
from shared.contracts.codes import Channel
from shared.outbound import DeliveryFailed
from shared.outbound_http import WechatApiClient, WechatTemplates
from tests.fake_wechat import APP_ID, APP_SECRET, TEMPLATES, FakeWechatServer
from tests.intake.conftest import Intake
from tests.intake.test_wechat_api import ALICE, BOB, PUBLIC, TOKEN, WeChatServers, code_in, complaints, link_in

FIELDS = {"code": "character_string1", "status": "phrase2", "time": "time3", "note": "thing4"}
POLLUTION = "太和镇新华村的养猪场把粪水直接排进河里，臭气熏天"


@pytest.fixture(scope="module")
def wechat() -> Iterator[FakeWechatServer]:
    with FakeWechatServer() as server:
        yield server


@pytest.fixture
def api(wechat: FakeWechatServer) -> FakeWechatServer:
    wechat.reset()
    return wechat


def configure(monkeypatch: pytest.MonkeyPatch, api: FakeWechatServer, templates: dict[str, str] | None) -> None:
    """The official account as a deployment configures it (templates None: no template messages)."""
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    monkeypatch.setenv("WECHAT_APP_ID", APP_ID)
    monkeypatch.setenv("WECHAT_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC)
    monkeypatch.setenv("WECHAT_API_BASE_URL", api.api_base_url)
    if templates is None:
        monkeypatch.delenv("WECHAT_TEMPLATE_IDS", raising=False)
    else:
        monkeypatch.setenv("WECHAT_TEMPLATE_IDS", json.dumps(templates))


@pytest.fixture
def intake(engine, clock, api, monkeypatch) -> Iterator[Intake]:
    configure(monkeypatch, api, TEMPLATES)
    embedded = Intake(engine, clock)
    yield embedded
    embedded.client.close()


@pytest.fixture
def alice(intake: Intake) -> WeChatServers:
    return WeChatServers(intake.client, ALICE)


def send_due(intake: Intake) -> int:
    [sender] = [w for w in intake.runtime.workers if w.name == "sms-sender"]
    return sender.job()  # type: ignore[no-any-return]


def outbound(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(select(OUTBOUND_MESSAGES).order_by(
            OUTBOUND_MESSAGES.c.created_at, OUTBOUND_MESSAGES.c.key)).mappings()]


def replied(complaint_id: str, code: str, at: datetime, reply_round: int = 1) -> ev.CaseRepliedV1:
    return ev.CaseRepliedV1(complaint_id=complaint_id, tracking_code=code, department="town_taihe",
                            reply="已责令养猪场停止直排并清理河道", replied_at=at, reply_due=at,
                            reply_round=reply_round, by="wang")


def callback_due(complaint_id: str, code: str, at: datetime, reason: str = "sampled") -> ev.CallbackDueV1:
    return ev.CallbackDueV1(complaint_id=complaint_id, tracking_code=code, reply_round=1, department="town_taihe",
                            reason=reason, due_at=at + timedelta(days=3), created_at=at)


def reopened(complaint_id: str, code: str, at: datetime, due: datetime) -> ev.CaseReopenedV1:
    return ev.CaseReopenedV1(complaint_id=complaint_id, tracking_code=code, department="town_taihe",
                             previous_round=1, reply_round=2, reply_due=due, reason="气味仍然很大",
                             via="citizen", reopened_at=at)


# --- the receipt --------------------------------------------------------------------------------------------


def test_a_wechat_report_gets_a_template_receipt_with_the_code_and_the_private_link(intake, alice, api):
    reply = alice.say(Content=POLLUTION)
    code, link = code_in(reply), link_in(reply)
    assert send_due(intake) == 1
    [message] = api.messages()
    assert message["touser"] == ALICE and message["template_id"] == TEMPLATES["receipt"]
    assert message["data"] == {"character_string1": code, "phrase2": "已受理", "time3": "2026年11月26日 10:00",
                               "thing4": "点击查看进度、补充照片和评价"}
    assert message["url"] == link and link.startswith(f"{PUBLIC}/r/")
    assert intake.client.get(f"/api/v1/r/{link.rsplit('/', 1)[1]}").json()["tracking_code"] == code
    [row] = outbound(intake.engine)
    assert (row["key"], row["channel"], row["status"]) == (f"receipt:{complaints(intake.engine)[0].id}:wechat",
                                                           "wechat", "sent")
    assert send_due(intake) == 0 and len(api.messages()) == 1  # sent once
    assert api.stats()["token_fetches"] == 1  # the token is kept between sends


def test_wechats_retries_of_the_submitting_message_make_one_receipt(intake, alice, api):
    xml = alice.message("text", 24_200_000_000_000_001, Content=POLLUTION)
    for _ in range(3):
        assert alice.post(xml).status_code == 200
    send_due(intake)
    assert len(api.messages()) == 1
    with intake.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM intake_wechat_recipients")) == 1


# --- the later moments -----------------------------------------------------------------------------------------


def test_the_reply_the_rating_link_and_the_reopening_reach_the_reporter_once_each(intake, alice, api):
    code = code_in(alice.say(Content=POLLUTION))
    [row] = complaints(intake.engine)
    now = intake.clock.now()
    due = datetime(2026, 12, 3, 18, 0, tzinfo=SHANGHAI)
    intake.deliver(replied(row.id, code, now), callback_due(row.id, code, now), reopened(row.id, code, now, due))
    with intake.engine.begin() as conn:  # every lifecycle event delivered again from the start
        conn.execute(text("DELETE FROM event_inbox WHERE group_id = 'intake'"))
        conn.execute(text("UPDATE event_consumer_offset SET position = 0 WHERE group_id = 'intake'"))
    intake.drain()
    send_due(intake)
    sent = api.messages()
    assert [(m["template_id"], m["data"]["phrase2"]) for m in sent] == [
        (TEMPLATES["receipt"], "已受理"), (TEMPLATES["reply"], "已回复"), (TEMPLATES["callback"], "待评价"),
        (TEMPLATES["reopened"], "重新办理")]
    assert all(m["touser"] == ALICE and m["data"]["character_string1"] == code for m in sent)
    assert sent[1]["data"]["thing4"] == "点击查看回复并评价" and sent[1]["url"].startswith(f"{PUBLIC}/r/")
    assert sent[3]["data"]["thing4"] == "将于12月03日前再次回复"
    assert len({m["client_msg_id"] for m in sent}) == 4


def test_a_callback_for_an_online_unsatisfied_rating_sends_no_rating_link(intake, alice, api):
    code = code_in(alice.say(Content=POLLUTION))
    [row] = complaints(intake.engine)
    intake.deliver(callback_due(row.id, code, intake.clock.now(), reason="unsatisfied_online"))
    send_due(intake)
    assert [m["template_id"] for m in api.messages()] == [TEMPLATES["receipt"]]


# --- who is told, and when ----------------------------------------------------------------------------------------


def test_at_night_the_template_message_waits_for_the_morning(intake, alice, api):
    intake.clock.set(datetime(2026, 11, 26, 23, 30, tzinfo=SHANGHAI))
    alice.say(Content=POLLUTION)
    send_due(intake)
    assert api.messages() == []
    intake.clock.set(datetime(2026, 11, 27, 7, 59, tzinfo=SHANGHAI))
    send_due(intake)
    assert api.messages() == []
    intake.clock.advance(timedelta(minutes=1))
    send_due(intake)
    [message] = api.messages()
    assert message["data"]["time3"] == "2026年11月26日 23:30"  # when it was received


def test_only_kinds_with_a_template_go_by_wechat(engine, clock, api, monkeypatch):
    configure(monkeypatch, api, {"reply": TEMPLATES["reply"]})  # the passive reply is receipt enough
    only_reply = Intake(engine, clock)
    code = code_in(WeChatServers(only_reply.client, ALICE).say(Content=POLLUTION))
    [row] = complaints(engine)
    assert outbound(engine) == []
    only_reply.deliver(replied(row.id, code, clock.now()))
    send_due(only_reply)
    assert [m["template_id"] for m in api.messages()] == [TEMPLATES["reply"]]
    only_reply.client.close()


def test_without_templates_no_wechat_message_is_written_and_no_openid_kept(engine, clock, api, monkeypatch):
    configure(monkeypatch, api, None)
    plain = Intake(engine, clock)
    code = code_in(WeChatServers(plain.client, ALICE).say(Content=POLLUTION))
    [row] = complaints(engine)
    plain.deliver(replied(row.id, code, clock.now()))
    send_due(plain)
    assert outbound(engine) == [] and api.messages() == [] and api.stats()["token_fetches"] == 0
    plain.client.close()


def test_web_reporters_get_no_wechat_message_and_sms_goes_on_as_before(intake, api):
    intake.report(reporter={"phone": "13912345678"})
    intake.report(reporter={"phone": "13912345678", "anonymous": True})
    send_due(intake)
    assert [(m["channel"], m["kind"]) for m in outbound(intake.engine)] == [("sms", "receipt")]
    assert api.messages() == []


def citizen(**changes) -> messages.Citizen:
    base = {"complaint_id": "c1", "tracking_code": "HC261126-7KQ2XM4P", "channel": Channel.wechat,
            "anonymous": False, "phone": None, "token": "tok", "openid": ALICE}
    return messages.Citizen(**{**base, **changes})


def test_anonymous_reporters_and_patrol_findings_get_nothing_by_wechat():
    settings = messages.CitizenSms(base_url=PUBLIC, wechat=frozenset(messages.KINDS))
    at = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
    [told] = messages.receipt(settings, citizen(), at=at)
    assert told.recipient == ALICE and told.key == "receipt:c1:wechat"
    assert messages.receipt(settings, citizen(anonymous=True), at=at) == []
    assert messages.receipt(settings, citizen(channel=Channel.grid), at=at) == []
    assert messages.replied(settings, citizen(openid=None), reply_round=1, at=at) == []
    both = messages.replied(settings, citizen(phone="13912345678"), reply_round=1, at=at)
    assert [(m.channel.value, m.key) for m in both] == [("sms", "reply:c1:1"), ("wechat", "reply:c1:1:wechat")]
    assert messages.callback_link(messages.CitizenSms(wechat=frozenset(messages.KINDS)), citizen(), reply_round=1,
                                  at=at) == []  # no public address: no link to rate by


# --- the OpenID is personal data --------------------------------------------------------------------------------


def dump(engine: Engine) -> list[str]:
    """Every row of every table, as text."""
    with engine.connect() as conn:
        return [str(tuple(row)) for table in inspect(conn).get_table_names()
                for row in conn.execute(text(f'SELECT * FROM "{table}"'))]


def test_the_openid_is_sealed_and_nowhere_in_clear_not_even_in_errors_and_logs(intake, alice, api, caplog):
    code = code_in(alice.say(Content=POLLUTION))
    [row] = complaints(intake.engine)
    api.fail_next(1, errcode=-1)  # busy: an error recorded with the message
    send_due(intake)
    [waiting] = outbound(intake.engine)
    assert waiting["status"] == "pending" and "errcode -1" in waiting["last_error"]
    assert ALICE not in waiting["recipient_enc"] and ALICE not in waiting["body_enc"]
    assert code not in waiting["body_enc"]  # the card (with the private link) is sealed too
    everything = dump(intake.engine)
    intake.deliver(replied(row.id, code, intake.clock.now()))
    intake.clock.advance(timedelta(minutes=1))
    send_due(intake)
    assert len(api.messages()) == 2
    everything += dump(intake.engine)
    with intake.engine.connect() as conn:
        [recipient] = conn.execute(select(WechatRecipientRow)).all()
    assert recipient.complaint_id == row.id and ALICE not in recipient.openid_enc
    assert not [line for line in everything if ALICE in line]  # tables, outbox events, errors
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert ALICE not in logged and "access_token=" not in logged.replace("access_token=…", "")


def test_unfollowing_the_account_forgets_the_openid_and_nothing_more_is_sent(intake, alice, api):
    code = code_in(alice.say(Content=POLLUTION))
    [row] = complaints(intake.engine)
    WeChatServers(intake.client, BOB).say(Content="钓鱼城街道有工厂晚上偷排废气，味道刺鼻")  # another user stays
    unsubscribe = alice.post(alice.message("event", Event="unsubscribe"))
    assert unsubscribe.status_code == 200 and unsubscribe.text == "success"
    with intake.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM intake_wechat_recipients")) == 1
    intake.deliver(replied(row.id, code, intake.clock.now()))
    assert [m["kind"] for m in outbound(intake.engine) if m["channel"] == "wechat"] == ["receipt", "receipt"]


def test_the_administrator_sees_a_masked_openid_and_the_link_cut_short(intake, alice, api, database_url, monkeypatch,
                                                                       capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    alice.say(Content=POLLUTION)
    api.unfollow(ALICE)  # WeChat refuses for good: 43004 require subscribe
    send_due(intake)
    capsys.readouterr()
    assert main(["outbound", "list", "--service", "intake", "--status", "dead"]) == 0
    out = capsys.readouterr().out
    [dead] = json.loads(out)
    assert dead["channel"] == "wechat" and dead["to"] == f"openid …{ALICE[-4:]}" and "43004" in dead["last_error"]
    assert ALICE not in out and "/r/…" in dead["text"]


# --- the adapter against WeChat's answers ---------------------------------------------------------------------------


def card(kind: str = "receipt") -> str:
    return json.dumps({"kind": kind, "fields": {"code": "HC261126-7KQ2XM4P", "status": "已受理",
                                                "time": "2026年11月26日 10:00", "note": "点击查看进度"},
                       "url": f"{PUBLIC}/r/abc"}, ensure_ascii=False)


def templates(api: FakeWechatServer, *, secret: str = APP_SECRET, ids: dict[str, str] = TEMPLATES) -> WechatTemplates:
    return WechatTemplates(ids, FIELDS, client=WechatApiClient(APP_ID, secret, api_base_url=api.api_base_url))


def test_a_repeat_of_one_key_after_a_crash_is_dropped_by_wechat(api):
    sender = templates(api)
    sender.send("receipt:c1:wechat", ALICE, card())
    sender.send("receipt:c1:wechat", ALICE, card())  # the sender died before recording the first
    sender.send("receipt:c2:wechat", ALICE, card())
    assert [m["client_msg_id"] for m in api.messages()] == ["receipt:c1:wechat", "receipt:c2:wechat"]


def test_an_expired_access_token_is_fetched_again_within_the_same_try(api):
    sender = templates(api)
    sender.send("receipt:c1:wechat", ALICE, card())
    api.expire_token()
    sender.send("reply:c1:1:wechat", ALICE, card("reply"))
    assert len(api.messages()) == 2 and api.stats()["token_fetches"] == 2


@pytest.mark.parametrize("failure, retry, says", [
    ({"errcode": -1}, True, "errcode -1"),  # system busy
    ({"errcode": 45009}, True, "errcode 45009"),  # over the rate limit
    ({"errcode": -1, "status": 503}, True, "HTTP 503"),
    ({"errcode": 40003}, False, "errcode 40003"),  # a wrong OpenID
])
def test_wechats_refusals_say_whether_to_try_again(api, failure, retry, says):
    api.fail_next(1, **failure)
    with pytest.raises(DeliveryFailed) as refused:
        templates(api).send("receipt:c1:wechat", ALICE, card())
    assert refused.value.retry is retry and says in refused.value.reason
    assert "access_token=" not in refused.value.reason


def test_configuration_mistakes_are_final(api):
    with pytest.raises(DeliveryFailed) as wrong_secret:
        templates(api, secret="not-the-secret-0000000000000000").send("k1", ALICE, card())
    assert not wrong_secret.value.retry and "40125" in wrong_secret.value.reason
    with pytest.raises(DeliveryFailed) as unknown_template:
        templates(api, ids={"receipt": "TPL-never-added"}).send("k2", ALICE, card())
    assert not unknown_template.value.retry and "40037" in unknown_template.value.reason
    with pytest.raises(DeliveryFailed) as no_template:
        templates(api, ids={}).send("k3", ALICE, card())
    assert not no_template.value.retry and "WECHAT_TEMPLATE_IDS" in no_template.value.reason
    assert api.messages() == []


def test_an_unreachable_api_is_tried_again_without_the_token_in_the_error(api):
    sender = templates(api)
    sender.send("k1", ALICE, card())  # a token is held
    sender.client.API_BASE_URL = "http://127.0.0.1:9/cgi-bin/"  # nothing listens on the discard port
    with pytest.raises(DeliveryFailed) as unreachable:
        sender.send("k2", ALICE, card())
    assert unreachable.value.retry and "ConnectionError" in unreachable.value.reason
    assert "access_token=…" in unreachable.value.reason  # the URL is named, its credential is not


# --- settings ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("given, says", [
    ({"wechat_template_ids": {"receipt": "T1"}}, "WECHAT_APP_ID and WECHAT_APP_SECRET"),
    ({"wechat_template_ids": {"receipt_sms": "T1"}, "wechat_app_id": APP_ID, "wechat_app_secret": APP_SECRET},
     "unknown kinds"),
    ({"wechat_template_ids": {"reply": "T1"}, "wechat_app_id": APP_ID, "wechat_app_secret": APP_SECRET,
      "wechat_template_fields": {"tracking": "character_string1"}}, "unknown fields"),
    ({"wechat_template_ids": {"reply": "T1"}, "wechat_app_id": APP_ID, "wechat_app_secret": APP_SECRET,
      "wechat_api_base_url": "ftp://example"}, "WECHAT_API_BASE_URL"),
])
def test_template_settings_are_checked_at_start(given, says):
    with pytest.raises(ValidationError, match=says):
        IntakeSettings(demo_mode=True, **given)


def test_template_settings_default_to_off():
    settings = IntakeSettings(demo_mode=True)
    assert settings.wechat_template_ids == {} and settings.wechat_template_fields == FIELDS
