"""The fields of each kind of catalogue row: the name users write (CSV column, YAML key), the attribute it sets, how
it is parsed and whether it is required. CSV, YAML and gRPC requests all go through this one table."""

import enum
from dataclasses import dataclass
from typing import Any

from services.common import fields as f
from services.inventory.domain.model import (
    AdminLevel,
    BaseLibrary,
    Connection,
    HostRole,
    OpeningType,
    SharingType,
    Strategy,
    SystemStatus,
)


class Kind(enum.StrEnum):
    ZONE = "zone"
    ORGANISATION = "organisation"
    SYSTEM = "system"
    HOST = "host"
    DEPENDENCY = "dependency"
    DATA_RESOURCE = "data_resource"


@dataclass(frozen=True)
class Field:
    attribute: str
    parse: f.Parser
    required: bool = False


NAME = Field("name", f.text(200), required=True)

SCHEMA: dict[Kind, dict[str, Field]] = {
    Kind.ZONE: {
        "code": Field("code", f.code, required=True),
        "name": NAME,
        "transport_crypto": Field("transport_crypto", f.boolean),
        "storage_crypto": Field("storage_crypto", f.boolean),
    },
    Kind.ORGANISATION: {
        "code": Field("code", f.code, required=True),
        "name": NAME,
        "admin_level": Field("admin_level", f.one_of(AdminLevel), required=True),
        "parent": Field("parent_code", f.code),
        "retired": Field("retired", f.boolean),
    },
    Kind.SYSTEM: {
        "code": Field("code", f.code, required=True),
        "name": NAME,
        "organisation": Field("organisation_code", f.code, required=True),
        "admin_level": Field("admin_level", f.one_of(AdminLevel), required=True),
        "mlps_level": Field("mlps_level", f.integer(1, 5), required=True),
        "tech_stack": Field("tech_stack", f.text(200)),
        "data_volume_gb": Field("data_volume_gb", f.non_negative),
        "current_location": Field("current_location", f.text(200)),
        "target_zone": Field("target_zone_code", f.code),
        "strategy": Field("strategy", f.one_of(Strategy)),
        "status": Field("status", f.one_of(SystemStatus)),
        "rollback_contact": Field("rollback_contact", f.text(200)),
    },
    Kind.HOST: {
        "name": Field("name", f.host_name, required=True),
        "system": Field("system_code", f.code, required=True),
        "address": Field("address", f.network_address, required=True),
        "role": Field("role", f.one_of(HostRole), required=True),
        "connection": Field("connection", f.one_of(Connection)),
        "port": Field("port", f.integer(1, 65535)),
        "user": Field("user", f.login_name),
        "root": Field("root", f.file_path(500)),
        "python": Field("python", f.file_path(200)),
    },
    Kind.DEPENDENCY: {
        "system": Field("system_code", f.code, required=True),
        "depends_on": Field("depends_on_code", f.code, required=True),
    },
    Kind.DATA_RESOURCE: {
        "code": Field("code", f.code, required=True),
        "name": NAME,
        "organisation": Field("organisation_code", f.code, required=True),
        "system": Field("system_code", f.code, required=True),
        "base_library": Field("base_library", f.one_of(BaseLibrary), required=True),
        "sharing_type": Field("sharing_type", f.one_of(SharingType), required=True),
        "opening_type": Field("opening_type", f.one_of(OpeningType), required=True),
        "planned_opening_date": Field("planned_opening_date", f.a_date),
        "actual_opening_date": Field("actual_opening_date", f.a_date),
        "retired": Field("retired", f.boolean),
    },
}

# The key a row of each kind is known by, for duplicates and references.
KEY_FIELD = {
    Kind.ZONE: "code",
    Kind.ORGANISATION: "code",
    Kind.SYSTEM: "code",
    Kind.HOST: "name",
    Kind.DATA_RESOURCE: "code",
}


def column_of(kind: Kind, attribute: str) -> str:
    """The user-facing field name that sets `attribute` on a `kind` row."""
    return next(name for name, spec in SCHEMA[kind].items() if spec.attribute == attribute)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
