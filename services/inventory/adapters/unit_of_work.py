from pathlib import Path

from sqlalchemy.orm import Session

from services.common.events import INVENTORY_EVENTS
from services.common.sql_unit_of_work import SqlUnitOfWork
from services.inventory.adapters import messages
from services.inventory.adapters.repository import SqlCatalog
from services.inventory.domain.events import InventoryEvent
from services.inventory.ports import CatalogUnitOfWork

VERSIONS = Path(__file__).parents[1] / "migrations" / "versions"


class InventoryUnitOfWork(SqlUnitOfWork, CatalogUnitOfWork):
    def bind(self, session: Session) -> None:
        self.catalog = SqlCatalog(session)

    def announce(self, event: InventoryEvent) -> None:
        message = messages.to_message(event)
        self.outbox.publish(message, topic=INVENTORY_EVENTS, key=message.subject)
