"""Open311 GeoReport v2 queries: read, never commit. Reporting itself is `ReceiveComplaint` (channel open311).

The feed (GET requests) is public, as the spec has it, so it holds only what came in through Open311 itself:
a complaint made on the web, by phone or on WeChat (often by a whistle-blower) never appears in it, and its
tracking code is never published."""

from __future__ import annotations

from services.intake.domain import open311 as o
from services.intake.service_layer.uow import IntakeUnitOfWork


def list_services(_query: o.ListServices, _uow: IntakeUnitOfWork) -> list[o.Service]:
    return o.services()


def service_definition(query: o.GetServiceDefinition, _uow: IntakeUnitOfWork) -> o.Service:
    return o.find_service(query.service_code)


def list_service_requests(query: o.ListServiceRequests, uow: IntakeUnitOfWork) -> list[o.ServiceRequest]:
    where = o.request_filter(query, now=uow.clock.now())
    directory = uow.department_names.directory()
    return [o.ServiceRequest.of(record, directory) for record in uow.complaints.public_records(where)]


def get_service_request(query: o.GetServiceRequest, uow: IntakeUnitOfWork) -> o.ServiceRequest:
    codes = o.request_ids((query.service_request_id,))
    found = uow.complaints.public_records(o.RequestFilter(tracking_codes=codes, limit=1)) if codes else []
    if not found:
        raise o.ServiceRequestNotFound(query.service_request_id)
    return o.ServiceRequest.of(found[0], uow.department_names.directory())

