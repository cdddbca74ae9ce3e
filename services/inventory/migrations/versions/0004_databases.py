"""A system's databases: engine, source and target endpoints, and the name of their credential (never a password).

Revision ID: inventory_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "inventory_0004"
down_revision = "inventory_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    endpoints = [
        sa.Column(f"{side}_{part}", kind, nullable=False)
        for side in ("source", "target")
        for part, kind in (("host", sa.String(253)), ("port", sa.Integer()), ("database", sa.String(64)))
    ]
    op.create_table(
        "system_database",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("name", sa.String(63), nullable=False, unique=True),
        sa.Column("system_code", sa.String(64), nullable=False, index=True),
        *endpoints,
        sa.Column("credential", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("system_database")
