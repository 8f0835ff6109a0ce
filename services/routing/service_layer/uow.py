"""Routing's unit of work: one transaction with the repositories routing needs, and its outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.routing.adapters.firm_repository import FirmRepository
from services.routing.adapters.inspection_repository import InspectionRepository
from services.routing.adapters.investigation_repository import InvestigationRepository
from services.routing.adapters.petition_repository import PetitionRepository
from services.routing.adapters.reference import ReferenceCache
from services.routing.adapters.repository import (
    CaseRepository,
    DepartmentRepository,
    RuleBookRepository,
    RuleRepository,
    TimeLimitRepository,
    TownRepository,
)
from services.routing.adapters.reward_repository import RewardRepository
from shared.uow import SqlUnitOfWork


class RoutingUnitOfWork(SqlUnitOfWork):
    cases: CaseRepository
    rules: RuleRepository
    rule_book: RuleBookRepository
    limits: TimeLimitRepository
    departments: DepartmentRepository
    towns: TownRepository
    petitions: PetitionRepository
    inspections: InspectionRepository
    investigations: InvestigationRepository
    firms: FirmRepository
    rewards: RewardRepository

    def __init__(self, *args: Any, reference: ReferenceCache | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The process's copy of the reference tables (bootstrap: one per process and database); none given
        # (a unit of work built on its own): its own, so nothing is shared with another database.
        self.reference = reference or ReferenceCache()

    def open_repositories(self, session: Session) -> None:
        self.cases = self.repository(CaseRepository)
        self.rules = RuleRepository(session, self.reference)
        self.rule_book = self.repository(RuleBookRepository)
        self.limits = TimeLimitRepository(session, self.reference)
        self.departments = self.repository(DepartmentRepository, reference=self.reference)
        self.towns = TownRepository(session, self.reference)
        self.petitions = self.repository(PetitionRepository)
        self.inspections = self.repository(InspectionRepository)
        self.investigations = self.repository(InvestigationRepository)
        self.firms = self.repository(FirmRepository)
        self.rewards = self.repository(RewardRepository)
