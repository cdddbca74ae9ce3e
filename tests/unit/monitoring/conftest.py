from collections.abc import Callable

import pytest
import sqlalchemy as sa
from prometheus_client import CollectorRegistry

from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import session_factory
from services.monitoring.adapters.collectors import ProgressCollector, SystemsCollector
from services.monitoring.adapters.unit_of_work import VERSIONS, SqlMonitoringUnitOfWork
from services.monitoring.handlers import fold_events

ReadModel = Callable[[], SqlMonitoringUnitOfWork]


@pytest.fixture
def read_model(engine: sa.Engine) -> ReadModel:
    """Real units of work on that database with monitoring's read model: a new one per use, as the service asks."""
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    sessions = session_factory(engine)
    return lambda: SqlMonitoringUnitOfWork(sessions)


@pytest.fixture
def fold(read_model: ReadModel) -> Callable[..., None]:
    """Fold events into the read model, as the consumer does with a poll's records."""
    return lambda *events: fold_events(list(events), read_model())


@pytest.fixture
def metrics(read_model: ReadModel) -> CollectorRegistry:
    """What /metrics shows of the read model: get_sample_value(name, labels) scrapes it anew."""
    registry = CollectorRegistry()
    registry.register(SystemsCollector(read_model))
    registry.register(ProgressCollector(read_model))
    return registry
