"""What the migration use cases need from the outside: storage, the inventory, and a way to run a step."""

import abc
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from services.common.unit_of_work import UnitOfWork
from services.migration.domain.events import MigrationEvent
from services.migration.domain.model import MigrationRun, Step, StepRecord, Wave, WaveState, WaveSystem
from services.migration.domain.orchestration import GateAnswer


class Migrations(Protocol):
    def add(self, entity: object) -> None: ...
    def wave(self, id_or_name: str) -> Wave | None: ...
    def waves(self, state: WaveState | None = None) -> list[Wave]: ...
    def members(self, wave_id: str) -> list[WaveSystem]: ...
    def waves_holding(self, system_code: str) -> list[Wave]: ...
    # for_update: locked against other writers until the unit of work ends (PostgreSQL; SQLite has one writer)
    def run(self, run_id: str, *, for_update: bool = False) -> MigrationRun | None: ...
    def latest_run(self, system_code: str, *, for_update: bool = False) -> MigrationRun | None: ...
    def runs(
        self, *, wave_id: str | None = None, state: str | None = None, for_update: bool = False
    ) -> list[MigrationRun]: ...
    def move_system(self, system_id: str, system_code: str, organisation_code: str) -> int: ...
    def claimable(self, now: datetime, limit: int) -> list[str]: ...
    def claim(self, run_id: str, owner: str, until: datetime, now: datetime) -> bool: ...
    def renew_claims(self, owner: str, run_ids: Collection[str], until: datetime) -> int: ...
    def release(self, run_id: str, owner: str) -> None: ...
    def steps(self, run_id: str) -> list[StepRecord]: ...
    def steps_of(self, run_ids: Collection[str]) -> dict[str, list[StepRecord]]: ...
    def step_record(self, record_id: str) -> StepRecord | None: ...


class MigrationUnitOfWork(UnitOfWork, abc.ABC):
    migrations: Migrations

    @abc.abstractmethod
    def announce(self, event: MigrationEvent) -> None:
        """Publish what happened to a run when, and only when, the unit of work commits."""


@dataclass(frozen=True)
class Host:
    """A source or target host of a system, as the inventory has it and the playbooks reach it."""

    name: str
    role: str  # source | target
    address: str
    connection: str = "ssh"
    port: int = 22
    user: str = ""
    root: str = ""
    python: str = ""  # empty: Ansible discovers it


@dataclass(frozen=True)
class DatabaseInfo:
    """A database of a system, as the inventory has it: ports and the target's name are filled in with their defaults.
    `credential` names the user and password in the secrets directory (adapters/secrets.py); it is not one."""

    name: str
    engine: str  # mariadb | mysql | postgresql | oracle | sqlserver | dm | kingbase
    source_host: str
    source_port: int
    source_database: str
    target_host: str
    target_port: int
    target_database: str
    credential: str


@dataclass(frozen=True)
class SystemInfo:
    """A system as the inventory knows it, with what a migration needs."""

    id: str
    code: str
    organisation_code: str
    status: str
    mlps_level: int
    zone: str
    zone_crypto: bool
    hosts: list[Host] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    admin_level: str = "province"  # province | city | county
    databases: list[DatabaseInfo] = field(default_factory=list)

    @property
    def city_or_county(self) -> bool:
        return self.admin_level in ("city", "county")


class CutoverGate(Protocol):
    def check(self, system_id: str) -> GateAnswer:
        """Whether the system's city or county link allows cutover now, and why not."""


class Catalogue(Protocol):
    def system(self, code: str) -> SystemInfo:
        """The system with this code; NotFound if the inventory has none."""

    def dependency_order(self, codes: list[str]) -> list[list[str]]:
        """Layers of the given systems; FailedPrecondition naming a cycle."""


@dataclass(frozen=True)
class StepJob:
    """Everything one attempt at one step needs."""

    run_id: str
    step: Step
    attempt: int
    system_code: str
    mlps_level: int
    zone: str
    zone_crypto: bool
    hosts: list[Host]
    work_dir: Path
    extra: dict[str, Any] = field(default_factory=dict)
    databases: list[DatabaseInfo] = field(default_factory=list)

    @property
    def ident(self) -> str:
        return f"{self.step.value}-{self.attempt}"

    @property
    def private_data_dir(self) -> Path:
        return self.work_dir / self.run_id
