"""Handlers of 突发环境事件 (domain/incidents.py, docs/incidents.md): declare (宣布突发), clear a false alarm (解除)
and record a referral to 110/119/120/another body. Registered in handlers.py's COMMAND_HANDLERS. Commands lock
the case's row, call the aggregate and commit; a dispatcher of another department finds nothing (404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.routing.domain.incident_commands import ClearIncident, DeclareIncident, RecordReferral
from services.routing.domain.incidents import Referral
from services.routing.service_layer import views
from services.routing.service_layer.loading import load_case as _load
from services.routing.service_layer.uow import RoutingUnitOfWork

View = dict[str, Any]


def declare_incident(command: DeclareIncident, uow: RoutingUnitOfWork) -> View:
    case = _load(uow, command.complaint_id, command.acting_for)
    case.declare_incident(command.reason, by=command.actor, at=uow.clock.now())
    uow.commit()
    return views.case_view(uow, case)


def clear_incident(command: ClearIncident, uow: RoutingUnitOfWork) -> View:
    case = _load(uow, command.complaint_id, command.acting_for)
    case.clear_incident(command.reason, by=command.actor, at=uow.clock.now())
    uow.commit()
    return views.case_view(uow, case)


def record_referral(command: RecordReferral, uow: RoutingUnitOfWork) -> View:
    case = _load(uow, command.complaint_id, command.acting_for)
    referral = Referral(command.target, command.called_at, command.called_by, command.other_body, command.reference,
                        command.note)
    case.record_referral(referral, by=command.actor, at=uow.clock.now())
    uow.commit()
    return views.case_view(uow, case)


Handler = Callable[..., Any]

INCIDENT_HANDLERS: dict[type, Handler] = {
    DeclareIncident: declare_incident,
    ClearIncident: clear_incident,
    RecordReferral: record_referral,
}
