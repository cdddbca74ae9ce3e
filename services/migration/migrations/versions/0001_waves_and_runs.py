"""Waves, migration runs and their step checkpoints.

Revision ID: migration_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "migration_0001"
down_revision = None
branch_labels = ("migration",)
depends_on = "kernel_0001"


def upgrade() -> None:
    op.create_table(
        "wave",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("concurrency", sa.Integer, nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("auto_approve", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
    )
    op.create_table(
        "wave_system",
        sa.Column("wave_id", sa.String(36), primary_key=True),
        sa.Column("system_code", sa.String(64), primary_key=True),
        sa.Column("layer", sa.Integer, nullable=False),
    )
    op.create_table(
        "migration_run",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("system_id", sa.String(36), nullable=False, index=True),
        sa.Column("system_code", sa.String(64), nullable=False, index=True),
        sa.Column("organisation_code", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wave_id", sa.String(36), index=True),
        sa.Column("auto_approve", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(32), nullable=False, index=True),
        sa.Column("failed_step", sa.String(32)),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=False),
        sa.Column("rollback_plan", sa.Text, nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claim_expires_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "step_record",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("run_id", sa.String(36), nullable=False, index=True),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("percent", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    for table in ("step_record", "migration_run", "wave_system", "wave"):
        op.drop_table(table)
