from pathlib import Path

from sqlalchemy.orm import Session

from services.common.db import SqlUnitOfWork
from services.inventory.adapters import orm  # noqa: F401  (maps the domain classes)
from services.inventory.adapters.repository import SqlSystemRepository

VERSIONS = Path(__file__).parents[1] / "migrations" / "versions"


class InventoryUnitOfWork(SqlUnitOfWork):
    def bind(self, session: Session) -> None:
        self.systems = SqlSystemRepository(session)
