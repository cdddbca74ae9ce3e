from pathlib import Path

from sqlalchemy.orm import Session

from services.common.events import INTERCONNECT_EVENTS
from services.common.sql_unit_of_work import SqlUnitOfWork
from services.interconnect.adapters import messages
from services.interconnect.adapters.repository import SqlNetwork
from services.interconnect.domain.events import InterconnectEvent
from services.interconnect.ports import NetworkUnitOfWork

VERSIONS = Path(__file__).parents[1] / "migrations" / "versions"


class InterconnectUnitOfWork(SqlUnitOfWork, NetworkUnitOfWork):
    def bind(self, session: Session) -> None:
        self.network = SqlNetwork(session)

    def announce(self, event: InterconnectEvent) -> None:
        self.outbox.publish(messages.to_message(event), topic=INTERCONNECT_EVENTS, key=event.platform.id)
