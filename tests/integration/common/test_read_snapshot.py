"""A unit of work that reads several queries' worth of data sees one state of it, on SQLite and PostgreSQL, while
other units of work commit beside it."""

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from services.common.engines import create_engine
from services.common.kernel_tables import ProcessedEvent
from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import SqlUnitOfWork, session_factory


def sessions_for(database_url: str) -> sessionmaker[Session]:
    engine = create_engine(database_url)
    upgrade(engine, KERNEL_VERSIONS)
    return session_factory(engine)


def processed(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(ProcessedEvent)) or 0


def another_unit_of_work_commits_an_event(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        session.add(ProcessedEvent(event_id=str(uuid.uuid4()), consumer="test", ce_type="t", ce_subject="s"))
        session.commit()


def test_after_read_snapshot_every_query_sees_the_state_of_the_first(database_url: str) -> None:
    sessions = sessions_for(database_url)
    uow = SqlUnitOfWork(sessions)

    with uow:
        uow.read_snapshot()
        first = processed(uow.session)
        another_unit_of_work_commits_an_event(sessions)
        second = processed(uow.session)
    with uow:
        afterwards = processed(uow.session)

    assert (first, second, afterwards) == (0, 0, 1)


def test_without_it_a_later_query_sees_what_was_committed_in_between(database_url: str) -> None:
    sessions = sessions_for(database_url)
    uow = SqlUnitOfWork(sessions)

    with uow:
        first = processed(uow.session)
        another_unit_of_work_commits_an_event(sessions)
        second = processed(uow.session)

    assert (first, second) == (0, 1)
