"""Column types every service's tables use: times stored as aware UTC, text clipped to its column, enums as strings."""

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Every stored time: aware UTC datetimes in and out (SQLite would hand back naive ones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def bind_processor(self, dialect: sa.Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return sqlite_time_text

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ClippedString(sa.TypeDecorator[str]):
    """A String(length) column that keeps the first `length` characters of what is written: for free text a read
    model shows (a failure's reason, a step's message, a name) that an event may carry in full. PostgreSQL would
    refuse the longer text and the whole fold with it; SQLite would keep it all."""

    impl = sa.String
    cache_ok = True

    def __init__(self, length: int):
        super().__init__(length)
        self.length = length

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else value[: self.length]


def sqlite_time_text(value: Any) -> str | None:
    """The text SQLAlchemy's SQLite DATETIME stores ("2016-06-30 08:00:00.000000"), of the time in UTC, made a few
    times faster: every folded event writes one or two. A naive time is taken to be UTC already."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"a stored time must be a datetime, not {type(value).__name__}")
    if value.tzinfo not in (None, UTC):  # stored as UTC: the offset is not kept
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def enum_column(enum_class: type[enum.Enum]) -> sa.Enum:
    """An enum stored as its value in a plain string column (no database enum types to migrate)."""
    return sa.Enum(
        enum_class, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e], validate_strings=True
    )
