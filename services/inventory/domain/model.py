"""The inventory's domain: what is catalogued for the move onto 中原云. No I/O."""

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from services.common.ids import new_id


class AdminLevel(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class Strategy(enum.StrEnum):
    """The "6R" migration strategies."""

    REHOST = "rehost"
    REPLATFORM = "replatform"
    REFACTOR = "refactor"
    REPURCHASE = "repurchase"
    RETIRE = "retire"
    RETAIN = "retain"


class SystemStatus(enum.StrEnum):
    REGISTERED = "registered"
    ASSESSED = "assessed"
    PLANNED = "planned"
    MIGRATING = "migrating"
    MIGRATED = "migrated"
    RETIRED = "retired"


class HostRole(enum.StrEnum):
    SOURCE = "source"
    TARGET = "target"


class Connection(enum.StrEnum):
    SSH = "ssh"
    LOCAL = "local"


class BaseLibrary(enum.StrEnum):
    """The province's base resource libraries (人口, 法人, 空间地理, 宏观经济, 文化) and everything else."""

    POPULATION = "population"
    LEGAL_ENTITY = "legal_entity"
    GEOSPATIAL = "geospatial"
    MACRO_ECONOMY = "macro_economy"
    CULTURE = "culture"
    OTHER = "other"


class SharingType(enum.StrEnum):
    UNCONDITIONAL = "unconditional"
    CONDITIONAL = "conditional"
    NOT_SHARED = "not_shared"


class OpeningType(enum.StrEnum):
    OPEN = "open"
    CONDITIONAL = "conditional"
    CLOSED = "closed"


@dataclass
class Zone:
    """A target zone on 中原云 and the cryptography it provides (needed for 等保 level 3 and above)."""

    code: str
    name: str
    transport_crypto: bool = False
    storage_crypto: bool = False

    @property
    def provides_cryptography(self) -> bool:
        return self.transport_crypto and self.storage_crypto


@dataclass
class Organisation:
    code: str
    name: str
    admin_level: AdminLevel
    parent_code: str | None = None
    retired: bool = False


@dataclass
class Host:
    name: str
    system_code: str
    address: str
    role: HostRole
    connection: Connection = Connection.SSH
    port: int = 22
    user: str = ""
    root: str = ""
    python: str = ""  # the interpreter Ansible uses on the host; empty: discovered
    id: str = field(default_factory=new_id)


@dataclass
class System:
    code: str
    name: str
    organisation_code: str
    admin_level: AdminLevel
    mlps_level: int
    registered_at: datetime
    tech_stack: str = ""
    data_volume_gb: float = 0.0
    current_location: str = ""
    target_zone_code: str | None = None
    strategy: Strategy | None = None
    status: SystemStatus = SystemStatus.REGISTERED
    rollback_contact: str = ""
    id: str = field(default_factory=new_id)

    @property
    def retired(self) -> bool:
        return self.status is SystemStatus.RETIRED


@dataclass(eq=True)
class Dependency:
    """`system_code` needs `depends_on_code` to be migrated first (or together)."""

    system_code: str
    depends_on_code: str


@dataclass
class DataResource:
    code: str
    name: str
    organisation_code: str
    system_code: str
    base_library: BaseLibrary
    sharing_type: SharingType
    opening_type: OpeningType
    planned_opening_date: date | None = None
    actual_opening_date: date | None = None
    retired: bool = False
    id: str = field(default_factory=new_id)

    def overdue(self, today: date) -> bool:
        """Past its planned opening date and still not opened."""
        planned = self.planned_opening_date
        return planned is not None and self.actual_opening_date is None and planned < today
