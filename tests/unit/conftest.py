import pytest
import sqlalchemy as sa
from sqlalchemy.pool import StaticPool


@pytest.fixture
def engine() -> sa.Engine:
    """An empty in-memory SQLite database (no files, no server)."""
    return sa.create_engine("sqlite://", poolclass=StaticPool)
