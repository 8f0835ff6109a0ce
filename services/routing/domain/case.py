"""The Case aggregate (案件): one complaint as routing handles it, and its state machine.

    received -> assigned (交办) -> accepted (签收) -> replied (回复)
             -> triage (人工分拨) -> assigned
    assigned|accepted -> triage, by a return (退单) within the return window
    assigned|accepted: extension asked (延期申请) before the reply deadline, decided by a supervisor
    assigned|accepted -> assigned to another department, by a supervisor (改派)
    triage -> rejected (不予受理, the reason told to the citizen) | forwarded (转办, to a body outside the bureau)
    triage|assigned|accepted -> merged (并单) into an open master case of the same problem

Every transition records its timestamp and actor in the history (audit trail), and the event it
publishes (`self.record(...)`): the unit of work writes those to the outbox at commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from services.routing.domain import incidents
from services.routing.domain.deadlines import DeadlinePolicy, Deadlines
from services.routing.domain.errors import IllegalTransition
from services.routing.domain.pauses import (
    DISPUTE,
    Dispute,
    DisputeStatus,
    PauseRefused,
    SuspendReason,
    Suspension,
    SuspensionLimits,
)
from shared.contracts.events import (
    AssignmentDisputedV1,
    AssistRepliedV1,
    AssistRequestedV1,
    CaseAcceptedV1,
    CaseAssignedV1,
    CaseDispatchedV1,
    CaseFirmLinkedV1,
    CaseFirmUnlinkedV1,
    CaseForwardedV1,
    CaseMergedV1,
    CaseRejectedV1,
    CaseReopenedV1,
    CaseRepliedV1,
    CaseResumedV1,
    CaseReturnedV1,
    CaseSuspendedV1,
    CaseTriagedV1,
    DisputeDecidedV1,
    ExtensionDecidedV1,
    ExtensionRequestedV1,
    LeaderAssignedV1,
)
from shared.domain import Aggregate

SYSTEM = "system"
TRANSFER = "transfer"  # the rule recorded when a supervisor moves a case to another department (改派)


class Status(StrEnum):
    received = "received"  # only in memory: routing decides within the same transaction
    triage = "triage"  # 待人工分拨
    assigned = "assigned"  # 已交办
    accepted = "accepted"  # 已签收
    replied = "replied"  # 已回复
    rejected = "rejected"  # 不予受理
    forwarded = "forwarded"  # 已转办 (to a body outside the bureau)
    merged = "merged"  # 已并单 (handled as its master)


OPEN = (Status.assigned, Status.accepted)  # a department is working on it
MERGEABLE = (Status.triage, Status.assigned, Status.accepted)  # not replied, not closed: may be merged
CLOSED = (Status.rejected, Status.forwarded, Status.merged)  # finished without a reply of ours


class ExtensionStatus(StrEnum):
    requested = "requested"
    approved = "approved"
    refused = "refused"


@dataclass
class HistoryEntry:
    action: str
    actor: str
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)
    id: int | None = None  # None until stored
    rewritten: bool = False  # stored, then its detail changed (anonymised): written again


@dataclass
class Extension:
    working_days: int
    reason: str
    requested_at: datetime
    requested_by: str
    status: ExtensionStatus = ExtensionStatus.requested
    decided_at: datetime | None = None
    decided_by: str | None = None
    id: int | None = None


@dataclass
class Photo:
    """办理照片: a photo the department took while handling the case (on site, after the fix), kept as the
    reply's evidence. Its bytes live in the file store under `key`."""

    id: str
    reply_round: int
    department: str
    key: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    stored: bool = False  # its row is written


MAX_PHOTOS_PER_ROUND = 9


class AssistStatus(StrEnum):
    requested = "requested"  # 待协办
    replied = "replied"  # 已回复主办单位
    closed = "closed"  # no longer needed: the lead replied, or the case left the departments


@dataclass
class Assist:
    """协办: another department's part in a case the lead department (主办) answers for."""

    department: str
    due: datetime
    requested_at: datetime
    requested_by: str
    note: str | None = None
    status: AssistStatus = AssistStatus.requested
    replied_at: datetime | None = None
    replied_by: str | None = None
    reply: str | None = None
    id: int | None = None


@dataclass
class Case(Aggregate):
    complaint_id: str
    tracking_code: str
    channel: str
    content: str
    received_at: datetime
    assign_due: datetime
    category: str | None = None
    subcategory: str | None = None
    town: str | None = None
    address: str | None = None
    urgent: bool = False
    reporter_phone_masked: str | None = None
    confidence: float | None = None
    explanation: dict[str, Any] = field(default_factory=dict)
    status: Status = Status.received
    department: str | None = None
    rule: str | None = None
    triage_reason: str | None = None
    assigned_at: datetime | None = None
    accept_due: datetime | None = None
    accepted_at: datetime | None = None
    return_due: datetime | None = None
    reply_due: datetime | None = None
    replied_at: datetime | None = None
    reply_text: str | None = None  # the reply (回复) the citizen reads
    reply_round: int = 1
    lat: float | None = None
    lon: float | None = None
    closed_at: datetime | None = None  # rejected, forwarded or merged
    closing_reason: str | None = None  # the reason a rejection gives the citizen; a forward's or merge's note
    forwarded_to: str | None = None  # 转办: the receiving body
    merged_into: str | None = None  # 并单: the master's complaint id
    duplicate_of: str | None = None  # the open case this one looks like a duplicate of (a suggestion)
    leader: str | None = None  # 领导包案: the leader who owns this long-standing case (积案) to closure
    leader_plan: str | None = None
    leader_at: datetime | None = None
    firm_id: str | None = None  # 被举报企业: the firm of routing's register this case reports (domain/firms.py)
    history: list[HistoryEntry] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    assists: list[Assist] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    # paused clocks (domain/pauses.py): when the open dispute (异议中) or suspension (挂起) began, on the row for lists
    disputed_since: datetime | None = None
    suspended_since: datetime | None = None
    disputes: list[Dispute] = field(default_factory=list)
    suspensions: list[Suspension] = field(default_factory=list)
    incident: str | None = None  # 突发环境事件 (domain/incidents.py): suspected | declared | cleared
    incident_since: datetime | None = None  # when the incident (and its 2-hour clock) began
    # 督办 clocks from signing (domain/followups.py): first contact with the citizen, the on-site check
    contact_due: datetime | None = None
    contacted_at: datetime | None = None  # the first 已联系群众 since signing
    onsite_due: datetime | None = None
    # an upstream platform's case (complaint.upstream_linked): its number and the platform's deadlines
    upstream_platform: str | None = None
    upstream_case_no: str | None = None
    upstream_sign_due: datetime | None = None
    upstream_reply_due: datetime | None = None

    # --- helpers ----------------------------------------------------------------------------------

    def _require(self, action: str, *allowed: Status) -> None:
        if self.status not in allowed:
            raise IllegalTransition(
                f"案件状态为 {self.status.value}，不能{action} / cannot {action} a case that is {self.status.value}")

    def _log(self, action: str, actor: str, at: datetime, **detail: Any) -> None:
        self.history.append(HistoryEntry(action, actor, at, {k: v for k, v in detail.items() if v is not None}))

    @property
    def pending_extension(self) -> Extension | None:
        return next((e for e in self.extensions if e.status == ExtensionStatus.requested), None)

    def pending_assist(self, department: str) -> Assist | None:
        return next((a for a in self.assists if a.department == department and a.status == AssistStatus.requested),
                    None)

    def assisted_by(self, department: str | None) -> bool:
        """Has `department` been asked to assist (a dispatcher of it may read the case)?"""
        return department is not None and any(a.department == department for a in self.assists)

    def _close_assists(self, at: datetime, why: str) -> None:
        for assist in self.assists:
            if assist.status == AssistStatus.requested:
                assist.status = AssistStatus.closed
                self._log("assist_closed", SYSTEM, at, department=assist.department, reason=why)

    def _drop_pending_extension(self, at: datetime) -> None:
        """A pending extension request is refused by the system: the department asking no longer has it."""
        if (pending := self.pending_extension) is not None:
            pending.status, pending.decided_at, pending.decided_by = ExtensionStatus.refused, at, SYSTEM

    def extension_days(self) -> int:
        """Working days asked or granted so far (refused ones do not count)."""
        return sum(e.working_days for e in self.extensions if e.status != ExtensionStatus.refused)

    # --- transitions ------------------------------------------------------------------------------

    def send_to_triage(self, *, reason: str, at: datetime, by: str = SYSTEM) -> None:
        """No confident type or department: a person routes it (人工分拨)."""
        self._require("转人工分拨 / triage", Status.received)
        self.status, self.triage_reason = Status.triage, reason
        self._log("triaged", by, at, reason=reason)
        self.record(CaseTriagedV1, reason=reason, at=at)

    def assign(self, *, department: str, category: str, subcategory: str | None, rule: str, by: str,
               at: datetime, deadlines: Deadlines) -> None:
        """交办: the department now owns it, and its clocks start."""
        self._require("交办 / assign", Status.received, Status.triage)
        self.status, self.department, self.rule = Status.assigned, department, rule
        self.category, self.subcategory, self.triage_reason = category, subcategory, None
        self.assigned_at, self.accepted_at = at, None
        self.accept_due, self.return_due, self.reply_due = (deadlines.accept_due, deadlines.return_due,
                                                            deadlines.reply_due)
        self._log("assigned", by, at, department=department, rule=rule, category=category,
                  subcategory=subcategory, reply_due=deadlines.reply_due.isoformat())
        self.record(CaseAssignedV1, by=by)
        self.record(CaseDispatchedV1)  # the work order, on the department's own topic

    def accept(self, *, by: str, at: datetime, contact_due: datetime | None = None,
               onsite_due: datetime | None = None) -> None:
        """签收: the department confirms it has the case; the 督办 clocks of signing start (domain/followups.py)."""
        self._require("签收 / accept", Status.assigned)
        self._not_paused("签收 / accept")
        self.status, self.accepted_at = Status.accepted, at
        self.contact_due, self.contacted_at, self.onsite_due = contact_due, None, onsite_due
        self._log("accepted", by, at, department=self.department)
        self.record(CaseAcceptedV1, by=by)

    def reply(self, text: str, *, by: str, at: datetime) -> None:
        """回复: the answer the citizen reads. Replying to a case not signed for implies signing (签收)."""
        self._require("回复 / reply", Status.assigned, Status.accepted)
        self._not_paused("回复 / reply")
        if self.status == Status.assigned:
            self.accepted_at = at
            self._log("accepted", by, at, department=self.department, implied_by="reply")
            self.contact_due = self.contacted_at = self.onsite_due = None  # replied at once: no clock to start
            self.record(CaseAcceptedV1, by=by)
        self.status, self.reply_text, self.replied_at = Status.replied, text, at
        self._close_assists(at, "主办单位已回复 / the lead replied")
        # moot once answered: approved later, it would move a deadline already met or missed (a late reply
        # counted on time), or the next round's after a reopening
        self._drop_pending_extension(at)
        self._log("replied", by, at, department=self.department, reply_round=self.reply_round,
                  late=bool(self.reply_due and at > self.reply_due), photos=len(self.round_photos()) or None)
        self.record(CaseRepliedV1, reply=text, by=by, photos=[p.id for p in self.round_photos()])

    def reopen(self, *, rated_round: int, via: str, comment: str | None, at: datetime,
               deadlines: Deadlines) -> bool:
        """重办: an unsatisfied rating of the current round's reply sends the case back to the department
        that replied, in a new round with fresh accept and reply deadlines (no return window: it is theirs).
        A rating of an earlier round, or of a case not replied, changes nothing (False)."""
        if self.status != Status.replied or rated_round != self.reply_round or self.department is None:
            return False
        previous = self.reply_round
        self.reply_round += 1
        self.status, self.assigned_at, self.accepted_at = Status.assigned, at, None
        self.replied_at = None
        self.accept_due, self.reply_due = deadlines.accept_due, deadlines.reply_due
        self.return_due = at  # the department replied once: it cannot return it now
        reason = "市民不满意，重办" + (f"：{comment}" if comment else "")
        self._log("reopened", SYSTEM, at, department=self.department, reply_round=self.reply_round, via=via,
                  reason=reason, reply_due=deadlines.reply_due.isoformat())
        self.record(CaseReopenedV1, previous_round=previous, reason=reason, via=via, reopened_at=at)
        self.record(CaseAssignedV1, rule="reopen", by=SYSTEM)
        self.record(CaseDispatchedV1)
        return True

    def return_case(self, reason: str, *, by: str, at: datetime, assign_due: datetime) -> None:
        """退单: not this department's case. Back to triage, with the rule that misrouted it recorded."""
        self._require("退单 / return", Status.assigned, Status.accepted)
        self._not_paused("退单 / return")
        if any(d.status == DisputeStatus.upheld and (d.department, d.assigned_at) == (self.department, self.assigned_at)
               for d in self.disputes):
            raise PauseRefused("派单异议已被维持，不能退单 / the dispute of this assignment was upheld: it cannot be "
                               "returned")
        if self.return_due is not None and at > self.return_due:
            raise IllegalTransition(f"退单期限已过（{self.return_due.isoformat()}）/ the return window has closed")
        department, rule = self.department or "", self.rule or "unknown"
        self._log("returned", by, at, department=department, rule=rule, reason=reason)
        self._close_assists(at, "主办单位退单 / the lead returned it")
        self.record(CaseReturnedV1, department=department, rule=rule, reason=reason, returned_at=at, by=by)
        self.status, self.department, self.rule = Status.triage, None, None
        self.accept_due = self.return_due = self.reply_due = None
        self.assigned_at = self.accepted_at = None
        self.assign_due = assign_due
        self.triage_reason = f"{department} 退单 / returned: {reason}（误分规则 / misrouted by {rule}）"
        self._log("triaged", SYSTEM, at, reason=self.triage_reason)
        self.record(CaseTriagedV1, reason=self.triage_reason, at=at)
        self._drop_pending_extension(at)  # moot once the department has let go

    def anonymise(self, scrub: Callable[[str], str], *, at: datetime) -> bool:
        """保存期限: intake removed the reporter's personal data; this copy loses it too. The masked phone
        goes; phone and ID-card numbers in every text of the case (the complaint, the reply, reasons, notes,
        assistance, the audit trail's details) become placeholders. The place, dates, department and
        outcome stay: the figures and the public record need them. False if there was nothing to do."""
        if any(entry.action == "anonymised" for entry in self.history):
            return False

        def clean(text: str | None) -> str | None:
            return scrub(text) if text else text

        self.reporter_phone_masked = None
        self.content = scrub(self.content)
        self.reply_text, self.closing_reason = clean(self.reply_text), clean(self.closing_reason)
        self.triage_reason, self.leader_plan = clean(self.triage_reason), clean(self.leader_plan)
        for extension in self.extensions:
            extension.reason = scrub(extension.reason)
        for assist in self.assists:
            assist.note, assist.reply = clean(assist.note), clean(assist.reply)
        for dispute in self.disputes:
            dispute.reason, dispute.note = scrub(dispute.reason), clean(dispute.note)
        for suspension in self.suspensions:
            suspension.note = clean(suspension.note)
        for entry in self.history:
            detail = {key: scrub(value) if isinstance(value, str) else value for key, value in entry.detail.items()}
            if detail != entry.detail:
                entry.detail, entry.rewritten = detail, True
        self._log("anonymised", "retention", at)
        return True

    def reject(self, reason: str, *, by: str, at: datetime) -> None:
        """不予受理: a supervisor refuses a triaged case that is no complaint for anyone (spam, nothing to act
        on); the reason is what the citizen reads. It leaves every target's denominator."""
        self._require("不予受理 / reject", Status.triage)
        self.status, self.closed_at, self.closing_reason = Status.rejected, at, reason
        self.duplicate_of = None
        self._log("rejected", by, at, reason=reason)
        self.record(CaseRejectedV1, reason=reason, rejected_at=at, by=by)

    def forward(self, body: str, *, note: str | None, by: str, at: datetime) -> None:
        """转办: a triaged case that is not an environmental matter goes to the body that handles it."""
        self._require("转办 / forward", Status.triage)
        self.status, self.closed_at, self.forwarded_to, self.closing_reason = Status.forwarded, at, body, note
        self.duplicate_of = None
        self._log("forwarded", by, at, body=body, note=note)
        self.record(CaseForwardedV1, body=body, note=note, forwarded_at=at, by=by)

    def merge_into(self, master: Case, *, reason: str | None, by: str, at: datetime) -> None:
        """并单: this case is the same problem as the open case `master`, and is handled there. The caller
        holds both rows locked (in one order: see the handler)."""
        self._require("并单 / merge", *MERGEABLE)
        if master.complaint_id == self.complaint_id:
            raise IllegalTransition("不能与自身并单 / a case cannot be merged into itself")
        if master.status not in MERGEABLE:
            raise IllegalTransition(f"主案件状态为 {master.status.value}，只能并入未办结的案件 / "
                                    "the master must be open (not replied, not closed)")
        department = self.department
        self.status, self.closed_at, self.closing_reason = Status.merged, at, reason
        self.merged_into, self.duplicate_of = master.complaint_id, None
        self.accept_due = self.return_due = self.reply_due = None
        self._drop_pending_extension(at)
        self._end_pauses(at, by, "已并单 / merged")
        self._close_assists(at, "已并单 / merged")
        self._log("merged", by, at, master=master.complaint_id, master_tracking_code=master.tracking_code,
                  department=department, reason=reason)
        self.record(CaseMergedV1, master_id=master.complaint_id, master_tracking_code=master.tracking_code,
                    department=department, reason=reason, merged_at=at, by=by)
        master._log("merged_in", by, at, duplicate=self.complaint_id, duplicate_tracking_code=self.tracking_code)

    def transfer(self, *, department: str, reason: str, by: str, at: datetime, deadlines: Deadlines,
                 rule: str = TRANSFER) -> None:
        """改派: a supervisor moves a case a department is working on to another; the new department gets
        fresh accept and reply deadlines in the same reply round (the first assignment still counts for the
        assignment target)."""
        self._require("改派 / transfer", *OPEN)
        if department == self.department:
            raise IllegalTransition("案件已在该部门 / the case is with that department already")
        previous = self.department
        self._drop_pending_extension(at)  # asked by the department that lets go
        self._end_pauses(at, by, "已改派 / transferred", reassigned_to=department)
        self._log("transferred", by, at, previous=previous, department=department, reason=reason)
        if (own := self.pending_assist(department)) is not None:  # the new lead does not assist itself
            own.status = AssistStatus.closed
        self.status, self.department, self.rule = Status.assigned, department, rule
        self.assigned_at, self.accepted_at = at, None
        self.accept_due, self.return_due, self.reply_due = (deadlines.accept_due, deadlines.return_due,
                                                            deadlines.reply_due)
        self._log("assigned", by, at, department=department, rule=rule, category=self.category,
                  subcategory=self.subcategory, reply_due=deadlines.reply_due.isoformat())
        self.record(CaseAssignedV1, by=by)
        self.record(CaseDispatchedV1)

    def request_assist(self, department: str, *, due: datetime, note: str | None, by: str, at: datetime) -> Assist:
        """协办: the lead (or a supervisor) asks another department for its part, answered by `due`."""
        self._require("请求协办 / ask for assistance", *OPEN)
        if department == self.department:
            raise IllegalTransition("主办单位不能协办自己的案件 / the lead department cannot assist itself")
        if self.pending_assist(department) is not None:
            raise IllegalTransition("已请该部门协办，尚未回复 / that department is assisting already")
        assist = Assist(department, due, at, by, note)
        self.assists.append(assist)
        self._log("assist_requested", by, at, department=department, due=due.isoformat(), note=note)
        self.record(AssistRequestedV1, department=department, lead_department=self.department, due=due, note=note,
                    requested_at=at, by=by)
        return assist

    def reply_assist(self, department: str, text: str, *, by: str, at: datetime) -> Assist:
        """协办意见: the assisting department answers the lead (late answers are taken, and marked late)."""
        assist = self.pending_assist(department)
        if assist is None or self.status not in OPEN:
            raise IllegalTransition("没有待回复的协办请求 / no assistance request waits for this department")
        assist.status, assist.replied_at, assist.replied_by, assist.reply = AssistStatus.replied, at, by, text
        self._log("assist_replied", by, at, department=department, late=at > assist.due)
        self.record(AssistRepliedV1, department=department, lead_department=self.department, due=assist.due,
                    replied_at=at, by=by)
        return assist

    def give_to_leader(self, leader: str, plan: str, *, by: str, at: datetime) -> None:
        """领导包案: a named leader owns the case until it is closed (a later one takes it over)."""
        self._require("领导包案 / give to a leader", Status.triage, *OPEN)
        previous = self.leader
        self.leader, self.leader_plan, self.leader_at = leader, plan, at
        self._log("leader_assigned", by, at, leader=leader, plan=plan, previous=previous)
        self.record(LeaderAssignedV1, leader=leader, plan=plan, assigned_at=at, by=by)

    def link_firm(self, firm: Any, *, by: str, at: datetime) -> None:
        """被举报企业: name the firm (a domain.firms.FirmRef) this case reports, replacing an earlier one, or
        None to remove the link; audited and announced (notify counts a firm's cases, docs/firms.md)."""
        if firm is None:
            if self.firm_id is None:
                raise IllegalTransition("案件未关联企业 / the case is linked to no firm")
            removed, self.firm_id = self.firm_id, None
            self._log("firm_unlinked", by, at, firm=removed)
            self.record(CaseFirmUnlinkedV1, firm_id=removed, unlinked_at=at, by=by)
            return
        if firm.id == self.firm_id:
            raise IllegalTransition("案件已关联该企业 / the case is linked to that firm already")
        previous, self.firm_id = self.firm_id, firm.id
        self._log("firm_linked", by, at, firm=firm.id, firm_name=firm.name, credit_code=firm.credit_code,
                  previous=previous)
        self.record(CaseFirmLinkedV1, firm_id=firm.id, firm_name=firm.name, credit_code=firm.credit_code,
                    firm_town=firm.town, linked_at=at, by=by)

    def is_backlog(self, now: datetime, *, days: int) -> bool:
        """积案: still open and received more than `days` ago, or past its deadline, or reopened twice."""
        if self.status not in (Status.triage, *OPEN):
            return False
        due = self.assign_due if self.status == Status.triage else self.reply_due
        return (self.received_at <= now - timedelta(days=days) or (due is not None and due < now)
                or self.reply_round >= 3)

    def add_photo(self, photo: Photo, *, by: str, at: datetime) -> None:
        """办理照片, for the reply of the current round (only while the department has the case open)."""
        self._require("上传办理照片 / add a photo", *OPEN)
        if len([p for p in self.photos if p.reply_round == self.reply_round]) >= MAX_PHOTOS_PER_ROUND:
            raise IllegalTransition(f"每轮办理最多 {MAX_PHOTOS_PER_ROUND} 张照片 / at most {MAX_PHOTOS_PER_ROUND} "
                                    "photos per reply")
        self.photos.append(photo)
        self._log("photo_added", by, at, photo=photo.id, department=photo.department, reply_round=photo.reply_round)

    def published_photo(self, photo_id: str) -> Photo | None:
        """A reply photo the citizen may see: one of a round whose reply was sent (not one being gathered for
        a reply still to come)."""
        photo = next((p for p in self.photos if p.id == photo_id), None)
        if photo is None:
            return None
        sent = photo.reply_round < self.reply_round or self.status == Status.replied  # (rounds move on replied)
        return photo if sent else None

    def round_photos(self, reply_round: int | None = None) -> list[Photo]:
        wanted = self.reply_round if reply_round is None else reply_round
        return [p for p in self.photos if p.reply_round == wanted]

    def returned_by(self) -> list[str]:
        """The departments that returned this case (退单), in order."""
        return [str(h.detail.get("department")) for h in self.history if h.action == "returned"]

    def request_extension(self, working_days: int, reason: str, *, by: str, at: datetime,
                          max_days: int) -> Extension:
        """延期申请: asked before the reply deadline, one at a time, at most `max_days` in all."""
        self._require("申请延期 / ask for an extension", Status.assigned, Status.accepted)
        if self.reply_due is not None and at >= self.reply_due:
            raise IllegalTransition("回复期限已过，不能再申请延期 / the reply deadline has passed")
        if self.pending_extension is not None:
            raise IllegalTransition("已有待审批的延期申请 / an extension request is already pending")
        if self.extension_days() + working_days > max_days:
            raise IllegalTransition(f"延期累计不得超过 {max_days} 个工作日 / extensions may not exceed "
                                    f"{max_days} working days in all")
        extension = Extension(working_days, reason, at, by)
        self.extensions.append(extension)
        self._log("extension_requested", by, at, working_days=working_days, reason=reason)
        self.record(ExtensionRequestedV1, working_days=working_days, reason=reason, requested_at=at, by=by)
        return extension

    def decide_extension(self, *, approved: bool, by: str, at: datetime,
                         moved_reply_due: datetime | None) -> Extension:
        """A supervisor's decision; an approved extension moves the reply deadline to `moved_reply_due`."""
        extension = self.pending_extension
        if extension is None:
            raise IllegalTransition("没有待审批的延期申请 / no extension request is pending")
        if approved and moved_reply_due is None:
            raise ValueError("an approved extension needs the moved reply deadline")
        extension.status = ExtensionStatus.approved if approved else ExtensionStatus.refused
        extension.decided_at, extension.decided_by = at, by
        if approved:
            self.reply_due = moved_reply_due
        self._log("extension_decided", by, at, approved=approved, working_days=extension.working_days,
                  reply_due=self.reply_due.isoformat() if self.reply_due else None)
        self.record(ExtensionDecidedV1, approved=approved, decided_at=at, by=by)
        return extension

    # --- paused clocks: 派单异议 and 挂起 (domain/pauses.py) -----------------------------------------------

    @property
    def open_dispute(self) -> Dispute | None:
        return next((d for d in self.disputes if d.status == DisputeStatus.open), None)

    @property
    def open_suspension(self) -> Suspension | None:
        return next((s for s in self.suspensions if s.ended_at is None), None)

    def _not_paused(self, action: str) -> None:
        if self.open_dispute is not None:
            raise PauseRefused(f"派单异议待督办裁定，暂不能{action} / the assignment is disputed: wait for the "
                               "decision")
        if self.open_suspension is not None:
            raise PauseRefused(f"案件已挂起，请先恢复再{action} / the case is suspended: resume it first")

    def _end_pauses(self, at: datetime, by: str, why: str, *, reassigned_to: str | None = None) -> None:
        """The department lets go of the case (transfer, merge): an open dispute is decided by it (reassigned,
        or withdrawn) and an open suspension ends uncredited (the next department's clocks are fresh)."""
        if (dispute := self.open_dispute) is not None:
            dispute.status = DisputeStatus.reassigned if reassigned_to else DisputeStatus.withdrawn
            dispute.decided_at, dispute.decided_by, dispute.reassigned_to = at, by, reassigned_to
            self.disputed_since = None
            if reassigned_to is not None:
                self._log("dispute_reassigned", by, at, department=dispute.department, new_department=reassigned_to)
                self.record(DisputeDecidedV1, department=dispute.department, decision="reassigned",
                            new_department=reassigned_to, accept_due=None, reply_due=None, decided_at=at, by=by)
            else:
                self._log("dispute_withdrawn", SYSTEM, at, department=dispute.department, reason=why)
        if (suspension := self.open_suspension) is not None:
            suspension.ended_at, suspension.ended_by = at, SYSTEM
            self.suspended_since = None
            self._log("resumed", SYSTEM, at, department=suspension.department, reason=why, credited_seconds=0)

    def dispute(self, reason: str, *, proposed_department: str | None, by: str, at: datetime) -> Dispute:
        """派单异议: the department contests the assignment before signing for it; its clocks pause."""
        if self.status == Status.accepted or (self.status == Status.assigned and self.accepted_at is not None):
            raise PauseRefused("已签收的案件不能再提出派单异议，可在退单期限内退单 / a signed case cannot be "
                               "disputed; return it (退单) within the return window instead")
        self._require("提出派单异议 / dispute the assignment", Status.assigned)
        if self.open_dispute is not None:
            raise PauseRefused("该派单已有待裁定的异议 / this assignment is disputed already")
        if any(d.department == self.department and d.assigned_at == self.assigned_at for d in self.disputes):
            raise PauseRefused("每次派单只能提出一次异议 / an assignment may be disputed only once")
        if proposed_department is not None and proposed_department == self.department:
            raise PauseRefused("建议的责任单位不能是本部门 / propose another department than your own")
        assert self.department is not None and self.assigned_at is not None
        dispute = Dispute(self.department, self.assigned_at, self.reply_round, reason, at, by, proposed_department)
        self.disputes.append(dispute)
        self.disputed_since = at
        self._log("disputed", by, at, department=self.department, reason=reason,
                  proposed_department=proposed_department)
        self.record(AssignmentDisputedV1, proposed_department=proposed_department, disputed_at=at, by=by)
        return dispute

    def uphold_dispute(self, *, note: str | None, by: str, at: datetime, deadlines: DeadlinePolicy) -> Dispute:
        """维持: the department keeps the case and must sign for it; its accept and reply deadlines move by the
        working time the dispute was open (`deadlines`: a DeadlinePolicy), and it can no longer return it."""
        dispute = self.open_dispute
        if dispute is None or self.status != Status.assigned:
            raise PauseRefused("没有待裁定的派单异议 / no dispute waits for a decision")
        paused = max(0, deadlines.working_seconds(dispute.raised_at, at))
        if self.accept_due is not None:
            self.accept_due = deadlines.add_working_seconds(self.accept_due, paused)
        if self.reply_due is not None:
            self.reply_due = deadlines.add_working_seconds(self.reply_due, paused)
        self.return_due = at  # the supervisor decided whose case it is: no return (退单) any more
        dispute.status, dispute.decided_at, dispute.decided_by = DisputeStatus.upheld, at, by
        dispute.note, dispute.paused_seconds = note, paused
        self.disputed_since = None
        self._log("dispute_upheld", by, at, department=dispute.department, note=note, paused_seconds=paused,
                  accept_due=self.accept_due.isoformat() if self.accept_due else None,
                  reply_due=self.reply_due.isoformat() if self.reply_due else None)
        self.record(DisputeDecidedV1, department=dispute.department, decision="upheld", new_department=None,
                    paused_seconds=paused, decided_at=at, by=by)
        return dispute

    def reassign_dispute(self, department: str, *, note: str | None, by: str, at: datetime,
                         deadlines: Deadlines) -> Dispute:
        """改派 after a dispute: the new department gets fresh deadlines (as a transfer, rule `dispute`)."""
        dispute = self.open_dispute
        if dispute is None or self.status != Status.assigned:
            raise PauseRefused("没有待裁定的派单异议 / no dispute waits for a decision")
        dispute.note = note
        self.transfer(department=department, reason=note or f"派单异议改派 / reassigned after a dispute: "
                      f"{dispute.reason}", by=by, at=at, deadlines=deadlines, rule=DISPUTE)
        return dispute

    def suspend(self, reason_code: SuspendReason, *, note: str | None, by: str, at: datetime,
                limits: SuspensionLimits) -> Suspension:
        """挂起: the department that signed for the case waits for the citizen; the reply clock pauses."""
        self._require("挂起 / suspend", Status.accepted)
        if self.open_suspension is not None:
            raise PauseRefused("案件已挂起 / the case is suspended already")
        if self.reply_due is not None and at >= self.reply_due:
            raise PauseRefused("回复期限已过，不能挂起 / the reply deadline has passed")
        if reason_code == SuspendReason.other and not note:
            raise PauseRefused("选择“其他”时请写明原因 / say why when the reason is 其他")
        this_round = [s for s in self.suspensions if s.reply_round == self.reply_round]
        if len(this_round) >= limits.max_count:
            raise PauseRefused(f"本轮办理最多挂起 {limits.max_count} 次 / at most {limits.max_count} suspensions "
                               "per reply round")
        if sum(s.credited_seconds for s in this_round) >= limits.max_seconds:
            raise PauseRefused(f"本轮办理挂起累计已达 {limits.max_working_days} 个工作日 / the round's "
                               f"{limits.max_working_days} working days of suspension are used up")
        assert self.department is not None
        suspension = Suspension(self.department, self.reply_round, reason_code, at, by, note)
        self.suspensions.append(suspension)
        self.suspended_since = at
        self._log("suspended", by, at, department=self.department, reason_code=reason_code.value, note=note)
        self.record(CaseSuspendedV1, reason_code=reason_code.value, suspended_at=at, by=by)
        return suspension

    def suspension_seconds_left(self, limits: SuspensionLimits) -> int:
        """Working seconds of suspension the current round may still be credited."""
        used = sum(s.credited_seconds for s in self.suspensions if s.reply_round == self.reply_round)
        return max(0, limits.max_seconds - used)

    def resume(self, *, by: str, at: datetime, deadlines: DeadlinePolicy, limits: SuspensionLimits) -> Suspension:
        """恢复: the reply deadline moves by the suspended working time (`deadlines`: a DeadlinePolicy), at most
        what is left of the round's allowance."""
        suspension = self.open_suspension
        if suspension is None or self.status != Status.accepted:
            raise PauseRefused("案件未挂起 / the case is not suspended")
        credited = min(max(0, deadlines.working_seconds(suspension.started_at, at)),
                       self.suspension_seconds_left(limits))
        if self.reply_due is not None:
            self.reply_due = deadlines.add_working_seconds(self.reply_due, credited)
        suspension.ended_at, suspension.ended_by, suspension.credited_seconds = at, by, credited
        self.suspended_since = None
        self._log("resumed", by, at, department=suspension.department, credited_seconds=credited,
                  reply_due=self.reply_due.isoformat() if self.reply_due else None)
        self.record(CaseResumedV1, paused_seconds=credited, resumed_at=at, by=by)
        return suspension

    # --- 突发环境事件 (domain/incidents.py) --------------------------------------------------------------------

    def flag_incident(self, found: Any, *, at: datetime) -> bool:
        return incidents.flag(self, found, at=at)

    def declare_incident(self, reason: str, *, by: str, at: datetime) -> None:
        incidents.declare(self, reason, by=by, at=at)

    def clear_incident(self, reason: str, *, by: str, at: datetime) -> None:
        incidents.clear(self, reason, by=by, at=at)

    def record_referral(self, referral: Any, *, by: str, at: datetime) -> None:
        incidents.record_referral(self, referral, by=by, at=at)
