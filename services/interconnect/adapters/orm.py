"""Tables of the interconnect database, mapped onto the domain classes (the domain stays free of SQLAlchemy)."""

import sqlalchemy as sa
from sqlalchemy.orm import registry

from services.common.columns import UtcDateTime, enum_column
from services.interconnect.domain.links import Link, LinkState
from services.interconnect.domain.model import (
    AdminLevel,
    Direction,
    ExchangeRun,
    Platform,
    SharedResource,
    SystemHome,
)

mapper_registry = registry()
metadata = mapper_registry.metadata


platforms = sa.Table(
    "platform",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("admin_level", enum_column(AdminLevel), nullable=False),
    sa.Column("parent_code", sa.String(64)),
    sa.Column("endpoint", sa.String(500), nullable=False),
    sa.Column("network_segment", sa.String(64), nullable=False),
    sa.Column("contact", sa.String(200), nullable=False),
)

links = sa.Table(
    "link",
    metadata,
    sa.Column("platform_code", sa.String(64), primary_key=True),
    sa.Column("state", enum_column(LinkState), nullable=False),
    sa.Column("since", UtcDateTime, nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("successes", sa.Integer, nullable=False),
    sa.Column("fast_streak", sa.Integer, nullable=False),
    sa.Column("slow_streak", sa.Integer, nullable=False),
    sa.Column("last_probe_at", UtcDateTime),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("last_error", sa.String(500), nullable=False),
    sa.Column("announced_latency_ms", sa.Float, nullable=False, server_default="0"),
)

link_changes = sa.Table(
    "link_change",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("platform_code", sa.String(64), nullable=False),
    sa.Column("previous_state", sa.String(32), nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("error", sa.String(500), nullable=False),
    sa.Column("reason", sa.String(200), nullable=False),
    sa.Index("ix_link_change_platform_code_id", "platform_code", "id"),
)

shared_resources = sa.Table(
    "shared_resource",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("platform_code", sa.String(64), nullable=False, index=True),
    sa.Column("direction", enum_column(Direction), nullable=False),
    sa.Column("schedule_seconds", sa.BigInteger, nullable=False),
    sa.Column("registered_at", UtcDateTime, nullable=False),
    sa.Column("last_exchange_at", UtcDateTime),
    sa.Column("last_rows", sa.BigInteger, nullable=False),
    sa.Column("last_checksum", sa.String(200), nullable=False),
    sa.Column("overdue_announced", sa.Boolean, nullable=False),
)

exchange_runs = sa.Table(
    "exchange_run",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("resource_code", sa.String(64), nullable=False, index=True),
    sa.Column("exchanged_at", UtcDateTime, nullable=False),
    sa.Column("rows", sa.BigInteger, nullable=False),
    sa.Column("checksum", sa.String(200), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
)

system_homes = sa.Table(
    "system_home",
    metadata,
    sa.Column("system_id", sa.String(36), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("organisation_code", sa.String(64), nullable=False),
    sa.Column("admin_level", enum_column(AdminLevel), nullable=False),
)

for table, entity in (
    (platforms, Platform),
    (links, Link),
    (shared_resources, SharedResource),
    (exchange_runs, ExchangeRun),
    (system_homes, SystemHome),
):
    mapper_registry.map_imperatively(entity, table)
