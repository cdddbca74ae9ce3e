"""The kernel's tables, which migrations/kernel creates in every service database (the audit trail adds its own)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from services.common.columns import UtcDateTime
from services.common.timestamps import utc_now


class KernelBase(DeclarativeBase):
    """Tables every service database has: the outbox and the inbox of processed events."""


class OutboxRecord(KernelBase):
    __tablename__ = "outbox"

    id: sa.orm.Mapped[int] = sa.orm.mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    event_id: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(36), unique=True)
    topic: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    key: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    ce_type: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    ce_source: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    ce_subject: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    ce_time: sa.orm.Mapped[datetime] = sa.orm.mapped_column(UtcDateTime())
    payload: sa.orm.Mapped[bytes] = sa.orm.mapped_column(sa.LargeBinary)
    published_at: sa.orm.Mapped[datetime | None] = sa.orm.mapped_column(UtcDateTime(), index=True)


class ProcessedEvent(KernelBase):
    __tablename__ = "processed_event"

    event_id: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(36), primary_key=True)
    consumer: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200), primary_key=True)
    ce_type: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    ce_subject: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    processed_at: sa.orm.Mapped[datetime] = sa.orm.mapped_column(UtcDateTime(), default=utc_now)
