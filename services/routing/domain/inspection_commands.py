"""Commands and queries of inspection cases (督察交办件). Registering, updating and publishing are a supervisor's
(`actor`); the public table is anyone's and reads only published batches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.routing.domain.inspections import InspectionKind


@dataclass(frozen=True)
class RegisterInspection:
    """登记为督察交办件: the case came from an inspection, in batch `batch` of `round_name`."""

    complaint_id: str
    actor: str
    kind: InspectionKind
    round_name: str
    batch: int
    number: str
    key_case: bool
    report_due: date
    received_on: date | None = None


@dataclass(frozen=True)
class UpdateInspection:
    """An update: `changes` holds only the fields given (see inspections.UPDATABLE)."""

    complaint_id: str
    actor: str
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PublishInspectionBatch:
    """公开 (or withdraw) a batch of a round in the public 边督边改 table."""

    round_name: str
    batch: int
    published: bool
    actor: str


# --- queries ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionFile:
    complaint_id: str


@dataclass(frozen=True)
class InspectionList:
    """Inspection cases, by batch and 交办编号; supervisors."""

    batch: int | None = None
    key_case: bool | None = None
    round_name: str | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class InspectionBatches:
    """Every batch of every round with its counts (cases, 重点件, 已办结, 逾期) and whether it is published;
    supervisors."""


@dataclass(frozen=True)
class PublicInspectionTable:
    """The public 边督边改 table: published batches only (of `batch`, and `round_name`, when given)."""

    batch: int | None = None
    round_name: str | None = None
