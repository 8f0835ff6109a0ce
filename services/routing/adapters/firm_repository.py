"""The Firm aggregate in and out of routing_firms (held and written at commit), the register's search, and a
firm's history: the cases linked to it (routing_cases.firm_id) with their finding (调查结论), if any."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, or_, select
from sqlmodel import col

from services.routing.adapters.firm_tables import RoutingFirm
from services.routing.adapters.investigation_tables import RoutingInvestigation
from services.routing.adapters.tables import RoutingCase
from services.routing.domain.firms import Firm, FirmStatus
from shared.repository import Repository

_PLAIN = ("id", "name", "credit_code", "permit_number", "address", "town", "industry", "created_at", "created_by",
          "updated_at", "updated_by")


@dataclass(frozen=True)
class LinkedCase:
    """A case in a firm's history."""

    complaint_id: str
    tracking_code: str
    received_at: datetime
    category: str | None
    subcategory: str | None
    town: str | None
    department: str | None
    status: str
    finding: str | None


def _firm(row: RoutingFirm) -> Firm:
    return Firm(status=FirmStatus(row.status), **{name: getattr(row, name) for name in _PLAIN})


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class FirmRepository(Repository[Firm]):
    def add(self, firm: Firm) -> Firm:
        return self._hold(firm.id, firm, new=True)

    def get(self, firm_id: str) -> Firm | None:
        if (held := self.held(firm_id)) is not None:
            return held
        row = self.session.get(RoutingFirm, firm_id)
        return self._hold(firm_id, _firm(row), new=False) if row is not None else None

    def by_credit_code(self, code: str) -> str | None:
        """The id of the firm with this credit code."""
        return self.session.scalar(select(col(RoutingFirm.id)).where(col(RoutingFirm.credit_code) == code))

    def search(self, q: str, *, offset: int, limit: int, only: list[str] | None = None) -> tuple[list[Firm], int]:
        """Firms whose name contains `q` or whose credit code starts with it (upper case), the latest changed
        first, a page, and how many match in all. `only`: among these ids."""
        where: list[Any] = []
        if q:
            where.append(or_(col(RoutingFirm.name).like(f"%{_like(q)}%", escape="\\"),
                             col(RoutingFirm.credit_code).like(f"{_like(q.upper())}%", escape="\\")))
        if only is not None:
            where.append(col(RoutingFirm.id).in_(only))
        total = self.session.scalar(select(func.count()).select_from(RoutingFirm).where(*where)) or 0
        rows = self.session.scalars(select(RoutingFirm).where(*where)
                                    .order_by(col(RoutingFirm.updated_at).desc(), col(RoutingFirm.id))
                                    .offset(offset).limit(limit))
        return [_firm(row) for row in rows], total

    def history(self, firm_id: str) -> list[LinkedCase]:
        """Every case linked to the firm, the latest received first."""
        c, i = RoutingCase, RoutingInvestigation
        query = (sa.select(col(c.complaint_id), col(c.tracking_code), col(c.received_at), col(c.category),
                           col(c.subcategory), col(c.town), col(c.department), col(c.status), col(i.finding))
                 .outerjoin(i, col(i.complaint_id) == col(c.complaint_id))
                 .where(col(c.firm_id) == firm_id)
                 .order_by(col(c.received_at).desc(), col(c.complaint_id)))
        return [LinkedCase(*row) for row in self.session.execute(query)]

    def linked_since(self, since: datetime) -> dict[str, list[tuple[datetime, str]]]:
        """(received_at, status) of the cases received after `since`, per firm linked: what the repeat rule
        reads for the register's list."""
        c = RoutingCase
        rows = self.session.execute(sa.select(col(c.firm_id), col(c.received_at), col(c.status))
                                    .where(col(c.firm_id).is_not(None), col(c.received_at) > since))
        found: dict[str, list[tuple[datetime, str]]] = {}
        for firm_id, received_at, status in rows:
            found.setdefault(str(firm_id), []).append((received_at, status))
        return found

    def _write(self, firm: Firm, before: Firm | None) -> None:
        columns = {name: getattr(firm, name) for name in _PLAIN} | {"status": firm.status.value}
        if before is None:
            self.session.add(RoutingFirm(**columns))
        else:
            row = self.session.get_one(RoutingFirm, firm.id)
            for name, value in columns.items():
                setattr(row, name, value)
        self.session.flush()
