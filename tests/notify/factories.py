"""Lifecycle events as routing and intake publish them, with sensible deadlines, for notify's tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.clock import SHANGHAI
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseAssignedV1,
    CaseRepliedV1,
    CaseReturnedV1,
    CaseTriagedV1,
    ComplaintRatedV1,
    DepartmentEntry,
    DepartmentsChangedV1,
    ExtensionDecidedV1,
)

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)  # the `clock` fixture's start: Thursday
DEPT = "ecology_env"
NAMES = (("ecology_env", "区生态环境局"), ("town_taihe", "太和镇人民政府"), ("urban_management", "区城市管理局"))


def triaged(cid: str, *, received_at: datetime = T0, assign_due: datetime | None = None,
            category: str | None = None, town: str | None = "heyangcheng") -> CaseTriagedV1:
    return CaseTriagedV1(complaint_id=cid, tracking_code=f"HC{cid}", received_at=received_at,
                         assign_due=assign_due or received_at + timedelta(days=1), category=category,
                         town=town, reason="no confident type", at=received_at)


def assigned(cid: str, *, department: str = DEPT, received_at: datetime = T0, assigned_at: datetime | None = None,
             assign_due: datetime | None = None, accept_due: datetime | None = None,
             reply_due: datetime | None = None, reply_round: int = 1, category: str = "noise",
             town: str | None = "heyangcheng", urgent: bool = False) -> CaseAssignedV1:
    assigned_at = assigned_at or received_at
    return CaseAssignedV1(
        complaint_id=cid, tracking_code=f"HC{cid}", department=department, category=category,
        subcategory=None, town=town, urgent=urgent, received_at=received_at,
        assign_due=assign_due or received_at + timedelta(days=1), assigned_at=assigned_at,
        accept_due=accept_due or assigned_at + timedelta(days=1),
        return_due=assigned_at + timedelta(days=2),
        reply_due=reply_due or assigned_at + timedelta(days=4), reply_round=reply_round,
        rule="test", by="system")


def accepted(cid: str, at: datetime, *, department: str = DEPT) -> CaseAcceptedV1:
    return CaseAcceptedV1(complaint_id=cid, department=department, accepted_at=at, by="dispatcher")


def replied(cid: str, at: datetime, *, reply_due: datetime, department: str = DEPT,
            reply_round: int = 1) -> CaseRepliedV1:
    return CaseRepliedV1(complaint_id=cid, tracking_code=f"HC{cid}", department=department, reply="已处理",
                         replied_at=at, reply_due=reply_due, reply_round=reply_round, by="dispatcher")


def returned(cid: str, at: datetime, *, department: str = DEPT) -> CaseReturnedV1:
    return CaseReturnedV1(complaint_id=cid, department=department, reason="不属于本单位", rule="test",
                          returned_at=at, by="dispatcher")


def extension(cid: str, reply_due: datetime, *, approved: bool = True, at: datetime = T0,
              department: str = DEPT) -> ExtensionDecidedV1:
    return ExtensionDecidedV1(complaint_id=cid, department=department, approved=approved, reply_due=reply_due,
                              decided_at=at, by="supervisor")


def rated(cid: str, rating: str, at: datetime, *, reply_round: int = 1, via: str = "citizen",
          resolution: str | None = None, comment: str | None = None) -> ComplaintRatedV1:
    return ComplaintRatedV1(complaint_id=cid, tracking_code=f"HC{cid}", rating=rating, reply_round=reply_round,
                            via=via, rated_at=at, resolution=resolution, comment=comment)


def departments(*named: tuple[str, str], revision: int = 1, at: datetime = T0,
                active: bool = True) -> DepartmentsChangedV1:
    """Routing's directory as it sends it: (code, name) pairs, all of one kind for the tests."""
    return DepartmentsChangedV1(departments=[DepartmentEntry(code=code, name=name, kind="district", active=active)
                                             for code, name in named], revision=revision, changed_at=at)
