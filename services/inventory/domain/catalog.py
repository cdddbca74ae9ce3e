"""Catalogue changes: rows from CSV, YAML or a gRPC request, validated against what the catalogue already holds.

Validation is all-or-nothing and reports every bad row at once, each with where it is, the field and the reason.
"""

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from services.common.errors import FieldViolation, InvalidArgument
from services.inventory.domain.schema import KEY_FIELD, SCHEMA, Kind, is_blank

MAX_IMPORT_BYTES = 8 * 1024 * 1024
MAX_IMPORT_ROWS = 50_000
YAML_SECTIONS = {
    "zones": Kind.ZONE,
    "organisations": Kind.ORGANISATION,
    "systems": Kind.SYSTEM,
    "data_resources": Kind.DATA_RESOURCE,
}
CSV_RECORD = "record"


@dataclass(frozen=True)
class Row:
    kind: Kind
    location: str  # "row 12" in a CSV file, "systems[3].hosts[1]" in YAML, "" for a single request
    values: Mapping[str, Any]


@dataclass(frozen=True)
class ParsedRow:
    kind: Kind
    location: str
    attributes: dict[str, Any]


@dataclass
class Known:
    """Codes the catalogue already holds, for checking references."""

    zones: set[str] = field(default_factory=set)
    organisations: set[str] = field(default_factory=set)
    systems: set[str] = field(default_factory=set)
    hosts: dict[str, str] = field(default_factory=dict)  # host name -> system code
    databases: dict[str, str] = field(default_factory=dict)  # database entry name -> system code


@dataclass
class Change:
    rows: dict[Kind, list[dict[str, Any]]] = field(default_factory=lambda: {kind: [] for kind in Kind})

    def of(self, kind: Kind) -> list[dict[str, Any]]:
        return self.rows[kind]

    def counts(self) -> dict[str, int]:
        return {kind.value: len(rows) for kind, rows in self.rows.items()}


def violation(location: str, name: str, reason: str) -> FieldViolation:
    return FieldViolation(f"{location}.{name}" if location else name, reason)


def check_size(data: bytes) -> None:
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidArgument.field(
            "content", f"is {len(data)} bytes; the import limit is {MAX_IMPORT_BYTES} bytes (8 MiB): split the file"
        )


def rows_from_yaml(data: bytes) -> list[Row]:
    check_size(data)
    try:
        document = yaml.safe_load(data.decode("utf-8")) or {}
    # ValueError: not UTF-8, or a scalar YAML reads as a date that does not exist (2016-02-30)
    except (yaml.YAMLError, ValueError) as error:
        raise InvalidArgument.field("content", f"is not valid UTF-8 YAML: {error}") from None
    except RecursionError:
        raise InvalidArgument.field("content", "is not valid UTF-8 YAML: nested too deeply") from None
    if not isinstance(document, dict):
        raise InvalidArgument.field("content", "must be a mapping with zones, organisations, systems, data_resources")
    unknown = sorted(map(str, set(document) - set(YAML_SECTIONS)))
    if unknown:
        raise InvalidArgument.field("content", f"unknown sections {unknown}; expected {sorted(YAML_SECTIONS)}")
    rows = [row for section, kind in YAML_SECTIONS.items() for row in _yaml_section(document, section, kind)]
    return _within_row_limit(rows)


def _yaml_section(document: dict, section: str, kind: Kind) -> Iterable[Row]:
    items = document.get(section) or []
    if not isinstance(items, list):
        raise InvalidArgument.field(section, "must be a list")
    for index, item in enumerate(items, start=1):
        location = f"{section}[{index}]"
        if not isinstance(item, dict):
            raise InvalidArgument.field(location, "must be a mapping of fields")
        yield from _yaml_item(kind, location, dict(item))


def _yaml_item(kind: Kind, location: str, values: dict[str, Any]) -> Iterable[Row]:
    if kind is not Kind.SYSTEM:
        yield Row(kind, location, values)
        return
    hosts, depends_on = values.pop("hosts", None) or [], values.pop("depends_on", None) or []
    databases = values.pop("databases", None) or []
    yield Row(kind, location, values)
    system_code = values.get("code")
    for index, host in enumerate(hosts if isinstance(hosts, list) else [hosts], start=1):
        host_values = {**host, "system": system_code} if isinstance(host, dict) else {"host": host}
        yield Row(Kind.HOST, f"{location}.hosts[{index}]", host_values)
    for index, database in enumerate(databases if isinstance(databases, list) else [databases], start=1):
        # not a mapping: named as a field of its own, never repeated (it may be a connection string with a password)
        database_values = {**database, "system": system_code} if isinstance(database, dict) else {"database": ""}
        yield Row(Kind.DATABASE, f"{location}.databases[{index}]", database_values)
    for index, code in enumerate(depends_on if isinstance(depends_on, list) else [depends_on], start=1):
        yield Row(Kind.DEPENDENCY, f"{location}.depends_on[{index}]", {"system": system_code, "depends_on": code})


def rows_from_csv(data: bytes) -> list[Row]:
    """One CSV for the whole catalogue: a `record` column names the kind of each row; empty cells are absent."""
    check_size(data)
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        records = list(reader)
    except (csv.Error, UnicodeDecodeError) as error:
        raise InvalidArgument.field("content", f"is not valid UTF-8 CSV: {error}") from None
    header = reader.fieldnames or []
    if CSV_RECORD not in header:
        raise InvalidArgument.field("content", f"the CSV header must include a {CSV_RECORD!r} column")
    if twice := sorted({name for name in header if header.count(name) > 1}):
        # DictReader keeps the last of two cells of one name: the other row values would be dropped unseen
        raise InvalidArgument.field("content", f"the CSV header names {', '.join(map(repr, twice))} twice")
    rows = [_csv_row(number, record) for number, record in enumerate(records, start=2)]
    return _within_row_limit(rows)


def _csv_row(number: int, record: dict[str | None, Any]) -> Row:
    location = f"row {number}"
    kind_name = (record.pop(CSV_RECORD) or "").strip()
    values = {
        key if key is not None else "(extra cells)": value for key, value in record.items() if not is_blank(value)
    }
    try:
        return Row(Kind(kind_name), location, values)
    except ValueError:
        kinds = ", ".join(k.value for k in Kind)
        return Row(Kind.SYSTEM, location, {"(record)": f"{kind_name!r} is not one of {kinds}"})


def _within_row_limit(rows: list[Row]) -> list[Row]:
    if len(rows) > MAX_IMPORT_ROWS:
        raise InvalidArgument.field("content", f"has {len(rows)} rows; the import limit is {MAX_IMPORT_ROWS} rows")
    return rows


def parse_row(row: Row) -> tuple[ParsedRow, list[FieldViolation]]:
    schema = SCHEMA[row.kind]
    problems = [
        violation(row.location, name, _unknown_field_reason(row, name)) for name in row.values if name not in schema
    ]
    attributes: dict[str, Any] = {}
    for name, spec in schema.items():
        raw = row.values.get(name)
        if is_blank(raw):
            if spec.required:
                problems.append(violation(row.location, name, "is required"))
            continue
        try:
            attributes[spec.attribute] = spec.parse(raw)
        except ValueError as error:
            problems.append(violation(row.location, name, str(error)))
    return ParsedRow(row.kind, row.location, attributes), problems


def _unknown_field_reason(row: Row, name: str) -> str:
    if name == "(record)":
        return str(row.values[name])
    return f"is not a field of a {row.kind.value} row; fields: {', '.join(SCHEMA[row.kind])}"


def validate(rows: list[Row], known: Known) -> Change:
    """The change the rows describe, or InvalidArgument listing every problem in every row."""
    parsed: list[ParsedRow] = []
    problems: list[FieldViolation] = []
    for row in rows:
        parsed_row, row_problems = parse_row(row)
        parsed.append(parsed_row)
        problems += row_problems
    problems += _duplicates(parsed) + _dangling_references(parsed, known)
    if problems:
        raise InvalidArgument(problems)
    change = Change()
    for valid in parsed:
        change.of(valid.kind).append(valid.attributes)
    return change


def _key(row: ParsedRow) -> Any:
    if row.kind is Kind.DEPENDENCY:
        return (row.attributes.get("system_code"), row.attributes.get("depends_on_code"))
    return row.attributes.get(SCHEMA[row.kind][KEY_FIELD[row.kind]].attribute)


def _duplicates(parsed: list[ParsedRow]) -> list[FieldViolation]:
    first_seen: dict[tuple[Kind, Any], str] = {}
    problems = []
    for row in parsed:
        key = _key(row)
        if key is None or (isinstance(key, tuple) and None in key):
            continue
        if (row.kind, key) in first_seen:
            name = "depends_on" if row.kind is Kind.DEPENDENCY else KEY_FIELD[row.kind]
            shown = key[1] if row.kind is Kind.DEPENDENCY else key
            problems.append(
                violation(
                    row.location,
                    name,
                    f"duplicate {row.kind.value} {shown} (first at {first_seen[(row.kind, key)] or 'request'})",
                )
            )
        else:
            first_seen[(row.kind, key)] = row.location
    return problems


def _dangling_references(parsed: list[ParsedRow], known: Known) -> list[FieldViolation]:
    codes = {kind: {_key(r) for r in parsed if r.kind is kind} for kind in Kind}
    zones = known.zones | codes[Kind.ZONE]
    organisations = known.organisations | codes[Kind.ORGANISATION]
    systems = known.systems | codes[Kind.SYSTEM]
    checks = {
        Kind.ORGANISATION: [("parent", "parent_code", organisations, "organisation")],
        Kind.SYSTEM: [
            ("organisation", "organisation_code", organisations, "organisation"),
            ("target_zone", "target_zone_code", zones, "zone"),
        ],
        Kind.HOST: [("system", "system_code", systems, "system")],
        Kind.DATABASE: [("system", "system_code", systems, "system")],
        Kind.DEPENDENCY: [
            ("system", "system_code", systems, "system"),
            ("depends_on", "depends_on_code", systems, "system"),
        ],
        Kind.DATA_RESOURCE: [
            ("organisation", "organisation_code", organisations, "organisation"),
            ("system", "system_code", systems, "system"),
        ],
    }
    problems = []
    for row in parsed:
        for name, attribute, existing, noun in checks.get(row.kind, []):
            value = row.attributes.get(attribute)
            if value is not None and value not in existing:
                problems.append(violation(row.location, name, f"unknown {noun} {value}"))
        problems += _self_references(row) + _of_another_system(row, known)
    return problems


def _of_another_system(row: ParsedRow, known: Known) -> list[FieldViolation]:
    """A host or database row names one of its own system: a name already used by another system's would move that
    machine (or database) silently, and the other system's migration would lose it."""
    owners = {Kind.HOST: known.hosts, Kind.DATABASE: known.databases}.get(row.kind)
    if owners is None:
        return []
    name, system = row.attributes.get("name"), row.attributes.get("system_code")
    owner = owners.get(name) if name else None
    if owner is None or system is None or owner == system:
        return []
    noun = row.kind.value
    return [violation(row.location, "name", f"{noun} {name} belongs to {owner}; remove it there before adding it here")]


def _self_references(row: ParsedRow) -> list[FieldViolation]:
    attributes = row.attributes
    if row.kind is Kind.DEPENDENCY and attributes.get("system_code") == attributes.get("depends_on_code"):
        return [violation(row.location, "depends_on", f"{attributes.get('system_code')} cannot depend on itself")]
    if row.kind is Kind.ORGANISATION and attributes.get("parent_code") == attributes.get("code"):
        return [violation(row.location, "parent", f"{attributes.get('code')} cannot be its own parent")]
    return []
