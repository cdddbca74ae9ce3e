"""Times written to SQLite by the suite's own conversion are the text SQLAlchemy's DATETIME writes and reads back."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite.base import DATETIME

from services.common.columns import UtcDateTime
from services.common.timestamps import PROVINCE_TIME

SQLITE = sqlite.dialect()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2016, 6, 30, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 29, 23, 1, 2, 345678, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
    ],
)
def test_a_time_is_stored_on_sqlite_as_the_text_sqlalchemy_writes(moment: datetime) -> None:
    ours = UtcDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    sqlalchemy_s = DATETIME().bind_processor(SQLITE)
    assert ours(moment) == sqlalchemy_s(moment)
    assert ours(None) is None


def test_a_time_with_another_offset_is_stored_as_the_same_moment_in_utc() -> None:
    engine = sa.create_engine("sqlite://")
    table = sa.Table("moments", sa.MetaData(), sa.Column("at", UtcDateTime()))
    table.create(engine)
    in_henan = datetime(2016, 6, 30, 8, 0, tzinfo=PROVINCE_TIME)

    with engine.begin() as connection:
        connection.execute(table.insert(), [{"at": in_henan}])
        stored = connection.exec_driver_sql("SELECT at FROM moments").scalar_one()
        read_back = connection.execute(sa.select(table.c.at)).scalar_one()

    assert stored == "2016-06-30 00:00:00.000000"
    assert read_back == in_henan
    assert read_back.tzinfo is UTC


def test_anything_but_a_datetime_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="must be a datetime, not str"):
        UtcDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)("2016-06-30")


def test_postgresql_keeps_the_driver_conversion() -> None:
    dialect = postgresql.psycopg2.dialect()
    assert UtcDateTime().dialect_impl(dialect).bind_processor(dialect) is None
