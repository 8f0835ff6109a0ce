"""Commands (what a person asks routing to do, in the imperative) and queries (what they ask to see).

`acting_for` is the one department a dispatcher may act for; None means any (supervisors, admins).
A case outside it is reported as not found, so a dispatcher cannot probe other departments' cases.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.routing.domain.case import OPEN, Status


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


@dataclass(frozen=True)
class DefineDepartment:
    """新增承办单位 (admin): it gets a dispatch topic, a queue, and its name everywhere."""

    code: str
    name: str
    kind: str
    actor: str


@dataclass(frozen=True)
class UpdateDepartment:
    """Rename a department, or switch it off (no new cases) or on again (admin)."""

    code: str
    actor: str
    name: str | None = None
    active: bool | None = None


# --- queries: handled by the bus like commands, never committing -----------------------------------


@dataclass(frozen=True)
class DepartmentQueue:
    """A department's cases (in `statuses`), the one closest to a missed deadline first."""

    department: str
    acting_for: str | None
    statuses: tuple[Status, ...] = OPEN


@dataclass(frozen=True)
class CaseDetail:
    complaint_id: str
    acting_for: str | None


@dataclass(frozen=True)
class TriageList:
    """Cases waiting for a person to route them (supervisors)."""


@dataclass(frozen=True)
class Classify:
    """What routing would do with this text, and why (for operators while they type)."""

    content: str
    address: str | None = None


@dataclass(frozen=True)
class ListDepartments:
    """The department directory, inactive departments included."""
