"""The fields of each kind of catalogue row: the name users write (CSV column, YAML key), the attribute it sets, how
it is parsed and whether it is required. CSV, YAML and gRPC requests all go through this one table."""

import enum
import re
from dataclasses import dataclass
from typing import Any

from services.common import fields as f
from services.inventory.domain.model import (
    AdminLevel,
    BaseLibrary,
    Connection,
    Engine,
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
    DATABASE = "database"
    DEPENDENCY = "dependency"
    DATA_RESOURCE = "data_resource"


@dataclass(frozen=True)
class Field:
    attribute: str
    parse: f.Parser
    required: bool = False


NAME = Field("name", f.text(200), required=True)

# A database as its server names it (MariaDB/MySQL allow 64 characters, PostgreSQL 63), or an Oracle service name.
DATABASE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
# A credential reference: a path under the migration service's secrets directory, in portable file name characters.
CREDENTIAL_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
MAX_CREDENTIAL = 200
INLINE_SECRET = re.compile(r"[:=@\s]")

database_entry = f.matching(f.HOST_NAME, "a database entry's name: lower-case letters, digits and dashes, at most 63")
database_name = f.matching(DATABASE_NAME, "a database name: letters, digits, '_', '.' and '-', at most 64")


def credential_reference(value: Any) -> str:
    """The name of a credential in the secrets directory (`HA-WJW-JKK/app`), never the credential itself. The errors
    do not repeat the value: a password given here by mistake must not reach an error message or the audit trail."""
    text = str(value).strip()
    if INLINE_SECRET.search(text):
        raise ValueError(
            "looks like an inline secret (it holds ':', '=', '@' or whitespace): give the name of a credential in the "
            "migration service's secrets directory, e.g. HA-WJW-JKK/app, never a user or password"
        )
    if len(text) > MAX_CREDENTIAL:
        raise ValueError(f"is longer than {MAX_CREDENTIAL} characters")
    if not all(CREDENTIAL_PART.match(part) for part in text.split("/")):
        raise ValueError(
            "is not a credential reference: '/'-separated names of letters, digits, '.', '_' and '-', each starting "
            "with a letter, a digit or '_' (so no '..', no leading or doubled '/'), e.g. HA-WJW-JKK/app"
        )
    return text


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
    Kind.DATABASE: {
        "name": Field("name", database_entry, required=True),
        "system": Field("system_code", f.code, required=True),
        "engine": Field("engine", f.one_of(Engine), required=True),
        "source_host": Field("source_host", f.network_address, required=True),
        "source_port": Field("source_port", f.integer(1, 65535)),
        "source_database": Field("source_database", database_name, required=True),
        "target_host": Field("target_host", f.network_address, required=True),
        "target_port": Field("target_port", f.integer(1, 65535)),
        "target_database": Field("target_database", database_name),
        "credential": Field("credential", credential_reference, required=True),
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
    Kind.DATABASE: "name",
    Kind.DATA_RESOURCE: "code",
}


def column_of(kind: Kind, attribute: str) -> str:
    """The user-facing field name that sets `attribute` on a `kind` row."""
    return next(name for name, spec in SCHEMA[kind].items() if spec.attribute == attribute)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
