"""What intake tells citizens by SMS (their own complaint only), and when.

Pure Python: the words, the link, and the rules — a message only to a mobile number the citizen gave
(never to an anonymous reporter, never for a grid worker's patrol finding), not at night (quiet hours:
queued until the morning). The private link is the citizen's credential, so the message is stored
encrypted (intake's cipher) and the log never shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from services.intake.domain.complaint import normalize_phone  # the one spelling of a number
from shared.clock import SHANGHAI
from shared.contracts.codes import Channel
from shared.outbound import Channel as Via
from shared.outbound import OutboundMessage, quiet_hours_release

SIGNATURE = "【合川区生态环境局】"


@dataclass(frozen=True)
class CitizenSms:
    """The settings of citizens' SMS: on or off, the site's address for links, the quiet hours."""

    enabled: bool = True
    base_url: str | None = None  # PUBLIC_BASE_URL: links need the address citizens open
    quiet_hours: tuple[time, time] | None = (time(22, 0), time(8, 0))

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


def _sms(sms: CitizenSms, citizen: Citizen, *, kind: str, cause: str, body: str,
         at: datetime) -> OutboundMessage | None:
    """The message, or None when this citizen is not told by SMS (off, anonymous, a patrol finding, no mobile)."""
    if not sms.enabled or citizen.anonymous or citizen.channel is Channel.grid:
        return None
    number = mobile(citizen.phone)
    if number is None:
        return None
    return OutboundMessage(key=f"{kind}:{citizen.complaint_id}{cause}", channel=Via.sms, recipient=number,
                           body=SIGNATURE + body, kind=kind, not_before=quiet_hours_release(at, sms.quiet_hours))


def receipt(sms: CitizenSms, citizen: Citizen, *, at: datetime) -> OutboundMessage | None:
    """受理回执: the tracking code and the private link (to follow, add photos and rate)."""
    link = sms.link(citizen.token) if citizen.token else None
    body = (f"您的投诉已受理，查询码 {citizen.tracking_code}。"
            + (f"查看进度、补充照片和评价请打开 {link} （请勿转发）" if link else "可凭查询码和手机号后四位查询进度。"))
    return _sms(sms, citizen, kind="receipt", cause="", body=body, at=at)


def replied(sms: CitizenSms, citizen: Citizen, *, reply_round: int, at: datetime) -> OutboundMessage | None:
    """办理回复: the department has answered; read it and say whether you are satisfied."""
    link = sms.link(citizen.token) if citizen.token else None
    body = (f"您的投诉（查询码 {citizen.tracking_code}）已有办理回复。"
            + (f"查看回复并评价：{link}" if link else "请凭查询码和手机号后四位查看回复并评价。"))
    return _sms(sms, citizen, kind="reply", cause=f":{reply_round}", body=body, at=at)


def reopened(sms: CitizenSms, citizen: Citizen, *, reply_round: int, reply_due: datetime,
             at: datetime) -> OutboundMessage | None:
    """重办: the citizen said the reply was not good enough; the department is handling it again."""
    due = reply_due.astimezone(SHANGHAI).strftime("%m月%d日")
    body = (f"您对投诉（查询码 {citizen.tracking_code}）回复的不满意评价已收到，已交承办单位重新办理，"
            f"将于 {due} 前再次回复。")
    return _sms(sms, citizen, kind="reopened", cause=f":{reply_round}", body=body, at=at)


def callback_link(sms: CitizenSms, citizen: Citizen, *, reply_round: int, at: datetime) -> OutboundMessage | None:
    """抽查回访: the round was drawn for a callback; the citizen may rate it by the link (or we call)."""
    link = sms.link(citizen.token) if citizen.token else None
    if link is None:
        return None  # without a link there is nothing to open: the phone call does it
    body = (f"您的投诉（查询码 {citizen.tracking_code}）已办理回复，诚邀您评价办理结果：{link} "
            "我们也可能电话回访，感谢支持。")
    return _sms(sms, citizen, kind="callback", cause=f":{reply_round}", body=body, at=at)
