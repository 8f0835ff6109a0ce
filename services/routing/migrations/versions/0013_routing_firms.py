"""routing: the register of reported firms (被举报企业, docs/firms.md) and a case's link to one

- routing_firms: name, 统一社会信用代码 (unique), 排污许可证编号, address, town, industry, status, who and when.
- routing_cases.firm_id: the firm the case reports (indexed: a firm's history reads by it).

Revision ID: routing_0013
Revises: routing_0012
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0013"
down_revision = "routing_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_firms",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("permit_number", sa.String(40), nullable=True),
        sa.Column("address", sa.String(500), nullable=False),
        sa.Column("town", sa.String(64), nullable=False),
        sa.Column("industry", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_routing_firms_name", "routing_firms", ["name"])
    op.create_index("ix_routing_firms_credit_code", "routing_firms", ["credit_code"], unique=True)
    op.add_column("routing_cases", sa.Column("firm_id", sa.String(36), nullable=True))
    op.create_index("ix_routing_cases_firm_id", "routing_cases", ["firm_id"])


def downgrade() -> None:
    op.drop_index("ix_routing_cases_firm_id", table_name="routing_cases")
    with op.batch_alter_table("routing_cases") as batch:
        batch.drop_column("firm_id")
    op.drop_index("ix_routing_firms_credit_code", table_name="routing_firms")
    op.drop_index("ix_routing_firms_name", table_name="routing_firms")
    op.drop_table("routing_firms")
