"""Loading a case to change it, as every command handler of routing does (handlers.py and the modules beside it)."""

from __future__ import annotations

from services.routing.domain.case import Case
from services.routing.domain.errors import CaseNotFound
from services.routing.service_layer.uow import RoutingUnitOfWork


def load_case(uow: RoutingUnitOfWork, complaint_id: str, acting_for: str | None) -> Case:
    """The case, locked until commit; a dispatcher (`acting_for` a department) finds only the own department's:
    another's is not found (404, nothing about whether it exists)."""
    case = uow.cases.get(complaint_id, for_update=True)
    if case is None or (acting_for is not None and case.department != acting_for):
        raise CaseNotFound(f"没有这个案件 / no such case: {complaint_id}")
    return case
