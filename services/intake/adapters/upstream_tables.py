"""Intake's tables of the upstream platforms (12345, the national platform): links, cursors, pushes, reports."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

from shared.db import AwareDateTime, BigIntId
from shared.lease import lease_table

_meta = SQLModel.metadata


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, AwareDateTime(), nullable=nullable)


# A complaint that came from a platform: its case number (one complaint per platform and number), the
# platform's deadlines, and what the platform has been told (state, and the number of actions written).
UPSTREAM_CASES = sa.Table(
    "intake_upstream_cases", _meta,
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("case_no", sa.String(64), primary_key=True),
    sa.Column("complaint_id", sa.String(36), sa.ForeignKey("intake_complaints.id"), nullable=False, unique=True),
    _ts("transferred_at"),
    _ts("received_at"),
    _ts("registered_at", nullable=True),
    _ts("sign_due", nullable=True),
    _ts("reply_due", nullable=True),
    sa.Column("urgent", sa.Boolean, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("pushes", sa.Integer, nullable=False),
    _ts("updated_at"),
    sa.Index("ix_intake_upstream_cases_transferred_at", "platform", "transferred_at"),
)

# Where each platform's last pull ended (the platform's opaque cursor).
UPSTREAM_CURSORS = sa.Table(
    "intake_upstream_cursors", _meta,
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("cursor", sa.String(200), nullable=True),
    sa.Column("received", sa.BigInteger, nullable=False),  # cases received from it, replays included
    _ts("pulled_at"),
)

# Actions for the platforms (shared/outbound.py's columns, plus the case they belong to and their order in
# it: a case's actions are sent one after the other, never overtaking).
UPSTREAM_PUSHES = sa.Table(
    "intake_upstream_pushes", _meta,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("recipient_enc", sa.Text, nullable=False),
    sa.Column("body_enc", sa.Text, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    _ts("created_at"),
    _ts("next_attempt_at"),
    _ts("lease_until", nullable=True),
    _ts("sent_at", nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("case_ref", sa.String(90), nullable=False),  # <platform>:<case number>
    sa.Column("seq", sa.Integer, nullable=False),  # the action's place among its case's
    sa.Index("ix_intake_upstream_pushes_due", "status", "next_attempt_at"),
    sa.Index("ix_intake_upstream_pushes_case", "case_ref", "seq"),
)

# The daily reconciliation's stored summaries (对账).
UPSTREAM_RECONCILIATIONS = sa.Table(
    "intake_upstream_reconciliations", _meta,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("days", sa.Integer, nullable=False),
    _ts("ran_at"),
    sa.Column("upstream_cases", sa.Integer, nullable=False),
    sa.Column("our_cases", sa.Integer, nullable=False),
    sa.Column("differences", sa.Integer, nullable=False),
    sa.Column("report", sa.Text, nullable=False),  # JSON: counts and every difference
    sa.Index("ix_intake_upstream_reconciliations_day", "platform", "day"),
)

# Who pulls each platform now, among intake's replicas (shared/lease.py).
LEASES = lease_table("intake_leases")

UPSTREAM_TABLES: list[sa.Table] = [UPSTREAM_CASES, UPSTREAM_CURSORS, UPSTREAM_PUSHES, UPSTREAM_RECONCILIATIONS,
                                   LEASES]
