from pathlib import Path

from sqlalchemy.orm import Session

from services.common.events import MIGRATION_EVENTS
from services.common.sql_unit_of_work import SqlUnitOfWork
from services.migration.adapters import (
    messages,
    orm,  # noqa: F401  (maps the domain classes)
)
from services.migration.adapters.repository import SqlMigrations
from services.migration.domain.events import MigrationEvent
from services.migration.ports import MigrationUnitOfWork

VERSIONS = Path(__file__).parents[1] / "migrations" / "versions"


class SqlMigrationUnitOfWork(SqlUnitOfWork, MigrationUnitOfWork):
    def bind(self, session: Session) -> None:
        self.migrations = SqlMigrations(session)

    def announce(self, event: MigrationEvent) -> None:
        run = event.run
        wave = self.migrations.wave(run.wave_id) if run.wave_id else None
        self.outbox.publish(messages.to_message(event, wave), topic=MIGRATION_EVENTS, key=run.system_id)
