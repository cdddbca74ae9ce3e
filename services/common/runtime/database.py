"""The database dependency: migrated at start, a fresh unit of work per worker, the outbox relayed after commits,
old deliveries forgotten."""

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import eventlet
import sqlalchemy as sa
from nameko.extensions import DependencyProvider
from sqlalchemy.orm import Session

from services.common.database_retries import unless_database_unreachable
from services.common.engines import create_engine
from services.common.forgetting import forget_handled_events, forget_published_events
from services.common.outbox import took_outbox_events
from services.common.runtime.outbox_relay import OutboxRelay
from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import SqlUnitOfWork, session_factory

log = logging.getLogger(__name__)

KEEP_PUBLISHED_DAYS = 14  # published outbox rows: for looking into what was sent lately
FORGET_EVERY_SECONDS = 3600


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
        config = self.container.config
        self.keep_published = timedelta(days=float(config.get("KEEP_PUBLISHED_DAYS") or KEEP_PUBLISHED_DAYS))
        # The record of handled events is what tells a redelivery from a first delivery: kept for ever unless set.
        handled_days = config.get("KEEP_HANDLED_DAYS")
        self.keep_handled = timedelta(days=float(handled_days)) if handled_days else None
        self._forgetter: Any = None

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
        now = datetime.now(UTC)
        gone = unless_database_unreachable(
            lambda: forget_published_events(self.engine, now - self.keep_published), "forgetting published events", 0
        )
        if self.keep_handled is not None:
            before = now - self.keep_handled
            gone += unless_database_unreachable(
                lambda: forget_handled_events(self.engine, before), "forgetting handled events", 0
            )
        if gone:
            log.info("forgot %s published or handled events", gone)
        return gone

    def _wake_relay_if_published(self, session: Session) -> None:
        # Most commits publish nothing (a monitoring fold, an orchestrator poll): those need not wake the relay.
        if took_outbox_events(session):
            self.relay.wake()

    def stop(self) -> None:
        if self._forgetter is not None:
            self._forgetter.kill()
        self.engine.dispose()

    kill = stop

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    def unit_of_work(self) -> SqlUnitOfWork:
        return self.unit_of_work_class(self.session_factory)

    def get_dependency(self, worker_ctx: Any) -> SqlUnitOfWork:
        return self.unit_of_work()
