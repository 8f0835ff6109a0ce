"""The complaint as the citizen knows it: what was reported, and how its handling looks from outside.

Pure Python. Staff names never appear here; the handling unit is shown as a department.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shared.contracts.codes import CATEGORY_NAMES, DEPARTMENTS, SUBCATEGORIES, Rating


class Status(StrEnum):
    received = "received"  # 已受理
    triage = "triage"  # 分拨中
    assigned = "assigned"  # 已交办
    accepted = "accepted"  # 办理中 (签收)
    replied = "replied"  # 已回复
    closed = "closed"  # 已办结 (rated)
    rejected = "rejected"  # 不予受理


STATUS_LABELS = {
    Status.received: "已受理", Status.triage: "分拨中", Status.assigned: "已交办", Status.accepted: "办理中",
    Status.replied: "已回复", Status.closed: "已办结", Status.rejected: "不予受理",
}

RATING_LABELS = {Rating.satisfied: "满意", Rating.basically_satisfied: "基本满意", Rating.unsatisfied: "不满意"}

# Crockford's base32 without I, L, O, U: easy to read out over the phone.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_CODE = re.compile(r"^HC\d{6}-[0-9A-Z]{6}$")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def new_tracking_code(received_at: datetime) -> str:
    """HC261128-7KQ2XM: the day it was received, then 30 random bits (not guessable)."""
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"HC{received_at:%y%m%d}-{suffix}"


def phone_last4(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-4:]


def type_label(category: str | None, subcategory: str | None) -> str | None:
    if not category:
        return None
    name = CATEGORY_NAMES.get(category, category)
    if subcategory:
        return f"{name} / {SUBCATEGORIES.get(category, {}).get(subcategory, subcategory)}"
    return name


def department_label(code: str | None) -> str | None:
    return DEPARTMENTS.get(code, code) if code else None


@dataclass
class TimelineEntry:
    at: datetime
    status: str
    text: str  # what the citizen reads, in Chinese


@dataclass
class CitizenView:
    """What the tracking page shows (no other citizen's data, no staff names)."""

    tracking_code: str
    status: Status
    received_at: datetime
    channel: str
    content: str
    category: str | None
    subcategory: str | None
    town: str | None
    department: str | None
    reply: str | None
    replied_at: datetime | None
    reply_round: int
    rating: str | None
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def can_rate(self) -> bool:
        """A reply can be rated (and a rating changed: the latest counts for the round)."""
        return ratable(self.status, self.reply)


class RatingRefused(Exception):
    pass


def ratable(status: str, reply: str | None) -> bool:
    return status in (Status.replied, Status.closed) and reply is not None


def check_can_rate(status: str, reply: str | None) -> None:
    if not ratable(status, reply):
        raise RatingRefused("该投诉尚未回复，暂不能评价 / there is no reply to rate yet")
