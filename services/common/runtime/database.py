"""The service's database in its container: `DatabaseEngine`, the one engine and session factory every extension that
needs the database declares; and the `Database` dependency, which upgrades the schema at setup, gives each worker a
fresh unit of work and forgets old deliveries. Publishing the outbox is the `OutboxRelay`'s, declared beside it."""

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import eventlet
import sqlalchemy as sa
from nameko.extensions import DependencyProvider, SharedExtension
from sqlalchemy.orm import Session, sessionmaker

from services.common.database_retries import unless_database_unreachable
from services.common.engines import create_engine
from services.common.forgetting import forget_handled_events, forget_published_events
from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import SqlUnitOfWork, session_factory

log = logging.getLogger(__name__)

KEEP_PUBLISHED_DAYS = 14  # published outbox rows: for looking into what was sent lately
FORGET_EVERY_SECONDS = 3600


class DatabaseEngine(SharedExtension):
    """`database = DatabaseEngine()` on an extension: the container's engine on its DATABASE_URL (or the setting
    `url_key`), one per container and setting, whoever declares it: the Database dependency, the outbox relay, the
    health checks, the audit of gRPC calls, a service's own providers (`SqlXUnitOfWork(self.database.session_factory)`).

    Made on first use, not in `setup`: nameko sets extensions up side by side in no order, and the Database dependency
    upgrades the schema through it in its own setup. Everyone else uses it once the container has started.
    """

    _engine: sa.Engine | None = None
    _sessions: sessionmaker[Session] | None = None

    def __init__(self, url_key: str = "DATABASE_URL", **kwargs: Any):
        self.url_key = url_key
        super().__init__(**kwargs)

    @property
    def sharing_key(self) -> tuple[type, str]:
        return DatabaseEngine, self.url_key

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = create_engine(self.container.config[self.url_key])
        return self._engine

    @property
    def session_factory(self) -> sessionmaker[Session]:
        """The sessions units of work commit in; the outbox relay listens to their commits (OutboxRelay.start)."""
        if self._sessions is None:
            self._sessions = session_factory(self.engine)
        return self._sessions

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    def stop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    kill = stop


class Database(DependencyProvider):
    """`uow = Database(InventoryUnitOfWork, VERSIONS)`: the method gets an unopened unit of work (`with uow: ...`).

    The database is upgraded at setup to the newest kernel revision and the newest of each `versions` folder. Its
    outbox is published by the `relay = OutboxRelay()` declared beside it on the service class.
    """

    database = DatabaseEngine()
    _forgetter: Any = None

    def __init__(self, unit_of_work_class: type[SqlUnitOfWork], *versions: Path, **kwargs: Any):
        self.unit_of_work_class = unit_of_work_class
        self.versions = versions
        super().__init__(**kwargs)

    def setup(self) -> None:
        upgrade(self.database.engine, KERNEL_VERSIONS, *self.versions)
        config = self.container.config
        self.keep_published = timedelta(days=float(config.get("KEEP_PUBLISHED_DAYS") or KEEP_PUBLISHED_DAYS))
        # The record of handled events is what tells a redelivery from a first delivery: kept for ever unless set.
        handled_days = config.get("KEEP_HANDLED_DAYS")
        self.keep_handled = timedelta(days=float(handled_days)) if handled_days else None

    def start(self) -> None:
        self._forgetter = self.container.spawn_managed_thread(self._forget_old_deliveries_forever)

    def _forget_old_deliveries_forever(self) -> None:
        while True:
            try:
                self.forget_old_deliveries()
            except Exception:  # a failed clean-up must not stop the service: the next one tries again
                log.exception("forgetting old deliveries failed")
            eventlet.sleep(FORGET_EVERY_SECONDS)

    def forget_old_deliveries(self) -> int:
        engine, now = self.database.engine, datetime.now(UTC)
        gone = unless_database_unreachable(
            lambda: forget_published_events(engine, now - self.keep_published), "forgetting published events", 0
        )
        if self.keep_handled is not None:
            before = now - self.keep_handled
            gone += unless_database_unreachable(
                lambda: forget_handled_events(engine, before), "forgetting handled events", 0
            )
        if gone:
            log.info("forgot %s published or handled events", gone)
        return gone

    def stop(self) -> None:
        # The engine is the DatabaseEngine's: disposed when the container stops it, after every dependency.
        if self._forgetter is not None:
            self._forgetter.kill()

    kill = stop

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return self.database.session_factory

    def unit_of_work(self) -> SqlUnitOfWork:
        return self.unit_of_work_class(self.database.session_factory)

    def get_dependency(self, worker_ctx: Any) -> SqlUnitOfWork:
        return self.unit_of_work()
