"""Read model of migrations, steps, links, exchanges and data resources.

Revision ID: monitoring_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "monitoring_0002"
down_revision = "monitoring_0001"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("system_view", sa.Column("city", sa.String(64), nullable=False, server_default=""))
    op.create_table(
        "migration_view",
        sa.Column("system_id", sa.String(36), primary_key=True),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("system_code", sa.String(64), nullable=False),
        sa.Column("organisation_code", sa.String(64), nullable=False, index=True),
        sa.Column("wave_name", sa.String(200), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("started_at", MOMENT, nullable=False),
        sa.Column("last_progress_at", MOMENT, nullable=False),
        sa.Column("completed_at", MOMENT, nullable=True),
    )
    op.create_table(
        "step_view",
        sa.Column("run_id", sa.String(36), primary_key=True),
        sa.Column("step", sa.String(32), primary_key=True),
        sa.Column("system_id", sa.String(36), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("percent", sa.Integer, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
    )
    op.create_table(
        "step_outcome",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("duration_seconds", sa.Float, nullable=False),
        sa.Column("organisation_code", sa.String(64), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
    )
    op.create_table(
        "link_view",
        sa.Column("platform_code", sa.String(64), primary_key=True),
        sa.Column("state", sa.Integer, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
    )
    op.create_table(
        "exchange_view",
        sa.Column("resource_code", sa.String(64), primary_key=True),
        sa.Column("platform_code", sa.String(64), nullable=False),
        sa.Column("last_exchange_at", MOMENT, nullable=True),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
    )
    op.create_table(
        "data_resource_view",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation_code", sa.String(64), nullable=False, index=True),
        sa.Column("planned_opening_date", sa.String(10), nullable=False),
        sa.Column("actual_opening_date", sa.String(10), nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
    )


def downgrade() -> None:
    for table in ("data_resource_view", "exchange_view", "link_view", "step_outcome", "step_view"):
        op.drop_table(table)
    op.drop_table("migration_view")
    op.drop_column("system_view", "city")
