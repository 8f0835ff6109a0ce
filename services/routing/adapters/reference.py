"""Routing's reference tables in memory while they are unchanged (rules, departments, towns, time limits).

Every complaint needs all four: the rules and departments to route it, the towns to place it, the time
limits for its deadlines. Read from the database for each event they cost about a third of routing's time
(issue 12's profile). Triggers (migration routing_0017) change `routing_reference_version.token` with every
write to those tables, by anyone: the API, the seed, an operator in psql. A unit of work reads the token
(one small query) and takes the tables this process read under the same token, or reads them again.

- Exact, not "fresh within a minute": a change committed before the token is read is always seen, in every
  process (several routing replicas each keep their own copy).
- Inside a unit of work that wrote one of the tables (adding a department, changing a rule), the trigger has
  already changed the token in that transaction, so the tables are read again with the change. The token is
  random: one written by a transaction that rolled back never comes back, so what was read inside it cannot
  pass for committed data.
- One read of the token per session: the answer is kept in `session.info` until the session's own writes
  (`forget`) or its transaction's end.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session
from sqlmodel import col

from services.routing.adapters.tables import (
    ReferenceVersionRow,
    RoutingDepartment,
    RoutingRuleRow,
    RoutingTimeLimit,
    RoutingTown,
)
from services.routing.domain.deadlines import TimeLimit
from services.routing.domain.routing import RoutingRule
from shared.contracts.codes import Town

_KEY = "routing_reference"


@dataclass(frozen=True)
class ReferenceTables:
    """What routing reads for every complaint, as it was under one token. Shared: never changed in place."""

    active_rules: tuple[RoutingRule, ...]  # by id
    limits: tuple[TimeLimit, ...]  # by id
    towns: Mapping[str, Town]
    departments: Mapping[str, tuple[str, bool]]  # code -> (name, active)

    def active_departments(self) -> dict[str, str]:
        return {code: name for code, (name, active) in self.departments.items() if active}


class ReferenceCache:
    """One per process (routing's bootstrap makes it): the tables last read and the token they were read under."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: tuple[str, ReferenceTables] | None = None
        self.reads = 0  # how many times the tables were read from the database (the tests look)

    def tables(self, session: Session) -> ReferenceTables:
        found = session.info.get(_KEY)
        if found is not None:
            return found  # type: ignore[no-any-return]
        token = session.scalar(select(col(ReferenceVersionRow.token)).where(col(ReferenceVersionRow.id) == 1))
        held = self._held
        if token is not None and held is not None and held[0] == token:
            tables = held[1]
        else:
            tables = _read(session)
            with self._lock:
                self.reads += 1
                if token is not None:
                    self._held = (token, tables)
        session.info[_KEY] = tables
        return tables


def rule_of(row: Any) -> RoutingRule:
    """A rule from its row (an ORM row of routing_rules, or a result row of its columns)."""
    return RoutingRule(id=row.id, category=row.category, subcategory=row.subcategory, area=row.area,
                       department=row.department, active=row.active, note=row.note, town=row.town)


def forget(session: Session) -> None:
    """The session wrote one of the tables: read the token again before the next use."""
    session.info.pop(_KEY, None)


def _read(session: Session) -> ReferenceTables:
    rules = tuple(
        rule_of(r) for r in session.execute(select(
            col(RoutingRuleRow.id), col(RoutingRuleRow.category), col(RoutingRuleRow.subcategory),
            col(RoutingRuleRow.area), col(RoutingRuleRow.department), col(RoutingRuleRow.active),
            col(RoutingRuleRow.note), col(RoutingRuleRow.town),
        ).where(col(RoutingRuleRow.active).is_(True)).order_by(col(RoutingRuleRow.id))))
    limits = tuple(
        TimeLimit(category=r.category, urgent=r.urgent, assign_days=r.assign_days, accept_days=r.accept_days,
                  return_days=r.return_days, reply_days=r.reply_days, reply_hours=r.reply_hours,
                  contact_hours=r.contact_hours, onsite_days=r.onsite_days)
        for r in session.execute(select(
            col(RoutingTimeLimit.category), col(RoutingTimeLimit.urgent), col(RoutingTimeLimit.assign_days),
            col(RoutingTimeLimit.accept_days), col(RoutingTimeLimit.return_days), col(RoutingTimeLimit.reply_days),
            col(RoutingTimeLimit.reply_hours), col(RoutingTimeLimit.contact_hours), col(RoutingTimeLimit.onsite_days),
        ).order_by(col(RoutingTimeLimit.id))))
    towns = {code: Town(code, name, kind) for code, name, kind in session.execute(
        select(col(RoutingTown.code), col(RoutingTown.name), col(RoutingTown.kind)))}
    departments = {code: (name, active) for code, name, active in session.execute(
        select(col(RoutingDepartment.code), col(RoutingDepartment.name), col(RoutingDepartment.active))
        .order_by(col(RoutingDepartment.code)))}
    return ReferenceTables(rules, limits, MappingProxyType(towns), MappingProxyType(departments))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _transaction_ended(session: Session, *_args: object) -> None:
    session.info.pop(_KEY, None)  # the next transaction reads the token again
