"""notify: the nearby rule's centres and the valid-callback counts read index-only (issue 12)

- notify_cases: an index on received_at with complaint_id, lat, lon and town included (PostgreSQL; a plain
  index on SQLite), so that the problem list reads the place and town of the thousands of cluster centres of
  a month at a million cases as one index-only range of the window (services/notify/adapters/
  hotspot_index.py `centres`), not as a visit to each case's heap page.
- notify_callbacks: the index on completed_at made again with status included (PostgreSQL), so that the
  targets report counts a year's completed callbacks by status from the index alone.

Revision ID: notify_0021
Revises: notify_0020
"""
from alembic import op

revision = "notify_0021"
down_revision = "notify_0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_notify_cases_places", "notify_cases", ["received_at"],
                    postgresql_include=["complaint_id", "lat", "lon", "town"])
    op.drop_index("ix_notify_callbacks_completed_at", table_name="notify_callbacks")
    op.create_index("ix_notify_callbacks_completed_at", "notify_callbacks", ["completed_at"],
                    postgresql_include=["status"])


def downgrade() -> None:
    op.drop_index("ix_notify_callbacks_completed_at", table_name="notify_callbacks")
    op.create_index("ix_notify_callbacks_completed_at", "notify_callbacks", ["completed_at"])
    op.drop_index("ix_notify_cases_places", table_name="notify_cases")
