from collections.abc import Callable

import pytest
import sqlalchemy as sa

from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import session_factory
from services.migration.adapters.unit_of_work import VERSIONS, SqlMigrationUnitOfWork
from tests.unit.fakes import FakeCatalogue, FakeMigrationUnitOfWork


@pytest.fixture
def unit_of_work(engine: sa.Engine) -> Callable[[], SqlMigrationUnitOfWork]:
    """Real units of work on that database with migration's tables: a new one per use, as the orchestrator asks."""
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    sessions = session_factory(engine)
    return lambda: SqlMigrationUnitOfWork(sessions)


@pytest.fixture
def uow() -> FakeMigrationUnitOfWork:
    """The use cases' unit of work in memory: what they stored, and the domain events they announced."""
    return FakeMigrationUnitOfWork()


@pytest.fixture
def catalogue() -> FakeCatalogue:
    """An inventory whose systems are all ready to migrate, in HA-WJW, without dependencies."""
    return FakeCatalogue()
