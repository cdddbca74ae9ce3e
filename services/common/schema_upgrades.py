"""Alembic upgrades of a service database: the kernel's tables, the shared auth table, each service's own."""

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"
KERNEL_VERSIONS = MIGRATIONS / "kernel"
AUTH_VERSIONS = MIGRATIONS / "auth"


def upgrade(engine: sa.Engine, *version_dirs: Path) -> None:
    """Bring the database to the newest revision of every given Alembic version folder."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("version_locations", " ".join(str(d) for d in version_dirs))
    config.set_main_option("path_separator", "space")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
