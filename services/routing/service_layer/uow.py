"""Routing's unit of work: one transaction with the repositories routing needs, and its outbox."""

from __future__ import annotations

from typing import Self

from services.routing.adapters.repository import (
    CaseRepository,
    DepartmentRepository,
    RuleRepository,
    TimeLimitRepository,
    TownRepository,
)
from shared.uow import SqlUnitOfWork


class RoutingUnitOfWork(SqlUnitOfWork):
    cases: CaseRepository
    rules: RuleRepository
    limits: TimeLimitRepository
    departments: DepartmentRepository
    towns: TownRepository

    def __enter__(self) -> Self:
        super().__enter__()
        self.cases = CaseRepository(self.session)
        self.rules = RuleRepository(self.session)
        self.limits = TimeLimitRepository(self.session)
        self.departments = DepartmentRepository(self.session)
        self.towns = TownRepository(self.session)
        return self
