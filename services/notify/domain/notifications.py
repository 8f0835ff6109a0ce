"""Notifications out (通知): who gets what, and the words they read.

Departments and supervisors are told in their group chats (企业微信/钉钉 group robots: a recipient
is a group's name, a department's code or "supervisors"). A handler turns these into outbound
messages (`shared.outbound`) in the transaction of the change, keyed by their cause, so a message is
written once and sent once however often a sweep or an event comes again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.notify.domain.case import Alert
from services.notify.domain.clocks import CLOCK_NAMES_ZH, Level
from services.notify.domain.departments import DepartmentDirectory
from shared.clock import SHANGHAI
from shared.contracts.codes import CATEGORY_NAMES
from shared.outbound import Channel, OutboundMessage

SUPERVISORS = "supervisors"  # the district bureau's supervisors' group (督办)


def department_recipient(department: str) -> str:
    """A department's group: named by its code (the key of ROBOT_WEBHOOKS)."""
    return department


@dataclass(frozen=True)
class Notification:
    recipient: str
    message: str


def sla_notifications(alert: Alert, directory: DepartmentDirectory) -> list[Notification]:
    """Yellow and red go to whoever must act (the department, or triage). Overdue is escalated (督办) to
    the supervisors, and the department gets a reminder (催办) to act now and say why it is late."""
    what = CLOCK_NAMES_ZH[alert.clock]
    when = alert.due.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    code, unit = alert.tracking_code or alert.complaint_id, directory.unit(alert.department)
    actor = department_recipient(alert.department) if alert.department else SUPERVISORS
    if alert.level is Level.yellow:
        return [Notification(actor, f"【黄灯预警】投诉 {code} 的{what}时限将于 {when} 到期，请{unit}抓紧办理。")]
    if alert.level is Level.red:
        return [Notification(actor, f"【红灯预警】投诉 {code} 的{what}时限已于 {when} 到期，请{unit}立即办理。")]
    if alert.level is not Level.escalated:
        return []
    escalation = Notification(SUPERVISORS, f"【督办】投诉 {code} 的{what}已超期（时限 {when}），责任单位：{unit}，"
                                           "请督促办理。")
    if actor == SUPERVISORS:
        return [escalation]
    return [escalation, Notification(actor, f"【催办】投诉 {code} 的{what}已超期（时限 {when}），请{unit}立即办理，"
                                            "并向督办人员说明超期原因。")]


def alert_messages(alert: Alert, directory: DepartmentDirectory) -> list[OutboundMessage]:
    """An alert's notifications as outbound messages: one per recipient, keyed by the alert itself
    (clock, cycle, level), which is raised at most once."""
    cause = f"alert:{alert.complaint_id}:{alert.clock.value}:{alert.cycle}:{alert.level.value}"
    return [OutboundMessage(key=f"{cause}:{note.recipient}", channel=Channel.robot, recipient=note.recipient,
                            body=note.message, kind=f"sla_{alert.level.value}")
            for note in sla_notifications(alert, directory)]


def new_case_message(*, complaint_id: str, tracking_code: str, department: str, category: str | None,
                     reply_due: datetime, assigned_at: datetime, directory: DepartmentDirectory,
                     reopened: bool = False) -> OutboundMessage:
    """交办 (or 重办, a new round after an unsatisfied rating): the department's group hears at once."""
    due = reply_due.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    what = CATEGORY_NAMES.get(category or "", "待定类型")
    if reopened:
        text = (f"【重办】{directory.unit(department)}：投诉 {tracking_code}（{what}）市民对回复不满意，"
                f"已退回重新办理，回复时限 {due}。")
    else:
        text = (f"【新案件】{directory.unit(department)}：投诉 {tracking_code}（{what}）已交办，请及时签收，"
                f"回复时限 {due}。")
    key = f"assigned:{complaint_id}:{department}:{assigned_at.isoformat()}"
    return OutboundMessage(key=key, channel=Channel.robot, recipient=department_recipient(department), body=text,
                           kind="assigned")


def assist_requested_message(*, complaint_id: str, tracking_code: str, department: str, lead_department: str,
                             due: datetime, requested_at: datetime,
                             directory: DepartmentDirectory) -> OutboundMessage:
    """协办: the assisting department's group hears at once, with its own deadline."""
    when = due.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    text = (f"【协办】{directory.unit(department)}：投诉 {tracking_code} 由{directory.unit(lead_department)}主办，"
            f"请协助办理，并于 {when} 前向主办单位回复协办意见。")
    return OutboundMessage(key=f"assist:{complaint_id}:{department}:{requested_at.isoformat()}",
                           channel=Channel.robot, recipient=department_recipient(department), body=text,
                           kind="assist")


def assist_overdue_message(*, complaint_id: str, tracking_code: str | None, department: str, lead_department: str,
                           due: datetime, requested_at: datetime,
                           directory: DepartmentDirectory) -> OutboundMessage:
    """协办催办: once, when an assisting department has not answered the lead by its deadline."""
    when = due.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    text = (f"【协办催办】投诉 {tracking_code or complaint_id} 的协办意见已超期（时限 {when}），"
            f"请{directory.unit(department)}立即向主办单位{directory.unit(lead_department)}回复。")
    return OutboundMessage(key=f"assist-overdue:{complaint_id}:{department}:{requested_at.isoformat()}",
                           channel=Channel.robot, recipient=department_recipient(department), body=text,
                           kind="assist_overdue")
