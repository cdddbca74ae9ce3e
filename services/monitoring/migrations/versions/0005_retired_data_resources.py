"""Data resources the inventory retired: they are neither planned nor overdue any more.

Revision ID: monitoring_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "monitoring_0005"
down_revision = "monitoring_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("data_resource_view", sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("data_resource_view", "retired")
