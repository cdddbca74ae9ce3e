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


class Engine(enum.StrEnum):
    """The database servers a system may run on: the first three have an automated path onto 中原云, the others need
    a vendor tool or a manual runbook."""

    MARIADB = "mariadb"
    MYSQL = "mysql"
    POSTGRESQL = "postgresql"
    ORACLE = "oracle"
    SQLSERVER = "sqlserver"
    DM = "dm"  # 达梦
    KINGBASE = "kingbase"  # 人大金仓


AUTOMATED_ENGINES = frozenset({Engine.MARIADB, Engine.MYSQL, Engine.POSTGRESQL})
# Where each engine listens unless the catalogue says otherwise.
DEFAULT_PORTS = {
    Engine.MARIADB: 3306,
    Engine.MYSQL: 3306,
    Engine.POSTGRESQL: 5432,
    Engine.ORACLE: 1521,
    Engine.SQLSERVER: 1433,
    Engine.DM: 5236,
    Engine.KINGBASE: 54321,
}


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
class Database:
    """A database a system keeps its data in, where it is now and where it moves. `credential` names the user and
    password in the migration service's secrets directory (`HA-WJW-JKK/app`): the catalogue never holds a password."""

    name: str
    system_code: str
    engine: Engine
    source_host: str
    source_database: str
    target_host: str
    credential: str
    source_port: int = 0  # 0: the engine's usual port
    target_port: int = 0  # 0: the engine's usual port
    target_database: str = ""  # empty: named as at the source
    id: str = field(default_factory=new_id)

    @property
    def automated(self) -> bool:
        return self.engine in AUTOMATED_ENGINES

    @property
    def source_port_or_default(self) -> int:
        return self.source_port or DEFAULT_PORTS[self.engine]

    @property
    def target_port_or_default(self) -> int:
        return self.target_port or DEFAULT_PORTS[self.engine]

    @property
    def target_database_or_source(self) -> str:
        return self.target_database or self.source_database


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
