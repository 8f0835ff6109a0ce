"""Routing's tables (all named `routing_*`). Only routing reads or writes them.

Times are stored in UTC and read back as Asia/Shanghai on both databases (SQLite keeps no zone).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.routing.adapters.firm_tables import FIRM_TABLES
from services.routing.adapters.inspection_tables import INSPECTION_TABLES
from services.routing.adapters.investigation_tables import INVESTIGATION_TABLES
from services.routing.adapters.pause_tables import PAUSE_TABLES
from services.routing.adapters.petition_tables import PETITION_TABLES
from services.routing.adapters.reward_tables import REWARD_TABLES
from shared.db import AwareDateTime, BigIntId


def _time(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(AwareDateTime(), nullable=nullable, index=index))


class RoutingDepartment(SQLModel, table=True):
    """A handling unit: 10 district departments and 30 street/town governments (属地)."""

    __tablename__ = "routing_departments"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=16)  # district | town
    active: bool = True
    # The directory's revision when this department last changed; the directory's is the highest.
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class RoutingTown(SQLModel, table=True):
    __tablename__ = "routing_towns"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=50)
    kind: str = Field(max_length=16)  # street (街道) | town (镇)


class RoutingRuleRow(SQLModel, table=True):
    """One routing rule; the most specific active match wins (see domain/routing.py)."""

    __tablename__ = "routing_rules"

    id: int | None = Field(default=None, primary_key=True)
    category: str = Field(max_length=32, index=True)
    subcategory: str | None = Field(default=None, max_length=32)
    area: str | None = Field(default=None, max_length=16)  # streets | towns | None
    department: str = Field(max_length=64)  # a department code, "town" (属地) or "triage"
    active: bool = True
    note: str | None = Field(default=None, max_length=500)
    town: str | None = Field(default=None, max_length=40)  # one town's code: the rule applies there only


class RuleBookRow(SQLModel, table=True):
    """The rule book's revision (one row): changes take it with a row lock, one at a time."""

    __tablename__ = "routing_rule_book"

    id: int = Field(primary_key=True)
    revision: int = 0


class ReferenceVersionRow(SQLModel, table=True):
    """One row: a token that triggers change with every write to the rules, departments, towns and time
    limits (routing_0017), so routing can keep those tables in memory while it is unchanged."""

    __tablename__ = "routing_reference_version"

    id: int = Field(primary_key=True)
    token: str = Field(max_length=64)


class RuleChangeRow(SQLModel, table=True):
    """The audit of the rules (谁在何时改了什么): each change with the rule before and after (JSON)."""

    __tablename__ = "routing_rule_changes"

    id: int | None = Field(default=None, primary_key=True)
    revision: int = Field(sa_column_kwargs={"unique": True})
    rule_id: int = Field(index=True)
    action: str = Field(max_length=16)
    before: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    after: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    by: str = Field(max_length=80)
    at: datetime = Field(sa_column=sa.Column(AwareDateTime(), nullable=False))
    reason: str | None = Field(default=None, max_length=500)


class RoutingTimeLimit(SQLModel, table=True):
    """Time limits per category (None = default) and urgency, in working days (reply also in hours)."""

    __tablename__ = "routing_time_limits"

    id: int | None = Field(default=None, primary_key=True)
    category: str | None = Field(default=None, max_length=32)
    urgent: bool = False
    assign_days: int = 1
    accept_days: int = 1
    return_days: int = 2
    reply_days: int = 5
    reply_hours: int | None = None
    contact_hours: int | None = None  # 首次联系, working hours after signing (routing_0016)
    onsite_days: int | None = None  # 现场核查, working days after signing (routing_0016)


class RoutingCase(SQLModel, table=True):
    __tablename__ = "routing_cases"
    __table_args__ = (sa.Index("ix_routing_cases_category_received", "category", "received_at"),
                      sa.Index("ix_routing_cases_queue", "department", "status", "reply_due"))

    complaint_id: str = Field(primary_key=True, max_length=64)
    tracking_code: str = Field(max_length=32, index=True)
    channel: str = Field(max_length=16)
    content: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    category: str | None = Field(default=None, max_length=32)
    subcategory: str | None = Field(default=None, max_length=32)
    town: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=500)
    urgent: bool = False
    reporter_phone_masked: str | None = Field(default=None, max_length=32)
    status: str = Field(max_length=16, index=True)
    department: str | None = Field(default=None, max_length=64, index=True)
    rule: str | None = Field(default=None, max_length=200)
    confidence: float | None = None
    explanation: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))  # JSON
    triage_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    received_at: datetime = _time()
    assign_due: datetime = _time()
    assigned_at: datetime | None = _time(nullable=True)
    accept_due: datetime | None = _time(nullable=True)
    accepted_at: datetime | None = _time(nullable=True)
    return_due: datetime | None = _time(nullable=True)
    reply_due: datetime | None = _time(nullable=True)
    replied_at: datetime | None = _time(nullable=True)
    reply: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    reply_round: int = 1
    lat: float | None = None
    lon: float | None = None
    closed_at: datetime | None = _time(nullable=True)  # rejected, forwarded or merged
    closing_reason: str | None = Field(default=None, max_length=500)
    forwarded_to: str | None = Field(default=None, max_length=100)  # 转办: the receiving body
    merged_into: str | None = Field(default=None, max_length=64, index=True)  # 并单: the master
    duplicate_of: str | None = Field(default=None, max_length=64)  # a suggested master (疑似重复)
    leader: str | None = Field(default=None, max_length=40)  # 领导包案
    leader_plan: str | None = Field(default=None, max_length=500)
    leader_at: datetime | None = _time(nullable=True)
    disputed_since: datetime | None = _time(nullable=True)  # 异议中 since (pause_tables.py)
    suspended_since: datetime | None = _time(nullable=True)  # 挂起 since
    firm_id: str | None = Field(default=None, max_length=36, index=True)  # 被举报企业 (routing_firms, firm_tables.py)
    incident: str | None = Field(default=None, max_length=16, index=True)  # 突发环境事件 (domain/incidents.py)
    incident_since: datetime | None = _time(nullable=True)
    # 督办 clocks from signing (routing_0016, domain/followups.py): first contact and the on-site check
    contact_due: datetime | None = _time(nullable=True)
    contacted_at: datetime | None = _time(nullable=True)  # the first 已联系群众 since signing
    onsite_due: datetime | None = _time(nullable=True)
    # an upstream platform's case (12345, national): its number and deadlines (complaint.upstream_linked)
    upstream_platform: str | None = Field(default=None, max_length=16)
    upstream_case_no: str | None = Field(default=None, max_length=64)
    upstream_sign_due: datetime | None = _time(nullable=True)
    upstream_reply_due: datetime | None = _time(nullable=True)


class RoutingCaseHistory(SQLModel, table=True):
    """The audit trail: every transition with its time and actor."""

    __tablename__ = "routing_case_history"

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    complaint_id: str = Field(max_length=64, foreign_key="routing_cases.complaint_id", index=True)
    action: str = Field(max_length=32)
    actor: str = Field(max_length=100)
    at: datetime = _time()
    detail: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))  # JSON


class RoutingExtension(SQLModel, table=True):
    """延期: asked by a department, decided by a supervisor."""

    __tablename__ = "routing_extensions"

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    complaint_id: str = Field(max_length=64, foreign_key="routing_cases.complaint_id", index=True)
    working_days: int
    reason: str = Field(max_length=500)
    status: str = Field(max_length=16)  # requested | approved | refused
    requested_at: datetime = _time()
    requested_by: str = Field(max_length=100)
    decided_at: datetime | None = _time(nullable=True)
    decided_by: str | None = Field(default=None, max_length=100)


class RoutingAssist(SQLModel, table=True):
    """协办: a department asked to assist the lead department (主办) of a case, and its answer."""

    __tablename__ = "routing_assists"

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    complaint_id: str = Field(max_length=64, foreign_key="routing_cases.complaint_id", index=True)
    department: str = Field(max_length=64, index=True)
    status: str = Field(max_length=16, index=True)  # requested | replied | closed
    due: datetime = _time()
    note: str | None = Field(default=None, max_length=500)
    requested_at: datetime = _time()
    requested_by: str = Field(max_length=100)
    replied_at: datetime | None = _time(nullable=True)
    replied_by: str | None = Field(default=None, max_length=100)
    reply: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))


class RoutingPhoto(SQLModel, table=True):
    """办理照片: what describes a reply photo; its bytes are in the file store under `key`."""

    __tablename__ = "routing_photos"

    id: str = Field(primary_key=True, max_length=36)
    complaint_id: str = Field(max_length=64, foreign_key="routing_cases.complaint_id", index=True)
    reply_round: int
    department: str = Field(max_length=64)
    key: str = Field(max_length=64)
    content_type: str = Field(max_length=32)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_by: str = Field(max_length=100)
    uploaded_at: datetime = _time()


TABLES: list[sa.Table] = [
    RoutingDepartment.__table__,  # type: ignore[attr-defined]
    RoutingTown.__table__,  # type: ignore[attr-defined]
    RoutingRuleRow.__table__,  # type: ignore[attr-defined]
    RoutingTimeLimit.__table__,  # type: ignore[attr-defined]
    ReferenceVersionRow.__table__,  # type: ignore[attr-defined]
    RoutingCase.__table__,  # type: ignore[attr-defined]
    RoutingCaseHistory.__table__,  # type: ignore[attr-defined]
    RoutingExtension.__table__,  # type: ignore[attr-defined]
    RoutingAssist.__table__,  # type: ignore[attr-defined]
    RoutingPhoto.__table__,  # type: ignore[attr-defined]
    *PETITION_TABLES,  # 信访件 (petition_tables.py)
    *INSPECTION_TABLES,  # 督察交办件 (inspection_tables.py)
    *INVESTIGATION_TABLES,  # 调查处理 (investigation_tables.py)
    *PAUSE_TABLES,  # 派单异议, 挂起 (pause_tables.py)
    *FIRM_TABLES,  # 被举报企业 (firm_tables.py)
    *REWARD_TABLES,  # 举报奖励 (reward_tables.py)
]
