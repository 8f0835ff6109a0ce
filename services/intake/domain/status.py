"""A complaint's state as the citizen is told it, and the Chinese labels of states, ratings and types."""

from __future__ import annotations

from enum import StrEnum

from shared.contracts.codes import CATEGORY_NAMES, SUBCATEGORIES, Rating


class Status(StrEnum):
    received = "received"  # 已受理
    triage = "triage"  # 分拨中
    assigned = "assigned"  # 已交办
    accepted = "accepted"  # 办理中 (签收)
    replied = "replied"  # 已回复
    closed = "closed"  # 已办结 (rated)
    rejected = "rejected"  # 不予受理
    forwarded = "forwarded"  # 已转办 (to the body that handles it, outside the bureau)


STATUS_LABELS = {
    Status.received: "已受理", Status.triage: "分拨中", Status.assigned: "已交办", Status.accepted: "办理中",
    Status.replied: "已回复", Status.closed: "已办结", Status.rejected: "不予受理",
    Status.forwarded: "已转办",
}

RATING_LABELS = {Rating.satisfied: "满意", Rating.basically_satisfied: "基本满意", Rating.unsatisfied: "不满意"}


def type_label(category: str | None, subcategory: str | None) -> str | None:
    if not category:
        return None
    name = CATEGORY_NAMES.get(category, category)
    if subcategory:
        return f"{name} / {SUBCATEGORIES.get(category, {}).get(subcategory, subcategory)}"
    return name
