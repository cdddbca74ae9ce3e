"""A system with a database no automated path moves is refused at start, by itself or in a wave, with the reason: it
is never copied as the files of a running server."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.common.errors import FailedPrecondition
from services.migration import handlers
from services.migration.adapters.unit_of_work import SqlMigrationUnitOfWork
from services.migration.domain.data import unautomatable
from services.migration.domain.model import WaveState
from services.migration.ports import DatabaseInfo, SystemInfo

UnitOfWorks = Callable[[], SqlMigrationUnitOfWork]
NOW = datetime(2016, 6, 30, 8, tzinfo=UTC)


def database(name: str, engine: str) -> DatabaseInfo:
    return DatabaseInfo(
        name=name,
        engine=engine,
        source_host="10.41.3.20",
        source_port=1521,
        source_database="JB2",
        target_host="10.200.12.20",
        target_port=1521,
        target_database="JB2",
        credential="HA-RST-JB2/app",
    )


MARIADB, POSTGRESQL = database("wjw-jkk-db", "mariadb"), database("rst-sbk-db", "postgresql")
ORACLE, DM = database("rst-jb2-db", "oracle"), database("dsj-zgxt-db", "dm")


def test_only_engines_without_an_automated_path_are_named_with_their_engine() -> None:
    assert unautomatable([MARIADB, POSTGRESQL, database("x", "mysql")]) == []
    assert unautomatable([POSTGRESQL, ORACLE, DM, database("ha-kb", "kingbase"), database("ha-ss", "sqlserver")]) == [
        "dsj-zgxt-db (dm) needs a vendor tool or a manual runbook: no automated path",
        "ha-kb (kingbase) needs a vendor tool or a manual runbook: no automated path",
        "ha-ss (sqlserver) needs a vendor tool or a manual runbook: no automated path",
        "rst-jb2-db (oracle) needs a vendor tool or a manual runbook: no automated path",
    ]


class Catalogue:
    DATABASES = {"HA-WJW-JKK": [MARIADB], "HA-RST-SBK": [POSTGRESQL], "HA-RST-JB2": [ORACLE, POSTGRESQL]}

    def system(self, code: str) -> SystemInfo:
        base = SystemInfo(
            id=f"id-{code}",
            code=code,
            organisation_code=code.rsplit("-", 1)[0],
            status="assessed",
            mlps_level=3,
            zone="ZY-A",
            zone_crypto=True,
        )
        return replace(base, databases=self.DATABASES.get(code, []))

    def dependency_order(self, codes: list[str]) -> list[list[str]]:
        return [sorted(codes)]


def runs(unit_of_work: UnitOfWorks) -> list[str]:
    with unit_of_work() as uow:
        return [run.system_code for run in uow.migrations.runs()]


def test_starting_a_system_with_an_oracle_database_is_refused_naming_database_and_engine(
    unit_of_work: UnitOfWorks,
) -> None:
    with pytest.raises(FailedPrecondition) as raised:
        handlers.start_migration("HA-RST-JB2", True, unit_of_work(), Catalogue())  # type: ignore[arg-type]

    assert str(raised.value) == (
        "HA-RST-JB2 cannot be migrated here: rst-jb2-db (oracle) needs a vendor tool or a manual runbook: "
        "no automated path"
    )
    assert runs(unit_of_work) == []
    assert handlers.start_migration("HA-WJW-JKK", True, unit_of_work(), Catalogue()).system_code == "HA-WJW-JKK"  # type: ignore[arg-type]


def test_a_wave_holding_such_a_system_does_not_start_and_says_which_one(unit_of_work: UnitOfWorks) -> None:
    command = handlers.CreateWave(
        name="第一批",
        systems=["HA-WJW-JKK", "HA-RST-JB2", "HA-RST-SBK"],
        window_start=NOW,
        window_end=NOW + timedelta(days=1),
        concurrency=2,
    )
    handlers.create_wave(command, unit_of_work(), Catalogue())  # type: ignore[arg-type]  # planning it is allowed

    with pytest.raises(FailedPrecondition) as raised:
        handlers.start_wave("第一批", unit_of_work(), Catalogue())  # type: ignore[arg-type]

    assert "HA-RST-JB2 cannot be migrated here: rst-jb2-db (oracle) needs a vendor tool" in str(raised.value)
    assert "HA-WJW-JKK" not in str(raised.value)
    assert runs(unit_of_work) == []
    with unit_of_work() as uow:
        wave = uow.migrations.wave("第一批")
        assert wave is not None and wave.state is WaveState.PLANNED
