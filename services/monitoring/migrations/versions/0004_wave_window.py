"""The planned window of each run's wave, for the wave pages and the wave-behind-its-window alert.

Revision ID: monitoring_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "monitoring_0004"
down_revision = "monitoring_0003"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("migration_view", sa.Column("wave_window_start", MOMENT, nullable=True))
    op.add_column("migration_view", sa.Column("wave_window_end", MOMENT, nullable=True))


def downgrade() -> None:
    op.drop_column("migration_view", "wave_window_end")
    op.drop_column("migration_view", "wave_window_start")
