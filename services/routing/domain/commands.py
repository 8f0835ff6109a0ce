"""Commands: what a person asks routing to do, in the imperative.

`acting_for` is the one department a dispatcher may act for; None means any (supervisors, admins).
A case outside it is reported as not found, so a dispatcher cannot probe other departments' cases.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AssignCase:
    """A supervisor routes a triaged or returned case by hand (人工分拨)."""

    complaint_id: str
    department: str
    actor: str
    category: str | None = None
    subcategory: str | None = None


@dataclass(frozen=True)
class AcceptCase:
    """签收"""

    complaint_id: str
    actor: str
    acting_for: str | None


@dataclass(frozen=True)
class ReplyCase:
    """回复"""

    complaint_id: str
    reply: str
    actor: str
    acting_for: str | None


@dataclass(frozen=True)
class ReturnCase:
    """退单"""

    complaint_id: str
    reason: str
    actor: str
    acting_for: str | None


@dataclass(frozen=True)
class RequestExtension:
    """延期申请"""

    complaint_id: str
    working_days: int
    reason: str
    actor: str
    acting_for: str | None


@dataclass(frozen=True)
class DecideExtension:
    """延期审批 by a supervisor."""

    complaint_id: str
    approve: bool
    actor: str


Command = AssignCase | AcceptCase | ReplyCase | ReturnCase | RequestExtension | DecideExtension
