"""Versioned event payloads shared as contracts between services.

A payload class is immutable once published: a breaking change is a new class with a new version
(`...v2`), and the snapshot test in tests/shared/test_event_schemas.py fails on any unannounced change.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from shared.contracts import topics
from shared.contracts.envelope import CloudEvent

TYPE_PREFIX = "hechuan.complaints."


class EventPayload(BaseModel):
    """A payload: its type and topic, and the subject that is also its partition key."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[str]

    @property
    def subject(self) -> str:
        raise NotImplementedError

    def destination(self) -> str:
        """The topic this event is written to (a per-department event overrides it)."""
        return self.topic

    def to_event(self, *, source: str, time: datetime, correlation_id: str | None = None) -> CloudEvent:
        return CloudEvent(
            source=source,
            type=self.event_type,
            subject=self.subject,
            time=time,
            data=self.model_dump(mode="json"),
            correlationid=correlation_id,
        )


class ComplaintEvent(EventPayload):
    """An event about one complaint: its id is the subject, so its events stay in order."""

    complaint_id: str

    @property
    def subject(self) -> str:
        return self.complaint_id


# --- intake ---------------------------------------------------------------------------------------


class ComplaintReceivedV1(ComplaintEvent):
    """A citizen's report was accepted and given a tracking code (受理)."""

    event_type = TYPE_PREFIX + "complaint.received.v1"
    topic = topics.RECEIVED

    tracking_code: str
    channel: str
    content: str
    category: str | None = None
    subcategory: str | None = None
    town: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    occurred_at: datetime | None = None
    urgent: bool = False
    received_at: datetime
    # Personal data never travels in clear: staff see masked values only.
    reporter_name_masked: str | None = None
    reporter_phone_masked: str | None = None
    anonymous: bool = False


class ComplaintImportedV1(ComplaintEvent):
    """A case finished in the bureau's older system, loaded as history (历史件导入).

    Not a new complaint: routing does not route it and the targets do not count it (its deadlines were
    never this system's). It is published so that what builds on history (caller and address history,
    duplicates, hotspots, rankings) can keep its own copy. A case still open in the older system is
    imported as a `ComplaintReceivedV1` instead, and handled from the day of the import.
    """

    event_type = TYPE_PREFIX + "complaint.imported.v1"
    topic = topics.RECEIVED

    tracking_code: str
    legacy_id: str  # "<source>:<the older system's number>"
    channel: str
    content: str
    category: str | None = None
    subcategory: str | None = None
    town: str | None = None
    address: str | None = None
    received_at: datetime
    department: str | None = None
    reply: str | None = None
    replied_at: datetime | None = None
    rating: str | None = None
    reporter_name_masked: str | None = None
    reporter_phone_masked: str | None = None
    anonymous: bool = False
    imported_at: datetime


class UpstreamCaseLinkedV1(ComplaintEvent):
    """The complaint is a case an upstream platform transferred (12345, the national platform): its number
    there and the platform's deadlines, which may come before ours. Sent right after the complaint's
    `ComplaintReceivedV1`, and again when the platform changes the deadlines."""

    event_type = TYPE_PREFIX + "complaint.upstream_linked.v1"
    topic = topics.RECEIVED

    tracking_code: str
    platform: str  # 12345 | national
    case_no: str
    transferred_at: datetime
    sign_due: datetime | None = None  # the platform's signing deadline (签收时限)
    reply_due: datetime | None = None  # the platform's reply deadline (答复时限)
    urgent: bool = False
    linked_at: datetime


class ComplaintRatedV1(ComplaintEvent):
    """The citizen (or a callback) rated the reply of one round (评价)."""

    event_type = TYPE_PREFIX + "complaint.rated.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    rating: str  # satisfied | basically_satisfied | unsatisfied
    comment: str | None = None
    reply_round: int
    via: str  # citizen | callback_link | phone_callback
    rated_at: datetime
    resolution: str | None = None  # resolved | partly_resolved | unresolved (解决情况); older events: none


class ComplaintAnonymisedV1(ComplaintEvent):
    """保存期限: intake removed the reporter's personal data (`complaints anonymise`); every service scrubs
    its own copy of the complaint's texts the same way (shared/scrub.py). It carries no text itself."""

    event_type = TYPE_PREFIX + "complaint.anonymised.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    anonymised_at: datetime


# --- routing --------------------------------------------------------------------------------------


class CaseTriagedV1(ComplaintEvent):
    """No confident type or department: the case waits for a person to route it (待人工分拨)."""

    event_type = TYPE_PREFIX + "case.triaged.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    received_at: datetime
    assign_due: datetime
    category: str | None = None
    subcategory: str | None = None
    town: str | None = None
    reason: str
    at: datetime


class CaseAssignedV1(ComplaintEvent):
    """The case was assigned to a department (交办), with its deadlines."""

    event_type = TYPE_PREFIX + "case.assigned.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str
    category: str
    subcategory: str | None = None
    town: str | None = None
    urgent: bool = False
    received_at: datetime
    assign_due: datetime
    assigned_at: datetime
    accept_due: datetime
    return_due: datetime
    reply_due: datetime
    reply_round: int = 1
    rule: str  # which rule or person routed it
    by: str  # "system" or the supervisor's username


class CaseDispatchedV1(ComplaintEvent):
    """The work order a department receives on its own topic (complaints.dispatch.<department>)."""

    event_type = TYPE_PREFIX + "case.dispatched.v1"
    topic = topics.DISPATCH_PREFIX  # + the department: see destination()

    tracking_code: str
    department: str
    category: str
    subcategory: str | None = None
    town: str | None = None
    address: str | None = None
    content: str
    urgent: bool = False
    reporter_phone_masked: str | None = None
    assigned_at: datetime
    accept_due: datetime
    reply_due: datetime

    def destination(self) -> str:
        return topics.dispatch(self.department)


class CaseAcceptedV1(ComplaintEvent):
    """The department signed for the case (签收)."""

    event_type = TYPE_PREFIX + "case.accepted.v1"
    topic = topics.LIFECYCLE

    department: str
    accepted_at: datetime
    by: str
    # 督办 clocks that start at signing (routing's time limits; docs/metrics.md): None when the case has none
    contact_due: datetime | None = None  # 首次联系: contact the citizen by then (none for an anonymous reporter)
    onsite_due: datetime | None = None  # 现场核查: check on site by then (types that need one)


class CaseContactRecordedV1(ComplaintEvent):
    """已联系群众: the department contacted the citizen (`method`: phone | sms | onsite) at `contacted_at`. No
    number, name or note travels here."""

    event_type = TYPE_PREFIX + "case.contact_recorded.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str
    method: str  # phone | sms | onsite
    contacted_at: datetime
    at: datetime
    by: str


class CaseProgressNotedV1(ComplaintEvent):
    """阶段性进展: the department recorded how a long case is going (the note stays in routing's history: no text
    travels here)."""

    event_type = TYPE_PREFIX + "case.progress_noted.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str
    noted_at: datetime
    by: str


class CaseRepliedV1(ComplaintEvent):
    """The department replied (回复); the reply is what the citizen reads."""

    event_type = TYPE_PREFIX + "case.replied.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str
    reply: str
    replied_at: datetime
    reply_due: datetime
    reply_round: int = 1
    by: str
    # the round's 办理照片 (ids): the citizen sees them with the reply (routing's GET /api/v1/reply-photos/{id})
    photos: list[str] = []


class CaseReopenedV1(ComplaintEvent):
    """重办: the citizen was not satisfied with the reply of `previous_round`; the same department handles
    it again in a new round. Followed by a `CaseAssignedV1` of the new round with its deadlines."""

    event_type = TYPE_PREFIX + "case.reopened.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str
    previous_round: int
    reply_round: int
    reply_due: datetime
    reason: str
    via: str  # how the rating came: citizen | callback_link | phone_callback
    reopened_at: datetime


class CaseReturnedV1(ComplaintEvent):
    """The department returned a wrongly routed case with a reason (退单); it goes back to triage."""

    event_type = TYPE_PREFIX + "case.returned.v1"
    topic = topics.LIFECYCLE

    department: str
    reason: str
    rule: str
    returned_at: datetime
    by: str


class CaseRejectedV1(ComplaintEvent):
    """不予受理: not a complaint the bureau handles (spam, nothing to act on); the reason is what the
    citizen reads. A rejected case leaves the denominator of every target."""

    event_type = TYPE_PREFIX + "case.rejected.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    reason: str
    rejected_at: datetime
    by: str


class CaseForwardedV1(ComplaintEvent):
    """转办: not an environmental matter; a supervisor forwarded it to the body that handles it (人社, 住建,
    交通 ...). The bureau's part ends here: forwarding within the assignment time limit counts as assigned
    on time, and no reply round starts."""

    event_type = TYPE_PREFIX + "case.forwarded.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    body: str  # the receiving body, as the citizen reads it
    note: str | None = None
    forwarded_at: datetime
    by: str


class CaseMergedV1(ComplaintEvent):
    """并单: this case is a duplicate of the open case `master_id`; it is handled there and counts once,
    with its master. Its citizen follows the master's progress and reply, and may rate it."""

    event_type = TYPE_PREFIX + "case.merged.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    master_id: str
    master_tracking_code: str
    department: str | None = None  # the duplicate's department before the merge (its queue loses it)
    reason: str | None = None
    merged_at: datetime
    by: str


class AssistRequestedV1(ComplaintEvent):
    """协办: the lead department (主办) or a supervisor asked another department to assist; it replies to
    the lead by `due`. The lead's reply still closes the case."""

    event_type = TYPE_PREFIX + "case.assist_requested.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str  # the assisting department
    lead_department: str
    due: datetime
    note: str | None = None
    requested_at: datetime
    by: str


class AssistRepliedV1(ComplaintEvent):
    """An assisting department's answer to the lead (协办意见)."""

    event_type = TYPE_PREFIX + "case.assist_replied.v1"
    topic = topics.LIFECYCLE

    department: str
    lead_department: str
    due: datetime
    replied_at: datetime
    by: str


class LeaderAssignedV1(ComplaintEvent):
    """领导包案: a long-standing case (积案) is given to a named leader, who owns it to closure."""

    event_type = TYPE_PREFIX + "case.leader_assigned.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str | None = None
    leader: str
    plan: str
    assigned_at: datetime
    by: str


class ExtensionRequestedV1(ComplaintEvent):
    """The department asked for more time before the reply deadline (延期申请)."""

    event_type = TYPE_PREFIX + "case.extension_requested.v1"
    topic = topics.LIFECYCLE

    department: str
    working_days: int
    reason: str
    requested_at: datetime
    by: str


class ExtensionDecidedV1(ComplaintEvent):
    """A supervisor approved or refused an extension; an approved one moves the reply deadline."""

    event_type = TYPE_PREFIX + "case.extension_decided.v1"
    topic = topics.LIFECYCLE

    department: str
    approved: bool
    reply_due: datetime
    decided_at: datetime
    by: str


class AssignmentDisputedV1(ComplaintEvent):
    """派单异议: the department the case is assigned to contests the assignment before signing for it (签收).
    Its accept and reply clocks pause until a supervisor decides (DisputeDecidedV1)."""

    event_type = TYPE_PREFIX + "case.assignment_disputed.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str  # the department contesting
    proposed_department: str | None = None  # the department it thinks is responsible
    reply_round: int = 1
    disputed_at: datetime
    by: str


class DisputeDecidedV1(ComplaintEvent):
    """A supervisor's decision on a 派单异议: `upheld` (维持: the department keeps it, its accept and reply
    deadlines moved by the paused working time) or `reassigned` (改派: followed by a CaseAssignedV1 to
    `new_department` with fresh deadlines)."""

    event_type = TYPE_PREFIX + "case.dispute_decided.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str  # the department that contested
    decision: str  # upheld | reassigned
    new_department: str | None = None  # reassigned: where it went
    accept_due: datetime | None = None  # upheld: the moved deadlines
    reply_due: datetime | None = None
    paused_seconds: int = 0  # working seconds the dispute was open
    reply_round: int = 1
    decided_at: datetime
    by: str


class CaseSuspendedV1(ComplaintEvent):
    """挂起: the department waits for the citizen (unreachable, materials to come, asked to wait); the reply
    clock pauses until CaseResumedV1."""

    event_type = TYPE_PREFIX + "case.suspended.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str
    reason_code: str  # unreachable | materials | citizen_asked | other
    reply_round: int = 1
    suspended_at: datetime
    by: str


class CaseResumedV1(ComplaintEvent):
    """恢复: a suspension ended; the reply deadline moved by the suspended working time credited (at most
    the round's allowance)."""

    event_type = TYPE_PREFIX + "case.resumed.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str
    reply_due: datetime  # the moved deadline
    paused_seconds: int  # working seconds credited
    reply_round: int = 1
    resumed_at: datetime
    by: str


class PetitionRegisteredV1(ComplaintEvent):
    """信访件登记: a supervisor registered the case as a petition (信访工作条例); the bureau must tell the
    petitioner in writing whether it is accepted by `acceptance_due` (calendar days from `received_on`)."""

    event_type = TYPE_PREFIX + "petition.registered.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    number: str  # the petition's number, e.g. 合环信〔2026〕7号
    received_on: date  # the day the petition was received
    acceptance_due: date
    registered_at: datetime
    by: str


class PetitionStepV1(ComplaintEvent):
    """A later step of a petition: accepted or not (受理/不予受理), extended (延期), replied (处理意见书), review
    requested and given (复查), re-review requested and given (复核, then 终结). `due` is the deadline (or,
    for the petitioner's requests, the window) the step was taken against; `next_due` the bureau's next
    deadline and `window_until` the last day of the petitioner's next request window, if any."""

    event_type = TYPE_PREFIX + "petition.step.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    number: str
    # accepted | not_accepted | extended | replied | review_requested | reviewed | rereview_requested | rereviewed
    step: str
    step_id: int  # the step's number within the petition (its document: .../petition/documents/{step_id}.docx)
    status: str  # the petition's status after the step
    at: datetime
    by: str
    due: date | None = None
    late: bool = False
    next_due: date | None = None
    window_until: date | None = None


class InspectionRegisteredV1(ComplaintEvent):
    """督察交办件登记: a supervisor registered the case as one an environmental inspection transferred
    (`kind` central | municipal, its `round_name`, batch 第N批, its own case `number`), to be reported back on
    by `report_due`."""

    event_type = TYPE_PREFIX + "inspection.registered.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    kind: str  # central (中央生态环境保护督察) | municipal (市级督察)
    round_name: str
    batch: int
    number: str  # the inspection's case number (交办编号)
    key_case: bool  # 重点件
    received_on: date
    report_due: date
    registered_at: datetime
    by: str


class InspectionUpdatedV1(ComplaintEvent):
    """An update of an inspection case: `changed` names the fields it changed (finding, progress,
    investigation, measures, penalty_cases, fine_yuan, interviews, interviewed, accountability, accountable);
    the counts and the fine are as after it. No text travels here."""

    event_type = TYPE_PREFIX + "inspection.updated.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    number: str
    batch: int
    update_id: int  # the update's number within the case
    changed: list[str]
    finding: str | None = None  # true (属实) | partly (部分属实) | false (不属实)
    progress: str  # in_progress (办理中) | staged (阶段性办结) | done (已办结)
    penalty_cases: int = 0
    fine_yuan: Decimal = Decimal("0.00")
    interviews: int = 0
    accountability: int = 0
    at: datetime
    by: str


class ReadingEntry(BaseModel):
    """A monitoring reading taken on site (监测数据), e.g. 噪声 62.5 dB(A) against a limit of 55."""

    model_config = ConfigDict(frozen=True)

    parameter: str
    value: float
    unit: str
    limit: float | None = None


class InvestigationCheckedV1(ComplaintEvent):
    """现场核查: the department checked on site (`check_id`, its number within the case) at `checked_at`, where
    the phone put it (lat/lon with its accuracy in metres, when given), what it measured (`exceeded`: a reading
    above its limit) and how many photos it took. No free text travels here."""

    event_type = TYPE_PREFIX + "investigation.checked.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str
    check_id: int
    checked_at: datetime
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    readings: list[ReadingEntry] = []
    exceeded: bool = False
    photos: int = 0
    at: datetime
    by: str


class InvestigationFindingV1(ComplaintEvent):
    """调查结论: true (属实) | partly (部分属实) | false (不属实); a later one corrects it (until 销号)."""

    event_type = TYPE_PREFIX + "investigation.finding.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str
    finding: str
    at: datetime
    by: str


class InvestigationActionV1(ComplaintEvent):
    """处理措施: rectify (责令整改, by `deadline`) | penalty (立案处罚, `amount_yuan` and `case_number`) | transfer
    (移送, to `body`)."""

    event_type = TYPE_PREFIX + "investigation.action.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str
    action_id: int
    kind: str
    deadline: date | None = None
    amount_yuan: Decimal | None = None
    case_number: str | None = None
    body: str | None = None
    at: datetime
    by: str


class InvestigationRecheckedV1(ComplaintEvent):
    """复查: rectified (已整改) | not_rectified (未整改), with how many evidence photos."""

    event_type = TYPE_PREFIX + "investigation.rechecked.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str
    recheck_id: int
    checked_at: datetime
    result: str
    photos: int = 0
    at: datetime
    by: str


class InvestigationSignedOffV1(ComplaintEvent):
    """销号: a supervisor closed the case's investigation (after a re-check found it rectified, or with a finding
    that needs none)."""

    event_type = TYPE_PREFIX + "investigation.signed_off.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str
    finding: str
    rechecks: int = 0
    signed_off_at: datetime
    by: str


class CaseFirmLinkedV1(ComplaintEvent):
    """被举报企业: the case is linked to a firm of routing's register (a dispatcher or supervisor named it;
    a new link replaces the case's earlier one). Notify counts a firm's cases for the problem list's "firm"
    kind (重复被举报, docs/firms.md). A firm is a legal entity: its name and code are no personal data."""

    event_type = TYPE_PREFIX + "case.firm_linked.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    firm_id: str
    firm_name: str
    credit_code: str  # 统一社会信用代码 (GB 32100-2015)
    firm_town: str | None = None
    received_at: datetime  # when the report came in: the repeat rule counts by it
    linked_at: datetime
    by: str


class CaseFirmUnlinkedV1(ComplaintEvent):
    """The case's link to a firm was removed (named by mistake): it no longer counts for the firm."""

    event_type = TYPE_PREFIX + "case.firm_unlinked.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    firm_id: str
    unlinked_at: datetime
    by: str


class CaseIncidentDeclaredV1(ComplaintEvent):
    """突发环境事件: the case is a (suspected) sudden environmental incident — a leak, a river turning colour,
    fish dying en masse, smoke from a plant. `auto`: routing's lexicon flagged it (疑似, `words` found); else a
    person declared it (宣布突发, `reason`). Notify alerts the duty officer at once and starts the 2-hour
    first-response clock (docs/incidents.md)."""

    event_type = TYPE_PREFIX + "case.incident_declared.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str | None = None
    town: str | None = None
    auto: bool
    words: list[str] = []
    reason: str
    declared_at: datetime
    by: str


class CaseIncidentClearedV1(ComplaintEvent):
    """解除: a false alarm — the case is no incident after all (reason kept); its clock stops, no more alerts."""

    event_type = TYPE_PREFIX + "case.incident_cleared.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    reason: str
    cleared_at: datetime
    by: str


class IncidentReferralRecordedV1(ComplaintEvent):
    """A referral of an incident to an emergency body (110 police, 119 fire, 120 ambulance, or another body
    named in `other_body`): when it was called, by whom, its reference number. A first response (docs/incidents.md)."""

    event_type = TYPE_PREFIX + "case.incident_referral.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    department: str | None = None
    target: str  # 110 | 119 | 120 | other
    other_body: str | None = None
    called_at: datetime
    called_by: str  # who made the call
    reference: str | None = None
    note: str | None = None
    recorded_at: datetime
    by: str  # who recorded it


class RewardEligibleV1(ComplaintEvent):
    """举报奖励: a case signed off with a finding of 属实/部分属实 and an action earned a reward for its first
    real-name reporter (docs/rewards.md). The subject is the signed-off case (the finding); who the reporter is
    stays in routing's reward record: no reporter travels here."""

    event_type = TYPE_PREFIX + "reward.eligible.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    reward_id: str
    suggested_yuan: Decimal
    candidates: int  # the reports of the same violation that were weighed
    at: datetime


class RewardApprovedV1(ComplaintEvent):
    """举报奖励 approved: the subject is the REWARDED report (the first reporter's complaint), so that intake,
    which alone holds the number, tells its reporter by SMS when and until when to claim it."""

    event_type = TYPE_PREFIX + "reward.approved.v1"
    topic = topics.LIFECYCLE

    tracking_code: str  # the rewarded report's
    reward_id: str
    amount_yuan: Decimal
    claim_due: date  # the last day to claim it (Chongqing)
    approved_at: datetime
    by: str


class RewardRejectedV1(ComplaintEvent):
    """举报奖励 refused (不予奖励); the reason stays in routing. The subject is the signed-off case."""

    event_type = TYPE_PREFIX + "reward.rejected.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    reward_id: str
    rejected_at: datetime
    by: str


class RewardPaidV1(ComplaintEvent):
    """举报奖励 paid (已发放): when and how; the subject is the signed-off case."""

    event_type = TYPE_PREFIX + "reward.paid.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    reward_id: str
    amount_yuan: Decimal
    paid_on: date
    method: str  # bank_transfer | cash | other
    at: datetime
    by: str


class RewardLapsedV1(ComplaintEvent):
    """举报奖励 not claimed by its last day (逾期未领取): it lapsed. The subject is the signed-off case."""

    event_type = TYPE_PREFIX + "reward.lapsed.v1"
    topic = topics.LIFECYCLE

    tracking_code: str
    reward_id: str
    claim_due: date
    at: datetime
    by: str


# --- notify ---------------------------------------------------------------------------------------


class CallbackDueV1(ComplaintEvent):
    """A reply round is to be called back (抽查回访): intake sends the citizen the rating link."""

    event_type = TYPE_PREFIX + "callback.due.v1"
    topic = topics.LIFECYCLE

    tracking_code: str | None = None
    reply_round: int
    department: str | None = None
    reason: str  # sampled | weekly_minimum | unsatisfied_online
    due_at: datetime
    created_at: datetime


class CallbackCompletedV1(ComplaintEvent):
    """Staff finished a callback by phone: the citizen's rating of the round, or unreachable.

    An unsatisfied outcome reopens the case (routing), as an unsatisfied rating online does.
    """

    event_type = TYPE_PREFIX + "callback.completed.v1"
    topic = topics.LIFECYCLE

    tracking_code: str | None = None
    reply_round: int
    department: str | None = None
    outcome: str  # satisfied | basically_satisfied | unsatisfied | unreachable
    completed_by: str
    completed_at: datetime
    note: str | None = None
    resolution: str | None = None  # with a rating: resolved | partly_resolved | unresolved; older events: none


class SlaWarningV1(ComplaintEvent):
    """A deadline is near (yellow, 75% of the allowed time used) or due now (red) (预警)."""

    event_type = TYPE_PREFIX + "case.sla_warning.v1"
    topic = topics.LIFECYCLE

    department: str | None = None
    clock: str  # assign | accept | reply; 督办 clocks: contact | onsite | up_sign | up_reply (docs/metrics.md)
    level: str  # yellow | red
    due: datetime
    at: datetime


class CaseEscalatedV1(ComplaintEvent):
    """A deadline was missed: the case is escalated to a supervisor (督办)."""

    event_type = TYPE_PREFIX + "case.escalated.v1"
    topic = topics.LIFECYCLE

    department: str | None = None
    clock: str  # assign | accept | reply; 督办 clocks: contact | onsite | up_sign | up_reply (docs/metrics.md)
    due: datetime
    at: datetime


# --- reference data (routing owns it; the others keep the names they show) ------------------------


class DepartmentEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    code: str
    name: str
    kind: str  # district (区级部门) | town (镇街)
    active: bool = True


class DepartmentsChangedV1(EventPayload):
    """Routing's department directory as it stands now (承办单位): sent whenever one is added or changed.

    Intake and notify keep their own copy of the names from it; a department added at run time
    is named everywhere once this arrives. One subject, so the snapshots stay in order.
    """

    event_type = TYPE_PREFIX + "departments.changed.v1"
    topic = topics.REFERENCE

    departments: list[DepartmentEntry]
    # Goes up by one with every change: a copy keeps the highest it has seen, so a snapshot replayed
    # late never wins, whatever the clocks of the routing replicas say.
    revision: int
    changed_at: datetime

    @property
    def subject(self) -> str:
        return "departments"


# --- the knowledge base (intake; notify assesses its upkeep and counts 直接办结) --------------------------


class KnowledgeArticleWrittenV1(EventPayload):
    """A knowledge-base article (知识库) was written or saved as a new version: who owns it, its status and its
    review date (复核) as of this version. No answer text travels: notify needs only the facts it assesses
    (docs/assessment.md, 知识库维护及时率)."""

    event_type = TYPE_PREFIX + "knowledge.article_written.v1"
    topic = topics.REFERENCE

    article_id: str
    version: int
    title: str
    department: str  # the owning department (谁提供、谁维护)
    status: str  # draft | internal | public
    category: str | None = None
    subcategory: str | None = None
    review_by: date | None = None  # the review date of this version (None: none set)
    changed_by: str
    changed_at: datetime

    @property
    def subject(self) -> str:
        return self.article_id  # an article's versions stay in order


class ConsultationAnsweredV1(EventPayload):
    """直接办结: an operator answered a caller's pure question with an article and closed the call. Not a
    complaint; the caller's question does not travel (it may name a person), only what the report counts."""

    event_type = TYPE_PREFIX + "knowledge.consultation_answered.v1"
    topic = topics.REFERENCE

    consultation_id: str
    article_id: str
    article_version: int
    article_title: str
    department: str  # the article's owning department
    category: str | None = None  # the article's type and subtype
    subcategory: str | None = None
    answered_by: str  # the operator's username
    channel: str  # hotline | ...
    answered_at: datetime

    @property
    def subject(self) -> str:
        return self.article_id


# --- accounts (intake) -------------------------------------------------------------------------------


class SessionsEndedV1(EventPayload):
    """A staff member's sessions ended (deactivated, password changed, signed out): tokens of theirs with
    a version below `token_version` are refused. Every service keeps the highest version per user."""

    event_type = TYPE_PREFIX + "account.sessions_ended.v1"
    topic = topics.ACCOUNTS

    username: str
    token_version: int
    reason: str  # deactivated | password_changed | signed_out
    ended_at: datetime

    @property
    def subject(self) -> str:
        return self.username[:64]  # the event key's length; only ordering depends on it


PAYLOADS: dict[str, type[EventPayload]] = {
    cls.event_type: cls
    for cls in (
        ComplaintReceivedV1,
        ComplaintImportedV1,
        UpstreamCaseLinkedV1,
        ComplaintRatedV1,
        ComplaintAnonymisedV1,
        CaseTriagedV1,
        CaseAssignedV1,
        CaseDispatchedV1,
        CaseAcceptedV1,
        CaseContactRecordedV1,
        CaseProgressNotedV1,
        CaseRepliedV1,
        CaseReturnedV1,
        CaseRejectedV1,
        CaseForwardedV1,
        CaseMergedV1,
        AssistRequestedV1,
        AssistRepliedV1,
        LeaderAssignedV1,
        CaseReopenedV1,
        CallbackDueV1,
        CallbackCompletedV1,
        ExtensionRequestedV1,
        ExtensionDecidedV1,
        AssignmentDisputedV1,
        DisputeDecidedV1,
        CaseSuspendedV1,
        CaseResumedV1,
        PetitionRegisteredV1,
        PetitionStepV1,
        InspectionRegisteredV1,
        InspectionUpdatedV1,
        InvestigationCheckedV1,
        InvestigationFindingV1,
        InvestigationActionV1,
        InvestigationRecheckedV1,
        InvestigationSignedOffV1,
        CaseFirmLinkedV1,
        CaseFirmUnlinkedV1,
        CaseIncidentDeclaredV1,
        CaseIncidentClearedV1,
        IncidentReferralRecordedV1,
        RewardEligibleV1,
        RewardApprovedV1,
        RewardRejectedV1,
        RewardPaidV1,
        RewardLapsedV1,
        SlaWarningV1,
        CaseEscalatedV1,
        DepartmentsChangedV1,
        SessionsEndedV1,
        KnowledgeArticleWrittenV1,
        ConsultationAnsweredV1,
    )
}


def parse(event: CloudEvent) -> EventPayload | None:
    """The typed payload of an event, or None for a type this version does not know (ignored, not failed)."""
    cls = PAYLOADS.get(event.type)
    return cls.model_validate(event.data) if cls else None
