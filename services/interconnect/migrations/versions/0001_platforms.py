"""Platforms, their links and link history, shared resources and exchange runs, and where systems live.

Revision ID: interconnect_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "interconnect_0001"
down_revision = None
branch_labels = ("interconnect",)
depends_on = "kernel_0001"

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "platform",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("admin_level", sa.String(32), nullable=False),
        sa.Column("parent_code", sa.String(64)),
        sa.Column("endpoint", sa.String(500), nullable=False),
        sa.Column("network_segment", sa.String(64), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
    )
    op.create_table(
        "link",
        sa.Column("platform_code", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("since", MOMENT, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("successes", sa.Integer, nullable=False),
        sa.Column("fast_streak", sa.Integer, nullable=False),
        sa.Column("slow_streak", sa.Integer, nullable=False),
        sa.Column("last_probe_at", MOMENT),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("last_error", sa.String(500), nullable=False),
    )
    op.create_table(
        "link_change",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("platform_code", sa.String(64), nullable=False),
        sa.Column("previous_state", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
    )
    # A platform's history, newest first: WHERE platform_code = ? ORDER BY id DESC.
    op.create_index("ix_link_change_platform_code_id", "link_change", ["platform_code", "id"])
    op.create_table(
        "shared_resource",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("platform_code", sa.String(64), nullable=False, index=True),
        sa.Column("direction", sa.String(32), nullable=False),
        sa.Column("schedule_seconds", sa.BigInteger, nullable=False),
        sa.Column("registered_at", MOMENT, nullable=False),
        sa.Column("last_exchange_at", MOMENT),
        sa.Column("last_rows", sa.BigInteger, nullable=False),
        sa.Column("last_checksum", sa.String(200), nullable=False),
        sa.Column("overdue_announced", sa.Boolean, nullable=False),
    )
    op.create_table(
        "exchange_run",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("resource_code", sa.String(64), nullable=False, index=True),
        sa.Column("exchanged_at", MOMENT, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("checksum", sa.String(200), nullable=False),
        sa.Column("recorded_at", MOMENT, nullable=False),
    )
    op.create_table(
        "system_home",
        sa.Column("system_id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("organisation_code", sa.String(64), nullable=False),
        sa.Column("admin_level", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    for table in ("system_home", "exchange_run", "shared_resource", "link_change", "link", "platform"):
        op.drop_table(table)
