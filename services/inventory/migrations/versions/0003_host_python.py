"""A host's Python interpreter for Ansible (empty: discovered).

Revision ID: inventory_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "inventory_0003"
down_revision = "inventory_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("host") as host:
        host.add_column(sa.Column("python", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("host") as host:
        host.drop_column("python")
