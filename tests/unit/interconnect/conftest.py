from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import session_factory
from services.interconnect.adapters.unit_of_work import VERSIONS, InterconnectUnitOfWork

DEMO_PLATFORMS = Path(__file__).parents[3] / "services" / "interconnect" / "demo" / "platforms.yaml"
NOON = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def uow() -> InterconnectUnitOfWork:
    """The real unit of work on an in-memory SQLite database (no files, no server)."""
    engine = sa.create_engine("sqlite://", poolclass=StaticPool)
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    return InterconnectUnitOfWork(session_factory(engine))


@pytest.fixture
def demo_platforms() -> bytes:
    return DEMO_PLATFORMS.read_bytes()
