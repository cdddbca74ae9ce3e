"""Tables of the migration database, mapped onto the domain classes."""

import sqlalchemy as sa
from sqlalchemy.orm import registry

from services.common.columns import UtcDateTime, enum_column
from services.migration.domain.model import (
    MigrationRun,
    RunState,
    Step,
    StepRecord,
    Wave,
    WaveState,
    WaveSystem,
)

mapper_registry = registry()
metadata = mapper_registry.metadata


waves = sa.Table(
    "wave",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("concurrency", sa.Integer, nullable=False),
    sa.Column("window_start", UtcDateTime(), nullable=False),
    sa.Column("window_end", UtcDateTime(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("auto_approve", sa.Boolean, nullable=False),
    sa.Column("state", enum_column(WaveState), nullable=False),
)

wave_systems = sa.Table(
    "wave_system",
    metadata,
    sa.Column("wave_id", sa.String(36), primary_key=True),
    sa.Column("system_code", sa.String(64), primary_key=True),
    sa.Column("layer", sa.Integer, nullable=False),
    sa.Column("organisation_code", sa.String(64), nullable=False),
)

runs = sa.Table(
    "migration_run",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("system_id", sa.String(36), nullable=False, index=True),
    sa.Column("system_code", sa.String(64), nullable=False, index=True),
    sa.Column("organisation_code", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("wave_id", sa.String(36), index=True),
    sa.Column("auto_approve", sa.Boolean, nullable=False),
    sa.Column("state", enum_column(RunState), nullable=False, index=True),
    sa.Column("failed_step", enum_column(Step)),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("approved_by", sa.String(200), nullable=False),
    sa.Column("rollback_plan", sa.Text, nullable=False),
    sa.Column("approved_at", UtcDateTime()),
    sa.Column("cancel_requested", sa.Boolean, nullable=False),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claim_expires_at", UtcDateTime()),
    sa.Column("replicates", sa.Boolean, nullable=False, default=False),
    sa.Column("resume_at", UtcDateTime()),
    sa.Column("lag_seconds", sa.Float),
    sa.Column("lag_transactions", sa.BigInteger),
    sa.Column("lag_bytes", sa.BigInteger),
    sa.Column("downtime_seconds", sa.Float),
)

step_records = sa.Table(
    "step_record",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("run_id", sa.String(36), nullable=False, index=True),
    sa.Column("step", enum_column(Step), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("started_at", UtcDateTime(), nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("percent", sa.Integer, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("finished_at", UtcDateTime()),
)

for table, entity in ((waves, Wave), (wave_systems, WaveSystem), (runs, MigrationRun), (step_records, StepRecord)):
    mapper_registry.map_imperatively(entity, table)
