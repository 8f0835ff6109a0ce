"""notify's own tables (all named `notify_*`): its projection of cases with their clocks and reply rounds,
ratings, alerts, and its copy of the department names.

Built only from events; no other service reads them. The schema is created by alembic
(migrations/versions), never by create_all.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.notify.adapters.knowledge import KNOWLEDGE_TABLES
from shared.db import AwareDateTime, BigIntId
from shared.lease import lease_table
from shared.outbound import outbound_table


def _at(*, index: bool = False, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(AwareDateTime(), nullable=nullable, index=index)


class CaseRow(SQLModel, table=True):
    """One complaint as notify follows it: who has it, and when each step was done (its clocks: ClockRow)."""

    __tablename__ = "notify_cases"
    __table_args__ = (sa.Index("ix_notify_cases_received_at", "received_at",
                               postgresql_include=["status", "assigned_at", "assign_due", "department",
                                                   "first_department", "category", "town", "channel"]),
                      # the nearby rule's pairs (notify_nearby_pairs): a new case's neighbours, found by type and
                      # latitude band (notify_0017)
                      sa.Index("ix_notify_cases_place", "category", "lat",
                               postgresql_include=["lon", "received_at", "status"]),
                      # the reopened rule: cases in their second round or later, by round and receipt (notify_0017)
                      sa.Index("ix_notify_cases_reopened", "reply_round", "received_at"),
                      # the nearby rule's centres: place and town of the window's cases, index-only (notify_0021)
                      sa.Index("ix_notify_cases_places", "received_at",
                               postgresql_include=["complaint_id", "lat", "lon", "town"]),
                      # the assignment rate's cases not yet assigned, counted live (notify_0022)
                      sa.Index("ix_notify_cases_unassigned", "received_at",
                               postgresql_include=["status", "assign_due", "department", "first_department",
                                                   "category", "town", "channel"],
                               postgresql_where=sa.text("assigned_at IS NULL"),
                               sqlite_where=sa.text("assigned_at IS NULL")))

    complaint_id: str = Field(primary_key=True, max_length=64)
    tracking_code: str | None = Field(default=None, max_length=32)
    status: str = Field(default="triage", max_length=20, index=True)
    department: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=32)
    subcategory: str | None = Field(default=None, max_length=32)
    town: str | None = Field(default=None, max_length=32)
    channel: str | None = Field(default=None, max_length=20)  # from complaints.received
    lat: float | None = None  # where the citizen pinned it (the nearby rule of the problem list)
    lon: float | None = None
    urgent: bool = False
    received_at: datetime | None = Field(default=None, sa_column=_at())  # indexed above
    assigned_at: datetime | None = Field(default=None, sa_column=_at())  # the first assignment
    last_assigned_at: datetime | None = Field(default=None, sa_column=_at())  # starts accept/reply
    accepted_at: datetime | None = Field(default=None, sa_column=_at())
    replied_at: datetime | None = Field(default=None, sa_column=_at())
    reply_round: int = Field(default=1, index=True)  # the problem list's cases reopened again and again
    updated_at: datetime = Field(sa_column=_at(nullable=False))
    # The assignment rate's inputs kept on the row (see FIGURE_INDEXES), so a figure reads this table alone:
    assign_due: datetime | None = Field(default=None, sa_column=_at())  # the assign clock's deadline
    first_department: str | None = Field(default=None, max_length=64)  # who had round 1 (a returned case's)
    # paused clocks (notify_0014): 派单异议 (dispute) or 挂起 (suspension) since when; no warnings meanwhile
    paused_since: datetime | None = Field(default=None, sa_column=_at())
    pause_kind: str | None = Field(default=None, max_length=12)


class ClockRow(SQLModel, table=True):
    """One SLA clock of a case (assign | accept | reply, and the 督办 clocks of domain/followups.py): its deadline,
    cycle and the last level reached."""

    __tablename__ = "notify_clocks"

    complaint_id: str = Field(primary_key=True, max_length=64)
    clock: str = Field(primary_key=True, max_length=12)
    cycle: int
    last_level: str = Field(default="none", max_length=12)
    start: datetime = Field(sa_column=_at(nullable=False))
    due: datetime = Field(sa_column=_at(nullable=False))
    # a 督办 clock (contact | onsite | up_sign | up_reply, notify_0018) met or moot: no more warnings
    stopped_at: datetime | None = Field(default=None, sa_column=_at())


class ReplyRoundRow(SQLModel, table=True):
    """One reply commitment (回复轮次): a reopened case starts a new round with its own deadline."""

    __tablename__ = "notify_reply_rounds"
    __table_args__ = (*(
        sa.Index(f"ix_notify_reply_rounds_{column}", column, postgresql_include=[
            other, "counted", "rerouting", "department", "category", "town", "channel"])
        for column, other in (("reply_due", "replied_at"), ("replied_at", "reply_due"))),
        # the on-time reply rate's rounds not yet replied, counted live (notify_0022; on PostgreSQL also a GiST
        # index of each replied round's span, ix_notify_reply_rounds_span, made by that migration alone)
        sa.Index("ix_notify_reply_rounds_open", "reply_due",
                 postgresql_include=["counted", "rerouting", "department", "category", "town", "channel"],
                 postgresql_where=sa.text("replied_at IS NULL"), sqlite_where=sa.text("replied_at IS NULL")))

    complaint_id: str = Field(primary_key=True, max_length=64)
    reply_round: int = Field(primary_key=True)
    department: str | None = Field(default=None, max_length=64)
    reply_due: datetime = Field(sa_column=_at(nullable=False))  # both indexed above
    replied_at: datetime | None = Field(default=None, sa_column=_at())
    # The on-time reply rate's inputs from the case, copied here whenever they change (CaseRepository):
    counted: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})  # not rejected or merged
    category: str | None = Field(default=None, max_length=32)
    town: str | None = Field(default=None, max_length=32)
    channel: str | None = Field(default=None, max_length=20)
    tracking_code: str | None = Field(default=None, max_length=32)
    # the current round of a returned case nobody has yet: its deadline waits
    rerouting: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class RatingRow(SQLModel, table=True):
    """The latest rating of one reply round, whichever way it came (callback link, phone, tracking page)."""

    __tablename__ = "notify_ratings"
    __table_args__ = (sa.Index("ix_notify_ratings_rated_at", "rated_at", postgresql_include=[
        "rating", "counted", "department", "category", "town", "channel", "resolution", "unreasonable"]),)

    complaint_id: str = Field(primary_key=True, max_length=64)
    reply_round: int = Field(primary_key=True)
    tracking_code: str | None = Field(default=None, max_length=32)
    rating: str = Field(max_length=24)
    via: str = Field(max_length=24)
    rated_at: datetime = Field(sa_column=_at(nullable=False))  # indexed above
    # The satisfaction rate's inputs from the case and its round, copied here whenever they change:
    counted: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})  # no case, or a valid one
    department: str | None = Field(default=None, max_length=64)  # who gave the reply rated
    category: str | None = Field(default=None, max_length=32)
    town: str | None = Field(default=None, max_length=32)
    channel: str | None = Field(default=None, max_length=20)
    case_tracking_code: str | None = Field(default=None, max_length=32)
    # 解决率: whether the problem was solved, with the latest rating (none: not asked, older ratings)
    resolution: str | None = Field(default=None, max_length=20)
    # 审核后满意度: a supervisor marked the round's unsatisfied rating unreasonable (RatingReviewRow has why)
    unreasonable: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # 评价意见: the citizen's words, phone and ID-card numbers replaced; for the reviewers (not in any figure)
    comment: str | None = Field(default=None, max_length=500)


class AlertRow(SQLModel, table=True):
    """A warning (预警) or escalation (督办) sent: at most one per clock, cycle and level."""

    __tablename__ = "notify_alerts"
    __table_args__ = (
        sa.UniqueConstraint("complaint_id", "clock", "cycle", "level", name="uq_notify_alerts_once"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    complaint_id: str = Field(max_length=64, index=True)
    tracking_code: str | None = Field(default=None, max_length=32)
    department: str | None = Field(default=None, max_length=64, index=True)
    clock: str = Field(max_length=12)
    cycle: int
    level: str = Field(max_length=12)
    reply_round: int = 1
    due: datetime = Field(sa_column=_at(nullable=False))
    created_at: datetime = Field(sa_column=_at(index=True, nullable=False))


class DepartmentNameRow(SQLModel, table=True):
    """notify's copy of routing's department directory (from DepartmentsChangedV1): the names it shows."""

    __tablename__ = "notify_department_names"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=128)
    active: bool = True
    kind: str = Field(default="district", max_length=16, sa_column_kwargs={"server_default": "district"})
    changed_at: datetime = Field(sa_column=_at(nullable=False))  # of the snapshot it came with
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # a lower one never wins


class AssignmentRow(SQLModel, table=True):
    """Every assignment of a case to a department (交办), how its signing went and how it ended: what the
    assessment of departments and towns (考核) counts. Written from routing's lifecycle events."""

    __tablename__ = "notify_assignments"
    __table_args__ = (sa.UniqueConstraint("complaint_id", "department", "assigned_at",
                                          name="uq_notify_assignments_once"),)

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    complaint_id: str = Field(max_length=64, index=True)
    department: str = Field(max_length=64, index=True)
    reply_round: int = 1
    rule: str = Field(max_length=200)
    assigned_at: datetime = Field(sa_column=_at(index=True, nullable=False))
    accept_due: datetime = Field(sa_column=_at(nullable=False))
    accepted_at: datetime | None = Field(default=None, sa_column=_at())
    ended_at: datetime | None = Field(default=None, sa_column=_at())
    ended_how: str | None = Field(default=None, max_length=16)  # returned | transferred | merged


class AssistRow(SQLModel, table=True):
    """协办: a department asked to assist the lead of a case, by when, and whether it has answered; the
    sweeper reminds it once when it is overdue (催办)."""

    __tablename__ = "notify_assists"

    complaint_id: str = Field(primary_key=True, max_length=64)
    department: str = Field(primary_key=True, max_length=64)
    requested_at: datetime = Field(sa_column=sa.Column(AwareDateTime(), primary_key=True))
    tracking_code: str | None = Field(default=None, max_length=32)
    lead_department: str = Field(max_length=64)
    due: datetime = Field(sa_column=_at(index=True, nullable=False))
    replied_at: datetime | None = Field(default=None, sa_column=_at())
    closed_at: datetime | None = Field(default=None, sa_column=_at())  # the lead replied, or the case left
    reminded_at: datetime | None = Field(default=None, sa_column=_at())


TABLES = [CaseRow.__table__, ClockRow.__table__, ReplyRoundRow.__table__, RatingRow.__table__,  # type: ignore[attr-defined]
          AlertRow.__table__, DepartmentNameRow.__table__]  # type: ignore[attr-defined]
TABLES += KNOWLEDGE_TABLES  # the knowledge base's facts (adapters/knowledge.py, notify_0019)


class CallbackRow(SQLModel, table=True):
    """A satisfaction callback (抽查回访) of one reply round: why it was chosen, and how it ended."""

    __tablename__ = "notify_callbacks"
    # the targets report's valid-callback counts: by completion, the status read from the index (notify_0021)
    __table_args__ = (sa.Index("ix_notify_callbacks_completed_at", "completed_at", postgresql_include=["status"]),)

    complaint_id: str = Field(primary_key=True, max_length=64)
    reply_round: int = Field(primary_key=True)
    tracking_code: str | None = Field(default=None, max_length=32)
    department: str | None = Field(default=None, max_length=64, index=True)
    reason: str = Field(max_length=24)  # sampled | weekly_minimum | unsatisfied_online
    draw: float | None = None  # the reproducible draw that chose it (sampled), for the audit
    replied_at: datetime = Field(sa_column=_at(nullable=False))
    due_at: datetime = Field(sa_column=_at(index=True, nullable=False))
    status: str = Field(max_length=16, index=True)  # pending | done | unreachable
    outcome: str | None = Field(default=None, max_length=24)  # the rating, or unreachable
    attempts: int = 0
    completed_at: datetime | None = Field(default=None, sa_column=_at())  # indexed above
    completed_by: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(sa_column=_at(nullable=False))
    resolution: str | None = Field(default=None, max_length=20)  # with the rating that completed it


class CallbackAttemptRow(SQLModel, table=True):
    """One call of a callback (回访记录): who called, when, and what came of it."""

    __tablename__ = "notify_callback_attempts"

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    complaint_id: str = Field(max_length=64, index=True)
    reply_round: int
    at: datetime = Field(sa_column=_at(nullable=False))
    by: str = Field(max_length=80)
    outcome: str = Field(max_length=24)  # satisfied | basically_satisfied | unsatisfied | no_answer | refused
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    resolution: str | None = Field(default=None, max_length=20)  # with a rating: resolved | partly_... | unresolved


class RatingReviewRow(SQLModel, table=True):
    """不合理差评: a supervisor's review of a round's unsatisfied rating, as it stands now (marked or withdrawn);
    every mark and withdrawal is kept in RatingReviewLogRow."""

    __tablename__ = "notify_rating_reviews"

    complaint_id: str = Field(primary_key=True, max_length=64)
    reply_round: int = Field(primary_key=True)
    marked: bool = False  # True: unreasonable (out of the reviewed satisfaction rate)
    reason: str = Field(max_length=500)  # of the latest mark or withdrawal
    by: str = Field(max_length=80)
    at: datetime = Field(sa_column=_at(index=True, nullable=False))


class RatingReviewLogRow(SQLModel, table=True):
    """The audit trail of the reviews: who marked or withdrew, when, and why (only ever added)."""

    __tablename__ = "notify_rating_review_log"

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    complaint_id: str = Field(max_length=64, index=True)
    reply_round: int
    action: str = Field(max_length=12)  # mark | withdraw
    reason: str = Field(max_length=500)
    by: str = Field(max_length=80)
    at: datetime = Field(sa_column=_at(nullable=False))


# Messages to departments' and supervisors' group robots (shared/outbound.py); no personal data in them.
OUTBOUND_MESSAGES = outbound_table("notify_outbound_messages")

# Who runs the SLA sweeper now, among notify's replicas (shared/lease.py).
LEASES = lease_table("notify_leases")


class HotspotRow(SQLModel, table=True):
    """What the bureau decided about one hotspot of the problem list (问题清单): its owner (领导包案), plan
    and closure (销号). The hotspots themselves are computed from the cases; only decisions are kept."""

    __tablename__ = "notify_hotspots"

    key: str = Field(primary_key=True, max_length=100)  # recurring:taihe:noise | rising:odor | ...
    kind: str = Field(max_length=16, index=True)
    status: str = Field(max_length=16, index=True)  # open | in_progress | resolved
    owner: str | None = Field(default=None, max_length=40)
    plan: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: datetime = Field(sa_column=_at(nullable=False))
    updated_at: datetime = Field(sa_column=_at(nullable=False))
    updated_by: str = Field(max_length=80)
    resolved_at: datetime | None = Field(default=None, sa_column=_at())
    resolved_by: str | None = Field(default=None, max_length=80)


class ReplySummaryRow(SQLModel, table=True):
    """The public summary of a case's latest reply (主动公开), scrubbed of personal data before it is written."""

    __tablename__ = "notify_reply_summaries"

    complaint_id: str = Field(primary_key=True, max_length=64)
    reply_round: int
    summary: str = Field(max_length=200)
    replied_at: datetime = Field(sa_column=_at(index=True, nullable=False))


class NearbyPairRow(SQLModel, table=True):
    """Two cases of one type pinned within the nearby rule's radius (domain/hotspots.py NEARBY_RADIUS_M) and
    received at most NEARBY_PAIR_DAYS apart, neither refused (不予受理): kept by notify's repository whenever a
    case's type, place, receipt or refusal changes (adapters/hotspot_index.py), so the problem list reads the
    window's pairs instead of measuring every case against its neighbours (notify_0017). `first` is the
    earlier of the two (received_at, then id); `first_sees` whether the rule counts the second within the
    radius of the first (measured along the first's parallel), `second_sees` the other way round."""

    __tablename__ = "notify_nearby_pairs"
    __table_args__ = (sa.Index("ix_notify_nearby_pairs_first_at", "first_at", postgresql_include=[
        "second_at", "category", "first_id", "second_id", "first_sees", "second_sees"]),)

    first_id: str = Field(primary_key=True, max_length=64)
    second_id: str = Field(primary_key=True, max_length=64, index=True)
    category: str = Field(max_length=32)
    first_at: datetime = Field(sa_column=_at(nullable=False))
    second_at: datetime = Field(sa_column=_at(nullable=False))
    first_sees: bool
    second_sees: bool


TABLES.append(NearbyPairRow.__table__)  # type: ignore[attr-defined]


class FigureDayRow(SQLModel, table=True):
    """The targets' closed facts counted per Shanghai day (notify_0022): a figure's counts (n1, n2, ...: see
    adapters/figure_days.py) for one grouping (`dim`) and group (`key`: '' none, else '=' and the value). Written
    only by the triggers of notify_0022 (deltas: a changed row takes its old contribution away and adds its new
    one) and by the compactor, which sums a group's deltas into one row."""

    __tablename__ = "notify_figure_days"
    __table_args__ = (sa.Index("ix_notify_figure_days_read", "figure", "dim", "day",
                               postgresql_include=["key", "n1", "n2", "n3", "n4", "n5", "n6"]),
                      sa.Index("ix_notify_figure_days_new", "figure", "day", "dim", "key",
                               postgresql_where=sa.text("NOT compacted"), sqlite_where=sa.text("NOT compacted")))

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    figure: str = Field(max_length=8)  # assign | reply | rating | callback
    day: date
    dim: str = Field(max_length=12)  # department | category | town | channel
    key: str = Field(max_length=72)
    n1: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    n2: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    n3: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    n4: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    n5: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    n6: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    compacted: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


TABLES.append(FigureDayRow.__table__)  # type: ignore[attr-defined]

# Made by their migration alone (a model cannot state them; tests/test_migrations.py leaves them out of its
# comparison): notify_0022's GiST index of each replied round's span, from the earlier to the later of its
# deadline and reply (PostgreSQL), through which adapters/figure_days.py finds the rounds crossing a midnight.
MIGRATION_ONLY_INDEXES = ("ix_notify_reply_rounds_span",)
