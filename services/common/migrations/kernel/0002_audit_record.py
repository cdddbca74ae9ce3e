"""The audit trail of mutating gRPC calls every service database keeps.

Revision ID: kernel_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "kernel_0002"
down_revision = "kernel_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_record",
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
    op.create_index("ix_audit_record_at", "audit_record", ["at"])


def downgrade() -> None:
    op.drop_table("audit_record")
