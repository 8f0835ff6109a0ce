"""notify's handlers: one per command, query and consumed event; the tables at the bottom.

Event handlers load (or create) the aggregate, call it, commit: the consumer's inbox row commits with
them, so a redelivered event changes nothing. The sweep takes one transaction per case; the messages
it causes are written in it (shared/outbound.py) and sent after it commits. Queries read through
`views` and never commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from services.notify.domain import dashboard as dash
from services.notify.domain import disclosure, hotspots, reviews
from services.notify.domain.callbacks import CallbackPolicy
from services.notify.domain.case import Alert, SlaCase
from services.notify.domain.clocks import SlaPolicy
from services.notify.domain.commands import (
    GetCallback,
    ListAlerts,
    ListCallbacks,
    RecordCallbackCall,
    ReportSlaTargets,
    SweepSlaClocks,
)
from services.notify.domain.metrics import Targets
from services.notify.domain.notifications import alert_messages, new_case_message
from services.notify.domain.rating import RoundRating
from services.notify.service_layer import callbacks as callback_handlers
from services.notify.service_layer import dashboard, firms, pauses, reports, views
from services.notify.service_layer import followups as followup_handlers
from services.notify.service_layer import hotspots as hotspot_handlers
from services.notify.service_layer import incidents as incident_handlers
from services.notify.service_layer import knowledge as knowledge_handlers
from services.notify.service_layer import reviews as review_handlers
from services.notify.service_layer.assessment import (
    AssessUnits,
    ListDepartmentNames,
    assess_units,
    list_department_names,
    log_assignment,
    remind_late_assists,
    track_assists,
)
from services.notify.service_layer.uow import NotifyUnitOfWork
from shared.calendar import WorkingCalendar
from shared.contracts.events import (
    AssignmentDisputedV1,
    AssistRepliedV1,
    AssistRequestedV1,
    CaseAcceptedV1,
    CaseAssignedV1,
    CaseContactRecordedV1,
    CaseFirmLinkedV1,
    CaseFirmUnlinkedV1,
    CaseForwardedV1,
    CaseIncidentClearedV1,
    CaseIncidentDeclaredV1,
    CaseMergedV1,
    CaseProgressNotedV1,
    CaseRejectedV1,
    CaseRepliedV1,
    CaseResumedV1,
    CaseReturnedV1,
    CaseSuspendedV1,
    CaseTriagedV1,
    ComplaintAnonymisedV1,
    ComplaintEvent,
    ComplaintRatedV1,
    ComplaintReceivedV1,
    ConsultationAnsweredV1,
    DepartmentsChangedV1,
    DisputeDecidedV1,
    EventPayload,
    ExtensionDecidedV1,
    IncidentReferralRecordedV1,
    InvestigationCheckedV1,
    KnowledgeArticleWrittenV1,
    SessionsEndedV1,
    UpstreamCaseLinkedV1,
)
from shared.outbound import ListOutbound, ReplayOutbound, list_outbound, replay_outbound
from shared.scrub import scrub
from shared.sessions import record_ended_sessions

log = logging.getLogger(__name__)

# --- events: the case lifecycle -------------------------------------------------------------------


def follow_lifecycle(event: ComplaintEvent, uow: NotifyUnitOfWork) -> None:
    """Routing's lifecycle events move the case's clocks; a case is opened by the first that can open it."""
    _follow(event, uow)
    uow.commit()


def _follow(event: ComplaintEvent, uow: NotifyUnitOfWork) -> SlaCase | None:
    case = uow.cases.get(event.complaint_id)
    if case is None:
        if not isinstance(event, SlaCase.OPENED_BY):
            return None  # e.g. an acceptance of a case notify never saw assigned: no clock to stop
        case = uow.cases.add(SlaCase(event.complaint_id))
    case.follow(event)
    if isinstance(event, CaseAssignedV1):
        uow.enqueue(new_case_message(complaint_id=event.complaint_id, tracking_code=event.tracking_code,
                                     department=event.department, category=event.category,
                                     reply_due=event.reply_due, assigned_at=event.assigned_at,
                                     directory=uow.departments.names_of(event.department),
                                     reopened=event.rule == "reopen"))
    return case


def case_replied(event: CaseRepliedV1, uow: NotifyUnitOfWork, callbacks: CallbackPolicy,
                 calendar: WorkingCalendar) -> None:
    """回复: the reply clock stops, and the round is sampled for a callback, in one transaction."""
    case = _follow(event, uow)
    callback_handlers.sample_reply(event, case, uow, callbacks, calendar)
    uow.commit()


def complaint_received(event: ComplaintReceivedV1, uow: NotifyUnitOfWork) -> None:
    """Intake's 受理: the case keeps its channel (the targets per channel; grid patrol findings apart)."""
    case = uow.cases.get(event.complaint_id) or uow.cases.add(SlaCase(event.complaint_id))
    case.on_received(event)
    uow.commit()


def complaint_rated(event: ComplaintRatedV1, uow: NotifyUnitOfWork, callbacks: CallbackPolicy,
                    calendar: WorkingCalendar) -> None:
    """评价: the round's latest rating (the satisfaction rate); it completes a pending callback, and an
    unsatisfied one is called back."""
    rating = uow.ratings.get(event.complaint_id, event.reply_round)
    comment = (scrub(event.comment).strip() or None) if event.comment else None  # without phone or ID numbers
    if rating is None:
        uow.ratings.add(RoundRating(event.complaint_id, event.reply_round, event.tracking_code, event.rating,
                                    event.via, event.rated_at, event.resolution, comment))
    else:
        rating.rate_again(event.rating, event.via, event.rated_at, event.resolution, comment)
    callback_handlers.rated_online(event, uow, callbacks, calendar)
    uow.commit()


# --- events: reference data -----------------------------------------------------------------------


def departments_changed(event: DepartmentsChangedV1, uow: NotifyUnitOfWork) -> None:
    uow.departments.get().replace(event.departments, event.revision, event.changed_at)
    uow.commit()


# --- commands -------------------------------------------------------------------------------------


def sweep_sla_clocks(command: SweepSlaClocks, uow: NotifyUnitOfWork, policy: SlaPolicy,
                     duty_phones: tuple[str, ...] = ()) -> list[Alert]:
    """One pass over the running clocks; each case is its own transaction, so one bad row stops nothing.
    Its alerts' messages are written in that transaction (sent by the robot sender after it commits)."""
    candidates = uow.cases.with_open_clocks()
    directory = uow.departments.get()  # the names the messages use
    uow.rollback()  # end the read; each case below takes its own transaction (and row lock)
    raised: list[Alert] = []
    for complaint_id in candidates:
        try:
            case = uow.cases.get(complaint_id, for_update=True)
            alerts = case.sweep(command.at, policy) if case is not None else []
            if not alerts:
                uow.rollback()
                continue
            for alert in alerts:
                for message in alert_messages(alert, directory):
                    uow.enqueue(message)
            uow.commit()
        except Exception:  # noqa: BLE001 - log, keep sweeping; the next pass tries it again
            log.exception("SLA sweep failed for complaint %s", complaint_id)
            uow.rollback()
            continue
        raised += alerts
    try:
        remind_late_assists(uow, command.at)  # 协办催办, once each
    except Exception:  # noqa: BLE001 - log; the next pass tries again
        log.exception("reminding late assists failed")
        uow.rollback()
    incident_handlers.sweep_incidents(uow, command.at, duty_phones)  # 突发环境事件: 1 h 30 warning, 2 h escalation
    return raised


# --- queries (never commit) -----------------------------------------------------------------------


def report_sla_targets(query: ReportSlaTargets, uow: NotifyUnitOfWork, targets: Targets) -> views.TargetsView:
    return views.sla_targets(query, uow, targets)


def list_alerts(query: ListAlerts, uow: NotifyUnitOfWork) -> views.AlertsPage:
    return views.alerts(query, uow)


Handler = Callable[..., Any]

COMMAND_HANDLERS: dict[type, Handler] = {
    SweepSlaClocks: sweep_sla_clocks,
    ReportSlaTargets: report_sla_targets,
    ListAlerts: list_alerts,
    dash.ReportSlaTrend: dashboard.report_sla_trend,
    dash.ListFigureCases: dashboard.list_figure_cases,
    dash.ListDeadlineCases: dashboard.list_deadline_cases,
    ListOutbound: list_outbound,
    ReplayOutbound: replay_outbound,
    ListCallbacks: callback_handlers.list_callbacks,
    GetCallback: callback_handlers.get_callback,
    RecordCallbackCall: callback_handlers.record_callback_call,
    hotspots.ListHotspots: hotspot_handlers.list_hotspots,
    hotspots.ListHotspotCases: hotspot_handlers.list_hotspot_cases,
    hotspots.UpdateHotspot: hotspot_handlers.update_hotspot,
    disclosure.ReportMonth: reports.monthly_report,
    disclosure.PublicMonthly: reports.public_monthly,
    AssessUnits: assess_units,
    ListDepartmentNames: list_department_names,
    reviews.ListUnsatisfiedRatings: review_handlers.list_unsatisfied_ratings,
    reviews.GetRatingReview: review_handlers.get_rating_review,
    reviews.MarkUnreasonable: review_handlers.mark_unreasonable,
    reviews.WithdrawUnreasonable: review_handlers.withdraw_unreasonable,
    knowledge_handlers.ReportConsultations: knowledge_handlers.report_consultations,  # 直接办结
}

# notify's own SlaWarningV1 / CaseEscalatedV1 come back on the lifecycle topic: no handler, so skipped.
EVENT_HANDLERS: dict[type[EventPayload], list[Handler]] = {
    ComplaintReceivedV1: [complaint_received],
    CaseTriagedV1: [follow_lifecycle],
    # note_reply and log_assignment leave the commit to the event's last handler (one unit of work per event)
    CaseAssignedV1: [log_assignment, track_assists, incident_handlers.case_assigned,
                     followup_handlers.progress_on_assigned, follow_lifecycle],
    CaseAcceptedV1: [log_assignment, incident_handlers.case_accepted, follow_lifecycle],
    CaseRepliedV1: [hotspot_handlers.note_reply, log_assignment, track_assists, case_replied],
    CaseReturnedV1: [log_assignment, track_assists, follow_lifecycle],
    CaseRejectedV1: [follow_lifecycle],
    CaseForwardedV1: [follow_lifecycle],
    CaseMergedV1: [log_assignment, track_assists, follow_lifecycle],
    AssistRequestedV1: [track_assists],
    AssistRepliedV1: [track_assists],
    ExtensionDecidedV1: [follow_lifecycle],
    # paused clocks (派单异议, 挂起): service_layer/pauses.py
    AssignmentDisputedV1: [pauses.log_dispute, follow_lifecycle],
    DisputeDecidedV1: [pauses.log_dispute, follow_lifecycle],
    CaseSuspendedV1: [follow_lifecycle],
    CaseResumedV1: [follow_lifecycle],
    ComplaintRatedV1: [complaint_rated],
    ComplaintAnonymisedV1: [callback_handlers.anonymised],  # 保存期限: the calls' notes scrubbed
    DepartmentsChangedV1: [departments_changed],
    SessionsEndedV1: [record_ended_sessions],  # intake's accounts: tokens of ended sessions are refused
    CaseFirmLinkedV1: [firms.firm_linked],  # 被举报企业: the problem list's firm rule (docs/firms.md)
    CaseFirmUnlinkedV1: [firms.firm_unlinked],
    # 突发环境事件 (service_layer/incidents.py, docs/incidents.md): the duty officer, the 2-hour clock
    CaseIncidentDeclaredV1: [incident_handlers.incident_declared],
    CaseIncidentClearedV1: [incident_handlers.incident_cleared],
    IncidentReferralRecordedV1: [incident_handlers.referral_recorded],
    InvestigationCheckedV1: [incident_handlers.onsite_checked, follow_lifecycle],  # and the 现场核查 督办 clock
    # 督办 clocks (domain/followups.py, docs/metrics.md): first contact, the upstream platform's deadlines
    CaseContactRecordedV1: [follow_lifecycle],
    UpstreamCaseLinkedV1: [followup_handlers.upstream_linked],
    CaseProgressNotedV1: [followup_handlers.progress_noted],  # 阶段性进展 of long cases
    # 知识库 (intake): 知识库维护及时率 in the assessment, the report of 直接办结 (service_layer/knowledge.py)
    KnowledgeArticleWrittenV1: [knowledge_handlers.article_written],
    ConsultationAnsweredV1: [knowledge_handlers.consultation_answered],
}
