"""Checking platforms and shared resources before they are stored: from an import file or a single request, every
bad field is named (`platforms[3].endpoint`), and nothing is stored unless all are good. No I/O."""

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

import yaml

from services.common.errors import FieldViolation, InvalidArgument
from services.common.fields import Parser, code, one_of, text
from services.interconnect.domain.endpoints import parse_endpoint
from services.interconnect.domain.model import AdminLevel, Direction

DURATION = re.compile(r"^(\d+)\s*([smhdw]?)$")
UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_IMPORT_BYTES = 1 << 20
# Probe errors quote the endpoint and are stored in 500 characters: a longer endpoint would not fit in them.
MAX_ENDPOINT_CHARS = 400
MAX_SCHEDULE_SECONDS = 366 * 86400


def endpoint(value: Any) -> str:
    return parse_endpoint(text(MAX_ENDPOINT_CHARS)(value)).url


def network_segment(value: Any) -> str:
    text = str(value).strip()
    if not text:
        return ""
    try:
        return str(ipaddress.ip_network(text))
    except ValueError:
        raise ValueError(f"{text!r} is not a network in CIDR form (e.g. 10.41.0.0/16)") from None


def schedule_seconds(value: Any) -> int:
    """Seconds, or a duration such as 30m, 6h, 1d, 1w."""
    match = DURATION.match(str(value).strip().lower())
    seconds = int(match.group(1)) * UNIT_SECONDS[match.group(2)] if match else 0
    if seconds <= 0:
        raise ValueError(f"{value!r} is not a positive duration (seconds, or e.g. 30m, 6h, 1d)")
    if seconds > MAX_SCHEDULE_SECONDS:
        raise ValueError(f"{value!r} is longer than a year: exchanges are scheduled at least once a year")
    return seconds


@dataclass(frozen=True)
class Field:
    attribute: str
    parse: Parser
    required: bool = True


PLATFORM_FIELDS = {
    "code": Field("code", code),
    "name": Field("name", text(200, required=True)),
    "admin_level": Field("admin_level", one_of(AdminLevel)),
    "parent": Field("parent_code", code, required=False),
    "endpoint": Field("endpoint", endpoint),
    "network_segment": Field("network_segment", network_segment, required=False),
    "contact": Field("contact", text(200), required=False),
}
RESOURCE_FIELDS = {
    "code": Field("code", code),
    "name": Field("name", text(200, required=True)),
    "platform": Field("platform_code", code),
    "direction": Field("direction", one_of(Direction)),
    "schedule": Field("schedule_seconds", schedule_seconds),
}


@dataclass(frozen=True)
class Entry:
    """One platform or shared resource as given: where it came from (for error messages) and its raw values."""

    location: str
    values: dict[str, Any]


def entries_from_yaml(content: bytes) -> tuple[list[Entry], list[Entry]]:
    """The platforms and shared resources of an import file."""
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidArgument.field("content", f"is larger than {MAX_IMPORT_BYTES} bytes")
    try:
        document = yaml.safe_load(content) or {}
    # ValueError: a scalar YAML reads as a date that does not exist (2016-02-30)
    except (yaml.YAMLError, ValueError) as error:
        raise InvalidArgument.field("content", f"is not YAML: {error}") from None
    except RecursionError:
        raise InvalidArgument.field("content", "is not YAML: nested too deeply") from None
    if not isinstance(document, dict) or set(document) - {"platforms", "shared_resources"}:
        raise InvalidArgument.field("content", "must be a mapping with sections platforms and shared_resources")
    return _section(document, "platforms"), _section(document, "shared_resources")


def _section(document: dict[str, Any], name: str) -> list[Entry]:
    items = document.get(name) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidArgument.field(name, "must be a list of mappings")
    return [Entry(f"{name}[{i}]", item) for i, item in enumerate(items)]


def check_platforms(entries: list[Entry], known_codes: set[str]) -> list[dict[str, Any]]:
    """Typed attributes of every platform; InvalidArgument naming every bad field of every entry."""
    violations: list[FieldViolation] = []
    checked = [_check(entry, PLATFORM_FIELDS, violations) for entry in entries]
    codes = known_codes | {attributes["code"] for attributes in checked if "code" in attributes}
    for entry, attributes in zip(entries, checked, strict=True):
        violations += _platform_rules(entry.location, attributes, codes)
    violations += _duplicates(entries, checked)
    _raise_if_any(violations)
    return checked


def check_resources(entries: list[Entry], platform_codes: set[str]) -> list[dict[str, Any]]:
    violations: list[FieldViolation] = []
    checked = [_check(entry, RESOURCE_FIELDS, violations) for entry in entries]
    for entry, attributes in zip(entries, checked, strict=True):
        platform = attributes.get("platform_code")
        if platform and platform not in platform_codes:
            violations.append(FieldViolation(_name(entry.location, "platform"), f"no platform {platform}"))
    violations += _duplicates(entries, checked)
    _raise_if_any(violations)
    return checked


def _check(entry: Entry, fields: dict[str, Field], violations: list[FieldViolation]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for name in sorted(map(str, set(entry.values) - set(fields))):
        violations.append(FieldViolation(_name(entry.location, name), "is not a field"))
    for name, spec in fields.items():
        raw = entry.values.get(name)
        if raw is None or str(raw).strip() == "":
            if spec.required:
                violations.append(FieldViolation(_name(entry.location, name), "is required"))
            continue
        try:
            attributes[spec.attribute] = spec.parse(raw)
        except ValueError as error:
            violations.append(FieldViolation(_name(entry.location, name), str(error)))
    return attributes


def _platform_rules(location: str, attributes: dict[str, Any], codes: set[str]) -> list[FieldViolation]:
    parent, level = attributes.get("parent_code"), attributes.get("admin_level")
    if level is AdminLevel.PROVINCE and parent:
        return [FieldViolation(_name(location, "parent"), "the province's platform has no parent")]
    if level in (AdminLevel.CITY, AdminLevel.COUNTY) and not parent:
        return [FieldViolation(_name(location, "parent"), f"a {level} platform needs its parent platform")]
    if parent and parent not in codes:
        return [FieldViolation(_name(location, "parent"), f"no platform {parent}")]
    return []


def _duplicates(entries: list[Entry], checked: list[dict[str, Any]]) -> list[FieldViolation]:
    seen: set[str] = set()
    found = []
    for entry, attributes in zip(entries, checked, strict=True):
        key = attributes.get("code")
        if key is None:
            continue
        if key in seen:
            found.append(FieldViolation(_name(entry.location, "code"), f"{key} appears more than once"))
        seen.add(key)
    return found


def _name(location: str, field: str) -> str:
    return f"{location}.{field}" if location else field


def _raise_if_any(violations: list[FieldViolation]) -> None:
    if violations:
        raise InvalidArgument(violations)
