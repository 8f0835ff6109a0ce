"""Commands and queries of the register of reported firms (被举报企业, docs/firms.md). `acting_for` is the
department a dispatcher acts for (None: a supervisor or an administrator, any case)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.routing.domain.firms import FirmStatus


@dataclass(frozen=True)
class RegisterFirm:
    actor: str
    name: str
    credit_code: str
    town: str
    address: str
    industry: str
    permit_number: str | None = None
    status: FirmStatus = FirmStatus.operating


@dataclass(frozen=True)
class EditFirm:
    firm_id: str
    actor: str
    changes: dict[str, Any] = field(default_factory=dict)  # only the fields given


@dataclass(frozen=True)
class LinkCaseFirm:
    """Name the firm a case reports (a new link replaces the earlier one)."""

    complaint_id: str
    firm_id: str
    actor: str
    acting_for: str | None


@dataclass(frozen=True)
class UnlinkCaseFirm:
    complaint_id: str
    actor: str
    acting_for: str | None


# --- queries ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFirms:
    """By name (contains) or credit code (prefix), a page; `q` empty: all, the latest changed first."""

    q: str = ""
    offset: int = 0
    limit: int = 20
    repeated_only: bool = False


@dataclass(frozen=True)
class FirmDetail:
    firm_id: str


@dataclass(frozen=True)
class CaseFirm:
    """The firm a case is linked to (None: none)."""

    complaint_id: str
    acting_for: str | None
