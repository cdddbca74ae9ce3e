"""Warm migration: a run whose system has databases replicates until its cutover; it keeps when its next precopy is
due, the databases' last measured lag and the cutover's write freeze.

Revision ID: migration_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "migration_0003"
down_revision = "migration_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("migration_run") as run:
        run.add_column(sa.Column("replicates", sa.Boolean, nullable=False, server_default=sa.false()))
        run.add_column(sa.Column("resume_at", sa.DateTime(timezone=True)))
        run.add_column(sa.Column("lag_seconds", sa.Float))
        run.add_column(sa.Column("lag_transactions", sa.BigInteger))
        run.add_column(sa.Column("lag_bytes", sa.BigInteger))
        run.add_column(sa.Column("downtime_seconds", sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("migration_run") as run:
        for column in ("downtime_seconds", "lag_bytes", "lag_transactions", "lag_seconds", "resume_at", "replicates"):
            run.drop_column(column)
