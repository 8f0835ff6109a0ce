"""The WeChat official account (公众号) conversation: a few messages make one complaint.

Pure Python. A citizen writes (or speaks) what is wrong, then sends where (a location, or a town's
name); images are noted. The state between messages is a `Draft`, kept per user for
`SESSION_TTL`. `converse()` decides what one message does: say something back (and keep or end
the draft), submit the draft as a complaint, or look up a complaint's status. The adapters turn
WeChat's XML into the message types here and the answer back into XML; nothing here knows XML,
signatures or the database.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.intake.domain.views import CitizenView
from shared.contracts.codes import TOWNS, Town, find_town

SESSION_TTL = timedelta(minutes=30)  # an unfinished report is forgotten after this long without a message
MIN_CONTENT = 5  # characters of a description (fewer is a greeting or a typo, not a complaint)
MAX_CONTENT = 2000  # the description, with follow-up messages appended, is cut here
MAX_NOTES = 9  # images noted on one draft (WeChat lets a user pick nine at once)
MAX_SEEN = 20  # message ids remembered per draft, to recognise WeChat's retries
SUBMIT_WORDS = frozenset({"1", "提交", "直接提交"})
CANCEL_WORDS = frozenset({"取消", "0", "重新开始"})
QUERY = re.compile(r"^(?:查询|查|进度|查进度)\s*[:：]?\s*(?P<code>\S*)$", re.IGNORECASE)
# What separates the parts of a text in which a town's name may stand alone ("太和，某某村").
_SEPARATORS = re.compile(r"[\s,，。.;；:：!！?？、/|()（）\[\]【】\"'“”‘’]+")
_TRAILING = "。.!！?？~～ "


# --- messages, as the adapters hand them over ------------------------------------------------------


@dataclass(frozen=True)
class Text:
    content: str


@dataclass(frozen=True)
class Voice:
    recognition: str | None  # WeChat's speech recognition (when the account has it switched on)
    media_id: str | None = None


@dataclass(frozen=True)
class Image:
    pic_url: str | None
    media_id: str | None = None


@dataclass(frozen=True)
class Location:
    lat: float  # Location_X
    lon: float  # Location_Y
    label: str | None = None  # the place's name as WeChat shows it


@dataclass(frozen=True)
class Event:
    name: str  # subscribe, unsubscribe, click, view, location, scan, ... (lower case)


@dataclass(frozen=True)
class Other:
    msg_type: str  # video, link, file, ...: nothing a report can use yet


Body = Text | Voice | Image | Location | Event | Other


@dataclass(frozen=True)
class HandleWechatMessage:
    """Command: one message a WeChat user sent the official account (its signature already checked).

    `openid` is the user's id for this account (FromUserName), `msg_id` WeChat's MsgId (None for
    events), `link_base` where the private link points (PUBLIC_BASE_URL or the request's own URL).
    """

    openid: str = field(repr=False)
    msg_id: str | None
    body: Body
    link_base: str


# --- the user, as intake keeps them ------------------------------------------------------------------


def user_key(openid: str) -> str:
    """What intake stores instead of the OpenID (sessions, channel references): its sha256.

    The reply goes to the OpenID in the message itself; only a submitted complaint keeps it, encrypted,
    for its template messages (`intake_wechat_recipients`).
    """
    return hashlib.sha256(f"wechat-openid:{openid}".encode()).hexdigest()


def channel_ref(msg_id: str, openid: str) -> str:
    """The complaint's channel reference: WeChat's MsgId and (a digest of) who sent it.

    The same MsgId again (WeChat retries three times) finds the same complaint; the digest lets the
    user who reported it query it, and nobody else.
    """
    return f"{msg_id}:{user_key(openid)[:32]}"


def reported_by(ref: str, openid: str) -> bool:
    return ref.endswith(f":{user_key(openid)[:32]}")


# --- the unfinished report ------------------------------------------------------------------------------


@dataclass
class Draft:
    content: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    town: str | None = None  # a town code (shared.contracts.codes.TOWNS)
    notes: list[str] = field(default_factory=list)  # images (attachments come later: a link is noted)
    seen: list[str] = field(default_factory=list)  # MsgIds already applied (WeChat's retries change nothing)

    @property
    def has_place(self) -> bool:
        return self.town is not None or (self.lat is not None and self.lon is not None)

    @property
    def full_content(self) -> str:
        """The description, with the noted images at the end (staff see where to find them)."""
        content = self.content or ""
        if self.notes:
            content += "\n" + "\n".join(f"【微信图片】{note}" for note in self.notes)
        return content

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Draft:
        data: dict[str, Any] = json.loads(text)
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{name: value for name, value in data.items() if name in known})

    def remember(self, msg_id: str | None) -> None:
        if msg_id:
            self.seen = [*self.seen, msg_id][-MAX_SEEN:]


def current(draft: Draft | None, updated_at: datetime | None, now: datetime) -> Draft | None:
    """The draft if it is still fresh; an older one is forgotten (the citizen starts again)."""
    if draft is None or updated_at is None or now - updated_at > SESSION_TTL:
        return None
    return draft


# --- what one message does -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """Answer with `text`; keep `draft` (None: the conversation ends, nothing is kept)."""

    text: str
    draft: Draft | None


@dataclass(frozen=True)
class Submit:
    """The draft is complete: receive it as a complaint (the session ends with it)."""

    draft: Draft


@dataclass(frozen=True)
class Query:
    """`查询 <code>`: the status of one of this user's complaints."""

    tracking_code: str


@dataclass(frozen=True)
class Silent:
    """Nothing to answer (unsubscribe, menu links, periodic location reports)."""


Decision = Say | Submit | Query | Silent


HOW_TO = ("反映环境问题：直接发送文字或语音，说明什么时间、什么地方、有什么问题（如噪声、异味、污水）；"
          "再点“+”发送“位置”，或回复所在镇街名称。\n查询进度：回复“查询 查询码”。")
WELCOME = "感谢关注合川区生态环境局！\n" + HOW_TO
ASK_PLACE = ("已记录您反映的问题。请点“+”发送问题发生地的“位置”，或回复所在镇街名称（如“太和镇”）；"
             "不便提供位置请回复 1 直接提交。")
ASK_CONTENT = "请用文字或语音描述您要反映的问题（至少 5 个字），说明时间、地点和现象。"
PLACE_NOTED = "已收到位置（{place}）。"
IMAGE_NOTED = "已收到图片（图片附件功能即将上线，目前仅记录图片供工作人员参考）。"
VOICE_UNREADABLE = "未能识别这段语音，请改用文字描述问题。"
TOO_SHORT = "内容太短，无法受理。" + HOW_TO
SHORT_DESCRIPTION = "内容太短。" + ASK_CONTENT
CANCELLED = "已取消，未提交的内容已清除。需要反映问题时请重新发送描述。"
NOTHING_TO_CANCEL = "当前没有未提交的内容。" + HOW_TO
ASK_CODE = "请回复“查询 查询码”，例如：查询 HC261130-7KQ2XM4P。"
UNSUPPORTED = "暂不支持该类消息。" + HOW_TO
SUBMITTED = ("您反映的问题已受理。\n查询码：{code}\n进度和评价请打开您的专属链接（请勿转发）：{link}\n"
             "也可回复“查询 {code}”了解办理情况。")
NOT_FOUND = "未找到该查询码对应的投诉。只能查询本微信号反映的问题，请核对查询码。"
STATUS = "查询码：{code}\n状态：{status}"
_SILENT_EVENTS = frozenset({"unsubscribe", "view", "location", "view_miniprogram", "templatesendjobfinish"})


def converse(draft: Draft | None, body: Body, *, msg_id: str | None) -> Decision:
    """What `body` does to the (fresh or absent) draft.

    A message WeChat sends again (a MsgId already applied) changes nothing and gets the answer it
    would get now; a retry of a message that submitted never gets here (its channel reference finds
    the complaint first).
    """
    if draft is not None and msg_id and msg_id in draft.seen:
        decision = _step(copy.deepcopy(draft), body)
        return Say(decision.text, draft) if isinstance(decision, Say) else decision
    decision = _step(copy.deepcopy(draft) if draft is not None else None, body)
    if isinstance(decision, Say) and decision.draft is not None:
        decision.draft.remember(msg_id)
    return decision


def _step(draft: Draft | None, body: Body) -> Decision:
    if isinstance(body, Event):
        if body.name in ("subscribe", "subscribe_scan"):
            return Say(WELCOME, draft)
        return Silent() if body.name in _SILENT_EVENTS else Say(HOW_TO, draft)
    if isinstance(body, Text):
        return _text(draft, body.content, typed=True)
    if isinstance(body, Voice):
        if not body.recognition or not body.recognition.strip(_TRAILING):
            return Say(VOICE_UNREADABLE, draft)
        return _text(draft, body.recognition.strip(_TRAILING), typed=False)
    if isinstance(body, Image):
        draft = draft or Draft()
        note = body.pic_url or (f"media_id={body.media_id}" if body.media_id else None)
        if note and len(draft.notes) < MAX_NOTES:
            draft.notes.append(note)
        return Say(IMAGE_NOTED + _next(draft), draft)
    if isinstance(body, Location):
        draft = draft or Draft()
        draft.lat, draft.lon = body.lat, body.lon
        draft.address = body.label.strip() or None if body.label else None
        town = town_in(body.label or "")
        if town is not None:
            draft.town = town.code
        if draft.content:
            return Submit(draft)
        return Say(PLACE_NOTED.format(place=draft.address or f"{body.lat:.5f}, {body.lon:.5f}") + ASK_CONTENT, draft)
    return Say(UNSUPPORTED, draft)


def _text(draft: Draft | None, raw: str, *, typed: bool) -> Decision:
    text = raw.strip()
    if typed:
        command = unicodedata.normalize("NFKC", text)  # full-width "１" and "：" are what phones often type
        query = QUERY.match(command)
        if query is not None:
            code = query.group("code")
            return Query(code) if code else Say(ASK_CODE, draft)
        if command in SUBMIT_WORDS:
            if draft is not None and draft.content:
                return Submit(draft)
            return Say(ASK_CONTENT, draft)
        if command in CANCEL_WORDS:
            return Say(CANCELLED if draft is not None else NOTHING_TO_CANCEL, None)
    town = town_in(text)
    if len(text) < MIN_CONTENT and town is None:
        if draft is None:
            return Say(TOO_SHORT, None)
        return Say(_next(draft) if draft.content else SHORT_DESCRIPTION, draft)
    draft = draft or Draft()
    if town is not None:
        draft.town = draft.town or town.code
    if len(text) >= MIN_CONTENT:  # a description (a later one adds to the first)
        added = f"{draft.content}\n{text}" if draft.content else text
        draft.content = added[:MAX_CONTENT]
    if draft.content and draft.has_place:
        return Submit(draft)
    return Say(_next(draft), draft)


def _next(draft: Draft) -> str:
    """What is still missing."""
    if not draft.content:
        return ASK_CONTENT
    return "" if draft.has_place else ASK_PLACE


# --- towns named in a text ------------------------------------------------------------------------------


def town_in(text: str) -> Town | None:
    """The first of Hechuan's 30 towns a text names: a full name anywhere ("太和镇", "合阳城街道"), or a
    short one standing alone between separators ("太和，某某村")."""
    found: list[tuple[int, Town]] = []
    for town in TOWNS.values():
        at = text.find(town.name)
        if at >= 0:
            found.append((at, town))
    if found:
        return min(found, key=lambda hit: hit[0])[1]
    for part in _SEPARATORS.split(text):
        named = find_town(part) if part and part not in TOWNS else None  # codes are ASCII: not a name
        if named is not None:
            return named
    return None


# --- answers that need intake's records ------------------------------------------------------------------


MAX_REPLY_SHOWN = 600  # characters of a department's reply quoted in a WeChat text (2,048 bytes at most)


def submitted_text(tracking_code: str, link: str) -> str:
    return SUBMITTED.format(code=tracking_code, link=link)


def status_text(view: CitizenView) -> str:
    """`查询 <code>`: the status, the handling unit and its reply, as the tracking page shows them."""
    lines = [STATUS.format(code=view.tracking_code, status=view.status_label)]
    if view.type_label:
        lines.append(f"类别：{view.type_label}")
    if view.department_name:
        lines.append(f"承办单位：{view.department_name}")
    if view.reply:
        reply = view.reply if len(view.reply) <= MAX_REPLY_SHOWN else view.reply[:MAX_REPLY_SHOWN] + "……"
        lines.append(f"答复：{reply}")
    if view.can_rate:
        lines.append("欢迎通过受理时收到的专属链接评价办理结果。")
    return "\n".join(lines)
