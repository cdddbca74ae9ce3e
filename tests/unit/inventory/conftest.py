from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import session_factory
from services.inventory.adapters.unit_of_work import VERSIONS, InventoryUnitOfWork

DEMO_CATALOG = Path(__file__).parents[3] / "services" / "inventory" / "demo" / "catalog.yaml"


@pytest.fixture
def uow() -> InventoryUnitOfWork:
    """The real unit of work on an in-memory SQLite database (no files, no server)."""
    engine = sa.create_engine("sqlite://", poolclass=StaticPool)
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    return InventoryUnitOfWork(session_factory(engine))


@pytest.fixture
def demo_catalog() -> bytes:
    return DEMO_CATALOG.read_bytes()
