"""Handlers of the follow-ups of a signed case (domain/followups.py, docs/metrics.md 督办 clocks): 已联系群众, and the
upstream platform's deadlines kept on the case for the desk. Registered in handlers.py's tables."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from services.routing.domain import followups
from services.routing.domain.followups import NoteProgress, RecordContact
from services.routing.service_layer import views
from services.routing.service_layer.loading import load_case as _load
from services.routing.service_layer.uow import RoutingUnitOfWork
from shared.contracts.events import UpstreamCaseLinkedV1

log = logging.getLogger(__name__)

View = dict[str, Any]


def record_contact(command: RecordContact, uow: RoutingUnitOfWork) -> View:
    """已联系群众 (the case's department, or a supervisor)."""
    case = _load(uow, command.complaint_id, command.acting_for)
    now = uow.clock.now()
    followups.record_contact(case, command.method, contacted_at=command.contacted_at or now, by=command.actor, at=now)
    uow.commit()
    return views.case_view(uow, case)


def note_progress(command: NoteProgress, uow: RoutingUnitOfWork) -> View:
    """阶段性进展 (the case's department, or a supervisor)."""
    case = _load(uow, command.complaint_id, command.acting_for)
    followups.note_progress(case, command.note, by=command.actor, at=uow.clock.now())
    uow.commit()
    return views.case_view(uow, case)


def upstream_linked(event: UpstreamCaseLinkedV1, uow: RoutingUnitOfWork) -> None:
    """complaint.upstream_linked: the platform's number and deadlines on the case (it follows the complaint's
    complaint.received on the same topic, so the case is there; a case routing never had is left alone)."""
    case = uow.cases.get(event.complaint_id, for_update=True)
    if case is None:
        log.warning("upstream link for a case routing does not have: %s", event.complaint_id)
        return
    followups.link_upstream(case, event)
    uow.commit()


Handler = Callable[..., Any]

FOLLOWUP_HANDLERS: dict[type, Handler] = {
    RecordContact: record_contact,
    NoteProgress: note_progress,
}
