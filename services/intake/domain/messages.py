"""What intake tells citizens by SMS (their own complaint only), and when.

Pure Python: the words, the link, and the rules — a message only to a mobile number the citizen gave
(never to an anonymous reporter, never for a grid worker's patrol finding), not at night (quiet hours:
queued until the morning). The private link is the citizen's credential, so the message is stored
encrypted (intake's cipher) and the log never shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

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
    from services.intake.domain.complaint import normalize_phone  # the one spelling of a number

    number = normalize_phone(phone)
    return number if number is not None and len(number) == 11 and number.startswith("1") else None


def _may_tell(sms: CitizenSms, channel: Channel, anonymous: bool, phone: str | None) -> str | None:
    if not sms.enabled or anonymous or channel is Channel.grid:
        return None
    return mobile(phone)


def receipt(sms: CitizenSms, *, complaint_id: str, tracking_code: str, channel: Channel, anonymous: bool,
            phone: str | None, token: str | None, at: datetime) -> OutboundMessage | None:
    """受理回执: the tracking code and the private link (to follow, add photos and rate)."""
    number = _may_tell(sms, channel, anonymous, phone)
    if number is None:
        return None
    link = sms.link(token) if token else None
    body = (f"{SIGNATURE}您的投诉已受理，查询码 {tracking_code}。"
            + (f"查看进度、补充照片和评价请打开 {link} （请勿转发）" if link else "可凭查询码和手机号后四位查询进度。"))
    return OutboundMessage(key=f"receipt:{complaint_id}", channel=Via.sms, recipient=number, body=body,
                           kind="receipt", not_before=quiet_hours_release(at, sms.quiet_hours))


def replied(sms: CitizenSms, *, complaint_id: str, tracking_code: str, channel: Channel, anonymous: bool,
            phone: str | None, token: str | None, reply_round: int, at: datetime) -> OutboundMessage | None:
    """办理回复: the department has answered; read it and say whether you are satisfied."""
    number = _may_tell(sms, channel, anonymous, phone)
    if number is None:
        return None
    link = sms.link(token) if token else None
    body = (f"{SIGNATURE}您的投诉（查询码 {tracking_code}）已有办理回复。"
            + (f"查看回复并评价：{link}" if link else "请凭查询码和手机号后四位查看回复并评价。"))
    return OutboundMessage(key=f"reply:{complaint_id}:{reply_round}", channel=Via.sms, recipient=number, body=body,
                           kind="reply", not_before=quiet_hours_release(at, sms.quiet_hours))


def reopened(sms: CitizenSms, *, complaint_id: str, tracking_code: str, channel: Channel, anonymous: bool,
             phone: str | None, reply_round: int, reply_due: datetime, at: datetime) -> OutboundMessage | None:
    """重办: the citizen said the reply was not good enough; the department is handling it again."""
    number = _may_tell(sms, channel, anonymous, phone)
    if number is None:
        return None
    due = reply_due.astimezone(SHANGHAI).strftime("%m月%d日")
    body = (f"{SIGNATURE}您对投诉（查询码 {tracking_code}）回复的不满意评价已收到，已交承办单位重新办理，"
            f"将于 {due} 前再次回复。")
    return OutboundMessage(key=f"reopened:{complaint_id}:{reply_round}", channel=Via.sms, recipient=number,
                           body=body, kind="reopened", not_before=quiet_hours_release(at, sms.quiet_hours))


def callback_link(sms: CitizenSms, *, complaint_id: str, tracking_code: str, channel: Channel, anonymous: bool,
                  phone: str | None, token: str | None, reply_round: int, at: datetime) -> OutboundMessage | None:
    """抽查回访: the round was drawn for a callback; the citizen may rate it by the link (or we call)."""
    number = _may_tell(sms, channel, anonymous, phone)
    link = sms.link(token) if token else None
    if number is None or link is None:
        return None  # without a link there is nothing to open: the phone call does it
    body = (f"{SIGNATURE}您的投诉（查询码 {tracking_code}）已办理回复，诚邀您评价办理结果：{link} "
            "我们也可能电话回访，感谢支持。")
    return OutboundMessage(key=f"callback:{complaint_id}:{reply_round}", channel=Via.sms, recipient=number,
                           body=body, kind="callback", not_before=quiet_hours_release(at, sms.quiet_hours))
