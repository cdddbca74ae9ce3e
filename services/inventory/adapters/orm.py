"""Tables of the inventory database, mapped onto the domain classes (the domain stays free of SQLAlchemy)."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import registry

from services.common.columns import UtcDateTime, enum_column
from services.inventory.domain.model import (
    AdminLevel,
    BaseLibrary,
    Connection,
    Database,
    DataResource,
    Dependency,
    Engine,
    Host,
    HostRole,
    OpeningType,
    Organisation,
    SharingType,
    Strategy,
    System,
    SystemStatus,
    Zone,
)

mapper_registry = registry()
metadata = mapper_registry.metadata


zones = sa.Table(
    "zone",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("transport_crypto", sa.Boolean, nullable=False),
    sa.Column("storage_crypto", sa.Boolean, nullable=False),
)

organisations = sa.Table(
    "organisation",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("admin_level", enum_column(AdminLevel), nullable=False),
    sa.Column("parent_code", sa.String(64)),
    sa.Column("retired", sa.Boolean, nullable=False),
)

systems = sa.Table(
    "system",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("organisation_code", sa.String(64), nullable=False, index=True),
    sa.Column("admin_level", enum_column(AdminLevel), nullable=False),
    sa.Column("mlps_level", sa.Integer, nullable=False),
    sa.Column("status", enum_column(SystemStatus), nullable=False),
    sa.Column("registered_at", UtcDateTime(), nullable=False),
    sa.Column("tech_stack", sa.String(200), nullable=False),
    sa.Column("data_volume_gb", sa.Float, nullable=False),
    sa.Column("current_location", sa.String(200), nullable=False),
    sa.Column("target_zone_code", sa.String(64)),
    sa.Column("strategy", enum_column(Strategy)),
    sa.Column("rollback_contact", sa.String(200), nullable=False),
)

hosts = sa.Table(
    "host",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(63), nullable=False, unique=True),
    sa.Column("system_code", sa.String(64), nullable=False, index=True),
    sa.Column("address", sa.String(253), nullable=False),
    sa.Column("role", enum_column(HostRole), nullable=False),
    sa.Column("connection", enum_column(Connection), nullable=False),
    sa.Column("port", sa.Integer, nullable=False),
    sa.Column("user", sa.String(64), nullable=False),
    sa.Column("root", sa.String(500), nullable=False),
    sa.Column("python", sa.String(200), nullable=False),
)


def _endpoint(side: str) -> list[sa.Column]:
    """Where a database is at one side of its move: `source_host`, `source_port`, `source_database` (0 and empty:
    the engine's port, the source's name)."""
    kinds: dict[str, sa.types.TypeEngine[Any]] = {
        "host": sa.String(253),
        "port": sa.Integer(),
        "database": sa.String(64),
    }
    return [sa.Column(f"{side}_{part}", kind, nullable=False) for part, kind in kinds.items()]


# "database" is a word of SQL: the table of a system's databases is system_database. No password: `credential` names
# one in the migration service's secrets directory.
databases = sa.Table(
    "system_database",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("engine", enum_column(Engine), nullable=False),
    sa.Column("name", sa.String(63), nullable=False, unique=True),
    sa.Column("system_code", sa.String(64), nullable=False, index=True),
    *_endpoint("source"),
    *_endpoint("target"),
    sa.Column("credential", sa.String(200), nullable=False),
)

dependencies = sa.Table(
    "dependency",
    metadata,
    sa.Column("system_code", sa.String(64), primary_key=True),
    sa.Column("depends_on_code", sa.String(64), primary_key=True),
)

data_resources = sa.Table(
    "data_resource",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("organisation_code", sa.String(64), nullable=False, index=True),
    sa.Column("system_code", sa.String(64), nullable=False),
    sa.Column("base_library", enum_column(BaseLibrary), nullable=False),
    sa.Column("sharing_type", enum_column(SharingType), nullable=False),
    sa.Column("opening_type", enum_column(OpeningType), nullable=False),
    sa.Column("planned_opening_date", sa.Date),
    sa.Column("actual_opening_date", sa.Date),
    sa.Column("retired", sa.Boolean, nullable=False),
)

for table, entity in (
    (zones, Zone),
    (organisations, Organisation),
    (systems, System),
    (hosts, Host),
    (databases, Database),
    (dependencies, Dependency),
    (data_resources, DataResource),
):
    mapper_registry.map_imperatively(entity, table)
