"""The monitoring read model: the latest known state of every system, run, step, link, exchange and data resource,
built from the services' events (it can be rebuilt by replaying the topics).

In monitoring a "view" is one of these tables (`SystemView` is the table system_view), and only that: the repositories
that write them are named for what they hold (adapters/repository.py), the answers built from them for what they
answer (domain/progress.py)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.columns import ClippedString, UtcDateTime

Moment = UtcDateTime()


class ReadModelBase(DeclarativeBase):
    pass


class SystemView(ReadModelBase):
    __tablename__ = "system_view"

    system_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(ClippedString(200))
    organisation_code: Mapped[str] = mapped_column(sa.String(64), index=True)
    status: Mapped[str] = mapped_column(sa.String(32))
    updated_at: Mapped[datetime] = mapped_column(Moment)
    city: Mapped[str] = mapped_column(sa.String(64), default="")


class MigrationView(ReadModelBase):
    """The latest run of each system."""

    __tablename__ = "migration_view"

    system_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    run_id: Mapped[str] = mapped_column(sa.String(36))
    system_code: Mapped[str] = mapped_column(sa.String(64))
    organisation_code: Mapped[str] = mapped_column(sa.String(64), index=True)
    wave_name: Mapped[str] = mapped_column(ClippedString(200), default="")
    wave_window_start: Mapped[datetime | None] = mapped_column(Moment, nullable=True)
    wave_window_end: Mapped[datetime | None] = mapped_column(Moment, nullable=True)
    state: Mapped[str] = mapped_column(sa.String(32))
    step: Mapped[str] = mapped_column(sa.String(32), default="")
    reason: Mapped[str] = mapped_column(ClippedString(500), default="")
    started_at: Mapped[datetime] = mapped_column(Moment)
    last_progress_at: Mapped[datetime] = mapped_column(Moment)
    completed_at: Mapped[datetime | None] = mapped_column(Moment, nullable=True)
    # A warm migration: the lag its last replicate step measured (the worst of the system's databases), and the write
    # freeze of its cutover. None until measured, and again for the system's next run.
    lag_seconds: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    lag_transactions: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    lag_bytes: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    lag_measured_at: Mapped[datetime | None] = mapped_column(Moment, nullable=True)
    downtime_seconds: Mapped[float | None] = mapped_column(sa.Float, nullable=True)


class StepView(ReadModelBase):
    __tablename__ = "step_view"

    run_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    step: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    system_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    percent: Mapped[int] = mapped_column(sa.Integer)
    attempt: Mapped[int] = mapped_column(sa.Integer)
    message: Mapped[str] = mapped_column(ClippedString(500), default="")
    updated_at: Mapped[datetime] = mapped_column(Moment)


class StepOutcome(ReadModelBase):
    """One row per finished step attempt: the steps counter, the duration histogram and the cutover downtime histogram
    are counted from these."""

    __tablename__ = "step_outcome"

    event_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    step: Mapped[str] = mapped_column(sa.String(32))
    result: Mapped[str] = mapped_column(sa.String(16))
    duration_seconds: Mapped[float] = mapped_column(sa.Float)
    organisation_code: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(Moment)
    downtime_seconds: Mapped[float | None] = mapped_column(sa.Float, nullable=True)  # a completed warm cutover's


class LinkView(ReadModelBase):
    __tablename__ = "link_view"

    platform_code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    state: Mapped[int] = mapped_column(sa.Integer)
    latency_ms: Mapped[float] = mapped_column(sa.Float)
    updated_at: Mapped[datetime] = mapped_column(Moment)


class ExchangeView(ReadModelBase):
    __tablename__ = "exchange_view"

    resource_code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    platform_code: Mapped[str] = mapped_column(sa.String(64))
    last_exchange_at: Mapped[datetime | None] = mapped_column(Moment, nullable=True)
    overdue: Mapped[bool] = mapped_column(sa.Boolean)
    updated_at: Mapped[datetime] = mapped_column(Moment)


class DataResourceView(ReadModelBase):
    __tablename__ = "data_resource_view"

    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(ClippedString(200))
    organisation_code: Mapped[str] = mapped_column(sa.String(64), index=True)
    planned_opening_date: Mapped[str] = mapped_column(sa.String(10))
    actual_opening_date: Mapped[str] = mapped_column(sa.String(10))
    retired: Mapped[bool] = mapped_column(sa.Boolean, default=False)  # will not be opened: neither planned nor late
    updated_at: Mapped[datetime] = mapped_column(Moment)
