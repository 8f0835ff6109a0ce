"""Commands and queries of petitions (信访件). Steps are a supervisor's (`actor`); a file and its documents
may also be read by a dispatcher of the case's department (`acting_for`: that department; None for any)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.routing.domain.petitions import PetitionStatus


@dataclass(frozen=True)
class RegisterPetition:
    """登记为信访件: the case becomes a petition file, received on `received_on` (today when None)."""

    complaint_id: str
    actor: str
    received_on: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class DecidePetitionAcceptance:
    """受理 / 不予受理 (the reason is required when not accepted)."""

    complaint_id: str
    accepted: bool
    reason: str | None
    actor: str


@dataclass(frozen=True)
class ExtendPetition:
    """延期 (once, at most ROUTING_PETITION_MAX_EXTENSION_DAYS), the reason told to the petitioner."""

    complaint_id: str
    days: int
    reason: str
    actor: str


@dataclass(frozen=True)
class ReplyPetition:
    """处理意见书"""

    complaint_id: str
    text: str
    actor: str


@dataclass(frozen=True)
class RequestPetitionReview:
    """The petitioner's 复查 request, recorded by staff."""

    complaint_id: str
    text: str
    actor: str


@dataclass(frozen=True)
class ReviewPetition:
    """复查意见书"""

    complaint_id: str
    text: str
    actor: str


@dataclass(frozen=True)
class RequestPetitionRereview:
    """The petitioner's 复核 request, recorded by staff."""

    complaint_id: str
    text: str
    actor: str


@dataclass(frozen=True)
class RereviewPetition:
    """复核意见书: the petition is closed (终结)."""

    complaint_id: str
    text: str
    actor: str


# --- queries ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PetitionFile:
    """The petition with its steps, each deadline, and what may be done next."""

    complaint_id: str
    acting_for: str | None


@dataclass(frozen=True)
class PetitionDocumentOf:
    """One step's document (filled in; the entry point writes the .docx)."""

    complaint_id: str
    step_id: int
    acting_for: str | None


class PetitionDue(StrEnum):
    """On the bureau's next deadline: past it, or within ROUTING_PETITION_DUE_SOON_DAYS days of it."""

    overdue = "overdue"
    soon = "soon"


@dataclass(frozen=True)
class PetitionList:
    """Petitions, the nearest deadline of the bureau first (those waiting for the petitioner or closed last)."""

    status: PetitionStatus | None = None
    due: PetitionDue | None = None
    limit: int = 50
    offset: int = 0
