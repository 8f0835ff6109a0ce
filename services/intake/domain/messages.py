"""What intake tells citizens (their own complaint only), by SMS and by WeChat template message, and when.

Pure Python: the words, the link, and the rules — an SMS only to a mobile number the citizen gave, a
WeChat template message (公众号模板消息) only to the WeChat user who reported through the official
account and only for the moments a template is configured for; never to an anonymous reporter, never
for a grid worker's patrol finding, not at night (quiet hours: queued until the morning). Each moment
gives a list: nothing, an SMS, a WeChat message, or both. The private link is the citizen's credential
and the OpenID identifies them, so messages are stored encrypted (intake's cipher) and the log never
shows either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time

from services.intake.domain.complaint import normalize_phone  # the one spelling of a number
from shared.clock import SHANGHAI
from shared.contracts.codes import Channel
from shared.outbound import Channel as Via
from shared.outbound import OutboundMessage, quiet_hours_release

SIGNATURE = "【合川区生态环境局】"
# The moments a citizen is told of (a message's kind); WECHAT_TEMPLATE_IDS names a template per kind.
KINDS = ("receipt", "reply", "callback", "reopened")
# What a WeChat template message carries; WECHAT_TEMPLATE_FIELDS maps each onto the template's keywords.
CARD_FIELDS = ("code", "status", "time", "note")
# Channels whose reporter intake never tells: a grid worker's patrol finding; a case an upstream platform
# transferred (the platform tells its citizen, who never got our tracking code or private link).
UNTOLD = frozenset({Channel.grid, Channel.upstream})


@dataclass(frozen=True)
class CitizenSms:
    """The settings of citizens' messages: SMS on or off, the site's address for links, the quiet hours
    (SMS and WeChat alike), and the kinds a WeChat template is configured for (none: no WeChat messages)."""

    enabled: bool = True
    base_url: str | None = None  # PUBLIC_BASE_URL: links need the address citizens open
    quiet_hours: tuple[time, time] | None = (time(22, 0), time(8, 0))
    wechat: frozenset[str] = frozenset()  # the kinds of WECHAT_TEMPLATE_IDS

    def link(self, token: str) -> str | None:
        return f"{self.base_url}/r/{token}" if self.base_url else None


def mobile(phone: str | None) -> str | None:
    """The number an SMS can reach (a Chinese mobile, digits only), or None (a landline, nothing)."""
    number = normalize_phone(phone)
    return number if number is not None and len(number) == 11 and number.startswith("1") else None


@dataclass(frozen=True)
class Citizen:
    """Who a message is about and for: the complaint, and its reporter's number and private token in clear."""

    complaint_id: str
    tracking_code: str
    channel: Channel
    anonymous: bool
    phone: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    openid: str | None = field(default=None, repr=False)  # the WeChat user who reported it (WeChat channel only)


@dataclass(frozen=True)
class Card:
    """A WeChat template message's words: the status (≤ 5 characters, a template's `phrase` keyword), a
    note (≤ 20, a `thing`) and the link the card opens (the private link, when there is a public address).
    The tracking code and the time go with them; the sender maps the four onto the template's keywords."""

    status: str
    note: str
    url: str | None = field(default=None, repr=False)


def _sms(sms: CitizenSms, citizen: Citizen, *, kind: str, cause: str, body: str,
         at: datetime) -> OutboundMessage | None:
    """The message, or None when this citizen is not told by SMS (off, anonymous, a patrol finding, no mobile)."""
    if not sms.enabled or citizen.anonymous or citizen.channel in UNTOLD:
        return None
    number = mobile(citizen.phone)
    if number is None:
        return None
    return OutboundMessage(key=f"{kind}:{citizen.complaint_id}{cause}", channel=Via.sms, recipient=number,
                           body=SIGNATURE + body, kind=kind, not_before=quiet_hours_release(at, sms.quiet_hours))


def _wechat(sms: CitizenSms, citizen: Citizen, *, kind: str, cause: str, card: Card,
            at: datetime) -> OutboundMessage | None:
    """The template message, or None when this citizen is not told by WeChat (no template for the kind,
    anonymous, a patrol finding, not reported through the official account). The key is the SMS's with
    `:wechat`: one of each per moment, however often the cause comes again."""
    if kind not in sms.wechat or citizen.anonymous or citizen.channel in UNTOLD or not citizen.openid:
        return None
    fields = {"code": citizen.tracking_code, "status": card.status,
              "time": at.astimezone(SHANGHAI).strftime("%Y年%m月%d日 %H:%M"), "note": card.note}
    body = json.dumps({"kind": kind, "fields": fields, "url": card.url}, ensure_ascii=False)
    return OutboundMessage(key=f"{kind}:{citizen.complaint_id}{cause}:wechat", channel=Via.wechat,
                           recipient=citizen.openid, body=body, kind=kind,
                           not_before=quiet_hours_release(at, sms.quiet_hours))


def _told(*messages: OutboundMessage | None) -> list[OutboundMessage]:
    return [message for message in messages if message is not None]


def receipt(sms: CitizenSms, citizen: Citizen, *, at: datetime) -> list[OutboundMessage]:
    """受理回执: the tracking code and the private link (to follow, add photos and rate)."""
    link = sms.link(citizen.token) if citizen.token else None
    body = (f"您的投诉已受理，查询码 {citizen.tracking_code}。"
            + (f"查看进度、补充照片和评价请打开 {link} （请勿转发）" if link else "可凭查询码和手机号后四位查询进度。"))
    card = Card("已受理", "点击查看进度、补充照片和评价" if link else "回复“查询 查询码”了解进度", link)
    return _told(_sms(sms, citizen, kind="receipt", cause="", body=body, at=at),
                 _wechat(sms, citizen, kind="receipt", cause="", card=card, at=at))


def replied(sms: CitizenSms, citizen: Citizen, *, reply_round: int, at: datetime) -> list[OutboundMessage]:
    """办理回复: the department has answered; read it and say whether you are satisfied."""
    link = sms.link(citizen.token) if citizen.token else None
    body = (f"您的投诉（查询码 {citizen.tracking_code}）已有办理回复。"
            + (f"查看回复并评价：{link}" if link else "请凭查询码和手机号后四位查看回复并评价。"))
    card = Card("已回复", "点击查看回复并评价" if link else "回复“查询 查询码”查看回复", link)
    return _told(_sms(sms, citizen, kind="reply", cause=f":{reply_round}", body=body, at=at),
                 _wechat(sms, citizen, kind="reply", cause=f":{reply_round}", card=card, at=at))


def reopened(sms: CitizenSms, citizen: Citizen, *, reply_round: int, reply_due: datetime,
             at: datetime) -> list[OutboundMessage]:
    """重办: the citizen said the reply was not good enough; the department is handling it again."""
    due = reply_due.astimezone(SHANGHAI).strftime("%m月%d日")
    body = (f"您对投诉（查询码 {citizen.tracking_code}）回复的不满意评价已收到，已交承办单位重新办理，"
            f"将于 {due} 前再次回复。")
    link = sms.link(citizen.token) if citizen.token else None
    card = Card("重新办理", f"将于{due}前再次回复", link)
    return _told(_sms(sms, citizen, kind="reopened", cause=f":{reply_round}", body=body, at=at),
                 _wechat(sms, citizen, kind="reopened", cause=f":{reply_round}", card=card, at=at))


def callback_link(sms: CitizenSms, citizen: Citizen, *, reply_round: int, at: datetime) -> list[OutboundMessage]:
    """抽查回访: the round was drawn for a callback; the citizen may rate it by the link (or we call)."""
    link = sms.link(citizen.token) if citizen.token else None
    if link is None:
        return []  # without a link there is nothing to open: the phone call does it
    body = (f"您的投诉（查询码 {citizen.tracking_code}）已办理回复，诚邀您评价办理结果：{link} "
            "我们也可能电话回访，感谢支持。")
    card = Card("待评价", "诚邀您点击评价办理结果", link)
    return _told(_sms(sms, citizen, kind="callback", cause=f":{reply_round}", body=body, at=at),
                 _wechat(sms, citizen, kind="callback", cause=f":{reply_round}", card=card, at=at))


def reward_approved(sms: CitizenSms, citizen: Citizen, *, reward_id: str, amount_yuan: str, claim_due: date,
                    at: datetime) -> list[OutboundMessage]:
    """举报奖励 (docs/rewards.md): the report was found true and its reporter, the first to report it, is
    rewarded; claim it by the last day. SMS only (a real-name reporter gave a mobile number); no link."""
    body = (f"您举报的生态环境违法行为（查询码 {citizen.tracking_code}）经查证属实，依规给予举报奖励 {amount_yuan} 元。"
            f"请于 {claim_due.year}年{claim_due.month}月{claim_due.day}日 前携本人身份证件及查询码"
            "到合川区生态环境局领取，逾期视为自动放弃。")
    return _told(_sms(sms, citizen, kind="reward", cause=f":{reward_id}", body=body, at=at))
