from pathlib import Path

from sqlalchemy.orm import Session

from services.common.sql_unit_of_work import SqlUnitOfWork
from services.monitoring.adapters.audit import SqlAuditViews
from services.monitoring.adapters.queries import SqlProgressQueries
from services.monitoring.adapters.repository import SqlSystemViews
from services.monitoring.adapters.views import (
    SqlDataResourceViews,
    SqlExchangeViews,
    SqlLinkViews,
    SqlMigrationViews,
    SqlStepViews,
)

VERSIONS = Path(__file__).parents[1] / "migrations" / "versions"


class MonitoringUnitOfWork(SqlUnitOfWork):
    def bind(self, session: Session) -> None:
        self.systems = SqlSystemViews(session)
        self.migrations = SqlMigrationViews(session)
        self.steps = SqlStepViews(session)
        self.links = SqlLinkViews(session)
        self.exchanges = SqlExchangeViews(session)
        self.data_resources = SqlDataResourceViews(session)
        self.progress = SqlProgressQueries(session)
        self.audit = SqlAuditViews(session)
