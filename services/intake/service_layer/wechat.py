"""The WeChat channel's handler: one message in, the passive reply's text out (within WeChat's 5 s).

The conversation itself is pure (`domain/wechat.py`); here it meets the draft store and intake's
one way of receiving a complaint (`handlers.receive_complaint`, the handler of `ReceiveComplaint`),
run in this unit of work so the complaint, the end of the draft and the sealed OpenID its template
messages go to commit together. Unfollowing the account forgets the user's OpenIDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.intake.domain.commands import ReceiveComplaint
from services.intake.domain.complaint import looks_like_code, normalize_code
from services.intake.domain.messages import CitizenSms
from services.intake.domain.wechat import (
    NOT_FOUND,
    SESSION_TTL,
    Draft,
    Event,
    HandleWechatMessage,
    Query,
    Say,
    Silent,
    Submit,
    channel_ref,
    converse,
    current,
    reported_by,
    status_text,
    submitted_text,
    user_key,
)
from services.intake.service_layer.uow import IntakeUnitOfWork
from shared.contracts.codes import Channel

if TYPE_CHECKING:
    from services.intake.service_layer.handlers import Cipher


@dataclass(frozen=True)
class WechatAnswer:
    """What to reply: `text` (None: nothing, WeChat is told "success"), and the complaint if one was made."""

    text: str | None
    tracking_code: str | None = None
    replayed: bool = False


def handle_wechat_message(cmd: HandleWechatMessage, uow: IntakeUnitOfWork, cipher: Cipher,
                          sms: CitizenSms) -> WechatAnswer:
    user = user_key(cmd.openid)
    ref = channel_ref(cmd.msg_id, cmd.openid) if cmd.msg_id else None
    if ref is not None and uow.channel_refs.get(Channel.wechat.value, ref) is not None:
        # WeChat's retry of the message that submitted: the channel reference gives the same answer.
        return _submit(uow, cipher, sms, cmd, ref, Draft())
    if isinstance(cmd.body, Event) and cmd.body.name == "unsubscribe":
        # Unfollowed: WeChat delivers them no template message any more, and intake keeps no way to reach
        # them (their complaints stay; the private link still opens them).
        uow.wechat_sessions.forget_recipient(cipher.index(cmd.openid))
        uow.wechat_sessions.discard(user)
        uow.commit()
        return WechatAnswer(None)
    now = uow.clock.now()
    stored = uow.wechat_sessions.get(user, for_update=True)
    draft = current(*stored, now) if stored is not None else None
    decision = converse(draft, cmd.body, msg_id=cmd.msg_id)
    if isinstance(decision, Silent):
        return WechatAnswer(None)
    if isinstance(decision, Query):
        return WechatAnswer(_status(uow, decision.tracking_code, cmd.openid))
    if isinstance(decision, Submit):
        uow.wechat_sessions.discard(user)  # commits with the complaint, or not at all
        if ref is None:  # a submission always comes from a message with an id; an event never submits
            raise AssertionError("a WeChat submission without a MsgId")
        return _submit(uow, cipher, sms, cmd, ref, decision.draft)
    assert isinstance(decision, Say)
    if decision.draft is None:
        uow.wechat_sessions.discard(user)
    else:
        uow.wechat_sessions.purge(before=now - SESSION_TTL)
        uow.wechat_sessions.save(user, decision.draft, now)
    uow.commit()
    return WechatAnswer(decision.text)


def _submit(uow: IntakeUnitOfWork, cipher: Cipher, sms: CitizenSms, cmd: HandleWechatMessage, ref: str,
            draft: Draft) -> WechatAnswer:
    """受理 through the same handler as every channel; the channel reference makes a retry a replay."""
    # Imported here: handlers.py imports this module for its COMMAND_HANDLERS table.
    from services.intake.service_layer.handlers import receive_complaint

    received = receive_complaint(ReceiveComplaint(
        channel=Channel.wechat, channel_ref=ref, content=draft.full_content, town=draft.town,
        address=draft.address, lat=draft.lat, lon=draft.lon, wechat_openid=cmd.openid,
    ), uow, cipher, sms)
    link = f"{cmd.link_base.rstrip('/')}/r/{received.citizen_token}"
    return WechatAnswer(submitted_text(received.tracking_code, link), received.tracking_code, received.replayed)


def _status(uow: IntakeUnitOfWork, tracking_code: str, openid: str) -> str:
    """The status of one of this user's complaints; any other code answers as an unknown one does."""
    code = normalize_code(tracking_code)
    complaint = uow.complaints.by_tracking_code(code) if looks_like_code(code) else None
    if complaint is None or complaint.channel is not Channel.wechat or \
            not any(reported_by(ref, openid) for ref in uow.wechat_sessions.refs_of(complaint.complaint_id)):
        return NOT_FOUND
    return status_text(complaint.citizen_view(uow.department_names.directory()))
