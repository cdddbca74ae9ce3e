from pathlib import Path

from sqlalchemy.orm import Session

from services.common.db import SqlUnitOfWork
from services.monitoring.adapters.repository import SqlSystemViews

VERSIONS = Path(__file__).parents[1] / "migrations" / "versions"


class MonitoringUnitOfWork(SqlUnitOfWork):
    def bind(self, session: Session) -> None:
        self.systems = SqlSystemViews(session)
