"""The WeChat conversation as pure rules: what each message does to the draft."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.intake.domain import wechat as wx
from services.intake.domain.wechat import Draft, Event, Image, Location, Other, Query, Say, Silent, Submit, Text, Voice
from shared.clock import SHANGHAI

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)


def say(decision: wx.Decision) -> Say:
    assert isinstance(decision, Say), decision
    return decision


def submit(decision: wx.Decision) -> Draft:
    assert isinstance(decision, Submit), decision
    return decision.draft


@pytest.mark.parametrize("text, town", [
    ("太和镇新华村养猪场臭气熏天", "taihe"),
    ("重庆市合川区合阳城街道南园路", "heyangcheng"),
    ("河边有人倒垃圾，草街", "caojie"),  # a short name standing alone
    ("在草街河边有人倒垃圾", None),  # ... but not inside a sentence (too easily a word)
    ("钓鱼城", "diaoyucheng"),
    ("先说双凤镇，其实是在太和镇", "shuangfeng"),  # the first one named
    ("大石头下面有人埋垃圾", None),  # 大石 inside a word is not 大石街道
    ("taihe 有人烧垃圾", None),  # a code is not a name
    ("", None),
])
def test_a_town_is_found_by_its_full_name_anywhere_or_its_short_name_alone(text, town):
    found = wx.town_in(text)
    assert (found.code if found else None) == town


def test_a_description_without_a_place_asks_for_one_and_keeps_the_draft():
    decision = say(wx.converse(None, Text("  垃圾站好几天没人清运  "), msg_id="1"))
    assert decision.text == wx.ASK_PLACE
    assert decision.draft == Draft(content="垃圾站好几天没人清运", seen=["1"])


def test_a_location_completes_the_draft_and_finds_the_town_in_its_label():
    draft = Draft(content="垃圾站好几天没人清运")
    done = submit(wx.converse(draft, Location(29.97, 106.27, "合川区南津街街道"), msg_id="2"))
    assert (done.lat, done.lon, done.address, done.town) == (29.97, 106.27, "合川区南津街街道", "nanjinjie")
    assert draft.lat is None  # the stored draft is not changed in place


def test_1_submits_a_description_and_asks_for_one_when_there_is_none():
    assert submit(wx.converse(Draft(content="油烟直排"), Text("１"), msg_id="3")).content == "油烟直排"
    assert say(wx.converse(None, Text("1"), msg_id="3")).text == wx.ASK_CONTENT


def test_a_second_description_adds_to_the_first_and_a_town_in_it_submits():
    draft = say(wx.converse(None, Text("晚上一直有刺鼻气味"), msg_id="1")).draft
    done = submit(wx.converse(draft, Text("好像是太和镇那边的化工厂"), msg_id="2"))
    assert done.content == "晚上一直有刺鼻气味\n好像是太和镇那边的化工厂" and done.town == "taihe"


def test_a_town_alone_is_a_place_and_a_description_still_is_asked_for():
    decision = say(wx.converse(None, Text("太和镇"), msg_id="1"))
    assert decision.text == wx.ASK_CONTENT and decision.draft is not None and decision.draft.town == "taihe"
    assert submit(wx.converse(decision.draft, Text("河里漂着死鱼"), msg_id="2")).town == "taihe"


def test_a_message_seen_before_changes_nothing_and_gets_the_same_answer():
    draft = say(wx.converse(None, Text("工厂废水颜色发红"), msg_id="7")).draft
    again = say(wx.converse(draft, Text("工厂废水颜色发红"), msg_id="7"))
    assert again.text == wx.ASK_PLACE and again.draft is draft and draft is not None
    assert draft.content == "工厂废水颜色发红"


def test_queries_cancel_and_short_texts():
    assert wx.converse(None, Text("查询 HC261126-7KQ2XM4P"), msg_id="1") == Query("HC261126-7KQ2XM4P")
    assert wx.converse(None, Text("查询：hc261126-7kq2xm4p"), msg_id="1") == Query("hc261126-7kq2xm4p")
    assert say(wx.converse(None, Text("查询"), msg_id="1")).text == wx.ASK_CODE
    cancelled = say(wx.converse(Draft(content="噪音很大很大"), Text("取消"), msg_id="1"))
    assert cancelled.text == wx.CANCELLED and cancelled.draft is None
    assert say(wx.converse(None, Text("你好"), msg_id="1")).text == wx.TOO_SHORT
    assert say(wx.converse(Draft(content="噪音很大很大"), Text("嗯"), msg_id="1")).text == wx.ASK_PLACE
    placed = Draft(lat=30.0, lon=106.2)
    short = say(wx.converse(placed, Text("噪音"), msg_id="2"))
    assert short.text == wx.SHORT_DESCRIPTION and short.draft == Draft(lat=30.0, lon=106.2, seen=["2"])


def test_voice_images_events_and_other_messages():
    assert say(wx.converse(None, Voice(None), msg_id="1")).text == wx.VOICE_UNREADABLE
    assert submit(wx.converse(None, Voice("双槐镇电厂晚上噪声很大。"), msg_id="1")).content == "双槐镇电厂晚上噪声很大"
    noted = say(wx.converse(None, Image("http://mmbiz.qpic.cn/1", "m1"), msg_id="1"))
    assert noted.draft is not None and noted.draft.notes == ["http://mmbiz.qpic.cn/1"]
    assert noted.draft.full_content == "\n【微信图片】http://mmbiz.qpic.cn/1"
    full = Draft(notes=[f"n{i}" for i in range(wx.MAX_NOTES)])
    assert len(say(wx.converse(full, Image("http://x/10"), msg_id="2")).draft.notes) == wx.MAX_NOTES  # type: ignore[union-attr]
    assert say(wx.converse(None, Event("subscribe"), msg_id=None)).text == wx.WELCOME
    assert isinstance(wx.converse(None, Event("unsubscribe"), msg_id=None), Silent)
    assert say(wx.converse(None, Event("click"), msg_id=None)).text == wx.HOW_TO
    assert say(wx.converse(None, Other("video"), msg_id="1")).text == wx.UNSUPPORTED


def test_a_draft_survives_json_and_expires_after_the_ttl():
    draft = Draft(content="噪音", lat=1.5, lon=2.5, address="某路", town="taihe", notes=["u"], seen=["1"])
    assert Draft.from_json(draft.to_json()) == draft
    assert Draft.from_json('{"content": "x", "added_later": 1}') == Draft(content="x")
    assert wx.current(draft, NOW - wx.SESSION_TTL, NOW) is draft
    assert wx.current(draft, NOW - wx.SESSION_TTL - timedelta(seconds=1), NOW) is None


def test_the_channel_reference_names_the_user_by_a_digest_only():
    ref = wx.channel_ref("24100000000000001", "oAlice0123456789abcdefghijk")
    assert ref.startswith("24100000000000001:") and "oAlice" not in ref and len(ref) <= 128
    assert wx.reported_by(ref, "oAlice0123456789abcdefghijk")
    assert not wx.reported_by(ref, "oBob00123456789abcdefghijklm")
    assert wx.user_key("o1") != wx.user_key("o2") and len(wx.user_key("o1")) == 64
