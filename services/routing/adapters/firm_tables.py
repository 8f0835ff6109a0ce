"""The register of reported firms (被举报企业, docs/firms.md). A case names its firm in routing_cases.firm_id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from shared.db import AwareDateTime


def _time() -> Any:
    return Field(default=None, sa_column=sa.Column(AwareDateTime(), nullable=False))


class RoutingFirm(SQLModel, table=True):
    __tablename__ = "routing_firms"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=200, index=True)
    credit_code: str = Field(max_length=18, index=True, unique=True)  # 统一社会信用代码
    permit_number: str | None = Field(default=None, max_length=40)  # 排污许可证编号
    address: str = Field(max_length=500)
    town: str = Field(max_length=64)
    industry: str = Field(max_length=100)
    status: str = Field(max_length=16)  # operating | suspended | closed
    created_at: datetime = _time()
    created_by: str = Field(max_length=100)
    updated_at: datetime = _time()
    updated_by: str = Field(max_length=100)


FIRM_TABLES: list[sa.Table] = [RoutingFirm.__table__]  # type: ignore[attr-defined]
