"""Outbox and inbox tables every service database has.

Revision ID: kernel_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "kernel_0001"
down_revision = None
branch_labels = ("kernel",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("ce_type", sa.String(200), nullable=False),
        sa.Column("ce_source", sa.String(200), nullable=False),
        sa.Column("ce_subject", sa.String(200), nullable=False),
        sa.Column("ce_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])
    op.create_table(
        "processed_event",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("consumer", sa.String(200), primary_key=True),
        sa.Column("ce_type", sa.String(200), nullable=False),
        sa.Column("ce_subject", sa.String(200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("processed_event")
    op.drop_table("outbox")
