"""Commands and queries of investigations (调查处理, docs/investigations.md). `acting_for` is the department a
dispatcher acts for (None: a supervisor or an administrator, any case)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from services.routing.domain.investigations import ActionKind, Finding, Location, Reading, RecheckResult


@dataclass(frozen=True)
class AddInvestigationPhoto:
    """A photo taken on site or at the re-check, to be named by a check or re-check."""

    complaint_id: str
    data: bytes = field(repr=False)
    actor: str
    acting_for: str | None


@dataclass(frozen=True)
class RecordCheck:
    """现场核查"""

    complaint_id: str
    actor: str
    acting_for: str | None
    checked_at: datetime
    by: str
    location: Location | None = None
    address_note: str | None = None
    readings: tuple[Reading, ...] = ()
    photos: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class RecordFinding:
    """调查结论"""

    complaint_id: str
    actor: str
    acting_for: str | None
    finding: Finding
    note: str | None = None


@dataclass(frozen=True)
class RecordAction:
    """处理措施: 责令整改 (deadline), 立案处罚 (amount, case number), 移送 (body)."""

    complaint_id: str
    actor: str
    acting_for: str | None
    kind: ActionKind
    deadline: date | None = None
    amount: Decimal | None = None
    case_number: str | None = None
    body: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class RecordRecheck:
    """复查"""

    complaint_id: str
    actor: str
    acting_for: str | None
    checked_at: datetime
    by: str
    result: RecheckResult
    photos: tuple[str, ...] = ()
    readings: tuple[Reading, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class SignOff:
    """销号 (a supervisor)."""

    complaint_id: str
    actor: str
    note: str | None = None


# --- queries ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvestigationFile:
    complaint_id: str
    acting_for: str | None


@dataclass(frozen=True)
class GetInvestigationPhoto:
    complaint_id: str
    photo_id: str
    acting_for: str | None
