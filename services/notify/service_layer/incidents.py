"""突发环境事件 handlers (domain/incidents.py, docs/incidents.md): the duty officer alerted at once on a declaration,
the 2-hour first-response clock stopped by 签收 / a referral / an on-site check or by 解除, and the sweep's warning
(1 h 30) and escalation (2 h). Registered in handlers.py (EVENT_HANDLERS; the sweep from sweep_sla_clocks).

`duty_phones` is the port bootstrap gives (NOTIFY_DUTY_OFFICER_PHONES). Handlers that share an event with
another (签收, 交办) leave the commit to the event's last handler, as the others do.
"""

from __future__ import annotations

import logging
from datetime import datetime

from services.notify.domain.incidents import IncidentClock, Level, incident_messages
from services.notify.service_layer.uow import NotifyUnitOfWork
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseAssignedV1,
    CaseIncidentClearedV1,
    CaseIncidentDeclaredV1,
    IncidentReferralRecordedV1,
    InvestigationCheckedV1,
)

log = logging.getLogger(__name__)


def _send(uow: NotifyUnitOfWork, clock: IncidentClock, level: Level, duty_phones: tuple[str, ...]) -> None:
    unit = uow.departments.names_of(clock.department).unit(clock.department) if clock.department else "待分拨"
    for message in incident_messages(clock, level, duty_phones=duty_phones, unit=unit):
        uow.enqueue(message)


def incident_declared(event: CaseIncidentDeclaredV1, uow: NotifyUnitOfWork, duty_phones: tuple[str, ...] = ()
                      ) -> None:
    """The duty officer hears at once (SMS, no quiet hours) and the clock starts; a declaration while one runs
    (a person confirming a suspected incident) changes nothing."""
    clock = uow.incidents.get(event.complaint_id, for_update=True)
    if clock is None:
        clock = IncidentClock(event.complaint_id, event.tracking_code, event.declared_at, event.by, event.auto,
                              event.reason, event.department, event.town)
    elif not clock.declare_again(at=event.declared_at, by=event.by, auto=event.auto, reason=event.reason):
        uow.commit()
        return
    clock.department = event.department or clock.department
    uow.incidents.save(clock)
    _send(uow, clock, Level.declared, duty_phones)
    uow.commit()


def incident_cleared(event: CaseIncidentClearedV1, uow: NotifyUnitOfWork) -> None:
    clock = uow.incidents.get(event.complaint_id, for_update=True)
    if clock is not None and clock.clear(event.cleared_at):
        uow.incidents.save(clock)
    uow.commit()


def _respond(uow: NotifyUnitOfWork, complaint_id: str, kind: str, at: datetime) -> None:
    clock = uow.incidents.get(complaint_id, for_update=True)
    if clock is not None and clock.respond(kind, at):
        uow.incidents.save(clock)


def referral_recorded(event: IncidentReferralRecordedV1, uow: NotifyUnitOfWork) -> None:
    _respond(uow, event.complaint_id, "referral", event.recorded_at)
    uow.commit()


def onsite_checked(event: InvestigationCheckedV1, uow: NotifyUnitOfWork) -> None:
    """现场核查 (the event's last handler commits: it also stops the 现场核查 督办 clock)."""
    _respond(uow, event.complaint_id, "onsite", event.checked_at)


def case_accepted(event: CaseAcceptedV1, uow: NotifyUnitOfWork) -> None:
    """签收 (the event's last handler commits)."""
    _respond(uow, event.complaint_id, "accepted", event.accepted_at)


def case_assigned(event: CaseAssignedV1, uow: NotifyUnitOfWork) -> None:
    """A (re)assigned incident: the department its warnings go to (the event's last handler commits)."""
    clock = uow.incidents.get(event.complaint_id, for_update=True)
    if clock is not None and clock.department != event.department:
        clock.department = event.department
        uow.incidents.save(clock)


def sweep_incidents(uow: NotifyUnitOfWork, at: datetime, duty_phones: tuple[str, ...]) -> list[tuple[str, Level]]:
    """Warnings and escalations due by `at`, one transaction per incident (called by sweep_sla_clocks)."""
    candidates = uow.incidents.running()
    uow.rollback()
    raised: list[tuple[str, Level]] = []
    for complaint_id in candidates:
        try:
            clock = uow.incidents.get(complaint_id, for_update=True)
            levels = clock.sweep(at) if clock is not None else []
            if clock is None or not levels:
                uow.rollback()
                continue
            uow.incidents.save(clock)
            for level in levels:
                _send(uow, clock, level, duty_phones)
            uow.commit()
        except Exception:  # noqa: BLE001 - log, keep sweeping; the next pass tries it again
            log.exception("incident sweep failed for complaint %s", complaint_id)
            uow.rollback()
            continue
        raised += [(complaint_id, level) for level in levels]
    return raised
