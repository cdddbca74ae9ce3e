"""Systems of the catalogue.

Revision ID: inventory_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "inventory_0001"
down_revision = None
branch_labels = ("inventory",)
depends_on = "kernel_0001"


def upgrade() -> None:
    op.create_table(
        "system",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation_code", sa.String(64), nullable=False),
        sa.Column("admin_level", sa.String(16), nullable=False),
        sa.Column("mlps_level", sa.Integer, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_system_organisation_code", "system", ["organisation_code"])


def downgrade() -> None:
    op.drop_table("system")
