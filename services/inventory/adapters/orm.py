"""Tables of the inventory database, mapped onto the domain classes (the domain stays free of SQLAlchemy)."""

import sqlalchemy as sa
from sqlalchemy.orm import registry

from services.inventory.domain.model import AdminLevel, System, SystemStatus

mapper_registry = registry()
metadata = mapper_registry.metadata

systems = sa.Table(
    "system",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("organisation_code", sa.String(64), nullable=False, index=True),
    sa.Column("admin_level", sa.Enum(AdminLevel, native_enum=False, length=16), nullable=False),
    sa.Column("mlps_level", sa.Integer, nullable=False),
    sa.Column("status", sa.Enum(SystemStatus, native_enum=False, length=32), nullable=False),
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
)

mapper_registry.map_imperatively(System, systems)
