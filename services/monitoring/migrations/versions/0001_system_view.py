"""Read model of systems.

Revision ID: monitoring_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "monitoring_0001"
down_revision = None
branch_labels = ("monitoring",)
depends_on = "kernel_0001"


def upgrade() -> None:
    op.create_table(
        "system_view",
        sa.Column("system_id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation_code", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_system_view_organisation_code", "system_view", ["organisation_code"])


def downgrade() -> None:
    op.drop_table("system_view")
