"""Routing's unit of work: one transaction with the repositories routing needs, and its outbox."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.routing.adapters.firm_repository import FirmRepository
from services.routing.adapters.inspection_repository import InspectionRepository
from services.routing.adapters.investigation_repository import InvestigationRepository
from services.routing.adapters.petition_repository import PetitionRepository
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

    def open_repositories(self, session: Session) -> None:
        self.cases = self.repository(CaseRepository)
        self.rules = RuleRepository(session)
        self.rule_book = self.repository(RuleBookRepository)
        self.limits = TimeLimitRepository(session)
        self.departments = self.repository(DepartmentRepository)
        self.towns = TownRepository(session)
        self.petitions = self.repository(PetitionRepository)
        self.inspections = self.repository(InspectionRepository)
        self.investigations = self.repository(InvestigationRepository)
        self.firms = self.repository(FirmRepository)
        self.rewards = self.repository(RewardRepository)
