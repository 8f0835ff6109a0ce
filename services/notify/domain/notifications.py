"""Notifications out (通知): the port, who gets what, and the words they read.

The real adapter (an SMS gateway) comes later; `adapters.notifier.FakeNotifier` records messages
in memory for the tests and the embedded demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.notify.domain.case import Alert
from services.notify.domain.clocks import CLOCK_NAMES_ZH, Level
from services.notify.domain.departments import DepartmentDirectory
from shared.clock import SHANGHAI

SUPERVISORS = "role:supervisor"  # the district bureau's supervisors (督办)


class Notifier(Protocol):
    def send(self, recipient: str, message: str) -> None: ...


def department_recipient(department: str) -> str:
    return f"department:{department}"


@dataclass(frozen=True)
class Notification:
    recipient: str
    message: str


def sla_notifications(alert: Alert, directory: DepartmentDirectory) -> list[Notification]:
    """Yellow and red go to whoever must act (the department, or triage); escalation to supervisors too."""
    what = CLOCK_NAMES_ZH[alert.clock]
    when = alert.due.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    code, unit = alert.tracking_code or alert.complaint_id, directory.unit(alert.department)
    if alert.level is Level.yellow:
        text = f"【黄灯预警】投诉 {code} 的{what}时限将于 {when} 到期，请{unit}抓紧办理。"
    elif alert.level is Level.red:
        text = f"【红灯预警】投诉 {code} 的{what}时限已于 {when} 到期，请{unit}立即办理。"
    elif alert.level is Level.escalated:
        text = f"【督办】投诉 {code} 的{what}已超期（时限 {when}），责任单位：{unit}，请督促办理。"
    else:
        return []
    actor = department_recipient(alert.department) if alert.department else SUPERVISORS
    recipients = [actor] if alert.level is not Level.escalated else list(dict.fromkeys([SUPERVISORS, actor]))
    return [Notification(recipient, text) for recipient in recipients]
