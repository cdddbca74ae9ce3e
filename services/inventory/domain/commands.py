"""What callers ask the inventory to do."""

from dataclasses import dataclass

from services.inventory.domain.model import AdminLevel


@dataclass(frozen=True)
class RegisterSystem:
    code: str
    name: str
    organisation_code: str
    admin_level: AdminLevel | None
    mlps_level: int


@dataclass(frozen=True)
class ListSystems:
    organisation_code: str
    page_size: int
    page_token: str
