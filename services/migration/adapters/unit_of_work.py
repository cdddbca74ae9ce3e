from pathlib import Path

from sqlalchemy.orm import Session

from services.common.sql_unit_of_work import SqlUnitOfWork
from services.migration.adapters import orm  # noqa: F401  (maps the domain classes)
from services.migration.adapters.repository import SqlMigrations
from services.migration.ports import MigrationUnitOfWork

VERSIONS = Path(__file__).parents[1] / "migrations" / "versions"


class SqlMigrationUnitOfWork(SqlUnitOfWork, MigrationUnitOfWork):
    def bind(self, session: Session) -> None:
        self.migrations = SqlMigrations(session)
