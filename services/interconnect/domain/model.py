"""The interconnect's domain: platforms of the province–city–county network, the resources they exchange with the
province, and where each system of the inventory lives. No I/O."""

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.common.ids import new_id


class AdminLevel(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class Direction(enum.StrEnum):
    """Which way a shared resource travels."""

    TO_PROVINCE = "to_province"
    FROM_PROVINCE = "from_province"


@dataclass
class Platform:
    """The cloud platform or government data centre of the province, a 省辖市 or a 省直管县(市)."""

    code: str
    name: str
    admin_level: AdminLevel
    endpoint: str
    parent_code: str | None = None
    network_segment: str = ""
    contact: str = ""
    id: str = field(default_factory=new_id)


@dataclass
class SharedResource:
    """A data resource a platform exchanges with the province, at least once every `schedule_seconds`."""

    code: str
    name: str
    platform_code: str
    direction: Direction
    schedule_seconds: int
    registered_at: datetime
    last_exchange_at: datetime | None = None
    last_rows: int = 0
    last_checksum: str = ""
    overdue_announced: bool = False  # an overdue event went out for the current lateness

    @property
    def due_by(self) -> datetime:
        """Overdue after twice its schedule since the last exchange (or since it was registered)."""
        return (self.last_exchange_at or self.registered_at) + 2 * timedelta(seconds=self.schedule_seconds)

    def overdue(self, now: datetime) -> bool:
        return now > self.due_by

    def record(self, run: "ExchangeRun") -> None:
        """Take in an exchange run; an older run arriving late does not move the last exchange back."""
        if self.last_exchange_at is None or run.exchanged_at >= self.last_exchange_at:
            self.last_exchange_at, self.last_rows, self.last_checksum = run.exchanged_at, run.rows, run.checksum
            self.overdue_announced = False

    def change(self, attributes: dict[str, Any], now: datetime) -> None:
        """Take new attributes. A new schedule may end the current lateness: the next one is then announced again."""
        for name, value in attributes.items():
            setattr(self, name, value)
        self.overdue_announced = self.overdue_announced and self.overdue(now)

    def needs_overdue_announcement(self, now: datetime) -> bool:
        return self.overdue(now) and not self.overdue_announced


@dataclass
class ExchangeRun:
    resource_code: str
    exchanged_at: datetime
    rows: int
    checksum: str
    recorded_at: datetime
    id: str = field(default_factory=new_id)


@dataclass
class SystemHome:
    """Where an inventory system lives, learned from the inventory's events."""

    system_id: str
    code: str
    organisation_code: str
    admin_level: AdminLevel


def home_platform_code(organisation_code: str, local_platforms: set[str]) -> str | None:
    """The city or county platform of an organisation: the one with its code, else the nearest enclosing code
    (a city bureau HA-ZZ-WJW belongs to HA-ZZ)."""
    parts = organisation_code.split("-")
    for length in range(len(parts), 0, -1):
        candidate = "-".join(parts[:length])
        if candidate in local_platforms:
            return candidate
    return None
