"""The SLA sweep (预警/督办): a periodic function that opens its own unit of work.

For every running clock it works out the level reached (yellow, red, escalated) and, for each level
not sent yet in the clock's current cycle, writes an alert row, publishes SlaWarningV1 or
CaseEscalatedV1 on complaints.lifecycle (same transaction), and then notifies the people concerned.
Running it twice at the same moment sends nothing more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notify.adapters.tables import AlertRow, CaseRow
from services.notify.domain.clocks import ClockName, Level, SlaClock, levels_to_send, open_clocks
from services.notify.domain.commands import SweepSlaClocks
from services.notify.domain.notifications import Notification, Notifier, sla_notifications
from services.notify.service_layer.uow import NotifyUnitOfWork
from shared.contracts.events import CaseEscalatedV1, SlaWarningV1

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlaPolicy:
    yellow_ratio: float = 0.75
    escalate_after: timedelta = timedelta(0)


@dataclass(frozen=True)
class AlertSent:
    complaint_id: str
    clock: ClockName
    level: Level
    due: datetime


def sweep(uow: NotifyUnitOfWork, now: datetime, notifier: Notifier,
          policy: SlaPolicy | None = None) -> list[AlertSent]:
    """One pass over the open clocks; each case is its own transaction, so one bad row stops nothing."""
    policy = policy or SlaPolicy()
    sent: list[AlertSent] = []
    with uow:
        candidates = uow.cases.with_open_clocks()
        uow.rollback()  # end the read; each case below takes its own transaction (and row lock)
        for complaint_id in candidates:
            try:
                alerts, outgoing = _sweep_case(uow, complaint_id, now, policy)
                if alerts:
                    uow.commit()
                else:
                    uow.rollback()
            except Exception:  # noqa: BLE001 - log, keep sweeping; the next pass tries it again
                log.exception("SLA sweep failed for complaint %s", complaint_id)
                uow.rollback()
                continue
            sent.extend(alerts)
            _deliver(notifier, outgoing)
    return sent


def handle_sweep(command: SweepSlaClocks, uow: NotifyUnitOfWork, *, notifier: Notifier,
                 policy: SlaPolicy | None = None) -> list[AlertSent]:
    return sweep(uow, command.at, notifier, policy)


def _sweep_case(uow: NotifyUnitOfWork, complaint_id: str, now: datetime,
                policy: SlaPolicy) -> tuple[list[AlertSent], list[Notification]]:
    case = uow.cases.get(complaint_id, for_update=True)
    if case is None:
        return [], []
    alerts: list[AlertSent] = []
    outgoing: list[Notification] = []
    for clock in open_clocks(case):
        current = clock.level(now, yellow_ratio=policy.yellow_ratio, escalate_after=policy.escalate_after)
        last_sent = Level(getattr(case, f"{clock.name}_level"))
        for level in levels_to_send(last_sent, current):
            _record(uow, case, clock, level, now)
            alerts.append(AlertSent(case.complaint_id, clock.name, level, clock.due))
            outgoing += sla_notifications(tracking_code=case.tracking_code or case.complaint_id, clock=clock.name,
                                          level=level, due=clock.due, department=case.department)
        if current.rank > last_sent.rank:
            setattr(case, f"{clock.name}_level", current.value)
    return alerts, outgoing


def _record(uow: NotifyUnitOfWork, case: CaseRow, clock: SlaClock, level: Level, now: datetime) -> None:
    uow.cases.add_alert(AlertRow(
        complaint_id=case.complaint_id, tracking_code=case.tracking_code, department=case.department,
        clock=clock.name.value, cycle=getattr(case, f"{clock.name}_cycle"), level=level.value,
        reply_round=case.reply_round, due=clock.due, created_at=now,
    ))
    if level is Level.escalated:
        uow.publish(CaseEscalatedV1(complaint_id=case.complaint_id, department=case.department,
                                    clock=clock.name.value, due=clock.due, at=now))
    else:
        uow.publish(SlaWarningV1(complaint_id=case.complaint_id, department=case.department,
                                 clock=clock.name.value, level=level.value, due=clock.due, at=now))


def _deliver(notifier: Notifier, outgoing: list[Notification]) -> None:
    # After the commit: the alert is on record even if the gateway fails (it shows in /alerts).
    for note in outgoing:
        try:
            notifier.send(note.recipient, note.message)
        except Exception:  # noqa: BLE001 - a failed SMS must not undo or stop the sweep
            log.exception("could not notify %s", note.recipient)
