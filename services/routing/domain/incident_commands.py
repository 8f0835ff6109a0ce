"""Commands of 突发环境事件 (domain/incidents.py). `acting_for` is the department a dispatcher acts for (None: a
hotline operator, a supervisor or an administrator: any case)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.routing.domain.incidents import ReferralTarget


@dataclass(frozen=True)
class DeclareIncident:
    """宣布突发: the case is a sudden environmental incident (or a suspected one is confirmed)."""

    complaint_id: str
    reason: str
    actor: str
    acting_for: str | None


@dataclass(frozen=True)
class ClearIncident:
    """解除: a false alarm."""

    complaint_id: str
    reason: str
    actor: str
    acting_for: str | None


@dataclass(frozen=True)
class RecordReferral:
    """联动: a call to 110 / 119 / 120 or another body about the incident."""

    complaint_id: str
    target: ReferralTarget
    called_at: datetime
    called_by: str
    actor: str
    acting_for: str | None
    other_body: str | None = None
    reference: str | None = None
    note: str | None = None
