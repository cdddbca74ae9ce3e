"""RowsByKey on SQLite and PostgreSQL: a batch's rows read in one query, written back at commit as one INSERT and one
UPDATE, and nothing written for rows left as they were or for a unit of work that does not commit."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.engines import create_engine
from services.common.rows import RowsByKey
from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import SqlUnitOfWork, session_factory
from tests.fixtures.databases import statements


class Base(DeclarativeBase):
    pass


class Reading(Base):
    __tablename__ = "reading"

    city: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    step: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    percent: Mapped[int] = mapped_column(sa.Integer, default=0)
    note: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)


class ReadingsUnitOfWork(SqlUnitOfWork):
    def bind(self, session: sa.orm.Session) -> None:
        self.readings = RowsByKey(session, Reading)


@pytest.fixture
def engine(database_url: str) -> sa.Engine:
    engine = create_engine(database_url)
    upgrade(engine, KERNEL_VERSIONS)
    Base.metadata.create_all(engine)
    return engine


def rows(engine: sa.Engine) -> set[tuple]:
    with engine.connect() as connection:
        return set(connection.execute(sa.select(Reading.city, Reading.step, Reading.percent, Reading.note)))


def seed(engine: sa.Engine, *keys: tuple[str, str]) -> None:
    with engine.begin() as connection:
        connection.execute(sa.insert(Reading), [{"city": c, "step": s, "percent": 10} for c, s in keys])


def test_new_rows_are_inserted_at_commit_with_their_defaults_in_one_statement(engine: sa.Engine) -> None:
    uow = ReadingsUnitOfWork(session_factory(engine))
    with statements(engine) as sent, uow:
        for city in ("郑州", "洛阳", "开封"):
            uow.readings.add(city=city, step="sync")
        assert uow.readings.get(("洛阳", "sync")).percent == 0  # the column default, before anything is written
        assert [s for s in sent if s == "INSERT"] == []
        uow.commit()

    assert sent.count("INSERT") == 1
    assert rows(engine) == {(city, "sync", 0, None) for city in ("郑州", "洛阳", "开封")}


def test_only_changed_rows_are_updated_and_only_the_wanted_keys_are_loaded(engine: sa.Engine) -> None:
    seed(engine, ("郑州", "sync"), ("郑州", "deploy"), ("洛阳", "sync"), ("洛阳", "deploy"))
    uow = ReadingsUnitOfWork(session_factory(engine))
    with statements(engine) as sent, uow:
        uow.readings.load([("郑州", "sync"), ("洛阳", "deploy"), ("开封", "sync")])
        # the query may match (郑州, deploy) and (洛阳, sync) too; they are not taken as loaded
        assert uow.readings.get(("开封", "sync")) is None
        assert sent.count("SELECT") == 1
        uow.readings.get(("郑州", "sync")).percent = 60
        unchanged = uow.readings.get(("洛阳", "deploy"))
        unchanged.percent = unchanged.percent  # assigned, but the same value
        other = uow.readings.get(("郑州", "deploy"))  # not loaded yet: one more query
        assert sent.count("SELECT") == 2
        other.note = "目标主机已就绪"
        uow.commit()

    assert sent.count("UPDATE") == 1
    assert "INSERT" not in sent
    assert rows(engine) == {
        ("郑州", "sync", 60, None),
        ("郑州", "deploy", 10, "目标主机已就绪"),
        ("洛阳", "sync", 10, None),
        ("洛阳", "deploy", 10, None),
    }


def test_a_unit_of_work_that_does_not_commit_writes_nothing(engine: sa.Engine) -> None:
    seed(engine, ("郑州", "sync"))
    uow = ReadingsUnitOfWork(session_factory(engine))
    with uow:
        uow.readings.get(("郑州", "sync")).percent = 90
        uow.readings.add(city="洛阳", step="sync", percent=5)
    assert rows(engine) == {("郑州", "sync", 10, None)}


def test_committing_twice_writes_each_change_once(engine: sa.Engine) -> None:
    uow = ReadingsUnitOfWork(session_factory(engine))
    with statements(engine) as sent, uow:
        row = uow.readings.add(city="郑州", step="sync", percent=10)
        uow.commit()
        row.percent = 20
        uow.commit()
        uow.commit()
    assert (sent.count("INSERT"), sent.count("UPDATE")) == (1, 1)
    assert rows(engine) == {("郑州", "sync", 20, None)}


def test_a_batch_of_keys_is_looked_up_in_one_query_and_only_those_rows_are_taken(engine: sa.Engine) -> None:
    cities = [f"城市{n:02d}" for n in range(40)]
    seed(engine, *[(city, step) for city in cities[:30] for step in ("sync", "deploy")])
    wanted = {(city, "sync") for city in cities[10:40]}  # 20 that exist, 10 that do not
    uow = ReadingsUnitOfWork(session_factory(engine))
    with statements(engine) as sent, uow:
        uow.readings.load(wanted)
        found = {key for key in wanted if uow.readings.get(key) is not None}
        assert uow.readings.get(("城市15", "deploy")) is not None  # not asked for, so looked up now
    assert found == {(city, "sync") for city in cities[10:30]}
    assert sent.count("SELECT") == 2
