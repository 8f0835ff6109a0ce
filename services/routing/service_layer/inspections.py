"""Inspection handlers (督察交办件), registered in handlers.py's COMMAND_HANDLERS: register a case as one an
inspection transferred, update it, publish a batch, the case, the supervisors' list, and the public 边督边改
table (published batches only, the complaint's text scrubbed, never who was interviewed or held accountable).

Commands load the case with its row locked, call the aggregate and commit (its events go out with the rows);
queries never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.routing.domain.case import Status
from services.routing.domain.errors import CaseNotFound
from services.routing.domain.inspection_commands import (
    InspectionBatches,
    InspectionFile,
    InspectionList,
    PublicInspectionTable,
    PublishInspectionBatch,
    RegisterInspection,
    UpdateInspection,
)
from services.routing.domain.inspections import (
    FINDING_LABELS,
    KIND_LABELS,
    PROGRESS_LABELS,
    PUBLIC_COLUMNS,
    Inspection,
    InspectionExists,
    InspectionInvalid,
    InspectionNotFound,
    InspectionRefused,
    Progress,
    public_row,
)
from services.routing.domain.petitions import local_day
from services.routing.service_layer.uow import RoutingUnitOfWork
from shared.contracts.codes import CATEGORY_NAMES

View = dict[str, Any]
MAX_PAGE = 100
DISTRICT = "合川区"
TITLE = "合川区生态环境保护督察交办件边督边改公开信息表"


@dataclass(frozen=True)
class PublicTable:
    """The public table: its title, the columns (key, 中文) and the rows."""

    title: str
    batch: int | None
    round_name: str | None
    columns: tuple[tuple[str, str], ...]
    rows: list[View]


# --- commands -----------------------------------------------------------------------------------------------


def register_inspection(command: RegisterInspection, uow: RoutingUnitOfWork) -> View:
    """登记为督察交办件: one per case; the inspection's number is unique."""
    case = uow.cases.get(command.complaint_id, for_update=True)  # two registrations of one case take turns
    if case is None:
        raise CaseNotFound(f"没有这个案件 / no such case: {command.complaint_id}")
    if uow.inspections.exists(case.complaint_id):
        raise InspectionExists(f"该案件已登记为督察交办件 / case {case.tracking_code} is an inspection case already")
    if uow.inspections.number_taken(command.number):
        raise InspectionExists(f"交办编号 {command.number} 已登记 / number {command.number} is registered already")
    if case.status == Status.merged:
        raise InspectionRefused(f"该案件已并入 {case.merged_into}，请在主案件登记 / the case is merged into "
                                "another: register the master case")
    inspection = Inspection.register(
        complaint_id=case.complaint_id, tracking_code=case.tracking_code, kind=command.kind,
        round_name=command.round_name, batch=command.batch, number=command.number, key_case=command.key_case,
        received_on=command.received_on, report_due=command.report_due, by=command.actor, at=uow.clock.now())
    uow.inspections.add(inspection)
    uow.commit()
    return file_view(uow, inspection, case.department)


def update_inspection(command: UpdateInspection, uow: RoutingUnitOfWork) -> View:
    """An update of the finding, progress, measures, penalties, interviews or accountability (audited)."""
    inspection = uow.inspections.get(command.complaint_id, for_update=True)
    if inspection is None:
        raise InspectionNotFound(f"该案件未登记为督察交办件 / case {command.complaint_id} is not an inspection case")
    inspection.update(command.changes, by=command.actor, at=uow.clock.now())
    case = uow.cases.get(inspection.complaint_id)  # (read before the commit: nothing to read after it)
    uow.commit()
    return file_view(uow, inspection, case.department if case is not None else None)


def publish_batch(command: PublishInspectionBatch, uow: RoutingUnitOfWork) -> View:
    """公开 a batch in the public table (or withdraw it); a batch without cases is not found."""
    size = uow.inspections.batch_size(command.round_name, command.batch)
    if size == 0:
        raise InspectionNotFound(f"{command.round_name} 第{command.batch}批没有交办件 / no cases in batch "
                                 f"{command.batch} of {command.round_name}")
    now = uow.clock.now()
    uow.inspections.set_published(command.round_name, command.batch, command.published, by=command.actor, at=now)
    uow.commit()
    return {"round_name": command.round_name, "batch": command.batch, "published": command.published,
            "cases": size, "changed_at": now.isoformat(), "changed_by": command.actor}


# --- queries ------------------------------------------------------------------------------------------------


def inspection_file(query: InspectionFile, uow: RoutingUnitOfWork) -> View:
    inspection = uow.inspections.get(query.complaint_id)
    if inspection is None:
        raise InspectionNotFound(f"该案件未登记为督察交办件 / case {query.complaint_id} is not an inspection case")
    case = uow.cases.get(query.complaint_id)
    return file_view(uow, inspection, case.department if case is not None else None)


def inspection_list(query: InspectionList, uow: RoutingUnitOfWork) -> View:
    if not 1 <= query.limit <= MAX_PAGE or not 0 <= query.offset:
        raise InspectionInvalid(f"limit 须在 1 到 {MAX_PAGE} 之间，offset 不能为负 / limit 1 to {MAX_PAGE}, "
                                "offset ≥ 0")
    found, total = uow.inspections.page(batch=query.batch, key_case=query.key_case, round_name=query.round_name,
                                        limit=query.limit, offset=query.offset)
    today = local_day(uow.clock.now())
    return {"total": total, "limit": query.limit, "offset": query.offset, "today": today.isoformat(),
            "inspections": [summary_view(inspection, today) for inspection, *_ in found]}


def inspection_batches(query: InspectionBatches, uow: RoutingUnitOfWork) -> View:
    """Every (round, batch) with its counts and whether it is published, by round then batch: the batch panel."""
    today = local_day(uow.clock.now())
    return {"today": today.isoformat(), "batches": [
        {"round_name": b.round_name, "batch": b.batch, "cases": b.cases, "key_cases": b.key_cases, "done": b.done,
         "overdue": b.overdue, "published": b.published} for b in uow.inspections.batches(today)]}


def public_table(query: PublicInspectionTable, uow: RoutingUnitOfWork) -> PublicTable:
    """边督边改: the rows of the published batches, numbered 1, 2, ... in round, batch and number order; each row
    also names its round and batch (not a column: what the public page offers to filter by)."""
    towns = uow.towns.all()
    rows = []
    for seq, (inspection, content, town, category) in enumerate(
            uow.inspections.published(batch=query.batch, round_name=query.round_name), start=1):
        place = towns.get(town or "")
        area = DISTRICT + (place.name if place is not None else "")
        rows.append({**public_row(seq, inspection, content=content, area=area,
                                  pollution=CATEGORY_NAMES.get(category or "", "其他")),
                     "round_name": inspection.round_name, "batch": inspection.batch})  # not columns: the filters'
    return PublicTable(TITLE, query.batch, query.round_name, PUBLIC_COLUMNS, rows)


# --- views --------------------------------------------------------------------------------------------------


def brief(uow: RoutingUnitOfWork, complaint_id: str) -> View | None:
    """督察交办件 in a line for the case page (None: not one); the file is at /inspections/{id}."""
    inspection = uow.inspections.get(complaint_id)
    if inspection is None:
        return None
    today = local_day(uow.clock.now())
    return {"number": inspection.number, "kind_label": KIND_LABELS[inspection.kind],
            "round_name": inspection.round_name, "batch": inspection.batch, "key_case": inspection.key_case,
            "progress": inspection.progress.value, "progress_label": PROGRESS_LABELS[inspection.progress],
            "overdue": inspection.progress == Progress.in_progress and today > inspection.report_due}



def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def summary_view(inspection: Inspection, today: date) -> View:
    return {
        "complaint_id": inspection.complaint_id, "tracking_code": inspection.tracking_code,
        "kind": inspection.kind.value, "kind_label": KIND_LABELS[inspection.kind],
        "round_name": inspection.round_name, "batch": inspection.batch, "number": inspection.number,
        "key_case": inspection.key_case, "received_on": _day(inspection.received_on),
        "report_due": _day(inspection.report_due),
        "overdue": inspection.progress == Progress.in_progress and today > inspection.report_due,
        "finding": inspection.finding.value if inspection.finding else None,
        "finding_label": FINDING_LABELS[inspection.finding] if inspection.finding else None,
        "progress": inspection.progress.value, "progress_label": PROGRESS_LABELS[inspection.progress],
    }


def file_view(uow: RoutingUnitOfWork, inspection: Inspection, department: str | None) -> View:
    today = local_day(uow.clock.now())
    names = uow.departments.names()
    return {
        **summary_view(inspection, today),
        "department": department, "department_name": names.get(department or "", department),
        "registered_at": inspection.registered_at.isoformat(), "registered_by": inspection.registered_by,
        "investigation": inspection.investigation, "measures": inspection.measures,
        "penalty_cases": inspection.penalty_cases, "fine_yuan": str(inspection.fine_yuan),
        "interviews": inspection.interviews, "interviewed": inspection.interviewed,
        "accountability": inspection.accountability, "accountable": inspection.accountable,
        "published": uow.inspections.is_published(inspection.round_name, inspection.batch),
        "updated_at": inspection.updated_at.isoformat() if inspection.updated_at else None,
        "updated_by": inspection.updated_by,
        "updates": [{"id": u.seq, "actor": u.actor, "at": u.at.isoformat(), "changes": u.changes}
                    for u in inspection.updates],
    }


Handler = Callable[..., Any]

INSPECTION_HANDLERS: dict[type, Handler] = {
    RegisterInspection: register_inspection,
    UpdateInspection: update_inspection,
    PublishInspectionBatch: publish_batch,
    # queries
    InspectionFile: inspection_file,
    InspectionList: inspection_list,
    InspectionBatches: inspection_batches,
    PublicInspectionTable: public_table,
}
