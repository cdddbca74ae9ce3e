"""The audit records of every service, as received on zhongyuan.audit.events.v1.

Revision ID: monitoring_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "monitoring_0003"
down_revision = "monitoring_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_view",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("method", sa.String(100), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("actor_token_id", sa.String(16), nullable=False),
        sa.Column("actor_roles", sa.String(500), nullable=False),
        sa.Column("target", sa.String(800), nullable=False),
        sa.Column("request_json", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("peer", sa.String(200), nullable=False),
    )
    op.create_index("ix_audit_view_at_id", "audit_view", ["at", "id"])


def downgrade() -> None:
    op.drop_table("audit_view")
