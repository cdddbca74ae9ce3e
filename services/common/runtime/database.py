"""The database dependency: migrated at start, a fresh unit of work per worker, the outbox relayed after commits."""

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from nameko.extensions import DependencyProvider
from sqlalchemy.orm import Session

from services.common.db import (
    KERNEL_VERSIONS,
    SqlUnitOfWork,
    create_engine,
    session_factory,
    took_outbox_events,
    upgrade,
)
from services.common.runtime.outbox_relay import OutboxRelay


class Database(DependencyProvider):
    """`uow = Database(InventoryUnitOfWork, VERSIONS)`: the method gets an unopened unit of work (`with uow: ...`).

    The database is upgraded at start to the newest kernel revision and the newest of each `versions` folder.
    """

    relay = OutboxRelay()

    def __init__(self, unit_of_work_class: type[SqlUnitOfWork], *versions: Path, **kwargs: Any):
        self.unit_of_work_class = unit_of_work_class
        self.versions = versions
        super().__init__(**kwargs)

    def setup(self) -> None:
        self.engine = create_engine(self.container.config["DATABASE_URL"])
        upgrade(self.engine, KERNEL_VERSIONS, *self.versions)
        self.session_factory = session_factory(self.engine)
        sa.event.listen(self.session_factory, "after_commit", self._wake_relay_if_published)
        # The relay gets sessions of its own: its commits must not wake itself.
        self.relay.relay_from(session_factory(self.engine))

    def _wake_relay_if_published(self, session: Session) -> None:
        # Most commits publish nothing (a monitoring fold, an orchestrator poll): those need not wake the relay.
        if took_outbox_events(session):
            self.relay.wake()

    def stop(self) -> None:
        self.engine.dispose()

    kill = stop

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    def unit_of_work(self) -> SqlUnitOfWork:
        return self.unit_of_work_class(self.session_factory)

    def get_dependency(self, worker_ctx: Any) -> SqlUnitOfWork:
        return self.unit_of_work()
