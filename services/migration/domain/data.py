"""What a system's data asks of a migration: a database whose engine has no automated path here is moved with a
vendor tool or by a manual runbook, never copied as the files of a running server. Pure."""

from collections.abc import Iterable
from typing import Protocol

# The engines this suite migrates itself; the catalogue also knows oracle, sqlserver, dm (达梦) and kingbase (人大金仓).
AUTOMATED_ENGINES = frozenset({"mariadb", "mysql", "postgresql"})


class NamedDatabase(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def engine(self) -> str: ...


def unautomatable(databases: Iterable[NamedDatabase]) -> list[str]:
    """Why each database without an automated path cannot be migrated here, by name; empty when all can."""
    return [
        f"{database.name} ({database.engine}) needs a vendor tool or a manual runbook: no automated path"
        for database in sorted(databases, key=lambda database: database.name)
        if database.engine not in AUTOMATED_ENGINES
    ]
