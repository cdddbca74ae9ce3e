"""Warm migrations: the replication lag and the cutover downtime of each system's latest run, and the downtime of
every completed cutover (the downtime histogram is counted from those).

Revision ID: monitoring_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "monitoring_0006"
down_revision = "monitoring_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("migration_view", sa.Column("lag_seconds", sa.Float, nullable=True))
    op.add_column("migration_view", sa.Column("lag_transactions", sa.BigInteger, nullable=True))
    op.add_column("migration_view", sa.Column("lag_bytes", sa.BigInteger, nullable=True))
    op.add_column("migration_view", sa.Column("lag_measured_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("migration_view", sa.Column("downtime_seconds", sa.Float, nullable=True))
    op.add_column("step_outcome", sa.Column("downtime_seconds", sa.Float, nullable=True))


def downgrade() -> None:
    op.drop_column("step_outcome", "downtime_seconds")
    for column in ("downtime_seconds", "lag_measured_at", "lag_bytes", "lag_transactions", "lag_seconds"):
        op.drop_column("migration_view", column)
