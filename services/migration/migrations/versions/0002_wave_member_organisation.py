"""The organisation of each wave member, so a department sees only waves holding its own systems.

Members planned before this revision get '': no department sees them.

Revision ID: migration_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "migration_0002"
down_revision = "migration_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wave_system") as wave_system:
        wave_system.add_column(sa.Column("organisation_code", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("wave_system") as wave_system:
        wave_system.drop_column("organisation_code")
