"""突发环境事件 as notify follows them (docs/incidents.md): the duty officer (值班人员) is alerted at once, and a
2-hour first-response clock runs in wall-clock time (nights and weekends count: incidents do not wait for Monday).

- Declared (routing's CaseIncidentDeclaredV1, flagged by the lexicon or by a person): SMS to every duty roster
  phone (NOTIFY_DUTY_OFFICER_PHONES) and a message to the supervisors' group robot and the department's, at once
  and whatever the hour (staff: no quiet hours). The clock starts at the declaration.
- First response: the earliest, after the declaration, of the department's 签收 (CaseAcceptedV1), a referral to
  110/119/120/another body (IncidentReferralRecordedV1) or an on-site check of the investigation
  (InvestigationCheckedV1) — the moment it is on record. The clock then stops (met, or met late).
- Warning (预警) at 1 h 30 without a response: the duty officer again (SMS) and the department's group.
- Escalation (督办) at 2 h without a response: the supervisors' group and the duty officer (SMS).
- Cleared (解除, CaseIncidentClearedV1): the clock stops; nothing more is sent. A later declaration starts a new
  cycle; a second declaration while one runs (a person confirming a suspected incident) changes nothing.

Every message is keyed by its cause (the declaration, or the clock's cycle and level) and recipient: written
once, sent once, however often an event or a sweep comes again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from shared.clock import SHANGHAI
from shared.outbound import Channel, OutboundMessage

FIRST_RESPONSE = timedelta(hours=2)
WARNING_AFTER = timedelta(hours=1, minutes=30)
SUPERVISORS = "supervisors"


class IncidentStatus(StrEnum):
    running = "running"  # waiting for the first response
    met = "met"  # first response on record
    cleared = "cleared"  # 解除: a false alarm


class Level(StrEnum):
    declared = "declared"
    warning = "warning"  # 1 h 30
    escalated = "escalated"  # 2 h, missed


@dataclass
class IncidentClock:
    complaint_id: str
    tracking_code: str
    declared_at: datetime
    declared_by: str
    auto: bool
    reason: str
    department: str | None = None
    town: str | None = None
    cycle: int = 1
    status: IncidentStatus = IncidentStatus.running
    responded_at: datetime | None = None
    response: str | None = None  # accepted | referral | onsite
    warned_at: datetime | None = None
    escalated_at: datetime | None = None
    cleared_at: datetime | None = None

    @property
    def due(self) -> datetime:
        return self.declared_at + FIRST_RESPONSE

    @property
    def warn_at(self) -> datetime:
        return self.declared_at + WARNING_AFTER

    @property
    def on_time(self) -> bool | None:
        return None if self.responded_at is None else self.responded_at <= self.due

    def declare_again(self, *, at: datetime, by: str, auto: bool, reason: str) -> bool:
        """A declaration after the clock stopped (cleared, or met) starts a new cycle; while it runs, nothing."""
        if self.status == IncidentStatus.running:
            return False
        self.cycle += 1
        self.declared_at, self.declared_by, self.auto, self.reason = at, by, auto, reason
        self.status, self.responded_at, self.response = IncidentStatus.running, None, None
        self.warned_at = self.escalated_at = self.cleared_at = None
        return True

    def respond(self, kind: str, at: datetime) -> bool:
        """A first response on record (签收, a referral, an on-site check) at `at`: the clock stops."""
        if self.status != IncidentStatus.running or at < self.declared_at:
            return False
        self.status, self.responded_at, self.response = IncidentStatus.met, at, kind
        return True

    def clear(self, at: datetime) -> bool:
        if self.status == IncidentStatus.cleared:
            return False
        self.status, self.cleared_at = IncidentStatus.cleared, at
        return True

    def sweep(self, now: datetime) -> list[Level]:
        """The levels earned by `now` and not sent yet (at most one pass each per cycle)."""
        if self.status != IncidentStatus.running:
            return []
        earned: list[Level] = []
        if now >= self.warn_at and self.warned_at is None:
            self.warned_at = now
            earned.append(Level.warning)
        if now >= self.due and self.escalated_at is None:
            self.escalated_at = now
            earned.append(Level.escalated)
        return earned


def _when(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%m-%d %H:%M")


def incident_messages(clock: IncidentClock, level: Level, *, duty_phones: tuple[str, ...],
                      unit: str) -> list[OutboundMessage]:
    """What each level sends: SMS to the duty roster, group robot messages to staff. No complaint text, no
    citizen's data: the tracking code, the place, the words or reason, the deadline."""
    code = clock.tracking_code
    kind = "疑似突发环境事件" if clock.auto else "突发环境事件"
    where = f"（{clock.town}）" if clock.town else ""
    due = _when(clock.due)
    if level is Level.declared:
        sms = (f"【{kind}】投诉 {code}{where}：{clock.reason[:60]}。请值班人员立即处置，{due} 前须首次响应"
               "（签收、联动110/119/120或现场核查）。")
        robots = [(SUPERVISORS, f"【{kind}】投诉 {code}{where} 已通知值班人员，{due} 前须首次响应。责任单位：{unit}。")]
        if clock.department:
            robots.append((clock.department,
                           f"【{kind}】{unit}：投诉 {code}{where} 请立即签收处置，{due} 前须首次响应。"))
    elif level is Level.warning:
        sms = f"【突发预警】投诉 {code}{where} 已过 1 小时 30 分仍无首次响应，{due} 到期，请值班人员立即跟进。"
        robots = [(clock.department or SUPERVISORS,
                   f"【突发预警】投诉 {code}{where} 仍无首次响应，{due} 到期，请{unit}立即签收处置。")]
    else:
        sms = f"【突发督办】投诉 {code}{where} 2 小时内无首次响应（{due} 到期），已报督办。"
        robots = [(SUPERVISORS, f"【突发督办】投诉 {code}{where} 2 小时内无首次响应（{due} 到期），责任单位：{unit}，"
                                "请立即督办。")]
    cause = f"incident:{clock.complaint_id}:{clock.cycle}:{level.value}"
    messages = [OutboundMessage(key=f"{cause}:sms:{phone}", channel=Channel.sms, recipient=phone, body=sms,
                                kind=f"incident_{level.value}") for phone in duty_phones]
    messages += [OutboundMessage(key=f"{cause}:robot:{group}", channel=Channel.robot, recipient=group, body=text,
                                 kind=f"incident_{level.value}") for group, text in robots]
    return messages


def parse_phones(value: str) -> tuple[str, ...]:
    """NOTIFY_DUTY_OFFICER_PHONES: comma-separated mobile numbers (11 digits starting with 1)."""
    phones = tuple(p.strip() for p in value.replace("，", ",").split(",") if p.strip())
    wrong = [p for p in phones if not (len(p) == 11 and p.isdigit() and p.startswith("1"))]
    if wrong:
        raise ValueError(f"{len(wrong)} of the numbers is not an 11-digit mobile number (1xxxxxxxxxx)")
    return phones
