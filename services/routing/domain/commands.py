"""Commands (what a person asks routing to do, in the imperative) and queries (what they ask to see).

`acting_for` is the one department a dispatcher may act for; None means any (supervisors, admins).
A case outside it is reported as not found, so a dispatcher cannot probe other departments' cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from services.routing.domain.case import OPEN, AssistStatus, Status
from services.routing.domain.rules import RuleSpec


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
class RejectCase:
    """不予受理 by a supervisor: the reason is what the citizen reads."""

    complaint_id: str
    reason: str
    actor: str


@dataclass(frozen=True)
class ForwardCase:
    """转办 by a supervisor, to the body outside the bureau that handles it."""

    complaint_id: str
    body: str
    actor: str
    note: str | None = None


@dataclass(frozen=True)
class TransferCase:
    """改派 by a supervisor: a case a department is working on goes to another department."""

    complaint_id: str
    department: str
    reason: str
    actor: str


@dataclass(frozen=True)
class MergeCase:
    """并单: `complaint_id` is a duplicate of the open case `master_id`. A dispatcher may merge only
    within the own department (both cases), a supervisor anywhere."""

    complaint_id: str
    master_id: str
    actor: str
    acting_for: str | None
    reason: str | None = None


@dataclass(frozen=True)
class RequestAssist:
    """协办: the lead department (its dispatcher) or a supervisor asks other departments for their part."""

    complaint_id: str
    departments: tuple[str, ...]
    actor: str
    acting_for: str | None
    note: str | None = None


@dataclass(frozen=True)
class ReplyAssist:
    """协办意见: an assisting department answers the lead. `department` is the one answering (a dispatcher's
    own; a supervisor names it)."""

    complaint_id: str
    department: str | None
    reply: str
    actor: str
    acting_for: str | None


@dataclass(frozen=True)
class GiveToLeader:
    """领导包案 (supervisor): a named leader owns a long-standing case (积案) to closure."""

    complaint_id: str
    leader: str
    plan: str
    actor: str


@dataclass(frozen=True)
class AddReplyPhoto:
    """办理照片: a photo for the reply of the current round (the department that has the case, or a
    supervisor)."""

    complaint_id: str
    data: bytes = field(repr=False)
    actor: str
    acting_for: str | None


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


MAX_PAGE = 100  # rows of a list in one answer, at most


@dataclass(frozen=True)
class AssistQueue:
    """The cases a department is asked to assist (协办), the nearest assist deadline first."""

    department: str
    acting_for: str | None
    statuses: tuple[AssistStatus, ...] = (AssistStatus.requested,)
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class Backlog:
    """积案: open cases received long ago, past their deadline, or reopened twice, the oldest first."""

    leader: bool | None = None  # only those given to a leader (True), or not yet (False)
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class GetReplyPhoto:
    """A reply photo's bytes, for whoever may read the case."""

    complaint_id: str
    photo_id: str
    acting_for: str | None


@dataclass(frozen=True)
class GetPublishedPhoto:
    """A reply photo's bytes for the citizen: by its id alone (random, given with the reply), once the reply
    it belongs to was sent."""

    photo_id: str


@dataclass(frozen=True)
class DuplicateCandidates:
    """The open cases this one may duplicate (疑似重复), best first."""

    complaint_id: str
    acting_for: str | None


class Due(StrEnum):
    """The desk's deadline filter, on the deadline the department must meet next (签收 or 回复)."""

    soon = "soon"  # 临期: 75% of the allowed time used (the yellow light), not yet overdue
    overdue = "overdue"  # 超期


@dataclass(frozen=True)
class DepartmentQueue:
    """A department's cases (in `statuses`), the one closest to a missed deadline first, a page at a time,
    optionally of one type, town, or deadline state."""

    department: str
    acting_for: str | None
    statuses: tuple[Status, ...] = OPEN
    category: str | None = None
    subcategory: str | None = None
    town: str | None = None
    due: Due | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class QueueVersion:
    """A short fingerprint of the cases of a list (a department's queue in `statuses`, or every
    department's when `department` is None): it changes whenever one of them changes, or one comes or
    goes, so the desk can poll cheaply (ETag, 304)."""

    department: str | None
    acting_for: str | None
    statuses: tuple[Status, ...] = OPEN
    filters: tuple[str | None, ...] = ()  # the list's other parameters: a different list, a different version
    # A long list (the replied cases) is fingerprinted by the page shown (offset, limit) and the list's
    # length, filtered by (category, subcategory, town): what that page depends on.
    page: tuple[int, int] | None = None
    where: tuple[str | None, str | None, str | None] = (None, None, None)


@dataclass(frozen=True)
class PendingExtensions:
    """延期待审批: extension requests waiting for a supervisor's decision, the oldest first, a page at a time."""

    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class PendingExtensionsVersion:
    """The fingerprint of the pending extension requests (see QueueVersion)."""

    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class AssistQueueVersion:
    """The fingerprint of one page of a department's assist list (协办, see QueueVersion): the history of the
    page's cases and the list's length."""

    department: str
    acting_for: str | None
    statuses: tuple[AssistStatus, ...] = (AssistStatus.requested,)
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class BacklogVersion:
    """The fingerprint of one page of the backlog (积案, see QueueVersion)."""

    leader: bool | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class CaseDetail:
    complaint_id: str
    acting_for: str | None


@dataclass(frozen=True)
class TriageList:
    """Cases waiting for a person to route them (supervisors), a page at a time."""

    limit: int = MAX_PAGE
    offset: int = 0


@dataclass(frozen=True)
class Classify:
    """What routing would do with this text, and why (for operators while they type)."""

    content: str
    address: str | None = None


@dataclass(frozen=True)
class ListDepartments:
    """The department directory, inactive departments included."""


# --- the rule book (分拨规则) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListRules:
    """The rules, most recently numbered last; inactive ones too when asked."""

    include_inactive: bool = False


@dataclass(frozen=True)
class DefineRule:
    """新增规则 (admin): where cases of a type (and subtype), anywhere or in an area or one town, go."""

    spec: RuleSpec
    actor: str
    reason: str | None = None


@dataclass(frozen=True)
class ChangeRule:
    """修改规则 (admin): another department, a note, or switched off / on; the audit keeps the old rule."""

    rule_id: int
    actor: str
    department: str | None = None
    note: str | None = None
    active: bool | None = None
    reason: str | None = None


@dataclass(frozen=True)
class RuleHistory:
    """The audit of rule changes, newest first (one rule's, or all)."""

    rule_id: int | None = None
    limit: int = 100


@dataclass(frozen=True)
class DryRunRules:
    """试运行: the cases received in the last `days` days, routed by today's rules and by today's rules
    with `add` added and `switch_off` switched off — which would have gone elsewhere. Changes nothing."""

    add: tuple[RuleSpec, ...] = ()
    switch_off: tuple[int, ...] = ()
    days: int = 30
