from pathlib import Path

from sqlalchemy.orm import Session

from services.common.sql_unit_of_work import SqlUnitOfWork
from services.monitoring.adapters.audit import SqlAuditRecords
from services.monitoring.adapters.queries import SqlProgressQueries
from services.monitoring.adapters.repository import (
    SqlDataResources,
    SqlExchanges,
    SqlLatestRuns,
    SqlLinks,
    SqlSteps,
    SqlSystems,
)
from services.monitoring.ports import MonitoringUnitOfWork

VERSIONS = Path(__file__).parents[1] / "migrations" / "versions"


class SqlMonitoringUnitOfWork(SqlUnitOfWork, MonitoringUnitOfWork):
    progress: SqlProgressQueries  # the metrics' questions too (adapters.collectors)

    def bind(self, session: Session) -> None:
        self.systems = SqlSystems(session)
        self.runs = SqlLatestRuns(session)
        self.steps = SqlSteps(session)
        self.links = SqlLinks(session)
        self.exchanges = SqlExchanges(session)
        self.data_resources = SqlDataResources(session)
        self.progress = SqlProgressQueries(session)
        self.audit = SqlAuditRecords(session)
