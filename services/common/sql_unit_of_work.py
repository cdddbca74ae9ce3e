"""The unit of work on SQLAlchemy: a session per `with` block, its outbox and inbox, written back and committed once."""

from collections.abc import Callable
from typing import Self

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from services.common.inbox import SqlInbox
from services.common.outbox import SqlOutbox
from services.common.rows import write_behind
from services.common.unit_of_work import UnitOfWork


class SqlUnitOfWork(UnitOfWork):
    """A session per `with` block; subclasses add their repositories in `bind`."""

    outbox: SqlOutbox

    def __init__(self, session_factory: Callable[[], Session]):
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.outbox = SqlOutbox(self.session)
        self.inbox = SqlInbox(self.session)
        self.bind(self.session)
        return super().__enter__()

    def __exit__(self, *exc_info: object) -> None:
        # close() ends any open transaction without expiring the objects a use case hands back.
        self.session.close()

    def bind(self, session: Session) -> None:
        """Attach the service's repositories to `session`."""

    def read_snapshot(self) -> None:
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        else:  # SQLite (WAL) keeps a transaction's snapshot from its first read; pysqlite opens none for a SELECT
            self.session.connection().exec_driver_sql("BEGIN")

    def commit(self) -> None:
        write_behind(self.session)
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
        self.outbox.forget()


def session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
