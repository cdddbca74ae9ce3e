"""The catalogue in the inventory database."""

from collections.abc import Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.inventory.adapters import orm
from services.inventory.domain.catalog import Known
from services.inventory.domain.export import Snapshot
from services.inventory.domain.model import Database, DataResource, Dependency, Host, Organisation, System, Zone

Entity = TypeVar("Entity")
KEYS: dict[type, str] = {
    Zone: "code",
    Organisation: "code",
    System: "code",
    Host: "name",
    Database: "name",
    DataResource: "code",
}
TABLES: dict[type, sa.Table] = {
    Zone: orm.zones,
    Organisation: orm.organisations,
    System: orm.systems,
    Host: orm.hosts,
    Database: orm.databases,
    DataResource: orm.data_resources,
    Dependency: orm.dependencies,
}


class SqlCatalog:
    def __init__(self, session: Session):
        self._session = session

    def add(self, entity: Any) -> None:
        self._session.add(entity)

    def remove(self, entity: Any) -> None:
        self._session.delete(entity)

    def get(self, kind: type[Entity], key: str) -> Entity | None:
        """The zone, organisation, system, host or database (by name) or data resource with this code."""
        table = TABLES[kind]
        return self._session.scalars(sa.select(kind).where(table.c[KEYS[kind]] == key)).one_or_none()

    def system_by_id(self, system_id: str) -> System | None:
        return self._session.get(System, system_id)

    def dependency(self, system_code: str, depends_on_code: str) -> Dependency | None:
        return self._session.get(Dependency, (system_code, depends_on_code))

    def all(self, kind: type[Entity]) -> list[Entity]:
        """Every row of `kind`, ordered by its code (name for hosts and databases)."""
        table = TABLES[kind]
        order = [table.c[KEYS[kind]]] if kind in KEYS else list(table.primary_key.columns)
        return list(self._session.scalars(sa.select(kind).order_by(*order)))

    def page(self, kind: type[Entity], *, after: str | None, limit: int, **filters: Any) -> list[Entity]:
        """Up to `limit` rows ordered by key, after `after`, where every given column equals its value."""
        table, key = TABLES[kind], KEYS[kind]
        query = sa.select(kind).order_by(table.c[key]).limit(limit)
        for column, value in filters.items():
            query = query.where(table.c[column] == value)
        if after:
            query = query.where(table.c[key] > after)
        return list(self._session.scalars(query))

    def hosts_of(self, system_code: str) -> list[Host]:
        return self.page(Host, after=None, limit=10_000, system_code=system_code)

    def databases_of(self, system_code: str) -> list[Database]:
        return self.page(Database, after=None, limit=10_000, system_code=system_code)

    def dependencies_of(self, system_codes: Iterable[str]) -> list[Dependency]:
        query = sa.select(Dependency).where(orm.dependencies.c.system_code.in_(list(system_codes)))
        return list(self._session.scalars(query.order_by(*orm.dependencies.primary_key.columns)))

    def systems_by_code(self, codes: Iterable[str]) -> list[System]:
        return list(self._session.scalars(sa.select(System).where(orm.systems.c.code.in_(list(codes)))))

    def overdue_data_resources(
        self, today: Any, *, after: str | None, limit: int, **filters: Any
    ) -> list[DataResource]:
        table = orm.data_resources
        query = (
            sa.select(DataResource)
            .order_by(table.c.code)
            .limit(limit)
            .where(
                table.c.actual_opening_date.is_(None),
                table.c.planned_opening_date < today,
                table.c.retired.is_(False),
            )
        )
        for column, value in filters.items():
            query = query.where(table.c[column] == value)
        if after:
            query = query.where(table.c.code > after)
        return list(self._session.scalars(query))

    def known(self) -> Known:
        def codes(table: sa.Table, column: str = "code") -> set[str]:
            return set(self._session.scalars(sa.select(table.c[column])))

        def owners(table: sa.Table) -> dict[str, str]:
            rows = self._session.execute(sa.select(table.c.name, table.c.system_code))
            return {name: system for name, system in rows}

        return Known(
            codes(orm.zones),
            codes(orm.organisations),
            codes(orm.systems),
            owners(orm.hosts),
            owners(orm.databases),
        )

    def snapshot(self) -> Snapshot:
        return Snapshot(
            self.all(Zone),
            self.all(Organisation),
            self.all(System),
            self.all(Host),
            self.all(Dependency),
            self.all(DataResource),
            self.all(Database),
        )
