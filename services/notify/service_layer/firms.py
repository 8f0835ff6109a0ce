"""被举报企业 (docs/firms.md): routing links a case to a firm of its register, or removes the link; notify keeps
which firm each case names (adapters/firms.py), so the problem list's "firm" rule (domain/hotspots.py,
firm_hotspots) can raise a firm reported again and again. Registered in handlers.py's EVENT_HANDLERS."""

from __future__ import annotations

from services.notify.service_layer.uow import NotifyUnitOfWork
from shared.contracts.events import CaseFirmLinkedV1, CaseFirmUnlinkedV1


def firm_linked(event: CaseFirmLinkedV1, uow: NotifyUnitOfWork) -> None:
    uow.firm_links.link(complaint_id=event.complaint_id, tracking_code=event.tracking_code, firm_id=event.firm_id,
                        firm_name=event.firm_name, credit_code=event.credit_code, firm_town=event.firm_town,
                        received_at=event.received_at, linked_at=event.linked_at)
    uow.commit()


def firm_unlinked(event: CaseFirmUnlinkedV1, uow: NotifyUnitOfWork) -> None:
    uow.firm_links.unlink(event.complaint_id, event.firm_id)
    uow.commit()
