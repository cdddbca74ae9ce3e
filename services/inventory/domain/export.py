"""The catalogue written back out as YAML or CSV, in exactly the form the importer reads."""

import csv
import enum
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from services.inventory.domain.catalog import CSV_RECORD
from services.inventory.domain.model import Database, DataResource, Dependency, Host, Organisation, System, Zone
from services.inventory.domain.schema import SCHEMA, Kind


@dataclass(frozen=True)
class Snapshot:
    zones: list[Zone]
    organisations: list[Organisation]
    systems: list[System]
    hosts: list[Host]
    dependencies: list[Dependency]
    data_resources: list[DataResource]
    databases: list[Database] = field(default_factory=list)


def values_of(kind: Kind, entity: Any) -> dict[str, Any]:
    """The user-facing fields of `entity`, leaving out empty optional ones."""
    values = {}
    for name, spec in SCHEMA[kind].items():
        value = getattr(entity, spec.attribute, None)
        if not spec.required and value in (None, "", False, 0.0):
            continue
        values[name] = _plain(value)
    return values


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def to_yaml(snapshot: Snapshot) -> bytes:
    children = {"hosts": _nested(Kind.HOST, snapshot.hosts), "databases": _nested(Kind.DATABASE, snapshot.databases)}
    depends_on: dict[str, list[str]] = {}
    for dependency in snapshot.dependencies:
        depends_on.setdefault(dependency.system_code, []).append(dependency.depends_on_code)
    document = {
        "zones": [values_of(Kind.ZONE, z) for z in snapshot.zones],
        "organisations": [values_of(Kind.ORGANISATION, o) for o in snapshot.organisations],
        "systems": [_system_with_children(s, children, depends_on) for s in snapshot.systems],
        "data_resources": [values_of(Kind.DATA_RESOURCE, d) for d in snapshot.data_resources],
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode()


def _nested(kind: Kind, entities: list[Any]) -> dict[str, list[dict]]:
    """The rows of a kind YAML nests under their system (hosts, databases), by system code, without `system`."""
    by_system: dict[str, list[dict]] = {}
    for entity in entities:
        values = values_of(kind, entity)
        del values["system"]
        by_system.setdefault(entity.system_code, []).append(values)
    return by_system


def _system_with_children(
    system: System, children: dict[str, dict[str, list[dict]]], depends_on: dict[str, list[str]]
) -> dict:
    values = values_of(Kind.SYSTEM, system)
    for section, by_system in children.items():
        if system.code in by_system:
            values[section] = by_system[system.code]
    if system.code in depends_on:
        values["depends_on"] = sorted(depends_on[system.code])
    return values


def to_csv(snapshot: Snapshot) -> bytes:
    columns = [CSV_RECORD, *dict.fromkeys(name for kind in Kind for name in SCHEMA[kind])]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for kind, entities in _in_import_order(snapshot):
        for entity in entities:
            writer.writerow({CSV_RECORD: kind.value, **{k: _csv_cell(v) for k, v in values_of(kind, entity).items()}})
    return buffer.getvalue().encode()


def _in_import_order(snapshot: Snapshot) -> list[tuple[Kind, list[Any]]]:
    return [
        (Kind.ZONE, snapshot.zones),
        (Kind.ORGANISATION, snapshot.organisations),
        (Kind.SYSTEM, snapshot.systems),
        (Kind.HOST, snapshot.hosts),
        (Kind.DATABASE, snapshot.databases),
        (Kind.DEPENDENCY, snapshot.dependencies),
        (Kind.DATA_RESOURCE, snapshot.data_resources),
    ]


def _csv_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
