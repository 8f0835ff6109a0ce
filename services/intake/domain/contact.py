"""Reading a reporter's name and number in clear (查看联系方式): who may, and why they say they do.

Staff see masked values everywhere; the clear contact is read one complaint at a time, for a stated
purpose, and every read is kept (who, when, which complaint, why) for supervisors to review. A purpose
of `other` needs the reason in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.errors import InvalidInput


class ContactPurpose(StrEnum):
    callback = "callback"  # 满意度回访
    verification = "verification"  # 核实情况（联系投诉人了解现场）
    petition = "petition"  # 信访件处理（告知、答复）
    other = "other"  # 其他：须写明理由


PURPOSE_LABELS = {
    ContactPurpose.callback: "满意度回访",
    ContactPurpose.verification: "核实情况",
    ContactPurpose.petition: "信访件处理",
    ContactPurpose.other: "其他",
}
REASON_MAX = 200


def checked_reason(purpose: ContactPurpose, reason: str | None) -> str | None:
    """The reason kept with the read: required (and kept) for `other`, optional for the rest."""
    reason = (reason or "").strip() or None
    if purpose is ContactPurpose.other and reason is None:
        raise InvalidInput("查看联系方式的用途为“其他”时须写明理由 / purpose 'other' needs a reason")
    if reason is not None and len(reason) > REASON_MAX:
        raise InvalidInput(f"理由不能超过 {REASON_MAX} 字 / the reason is longer than {REASON_MAX} characters")
    return reason


@dataclass(frozen=True)
class ContactView:
    """One read of a reporter's contact in clear."""

    complaint_id: str
    read_by: str
    read_at: datetime
    purpose: ContactPurpose
    reason: str | None

    @property
    def purpose_label(self) -> str:
        return PURPOSE_LABELS[self.purpose]
