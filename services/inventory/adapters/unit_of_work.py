from pathlib import Path

from sqlalchemy.orm import Session

from services.common.db import SqlUnitOfWork
from services.inventory.adapters.repository import SqlCatalog
from services.inventory.ports import CatalogUnitOfWork

VERSIONS = Path(__file__).parents[1] / "migrations" / "versions"


class InventoryUnitOfWork(SqlUnitOfWork, CatalogUnitOfWork):
    def bind(self, session: Session) -> None:
        self.catalog = SqlCatalog(session)
