"""The monitoring read model: the latest known state of every system, built from the services' events."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class ReadModelBase(DeclarativeBase):
    pass


class SystemView(ReadModelBase):
    __tablename__ = "system_view"

    system_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    organisation_code: Mapped[str] = mapped_column(sa.String(64), index=True)
    status: Mapped[str] = mapped_column(sa.String(32))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
