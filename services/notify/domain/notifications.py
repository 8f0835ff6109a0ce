"""Notifications out (通知): the port, who gets what, and the words they read.

The real adapter (an SMS gateway) comes later; `adapters.notifier.FakeNotifier` records messages
in memory for the tests and the embedded demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.notify.domain.clocks import CLOCK_NAMES_ZH, ClockName, Level
from shared.clock import SHANGHAI
from shared.contracts.codes import DEPARTMENTS

SUPERVISORS = "role:supervisor"  # the district bureau's supervisors (督办)


class Notifier(Protocol):
    def send(self, recipient: str, message: str) -> None: ...


def department_recipient(department: str) -> str:
    return f"department:{department}"


@dataclass(frozen=True)
class Notification:
    recipient: str
    message: str


def department_name(department: str | None) -> str:
    if not department:
        return "人工分拨岗"  # triage: no department yet
    return DEPARTMENTS.get(department, department)


def sla_notifications(*, tracking_code: str, clock: ClockName, level: Level, due: datetime,
                      department: str | None) -> list[Notification]:
    """Yellow and red go to whoever must act (the department, or triage); escalation to supervisors too."""
    what = CLOCK_NAMES_ZH[clock]
    when = due.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    unit = department_name(department)
    if level is Level.yellow:
        text = f"【黄灯预警】投诉 {tracking_code} 的{what}时限将于 {when} 到期，请{unit}抓紧办理。"
    elif level is Level.red:
        text = f"【红灯预警】投诉 {tracking_code} 的{what}时限已于 {when} 到期，请{unit}立即办理。"
    elif level is Level.escalated:
        text = f"【督办】投诉 {tracking_code} 的{what}已超期（时限 {when}），责任单位：{unit}，请督促办理。"
    else:
        return []
    actor = department_recipient(department) if department else SUPERVISORS
    recipients = [actor] if level is not Level.escalated else list(dict.fromkeys([SUPERVISORS, actor]))
    return [Notification(recipient, text) for recipient in recipients]
