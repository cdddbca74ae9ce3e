"""The whole catalogue: zones, organisations, the rest of a system's fields, hosts, dependencies, data resources.

Revision ID: inventory_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "inventory_0002"
down_revision = "inventory_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zone",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("transport_crypto", sa.Boolean, nullable=False),
        sa.Column("storage_crypto", sa.Boolean, nullable=False),
    )
    op.create_table(
        "organisation",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("admin_level", sa.String(32), nullable=False),
        sa.Column("parent_code", sa.String(64)),
        sa.Column("retired", sa.Boolean, nullable=False),
    )
    with op.batch_alter_table("system") as system:
        system.alter_column("admin_level", type_=sa.String(32))
        system.add_column(sa.Column("tech_stack", sa.String(200), nullable=False, server_default=""))
        system.add_column(sa.Column("data_volume_gb", sa.Float, nullable=False, server_default="0"))
        system.add_column(sa.Column("current_location", sa.String(200), nullable=False, server_default=""))
        system.add_column(sa.Column("target_zone_code", sa.String(64)))
        system.add_column(sa.Column("strategy", sa.String(32)))
        system.add_column(sa.Column("rollback_contact", sa.String(200), nullable=False, server_default=""))
    # 0001 stored enum names (PROVINCE); enums are stored as their values (province) from now on.
    op.execute("UPDATE system SET admin_level = lower(admin_level), status = lower(status)")
    # A department's page of systems: WHERE organisation_code = ? ORDER BY code.
    op.create_index("ix_system_organisation_code_code", "system", ["organisation_code", "code"])
    op.create_table(
        "host",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(63), nullable=False, unique=True),
        sa.Column("system_code", sa.String(64), nullable=False, index=True),
        sa.Column("address", sa.String(253), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("connection", sa.String(32), nullable=False),
        sa.Column("port", sa.Integer, nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("root", sa.String(500), nullable=False),
    )
    op.create_table(
        "dependency",
        sa.Column("system_code", sa.String(64), primary_key=True),
        sa.Column("depends_on_code", sa.String(64), primary_key=True),
    )
    op.create_table(
        "data_resource",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation_code", sa.String(64), nullable=False, index=True),
        sa.Column("system_code", sa.String(64), nullable=False),
        sa.Column("base_library", sa.String(32), nullable=False),
        sa.Column("sharing_type", sa.String(32), nullable=False),
        sa.Column("opening_type", sa.String(32), nullable=False),
        sa.Column("planned_opening_date", sa.Date),
        sa.Column("actual_opening_date", sa.Date),
        sa.Column("retired", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    for table in ("data_resource", "dependency", "host", "organisation", "zone"):
        op.drop_table(table)
    with op.batch_alter_table("system") as system:
        for column in (
            "rollback_contact",
            "strategy",
            "target_zone_code",
            "current_location",
            "data_volume_gb",
            "tech_stack",
        ):
            system.drop_column(column)
