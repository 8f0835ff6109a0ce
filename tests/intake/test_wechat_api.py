"""The WeChat official account's server callback, driven as WeChat's servers drive it.

Requests are signed with the documented algorithm (sha1 of the sorted token, timestamp, nonce) and, in
safe mode, encrypted with wechatpy's own `WeChatCrypto`: the same bytes WeChat would send.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import xmltodict
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from wechatpy.crypto import WeChatCrypto

from services.intake.adapters.tables import ChannelRefRow, ComplaintRow, WechatSessionRow
from services.intake.domain import wechat as wx
from shared.clock import FakeClock
from shared.contracts import events as ev
from shared.eventbus.tables import OutboxRecord
from tests.intake.conftest import Intake

TOKEN = "HechuanWechatTestToken2026"
APP_ID = "wx5f0e5e1f6a7b8c9d"
AES_KEY = base64.b64encode(b"hechuan-ecology-bureau-aes-key32").decode().rstrip("=")  # 43 characters
PUBLIC = "https://tousu.example.gov.cn"
PATH = "/api/v1/channels/wechat"
ACCOUNT = "gh_0123456789ab"
ALICE = "oAlice0123456789abcdefghijk"  # OpenIDs are 28 characters
BOB = "oBob00123456789abcdefghijklm"
TIMESTAMP, NONCE = "1795999999", "nonce42"


def sign(*parts: str) -> str:
    """WeChat's signature: sha1 of the token and the parts, sorted and joined."""
    return hashlib.sha1("".join(sorted([TOKEN, *parts])).encode()).hexdigest()


class WeChatServers:
    """What WeChat's servers send for one user, and the replies read back."""

    def __init__(self, client: TestClient, openid: str = ALICE) -> None:
        self.client = client
        self.openid = openid
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
        self._next_id = 24_000_000_000_000_000

    def message(self, msg_type: str, msg_id: int | None = None, **fields: Any) -> str:
        if msg_id is None and msg_type != "event":
            self._next_id += 1
            msg_id = self._next_id
        data: dict[str, Any] = {"ToUserName": ACCOUNT, "FromUserName": self.openid, "CreateTime": TIMESTAMP,
                                "MsgType": msg_type, **fields}
        if msg_id is not None:
            data["MsgId"] = str(msg_id)
        return xmltodict.unparse({"xml": data}, full_document=False)

    def post(self, xml: str | bytes, *, safe: bool = False, bad_signature: bool = False,
             content_type: str = "text/xml") -> Any:
        params = {"signature": sign(TIMESTAMP, NONCE), "timestamp": TIMESTAMP, "nonce": NONCE,
                  "openid": self.openid}
        body = xml.encode() if isinstance(xml, str) else xml
        if safe:
            envelope = xmltodict.parse(self.crypto.encrypt_message(xml, NONCE, TIMESTAMP))["xml"]
            params.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
            body = xmltodict.unparse({"xml": {"ToUserName": ACCOUNT, "Encrypt": envelope["Encrypt"]}},
                                     full_document=False).encode()
        if bad_signature:
            key = "msg_signature" if safe else "signature"
            params[key] = "0" * 40
        return self.client.post(PATH, params=params, content=body, headers={"Content-Type": content_type})

    def say(self, msg_type: str = "text", *, safe: bool = False, msg_id: int | None = None, **fields: Any) -> str:
        """Send one message; the reply's text (checked to be a text reply to this user)."""
        response = self.post(self.message(msg_type, msg_id, **fields), safe=safe)
        assert response.status_code == 200, response.text
        reply = self.read(response.text, safe=safe)
        assert reply["MsgType"] == "text" and reply["ToUserName"] == self.openid
        assert reply["FromUserName"] == ACCOUNT
        return str(reply["Content"])

    def read(self, text: str, *, safe: bool) -> dict[str, Any]:
        if safe:
            envelope = xmltodict.parse(text)["xml"]
            assert set(envelope) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}  # nothing in clear
            text = self.crypto.decrypt_message(text, envelope["MsgSignature"], envelope["TimeStamp"],
                                               envelope["Nonce"])
        return dict(xmltodict.parse(text)["xml"])


def stored(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table.__tablename__: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (ComplaintRow, ChannelRefRow, WechatSessionRow, OutboxRecord)}


def complaints(engine: Engine) -> list[ComplaintRow]:
    with engine.connect() as conn:
        return [ComplaintRow(**row._mapping) for row in conn.execute(select(ComplaintRow))]


def code_in(reply: str) -> str:
    for line in reply.splitlines():
        if line.startswith("查询码："):
            return line.removeprefix("查询码：")
    raise AssertionError(f"no tracking code in {reply!r}")


def link_in(reply: str) -> str:
    return next(word for line in reply.splitlines() for word in line.split("：") if word.startswith("https://"))


@pytest.fixture
def intake(engine: Engine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Intake]:
    """Intake as deployed with the official account configured (safe mode available)."""
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    monkeypatch.setenv("WECHAT_APP_ID", APP_ID)
    monkeypatch.setenv("WECHAT_ENCODING_AES_KEY", AES_KEY)
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC + "/")
    embedded = Intake(engine, clock)
    yield embedded
    embedded.client.close()


@pytest.fixture
def alice(intake: Intake) -> WeChatServers:
    return WeChatServers(intake.client, ALICE)


# --- the URL check ---------------------------------------------------------------------------------------


def test_the_url_check_echoes_echostr_when_signed_with_the_token(intake):
    params = {"signature": sign("1700000000", "abc"), "timestamp": "1700000000", "nonce": "abc",
              "echostr": "8627391026"}
    response = intake.client.get(PATH, params=params)
    assert response.status_code == 200 and response.text == "8627391026"
    assert response.headers["content-type"].startswith("text/plain")


def test_a_bad_signature_on_the_url_check_is_403_with_the_error_contract(intake):
    before = stored(intake.engine)
    response = intake.client.get(PATH, params={"signature": "f" * 40, "timestamp": "1700000000", "nonce": "abc",
                                               "echostr": "8627391026"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_signature"
    assert "8627391026" not in response.text
    assert intake.client.get(PATH, params={"echostr": "x"}).status_code == 403  # no signature at all
    assert stored(intake.engine) == before


# --- plaintext mode ------------------------------------------------------------------------------------------


def test_a_text_naming_a_town_is_received_at_once_and_the_reply_has_the_code_and_private_link(intake, alice):
    reply = alice.say(Content="太和镇新华村的养猪场把粪水直接排进河里，臭气熏天")
    code = code_in(reply)
    assert code.startswith("HC261126-")
    link = link_in(reply)
    assert link.startswith(f"{PUBLIC}/r/")  # PUBLIC_BASE_URL, its trailing slash dropped
    [row] = complaints(intake.engine)
    assert (row.channel, row.tracking_code, row.town) == ("wechat", code, "taihe")
    assert row.content == "太和镇新华村的养猪场把粪水直接排进河里，臭气熏天"
    assert ALICE not in str(stored(intake.engine)) and stored(intake.engine)["intake_wechat_sessions"] == 0
    view = intake.client.get(f"/api/v1{urlsplit(link).path}")  # the private link opens the citizen view
    assert view.status_code == 200 and view.json()["tracking_code"] == code


def test_wechat_retries_of_one_msgid_make_one_complaint_and_get_the_same_reply(intake, alice):
    xml = alice.message("text", 24_100_000_000_000_001, Content="合阳城街道某工地凌晨两点还在打桩，噪音太大")
    replies = []
    for _ in range(3):
        response = alice.post(xml)
        assert response.status_code == 200
        replies.append(alice.read(response.text, safe=False)["Content"])
    assert replies[0] == replies[1] == replies[2]
    assert stored(intake.engine)["intake_complaints"] == 1
    with intake.engine.connect() as conn:
        [ref] = conn.execute(select(ChannelRefRow)).all()
    assert ref.channel == "wechat" and ref.ref.startswith("24100000000000001:") and ALICE not in ref.ref


def test_a_retried_location_that_submitted_gets_the_same_reply_not_a_new_question(intake, alice):
    assert alice.say(Content="小区旁边的石材厂切割石头粉尘很大") == wx.ASK_PLACE
    xml = alice.message("location", 24_100_000_000_000_002, Location_X="30.0", Location_Y="106.2", Label="")
    replies = {alice.read(alice.post(xml).text, safe=False)["Content"] for _ in range(3)}
    assert len(replies) == 1 and code_in(replies.pop())
    assert stored(intake.engine)["intake_complaints"] == 1


def test_openid_lives_nowhere_in_clear(intake, alice):
    alice.say(Content="钓鱼城街道有工厂晚上偷排废气，味道刺鼻")
    with intake.engine.connect() as conn:
        for table in (ComplaintRow, ChannelRefRow, WechatSessionRow):
            for row in conn.execute(select(table)):
                assert ALICE not in repr(tuple(row))


# --- safe mode -------------------------------------------------------------------------------------------------


def test_an_encrypted_message_gets_an_encrypted_reply_that_decrypts_to_the_tracking_code(intake, alice):
    response = alice.post(alice.message("text", Content="南津街街道餐馆油烟直排居民楼，窗户都不敢开"), safe=True)
    assert response.status_code == 200
    assert "查询码" not in response.text and "HC26" not in response.text  # nothing readable on the wire
    reply = alice.read(response.text, safe=True)  # checks the reply's msg_signature as WeChat would
    [row] = complaints(intake.engine)
    assert code_in(reply["Content"]) == row.tracking_code and row.town == "nanjinjie"


def test_a_wrong_msg_signature_is_403_and_nothing_is_stored(intake, alice):
    before = stored(intake.engine)
    response = alice.post(alice.message("text", Content="南津街街道餐馆油烟直排居民楼"), safe=True, bad_signature=True)
    assert response.status_code == 403 and response.json()["error"]["code"] == "bad_signature"
    plain = alice.post(alice.message("text", Content="南津街街道餐馆油烟直排居民楼"), bad_signature=True)
    assert plain.status_code == 403
    assert stored(intake.engine) == before


def test_an_encrypted_message_for_another_account_is_refused(intake, alice):
    other = WeChatCrypto(TOKEN, AES_KEY, "wx_someone_else")
    envelope = xmltodict.parse(other.encrypt_message(alice.message("text", Content="太和镇有人焚烧垃圾很呛人"),
                                                     NONCE, TIMESTAMP))["xml"]
    body = xmltodict.unparse({"xml": {"Encrypt": envelope["Encrypt"]}}, full_document=False)
    response = alice.client.post(PATH, content=body, headers={"Content-Type": "text/xml"}, params={
        "signature": sign(TIMESTAMP, NONCE), "timestamp": TIMESTAMP, "nonce": NONCE, "encrypt_type": "aes",
        "msg_signature": envelope["MsgSignature"]})
    assert response.status_code == 403
    assert stored(intake.engine)["intake_complaints"] == 0


# --- the conversation --------------------------------------------------------------------------------------------


def test_a_text_without_a_place_asks_for_a_location_and_the_location_submits_it(intake, alice):
    first = alice.say(Content="小区门口的垃圾站好几天没人清运，臭味很大")
    assert first == wx.ASK_PLACE
    assert stored(intake.engine)["intake_complaints"] == 0 and stored(intake.engine)["intake_wechat_sessions"] == 1
    reply = alice.say("location", Location_X="29.972801", Location_Y="106.276405", Scale="15",
                      Label="重庆市合川区合阳城街道南园路88号")
    code = code_in(reply)
    [row] = complaints(intake.engine)
    assert row.tracking_code == code
    assert (row.lat, row.lon) == (29.972801, 106.276405)
    assert row.address == "重庆市合川区合阳城街道南园路88号" and row.town == "heyangcheng"
    assert row.content == "小区门口的垃圾站好几天没人清运，臭味很大"
    assert stored(intake.engine)["intake_wechat_sessions"] == 0


def test_a_location_first_then_the_text_submits_and_1_submits_without_a_place(intake, alice):
    asked = alice.say("location", Location_X="30.1", Location_Y="106.3", Label="")
    assert asked.startswith("已收到位置（30.10000, 106.30000）") and asked.endswith(wx.ASK_CONTENT)
    code_in(alice.say(Content="河边有人倾倒建筑垃圾，堆了一大片"))
    bob = WeChatServers(intake.client, BOB)
    assert bob.say(Content="晚上有货车拉渣土经过，灰尘很大") == wx.ASK_PLACE
    code_in(bob.say(Content="1"))
    rows = sorted(complaints(intake.engine), key=lambda r: r.content)
    assert [(r.content, r.lat, r.town) for r in rows] == [("晚上有货车拉渣土经过，灰尘很大", None, None),
                                                         ("河边有人倾倒建筑垃圾，堆了一大片", 30.1, None)]


def test_voice_with_recognition_counts_as_text_and_without_it_asks_for_text(intake, alice):
    assert alice.say("voice", MediaId="m1", Format="amr") == wx.VOICE_UNREADABLE
    reply = alice.say("voice", MediaId="m2", Format="amr", Recognition="盐井街道的砖厂烟囱冒黑烟。")
    code_in(reply)
    [row] = complaints(intake.engine)
    assert row.content == "盐井街道的砖厂烟囱冒黑烟" and row.town == "yanjing"


def test_an_image_is_noted_on_the_draft_and_kept_with_the_complaint(intake, alice):
    noted = alice.say("image", PicUrl="http://mmbiz.qpic.cn/mmbiz_jpg/abc/0", MediaId="media-1")
    assert noted.startswith(wx.IMAGE_NOTED) and noted.endswith(wx.ASK_CONTENT)
    assert alice.say(Content="这条沟里的水发黑发臭") == wx.ASK_PLACE
    code_in(alice.say(Content="草街"))  # a town's short name standing alone is a place
    [row] = complaints(intake.engine)
    assert row.town == "caojie"
    assert row.content == "这条沟里的水发黑发臭\n【微信图片】http://mmbiz.qpic.cn/mmbiz_jpg/abc/0"


def test_an_unfinished_report_is_forgotten_after_30_minutes(intake, alice):
    assert alice.say(Content="楼下KTV每天唱到凌晨三点") == wx.ASK_PLACE
    intake.clock.advance(wx.SESSION_TTL + wx.SESSION_TTL / 30)
    late = alice.say("location", Location_X="30.0", Location_Y="106.2", Label="合川区大石街道")
    assert late.endswith(wx.ASK_CONTENT)  # the description was forgotten
    assert stored(intake.engine)["intake_complaints"] == 0


def test_a_retried_message_that_did_not_submit_changes_nothing(intake, alice):
    xml = alice.message("text", 24_200_000_000_000_001, Content="工厂排放的废水颜色发红")
    assert alice.read(alice.post(xml).text, safe=False)["Content"] == wx.ASK_PLACE
    assert alice.read(alice.post(xml).text, safe=False)["Content"] == wx.ASK_PLACE
    code_in(alice.say(Content="1"))
    [row] = complaints(intake.engine)
    assert row.content == "工厂排放的废水颜色发红"  # not appended twice


def test_events_and_unknown_messages_get_a_friendly_answer(intake, alice):
    assert alice.say("event", Event="subscribe") == wx.WELCOME
    assert alice.say("event", Event="CLICK", EventKey="HELP") == wx.HOW_TO
    unsubscribe = alice.post(alice.message("event", Event="unsubscribe"))
    assert unsubscribe.status_code == 200 and unsubscribe.text == "success"
    assert alice.say("video", MediaId="v1", ThumbMediaId="t1") == wx.UNSUPPORTED
    assert alice.say(Content="你好") == wx.TOO_SHORT
    assert stored(intake.engine)["intake_complaints"] == 0


# --- 查询 -------------------------------------------------------------------------------------------------------


def test_the_reporter_can_query_the_status_and_the_department_reply_and_nobody_else_can(intake, alice):
    code = code_in(alice.say(Content="涞滩镇古镇旁边的饭店把餐厨垃圾倒在河边"))
    status = alice.say(Content=f"查询 {code.lower()}")
    assert status.splitlines()[:2] == [f"查询码：{code}", "状态：已受理"]
    [row] = complaints(intake.engine)
    now = intake.clock.now()
    intake.deliver(ev.CaseRepliedV1(complaint_id=row.id, tracking_code=code, department="town_laitan",
                                    reply="已责令饭店清理并处罚款", replied_at=now, reply_due=now, reply_round=1,
                                    by="wang"))
    replied = alice.say(Content=f"查询：{code}")
    assert "状态：已回复" in replied and "答复：已责令饭店清理并处罚款" in replied
    bob = WeChatServers(intake.client, BOB)
    assert bob.say(Content=f"查询 {code}") == wx.NOT_FOUND  # someone else's complaint: as if unknown
    assert bob.say(Content="查询 HC261126-ZZZZZZZZ") == wx.NOT_FOUND
    web = intake.report()
    assert alice.say(Content=f"查询 {web['tracking_code']}") == wx.NOT_FOUND  # not reported through WeChat


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(max_size=40) | st.sampled_from(["1", "取消", "查询", "查询 ]]>", "太和镇 ]]><x/>"]),
                      min_size=1, max_size=4))
def test_whatever_a_user_writes_the_answer_is_well_formed_xml_or_a_4xx(intake, alice, texts):
    for text in texts:
        response = alice.post(alice.message("text", Content=text))
        assert response.status_code in (200, 400), response.text
        if response.status_code == 200:
            reply = alice.read(response.text, safe=False)
            assert reply["MsgType"] == "text" and reply["Content"]


def test_a_department_reply_with_cdata_markers_is_quoted_intact(intake, alice):
    code = code_in(alice.say(Content="龙市镇有砖厂半夜排放黑烟"))
    [row] = complaints(intake.engine)
    now = intake.clock.now()
    intake.deliver(ev.CaseRepliedV1(complaint_id=row.id, tracking_code=code, department="town_longshi",
                                    reply="已查处]]><Content>伪造</Content>", replied_at=now, reply_due=now,
                                    reply_round=1, by="zhao"))
    assert "答复：已查处]]><Content>伪造</Content>" in alice.say(Content=f"查询 {code}")


# --- hostile and malformed bodies -------------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>oAlice0123456789abcdefghijk</FromUserName>
<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol3;太和镇</Content><MsgId>1</MsgId></xml>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!doctype xml [ <!entity xxe SYSTEM "file:///etc/passwd"> ]>
<xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>oAlice0123456789abcdefghijk</FromUserName>
<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;太和镇</Content><MsgId>2</MsgId></xml>"""


@pytest.mark.parametrize("body, status, code", [
    (BILLION_LAUGHS, 400, "xml_refused"),
    (EXTERNAL_ENTITY, 400, "xml_refused"),
    ("<xml><MsgType>text</MsgType><Content>unclosed", 400, "bad_xml"),
    ("not xml at all", 400, "bad_xml"),
    ("<xml><FromUserName>o</FromUserName></xml>", 400, "bad_xml"),  # no MsgType
    ("<xml><ToUserName>gh_1</ToUserName><FromUserName>bad id!</FromUserName><MsgType>text</MsgType>"
     "<Content>太和镇有人焚烧垃圾</Content><MsgId>3</MsgId></xml>", 400, "bad_xml"),
    ("<xml><ToUserName>gh_1</ToUserName><FromUserName>oA</FromUserName><MsgType>location</MsgType>"
     "<Location_X>north</Location_X><Location_Y>1</Location_Y><MsgId>4</MsgId></xml>", 400, "bad_xml"),
    ("<xml><ToUserName>gh_1</ToUserName><FromUserName>oA</FromUserName><MsgType>text</MsgType>"
     "<Content>太和镇有人焚烧垃圾</Content><MsgId>not-a-number</MsgId></xml>", 400, "bad_xml"),
    ("<xml>" + "<a>x</a>" * 10_000 + "</xml>", 413, "too_large"),  # 80 KB: more than the channel's 64 KiB
    ("<xml>" + "x" * (1024 * 1024) + "</xml>", 413, "too_large"),  # 1 MB: the process-wide limit refuses it first
])
def test_hostile_malformed_and_oversized_bodies_are_4xx_and_store_nothing(intake, alice, body, status, code):
    before = stored(intake.engine)
    response = alice.post(body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert stored(intake.engine) == before


def test_a_doctype_inside_an_encrypted_message_is_refused_too(intake, alice):
    before = stored(intake.engine)
    response = alice.post(EXTERNAL_ENTITY, safe=True)
    assert response.status_code == 400 and response.json()["error"]["code"] == "xml_refused"
    assert stored(intake.engine) == before


def test_the_callback_takes_xml_while_json_endpoints_still_refuse_it(intake, alice):
    json_body = alice.post('{"Content": "太和镇"}', content_type="application/json")
    assert json_body.status_code == 415 and "text/xml" in json_body.json()["error"]["message"]
    other = intake.client.post("/api/v1/complaints", content=alice.message("text", Content="太和镇"),
                               headers={"Content-Type": "text/xml"})
    assert other.status_code == 415


@pytest.mark.parametrize("env, problem", [
    ({"WECHAT_TOKEN": "CHANGE-ME"}, "WECHAT_TOKEN"),  # the secret template's placeholder
    ({"WECHAT_TOKEN": TOKEN, "WECHAT_ENCODING_AES_KEY": AES_KEY}, "WECHAT_APP_ID"),
    ({"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_ENCODING_AES_KEY": "CHANGE-ME"},
     "WECHAT_ENCODING_AES_KEY"),
])
def test_wechat_settings_that_cannot_work_are_refused_at_start(monkeypatch, env, problem):
    from services.intake.bootstrap import load_settings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=problem):
        load_settings()


def test_without_wechat_token_the_channel_is_off(engine, clock, monkeypatch):
    monkeypatch.delenv("WECHAT_TOKEN", raising=False)
    embedded = Intake(engine, clock)
    try:
        servers = WeChatServers(embedded.client)
        response = servers.post(servers.message("text", Content="太和镇有人焚烧垃圾很呛人"))
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
        assert embedded.client.get(PATH, params={"echostr": "1"}).status_code == 404
    finally:
        embedded.client.close()
