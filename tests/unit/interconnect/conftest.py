from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import session_factory
from services.interconnect.adapters.unit_of_work import VERSIONS, InterconnectUnitOfWork

DEMO_PLATFORMS = Path(__file__).parents[3] / "services" / "interconnect" / "demo" / "platforms.yaml"
NOON = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def uow(engine: sa.Engine) -> InterconnectUnitOfWork:
    """The real unit of work on that in-memory SQLite database."""
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    return InterconnectUnitOfWork(session_factory(engine))


@pytest.fixture
def demo_platforms() -> bytes:
    return DEMO_PLATFORMS.read_bytes()
