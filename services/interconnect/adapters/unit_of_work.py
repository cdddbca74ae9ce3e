from pathlib import Path

from sqlalchemy.orm import Session

from services.common.db import SqlUnitOfWork
from services.interconnect.adapters.repository import SqlNetwork
from services.interconnect.ports import NetworkUnitOfWork

VERSIONS = Path(__file__).parents[1] / "migrations" / "versions"


class InterconnectUnitOfWork(SqlUnitOfWork, NetworkUnitOfWork):
    def bind(self, session: Session) -> None:
        self.network = SqlNetwork(session)
