"""API tokens, stored as SHA-256 hashes.

Revision ID: auth_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "auth_0001"
down_revision = None
branch_labels = ("auth",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("roles", sa.String(500), nullable=False),
        sa.Column("description", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("api_token")
