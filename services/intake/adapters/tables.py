"""Intake's tables. Names start with `intake_`; no other service reads them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.intake.adapters.knowledge_tables import KNOWLEDGE_TABLES
from services.intake.adapters.upstream_tables import UPSTREAM_TABLES
from shared.db import AwareDateTime, BigIntId
from shared.outbound import outbound_table


def _ts(nullable: bool = False, index: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(AwareDateTime(), nullable=nullable, index=index)


class ComplaintRow(SQLModel, table=True):
    __tablename__ = "intake_complaints"

    id: str = Field(primary_key=True, max_length=36)
    tracking_code: str = Field(max_length=20, sa_column_kwargs={"unique": True})
    channel: str = Field(max_length=20)
    content: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    category: str | None = Field(default=None, max_length=40)
    subcategory: str | None = Field(default=None, max_length=40)
    town: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)
    lat: float | None = None
    lon: float | None = None
    occurred_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    urgent: bool = False
    # Personal information (PIPL): encrypted at rest; only the last four digits kept in clear to verify.
    reporter_name_enc: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    reporter_phone_enc: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    phone_last4: str | None = Field(default=None, max_length=4)
    reporter_phone_hmac: str | None = Field(default=None, max_length=64, index=True)  # finds a caller's earlier cases
    anonymous: bool = False
    # The citizen's private token (link /r/<token>): a hash to find it, ciphertext to give it again on a replay.
    citizen_token_hash: str | None = Field(default=None, max_length=64, unique=True, index=True)
    citizen_token_enc: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    # 网格巡查: the grid worker who reported a patrol finding (channel grid only; citizens' reports: NULL).
    reported_by: str | None = Field(default=None, max_length=80, index=True)
    # 历史件导入: "<source>:<number>" of a case loaded from the older system (unique: importing twice adds nothing).
    legacy_id: str | None = Field(default=None, max_length=160, unique=True, index=True)
    received_at: datetime = Field(sa_column=_ts(index=True))
    # The citizen's view, kept current from lifecycle events.
    status: str = Field(default="received", max_length=20)
    department: str | None = Field(default=None, max_length=60)
    reply: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    replied_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    reply_due: datetime | None = Field(default=None, sa_column=_ts(nullable=True))  # the department's deadline
    reply_round: int = 0
    reply_photos: str | None = Field(default=None, sa_column=sa.Column(sa.Text))  # JSON: the reply's photo ids
    rating: str | None = Field(default=None, max_length=30)
    # 并单: the master this complaint was merged into (its citizen follows the master's handling).
    merged_into: str | None = Field(default=None, max_length=36, index=True)
    master_tracking_code: str | None = Field(default=None, max_length=20)
    updated_at: datetime = Field(sa_column=_ts())


# SMS to citizens (shared/outbound.py), recipient and text encrypted: the text holds the private link.
OUTBOUND_MESSAGES = outbound_table("intake_outbound_messages")


class ChannelRefRow(SQLModel, table=True):
    """A channel's own id for a report (hotline call_id, WeChat MsgId): the same one never makes a second complaint."""

    __tablename__ = "intake_channel_refs"

    channel: str = Field(primary_key=True, max_length=20)
    ref: str = Field(primary_key=True, max_length=128)
    complaint_id: str = Field(max_length=36, foreign_key="intake_complaints.id")
    created_at: datetime = Field(sa_column=_ts())


class WechatSessionRow(SQLModel, table=True):
    """A WeChat user's unfinished report (JSON), kept between messages of one short conversation."""

    __tablename__ = "intake_wechat_sessions"

    openid: str = Field(primary_key=True, max_length=64)
    draft: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    updated_at: datetime = Field(sa_column=_ts())


class WechatRecipientRow(SQLModel, table=True):
    """Who reported a complaint through the official account, to send them its template messages.

    The OpenID is personal data: encrypted like the reporter's phone, with a keyed hash (like
    `reporter_phone_hmac`) to find a user's rows when they unfollow the account. It never leaves intake.
    """

    __tablename__ = "intake_wechat_recipients"

    complaint_id: str = Field(primary_key=True, max_length=36, foreign_key="intake_complaints.id")
    openid_enc: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    openid_hmac: str = Field(max_length=64, index=True)
    created_at: datetime = Field(sa_column=_ts())


class AttachmentRow(SQLModel, table=True):
    """A photo or video of a complaint: its bytes are in the attachment store under `storage_key`."""

    __tablename__ = "intake_attachments"

    id: str = Field(primary_key=True, max_length=36)
    complaint_id: str = Field(max_length=36, foreign_key="intake_complaints.id", index=True)
    content_type: str = Field(max_length=40)
    size: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=200)
    gps_removed: bool = False
    created_at: datetime = Field(sa_column=_ts())


class TimelineRow(SQLModel, table=True):
    __tablename__ = "intake_timeline"

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    complaint_id: str = Field(max_length=36, foreign_key="intake_complaints.id", index=True)
    at: datetime = Field(sa_column=_ts())
    status: str = Field(max_length=20)
    text: str = Field(max_length=500)  # "{department}" in it stands for the department's name, shown at read time
    department: str | None = Field(default=None, max_length=60)


class ContactViewRow(SQLModel, table=True):
    """查看联系方式: each read of a reporter's name and number in clear (who, when, which complaint, why)."""

    __tablename__ = "intake_contact_views"

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    complaint_id: str = Field(max_length=36, foreign_key="intake_complaints.id", index=True)
    read_by: str = Field(max_length=100, index=True)
    read_at: datetime = Field(sa_column=_ts(index=True))
    purpose: str = Field(max_length=24)
    reason: str | None = Field(default=None, max_length=200)


class RatingRow(SQLModel, table=True):
    """Every rating given; the latest of a reply round is the one that counts."""

    __tablename__ = "intake_ratings"

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    complaint_id: str = Field(max_length=36, foreign_key="intake_complaints.id", index=True)
    reply_round: int
    rating: str = Field(max_length=30)
    comment: str | None = Field(default=None, max_length=500)
    via: str = Field(max_length=30)
    rated_at: datetime = Field(sa_column=_ts())
    resolution: str | None = Field(default=None, max_length=20)  # resolved | partly_resolved | unresolved


class IdempotencyKeyRow(SQLModel, table=True):
    __tablename__ = "intake_idempotency_keys"

    key: str = Field(primary_key=True, max_length=200)
    fingerprint: str = Field(max_length=64)
    complaint_id: str = Field(max_length=36, foreign_key="intake_complaints.id")
    created_at: datetime = Field(sa_column=_ts())


class UserRow(SQLModel, table=True):
    __tablename__ = "intake_users"

    username: str = Field(primary_key=True, max_length=80)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=20)
    department: str | None = Field(default=None, max_length=60)
    display_name: str | None = Field(default=None, max_length=100)
    active: bool = True
    created_at: datetime = Field(sa_column=_ts())
    town: str | None = Field(default=None, max_length=40)  # a grid worker's town
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ApiKeyRow(SQLModel, table=True):
    """Keys of client systems (the app, the call centre, Open311 clients); only a hash is stored."""

    __tablename__ = "intake_api_keys"

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    name: str = Field(max_length=100)
    key_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    active: bool = True
    created_at: datetime = Field(sa_column=_ts())


class DepartmentNameRow(SQLModel, table=True):
    """Intake's copy of routing's department directory (from `DepartmentsChangedV1`): names to show."""

    __tablename__ = "intake_department_names"

    code: str = Field(primary_key=True, max_length=60)
    name: str = Field(max_length=200)
    active: bool = True
    changed_at: datetime = Field(sa_column=_ts())  # the snapshot's time (for people reading the table)
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # a lower one never wins


TABLES: list[sa.Table] = [
    SQLModel.metadata.tables[name]
    for name in ("intake_complaints", "intake_timeline", "intake_ratings", "intake_idempotency_keys", "intake_users",
                 "intake_api_keys", "intake_department_names", "intake_channel_refs", "intake_wechat_sessions",
                 "intake_wechat_recipients", "intake_attachments")
] + UPSTREAM_TABLES + KNOWLEDGE_TABLES  # the upstream platforms, the knowledge base (their own modules)
