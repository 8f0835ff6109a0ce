"""notify's view of one complaint (SlaCase): its deadlines, its reply rounds and the warnings it earned.

Built only from the lifecycle events of routing and intake (the `on_*` methods), and swept by the
SLA sweeper: `sweep(now)` records SlaWarningV1 / CaseEscalatedV1 for each level a running clock
reaches, once per clock cycle, and keeps the alerts raised for the repository to write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.notify.domain import followups
from services.notify.domain.clocks import CLOSED, DUTY_CLOCKS, CaseStatus, ClockName, ClockState, Level, SlaPolicy
from shared.contracts.events import (
    AssignmentDisputedV1,
    CaseAcceptedV1,
    CaseAssignedV1,
    CaseContactRecordedV1,
    CaseEscalatedV1,
    CaseForwardedV1,
    CaseMergedV1,
    CaseRejectedV1,
    CaseRepliedV1,
    CaseResumedV1,
    CaseReturnedV1,
    CaseSuspendedV1,
    CaseTriagedV1,
    ComplaintEvent,
    ComplaintReceivedV1,
    DisputeDecidedV1,
    ExtensionDecidedV1,
    InvestigationCheckedV1,
    SlaWarningV1,
    UpstreamCaseLinkedV1,
)
from shared.domain import Aggregate

WAITING_ON_DEPARTMENT = (CaseStatus.assigned, CaseStatus.accepted)


@dataclass
class ReplyRound:
    """One reply commitment (回复轮次): a reopened case starts a new round with its own deadline."""

    number: int
    department: str | None
    reply_due: datetime  # after approved extensions
    replied_at: datetime | None = None  # the first reply of the round: the one that is on time or late


@dataclass(frozen=True)
class Alert:
    """A warning (预警) or escalation (督办) raised: at most one per clock, cycle and level."""

    complaint_id: str
    tracking_code: str | None
    department: str | None
    clock: ClockName
    cycle: int
    level: Level
    reply_round: int
    due: datetime
    at: datetime


@dataclass
class SlaCase(Aggregate):
    complaint_id: str
    tracking_code: str | None = None
    status: CaseStatus = CaseStatus.triage
    department: str | None = None  # who must act now (None: triage)
    category: str | None = None
    subcategory: str | None = None
    town: str | None = None
    channel: str | None = None  # how it came (web, app, hotline, wechat, open311, grid): from complaints.received
    urgent: bool = False
    lat: float | None = None  # from complaints.received: where the citizen pinned it
    lon: float | None = None
    received_at: datetime | None = None
    assigned_at: datetime | None = None  # the first assignment: the assignment target judges it
    last_assigned_at: datetime | None = None  # the latest: starts the accept and reply clocks
    accepted_at: datetime | None = None
    replied_at: datetime | None = None
    reply_round: int = 1
    # paused (docs/metrics.md): since when, and why — "dispute" (派单异议: accept and reply) or "suspension"
    # (挂起: reply); no warning is earned while paused, and the deadlines move when it ends
    paused_since: datetime | None = None
    pause_kind: str | None = None
    clocks: dict[ClockName, ClockState] = field(default_factory=dict)
    rounds: dict[int, ReplyRound] = field(default_factory=dict)
    new_alerts: list[Alert] = field(default_factory=list)  # raised in this transaction, not yet written

    # --- deadlines -------------------------------------------------------------------------------

    def due(self, name: ClockName) -> datetime | None:
        clock = self.clocks.get(name)
        return clock.due if clock else None

    @property
    def assign_due(self) -> datetime | None:
        return self.due(ClockName.assign)

    @property
    def accept_due(self) -> datetime | None:
        return self.due(ClockName.accept)

    @property
    def reply_due(self) -> datetime | None:
        return self.due(ClockName.reply)

    def running_clocks(self) -> list[ClockState]:
        """The clocks still running: what the case is waiting for, and by when."""
        running: list[ClockState] = []
        if self.status in CLOSED:
            return running  # rejected, forwarded or merged: nobody owes anything
        assign = self.clocks.get(ClockName.assign)
        if self.assigned_at is None and assign is not None:
            running.append(assign)
        if not self.department or self.last_assigned_at is None or self.paused_since is not None:
            return running
        accept, reply = self.clocks.get(ClockName.accept), self.clocks.get(ClockName.reply)
        if self.status is CaseStatus.assigned and self.accepted_at is None and accept is not None:
            running.append(accept)
        if self.status in WAITING_ON_DEPARTMENT and self.replied_at is None and reply is not None:
            running.append(reply)
        return running

    def running_duty_clocks(self) -> list[ClockState]:
        """The 督办 clocks still running (首次联系, 现场核查, 阶段性进展, the upstream platform's): each until
        stopped, and none once the case is closed (domain/followups.py). No target counts them."""
        if self.status in CLOSED:
            return []
        return [c for c in self.clocks.values() if c.name in DUTY_CLOCKS and c.stopped_at is None]

    def _start(self, name: ClockName, start: datetime, due: datetime) -> None:
        """A clock starts (its first cycle) or starts again (a new cycle)."""
        clock = self.clocks.get(name)
        if clock is None:
            self.clocks[name] = ClockState(name, start, due)
        else:
            clock.restart(due, start=start)

    def _classify(self, category: str | None, subcategory: str | None, town: str | None) -> None:
        if category is not None:
            self.category, self.subcategory = category, subcategory
        if town is not None:
            self.town = town

    # --- the lifecycle, as the events tell it -----------------------------------------------------

    def on_received(self, event: ComplaintReceivedV1) -> None:
        """受理 (intake): only the channel is taken; the clocks start with routing's events, whichever
        topic arrives first."""
        self.channel = event.channel
        self.lat, self.lon = event.lat, event.lon
        self.tracking_code = self.tracking_code or event.tracking_code

    # Events that open a case notify has not seen yet; the others only move a case it follows.
    OPENED_BY = (CaseTriagedV1, CaseAssignedV1, CaseRepliedV1, CaseRejectedV1, CaseForwardedV1, CaseMergedV1)

    def follow(self, event: ComplaintEvent) -> None:
        """Apply one of routing's lifecycle events to the clocks (others change nothing)."""
        apply = {CaseTriagedV1: self.on_triaged, CaseAssignedV1: self.on_assigned,
                 CaseAcceptedV1: self.on_accepted, CaseRepliedV1: self.on_replied,
                 CaseReturnedV1: self.on_returned, ExtensionDecidedV1: self.on_extension_decided,
                 CaseRejectedV1: self.on_rejected, CaseForwardedV1: self.on_forwarded,
                 CaseMergedV1: self.on_merged, AssignmentDisputedV1: self.on_disputed,
                 DisputeDecidedV1: self.on_dispute_decided, CaseSuspendedV1: self.on_suspended,
                 CaseResumedV1: self.on_resumed, UpstreamCaseLinkedV1: self.on_upstream_linked,
                 CaseContactRecordedV1: self.on_contact_recorded,
                 InvestigationCheckedV1: self.on_onsite_checked}.get(type(event))
        if apply is not None:
            apply(event)  # type: ignore[operator]

    def on_triaged(self, event: CaseTriagedV1) -> None:
        """待人工分拨: the assignment clock runs from receipt to the assignment deadline."""
        self.tracking_code = event.tracking_code
        received = self.received_at = self.received_at or event.received_at
        assign = self.clocks.get(ClockName.assign)
        if self.assigned_at is None and assign is None:
            self.clocks[ClockName.assign] = ClockState(ClockName.assign, received, event.assign_due)
        elif self.assigned_at is None and assign is not None and assign.due != event.assign_due:
            assign.restart(event.assign_due)  # a moved deadline earns its warnings again
        self._classify(event.category, event.subcategory, event.town)
        self.status = CaseStatus.triage

    def on_assigned(self, event: CaseAssignedV1) -> None:
        """交办: the first assignment settles the assignment target; every assignment restarts accept and reply."""
        same_assignment = (self.last_assigned_at == event.assigned_at and self.department == event.department
                           and self.reply_round == event.reply_round)
        self.tracking_code = event.tracking_code
        self.department = event.department
        self.urgent = event.urgent
        self._classify(event.category, event.subcategory, event.town)
        received = self.received_at = self.received_at or event.received_at
        if self.assigned_at is None:  # only the first assignment counts for the assignment rate
            self.assigned_at = event.assigned_at
            assign = self.clocks.setdefault(ClockName.assign,
                                            ClockState(ClockName.assign, received, event.assign_due))
            assign.due = event.assign_due
        if not same_assignment:
            self.last_assigned_at = event.assigned_at
            self.accepted_at = self.replied_at = None
            self.paused_since = self.pause_kind = None  # a new assignment's clocks run
            followups.stop_signing_clocks(self, event.assigned_at)  # the former signing's follow-ups are moot
            self.reply_round = event.reply_round
            self._start(ClockName.accept, event.assigned_at, event.accept_due)
            self._start(ClockName.reply, event.assigned_at, event.reply_due)
            self.status = CaseStatus.assigned
        reply_round = self.rounds.get(event.reply_round)
        if reply_round is None:
            self.rounds[event.reply_round] = ReplyRound(event.reply_round, event.department, event.reply_due)
        elif not same_assignment:
            reply_round.department, reply_round.reply_due, reply_round.replied_at = (
                event.department, event.reply_due, None)

    def on_accepted(self, event: CaseAcceptedV1) -> None:
        """签收: stops the accept clock (only for the department that has the case now)."""
        if self.department != event.department or self.accepted_at is not None:
            return
        self.accepted_at = event.accepted_at
        if self.status is CaseStatus.assigned:
            self.status = CaseStatus.accepted
        followups.on_signed(self, event)  # 首次联系, 现场核查 start; the platform's signing deadline is met

    def on_replied(self, event: CaseRepliedV1) -> None:
        """回复: stops the reply clock; the first reply of a round is the one that is on time or late."""
        self.tracking_code = self.tracking_code or event.tracking_code
        reply_round = self.rounds.setdefault(
            event.reply_round, ReplyRound(event.reply_round, event.department, event.reply_due))
        reply_round.reply_due = event.reply_due
        reply_round.replied_at = reply_round.replied_at or event.replied_at
        if event.reply_round >= self.reply_round:
            self.department = self.department or event.department
            self.reply_round = event.reply_round
            reply = self.clocks.get(ClockName.reply)
            if reply is not None:
                reply.due = event.reply_due
            self.replied_at = self.replied_at or event.replied_at
            self.status = CaseStatus.replied
            followups.on_replied(self, event.replied_at)  # the follow-ups stop; the platform's reply deadline is met

    def on_returned(self, event: CaseReturnedV1) -> None:
        """退单: back to triage; the department is cleared, the first assignment still counts."""
        if self.department != event.department:
            return
        self.department = None
        self.paused_since = self.pause_kind = None
        self.status = CaseStatus.returned
        followups.on_returned(self, event.returned_at)

    def on_rejected(self, event: CaseRejectedV1) -> None:
        """不予受理: the case leaves every target's denominator; its clocks stop."""
        self.tracking_code = self.tracking_code or event.tracking_code
        self.department, self.status = None, CaseStatus.rejected

    def on_forwarded(self, event: CaseForwardedV1) -> None:
        """转办 outside the bureau: the bureau's part ends; forwarding counts as the assignment (on time when
        it came before the assignment deadline), and no reply round starts."""
        self.tracking_code = self.tracking_code or event.tracking_code
        self.assigned_at = self.assigned_at or event.forwarded_at
        self.department, self.status = None, CaseStatus.forwarded

    def on_merged(self, event: CaseMergedV1) -> None:
        """并单: the duplicate counts once, with its master; its own clocks stop."""
        self.tracking_code = self.tracking_code or event.tracking_code
        self.department, self.status = None, CaseStatus.merged
        self.paused_since = self.pause_kind = None

    def on_extension_decided(self, event: ExtensionDecidedV1) -> None:
        """延期: an approved extension moves the reply deadline (and its warnings start over)."""
        if not event.approved or self.department != event.department or self.reply_due == event.reply_due:
            return
        reply = self.clocks.get(ClockName.reply)
        if reply is not None:
            reply.restart(event.reply_due)
        reply_round = self.rounds.get(self.reply_round)
        if reply_round is not None:
            reply_round.reply_due = event.reply_due

    def on_disputed(self, event: AssignmentDisputedV1) -> None:
        """派单异议: the contested assignment's accept and reply clocks pause."""
        if self.department != event.department or self.status is not CaseStatus.assigned:
            return
        self.paused_since, self.pause_kind = event.disputed_at, "dispute"

    def on_dispute_decided(self, event: DisputeDecidedV1) -> None:
        """维持: the accept and reply deadlines move by the paused working time (routing computed them), in the
        same cycle (a warning sent before the dispute is not sent again). 改派: the CaseAssignedV1 that follows
        starts the new department's clocks."""
        if self.department != event.department or self.pause_kind != "dispute":
            return
        self.paused_since = self.pause_kind = None
        if event.decision != "upheld":
            return
        for name, due in ((ClockName.accept, event.accept_due), (ClockName.reply, event.reply_due)):
            clock = self.clocks.get(name)
            if clock is not None and due is not None:
                clock.due = due
        reply_round = self.rounds.get(self.reply_round)
        if reply_round is not None and event.reply_due is not None:
            reply_round.reply_due = event.reply_due

    def on_suspended(self, event: CaseSuspendedV1) -> None:
        """挂起: the reply clock pauses."""
        if self.department != event.department or self.status not in WAITING_ON_DEPARTMENT:
            return
        self.paused_since, self.pause_kind = event.suspended_at, "suspension"

    def on_resumed(self, event: CaseResumedV1) -> None:
        """恢复: the reply deadline moves by the suspended working time credited (same cycle)."""
        if self.department != event.department or self.pause_kind != "suspension":
            return
        self.paused_since = self.pause_kind = None
        reply = self.clocks.get(ClockName.reply)
        if reply is not None:
            reply.due = event.reply_due
        reply_round = self.rounds.get(event.reply_round)
        if reply_round is not None:
            reply_round.reply_due = event.reply_due

    def on_upstream_linked(self, event: UpstreamCaseLinkedV1) -> None:
        followups.on_upstream_linked(self, event)

    def on_contact_recorded(self, event: CaseContactRecordedV1) -> None:
        followups.on_contact_recorded(self, event)

    def on_onsite_checked(self, event: InvestigationCheckedV1) -> None:
        followups.on_onsite_checked(self, event)

    # --- the sweep --------------------------------------------------------------------------------

    def sweep(self, now: datetime, policy: SlaPolicy = SlaPolicy()) -> list[Alert]:
        """Each level a running clock has reached since the last sweep, once per cycle, with its event."""
        raised = []
        for clock in [*self.running_clocks(), *self.running_duty_clocks()]:
            for level in clock.advance(now, policy):
                raised.append(Alert(self.complaint_id, self.tracking_code, self.department, clock.name,
                                    clock.cycle, level, self.reply_round, clock.due, now))
                if level is Level.escalated:
                    self.record(CaseEscalatedV1, clock=clock.name.value, due=clock.due, at=now)
                else:
                    self.record(SlaWarningV1, clock=clock.name.value, level=level.value, due=clock.due, at=now)
        self.new_alerts.extend(raised)
        return raised
