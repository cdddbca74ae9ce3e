"""The latency last announced for each link: a link that keeps its state announces a new latency only when it has
moved noticeably from this one.

Revision ID: interconnect_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "interconnect_0002"
down_revision = "interconnect_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("link") as link:
        link.add_column(sa.Column("announced_latency_ms", sa.Float, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("link") as link:
        link.drop_column("announced_latency_ms")
