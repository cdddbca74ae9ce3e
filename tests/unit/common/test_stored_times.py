"""Times written to SQLite by the suite's own conversion are the text SQLAlchemy's DATETIME writes and reads back."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite.base import DATETIME

from services.common.db import UtcDateTime

SQLITE = sqlite.dialect()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2016, 6, 30, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 29, 23, 1, 2, 345678, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(2016, 6, 30, 16, 0, tzinfo=timezone(timedelta(hours=8))),  # as given, offset dropped, like SQLAlchemy
    ],
)
def test_a_time_is_stored_on_sqlite_as_the_text_sqlalchemy_writes(moment: datetime) -> None:
    ours = UtcDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    sqlalchemy_s = DATETIME().bind_processor(SQLITE)
    assert ours(moment) == sqlalchemy_s(moment)
    assert ours(None) is None


def test_anything_but_a_datetime_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="must be a datetime, not str"):
        UtcDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)("2016-06-30")


def test_postgresql_keeps_the_driver_conversion() -> None:
    dialect = postgresql.psycopg2.dialect()
    assert UtcDateTime().dialect_impl(dialect).bind_processor(dialect) is None
