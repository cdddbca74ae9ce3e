"""Inventory use cases that change the catalogue. Every write goes through `apply_rows`, so an import, a single
Create/Update request and the demo catalogue are validated and announced the same way."""

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.common.errors import AlreadyExists, InvalidArgument, NotFound, required
from services.common.writes import Mode, Tally
from services.inventory.domain import catalog, events, model
from services.inventory.domain.catalog import Change, Row
from services.inventory.domain.model import DataResource, Dependency, Host, Organisation, System, SystemStatus, Zone
from services.inventory.domain.schema import KEY_FIELD, SCHEMA, Kind
from services.inventory.ports import CatalogUnitOfWork

ENTITIES: dict[Kind, type] = {
    Kind.ZONE: Zone,
    Kind.ORGANISATION: Organisation,
    Kind.SYSTEM: System,
    Kind.HOST: Host,
    Kind.DATABASE: model.Database,
    Kind.DATA_RESOURCE: DataResource,
}
APPLY_ORDER = (
    Kind.ZONE,
    Kind.ORGANISATION,
    Kind.SYSTEM,
    Kind.HOST,
    Kind.DATABASE,
    Kind.DEPENDENCY,
    Kind.DATA_RESOURCE,
)
DATABASES = "databases"  # what a system update changed when its databases did


class Format(enum.StrEnum):
    YAML = "yaml"
    CSV = "csv"


@dataclass
class Applied:
    tallies: dict[Kind, Tally] = field(default_factory=lambda: {kind: Tally() for kind in Kind})
    entities: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class ImportCatalog:
    format: Format
    content: bytes
    dry_run: bool = False


def parse(format_: Format, content: bytes) -> list[Row]:
    return catalog.rows_from_csv(content) if format_ is Format.CSV else catalog.rows_from_yaml(content)


def import_catalog(command: ImportCatalog, uow: CatalogUnitOfWork, now: datetime | None = None) -> Applied:
    """All or nothing; a dry run validates and counts but keeps nothing."""
    rows = parse(command.format, command.content)
    with uow:
        applied = apply_rows(rows, uow, Mode.UPSERT, now)
        if not command.dry_run:
            uow.commit()
    return applied


def save(kind: Kind, values: dict[str, Any], uow: CatalogUnitOfWork, mode: Mode) -> Any:
    """Create or update one zone, organisation, system, host, database, dependency or data resource."""
    with uow:
        applied = apply_rows([Row(kind, "", values)], uow, mode)
        uow.commit()
    return applied.entities[0]


def apply_rows(rows: list[Row], uow: CatalogUnitOfWork, mode: Mode, now: datetime | None = None) -> Applied:
    change = catalog.validate(rows, uow.catalog.known())
    return _Applier(uow, mode, now or datetime.now(UTC)).apply(change)


class _Applier:
    def __init__(self, uow: CatalogUnitOfWork, mode: Mode, now: datetime):
        self.uow, self.mode, self.now = uow, mode, now
        self.applied = Applied()
        self.index: dict[Kind, dict[Any, Any]] = {}
        self._databases: dict[str, list[model.Database]] | None = None  # by system code, read when first needed
        self._databases_changed: dict[str, None] = {}  # the codes of systems whose databases changed, in order

    def apply(self, change: Change) -> Applied:
        for kind in APPLY_ORDER:
            if change.of(kind):
                self.index[kind] = self._existing(kind)
                for attributes in change.of(kind):
                    self.applied.entities.append(self._apply_one(kind, attributes))
        for code in self._databases_changed:
            system = self.index.get(Kind.SYSTEM, {}).get(code) or self.uow.catalog.get(System, code)
            found = _found(system, f"no system {code}")
            self.uow.announce(events.SystemUpdated(found, (DATABASES,), databases=self._databases_of(code)))
        return self.applied

    def _existing(self, kind: Kind) -> dict[Any, Any]:
        if kind is Kind.DEPENDENCY:
            return {(d.system_code, d.depends_on_code): d for d in self.uow.catalog.all(Dependency)}
        if kind is Kind.DATABASE:
            return {d.name: d for databases in self._by_system().values() for d in databases}
        key = SCHEMA[kind][KEY_FIELD[kind]].attribute
        entities: list[Any] = self.uow.catalog.all(ENTITIES[kind])
        return {getattr(entity, key): entity for entity in entities}

    def _apply_one(self, kind: Kind, attributes: dict[str, Any]) -> Any:
        if kind is Kind.DEPENDENCY:
            return self._add_dependency(Dependency(**attributes))
        key = attributes[SCHEMA[kind][KEY_FIELD[kind]].attribute]
        existing = self.index[kind].get(key)
        if existing is None:
            return self._create(kind, key, attributes)
        if self.mode is Mode.CREATE:
            raise AlreadyExists(f"{kind.value} {key} already exists")
        return self._update(kind, existing, attributes)

    def _create(self, kind: Kind, key: str, attributes: dict[str, Any]) -> Any:
        if self.mode is Mode.UPDATE:
            raise NotFound(f"no {kind.value} {key}")
        extra = {"registered_at": self.now} if kind is Kind.SYSTEM else {}
        entity = ENTITIES[kind](**attributes, **extra)
        self.uow.catalog.add(entity)
        self.index[kind][key] = entity
        self.applied.tallies[kind].created += 1
        if kind is Kind.DATABASE:
            self._by_system().setdefault(entity.system_code, []).append(entity)
            self._databases_changed[entity.system_code] = None
        for event in _created_events(kind, entity, self._system_id):
            self.uow.announce(event)
        return entity

    def _update(self, kind: Kind, entity: Any, attributes: dict[str, Any]) -> Any:
        before = {name: getattr(entity, name) for name in attributes}
        changed = [name for name, value in attributes.items() if before[name] != value]
        for name in changed:
            setattr(entity, name, attributes[name])
        tally = self.applied.tallies[kind]
        if not changed:
            tally.unchanged += 1
            return entity
        tally.updated += 1
        if kind is Kind.DATABASE:
            self._databases_changed[entity.system_code] = None
        for event in _updated_events(kind, entity, before, changed, self._system_id, self._databases_of):
            self.uow.announce(event)
        return entity

    def _add_dependency(self, dependency: Dependency) -> Dependency:
        key = (dependency.system_code, dependency.depends_on_code)
        tally = self.applied.tallies[Kind.DEPENDENCY]
        if key in self.index[Kind.DEPENDENCY]:
            if self.mode is Mode.CREATE:
                raise AlreadyExists(f"{dependency.system_code} already depends on {dependency.depends_on_code}")
            tally.unchanged += 1
            return self.index[Kind.DEPENDENCY][key]
        self.uow.catalog.add(dependency)
        self.index[Kind.DEPENDENCY][key] = dependency
        tally.created += 1
        self.uow.announce(events.DependencyChanged(self._system_id(dependency.system_code), dependency))
        return dependency

    def _system_id(self, code: str) -> str:
        system = self.index.get(Kind.SYSTEM, {}).get(code) or self.uow.catalog.get(System, code)
        return _found(system, f"no system {code}").id

    def _by_system(self) -> dict[str, list[model.Database]]:
        """Every database by its system's code: read once per apply, so events of many systems cost one query."""
        if self._databases is None:
            self._databases = {}
            for database in self.uow.catalog.all(model.Database):
                self._databases.setdefault(database.system_code, []).append(database)
        return self._databases

    def _databases_of(self, code: str) -> tuple[model.Database, ...]:
        return tuple(sorted(self._by_system().get(code, []), key=lambda database: database.name))


def _created_events(kind: Kind, entity: Any, system_id: Any) -> list[events.InventoryEvent]:
    """A database's creation is announced once per system after all rows are applied (as a system update)."""
    if kind is Kind.SYSTEM:
        return [events.SystemRegistered(entity)]  # a new system has no databases yet: they are applied after it
    if kind is Kind.HOST:
        return [events.HostChanged(system_id(entity.system_code), entity)]
    if kind is Kind.DATA_RESOURCE:
        opened = [events.DataResourceOpened(entity)] if entity.actual_opening_date else []
        return [events.DataResourceScheduled(entity), *opened]
    return []


def _updated_events(
    kind: Kind, entity: Any, before: dict[str, Any], changed: list[str], system_id: Any, databases_of: Any
) -> list[events.InventoryEvent]:
    if kind is Kind.SYSTEM:
        databases = databases_of(entity.code)
        if "status" in changed and entity.status is SystemStatus.RETIRED:
            return [events.SystemRetired(entity, databases=databases)]
        return [events.SystemUpdated(entity, tuple(changed), databases=databases)]
    if kind is Kind.HOST:
        return [events.HostChanged(system_id(entity.system_code), entity)]
    if kind is Kind.DATA_RESOURCE:
        happened: list[events.InventoryEvent] = []
        if "planned_opening_date" in changed:
            happened.append(events.DataResourceScheduled(entity))
        if "actual_opening_date" in changed and entity.actual_opening_date and not before["actual_opening_date"]:
            happened.append(events.DataResourceOpened(entity))
        if "retired" in changed and entity.retired:
            happened.append(events.DataResourceRetired(entity))
        # Any other change (a name, an owner, a corrected date, a resource brought back) goes out as the whole state.
        return happened or [events.DataResourceScheduled(entity)]
    return []


def retire_system(*, system_id: str, code: str, uow: CatalogUnitOfWork) -> System:
    with uow:
        system = find_system(system_id, code, uow)
        if system.status is not SystemStatus.RETIRED:
            system.status = SystemStatus.RETIRED
            uow.announce(events.SystemRetired(system, databases=tuple(uow.catalog.databases_of(system.code))))
            uow.commit()
    return system


def retire_organisation(code: str, uow: CatalogUnitOfWork) -> Organisation:
    with uow:
        organisation = _found(uow.catalog.get(Organisation, code), f"no organisation {code}")
        organisation.retired = True
        uow.commit()
    return organisation


def retire_data_resource(code: str, uow: CatalogUnitOfWork) -> DataResource:
    with uow:
        resource = _found(uow.catalog.get(DataResource, code), f"no data resource {code}")
        if not resource.retired:
            resource.retired = True
            uow.announce(events.DataResourceRetired(resource))
            uow.commit()
    return resource


def remove_host(name: str, uow: CatalogUnitOfWork) -> Host:
    with uow:
        host = _found(uow.catalog.get(Host, name), f"no host {name}")
        system = _found(uow.catalog.get(System, host.system_code), f"no system {host.system_code}")
        uow.catalog.remove(host)
        uow.announce(events.HostChanged(system.id, host, removed=True))
        uow.commit()
    return host


def remove_database(name: str, uow: CatalogUnitOfWork) -> model.Database:
    """The database leaves its system's catalogue entry; the system's update says which databases it has now."""
    name = required("name", name, "the database entry's name")
    with uow:
        database = _found(uow.catalog.get(model.Database, name), f"no database {name}")
        system = _found(uow.catalog.get(System, database.system_code), f"no system {database.system_code}")
        uow.catalog.remove(database)
        remaining = tuple(d for d in uow.catalog.databases_of(system.code) if d.name != name)
        uow.announce(events.SystemUpdated(system, (DATABASES,), databases=remaining))
        uow.commit()
    return database


def remove_dependency(system_code: str, depends_on_code: str, uow: CatalogUnitOfWork) -> Dependency:
    with uow:
        dependency = _found(
            uow.catalog.dependency(system_code, depends_on_code), f"{system_code} does not depend on {depends_on_code}"
        )
        system = _found(uow.catalog.get(System, system_code), f"no system {system_code}")
        uow.catalog.remove(dependency)
        uow.announce(events.DependencyChanged(system.id, dependency, removed=True))
        uow.commit()
    return dependency


def find_system(system_id: str, code: str, uow: CatalogUnitOfWork) -> System:
    """The system with this id, else with this code; call inside `with uow`."""
    if not system_id and not code:
        raise InvalidArgument.field("id", "give the system's id or code")
    catalogue = uow.catalog
    system = catalogue.system_by_id(system_id) if system_id else catalogue.get(System, code)
    return _found(system, f"no system {system_id or code}")


def _found(entity: Any, message: str) -> Any:
    if entity is None:
        raise NotFound(message)
    return entity
