"""The inventory's domain: what a departmental system is and what makes its registration valid. No I/O."""

import enum
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from services.common.errors import FieldViolation, InvalidArgument

SYSTEM_CODE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
ORGANISATION_CODE = SYSTEM_CODE
MAX_CODE_LENGTH = 64
MAX_NAME_LENGTH = 200


class AdminLevel(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class SystemStatus(enum.StrEnum):
    REGISTERED = "registered"


@dataclass
class System:
    code: str
    name: str
    organisation_code: str
    admin_level: AdminLevel
    mlps_level: int
    registered_at: datetime
    status: SystemStatus = SystemStatus.REGISTERED
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


def register_system(
    *,
    code: str,
    name: str,
    organisation_code: str,
    admin_level: AdminLevel | None,
    mlps_level: int,
    now: datetime,
) -> System:
    """A new System, or InvalidArgument naming every field that is wrong."""
    violations = [
        *_code_violations("code", code),
        *_name_violations(name),
        *_code_violations("organisation_code", organisation_code),
        *_admin_level_violations(admin_level),
        *_mlps_violations(mlps_level),
    ]
    if violations:
        raise InvalidArgument(violations)
    assert admin_level is not None
    return System(
        code=code,
        name=name.strip(),
        organisation_code=organisation_code,
        admin_level=admin_level,
        mlps_level=mlps_level,
        registered_at=now,
    )


def _code_violations(field_name: str, code: str) -> list[FieldViolation]:
    if not code:
        return [FieldViolation(field_name, "is required")]
    if len(code) > MAX_CODE_LENGTH or not SYSTEM_CODE.match(code):
        return [
            FieldViolation(
                field_name,
                f"{code!r} must be upper-case letters and digits in dash-separated parts, "
                f"at most {MAX_CODE_LENGTH} characters (e.g. HA-WJW-JKK)",
            )
        ]
    return []


def _name_violations(name: str) -> list[FieldViolation]:
    if not name.strip():
        return [FieldViolation("name", "is required")]
    if len(name) > MAX_NAME_LENGTH:
        return [FieldViolation("name", f"is longer than {MAX_NAME_LENGTH} characters")]
    return []


def _admin_level_violations(admin_level: AdminLevel | None) -> list[FieldViolation]:
    if admin_level is None:
        return [FieldViolation("admin_level", "is required: province, city or county")]
    return []


def _mlps_violations(mlps_level: int) -> list[FieldViolation]:
    if not 1 <= mlps_level <= 5:
        return [FieldViolation("mlps_level", f"等保 level must be 1 to 5, not {mlps_level}")]
    return []
