"""What the migration use cases' unit tests take from a fake (tests/unit/fakes.py), on the real repository and schema,
on SQLite and PostgreSQL: a system's move to another organisation, and wave members planned before organisations
were recorded."""

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from services.common.auth import OPERATOR, Principal
from services.common.engines import create_engine
from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import session_factory
from services.migration import queries
from services.migration.adapters.unit_of_work import VERSIONS, SqlMigrationUnitOfWork
from services.migration.domain.model import MigrationRun, Wave, WaveSystem

NOW = datetime(2016, 6, 30, 8, tzinfo=UTC)


def units_of_work(engine: sa.Engine) -> Callable[[], SqlMigrationUnitOfWork]:
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    sessions = session_factory(engine)
    return lambda: SqlMigrationUnitOfWork(sessions)


def run(system_id: str, code: str, organisation: str) -> MigrationRun:
    return MigrationRun(system_id, code, organisation, NOW, NOW, wave_id="w")


def test_a_moved_system_takes_its_runs_by_id_and_its_wave_places_by_code_and_counts_only_what_changed(
    database_url: str,
) -> None:
    unit_of_work = units_of_work(create_engine(database_url))
    with unit_of_work() as uow:
        uow.migrations.add(Wave("混合批次", 2, NOW, NOW, NOW, id="w"))
        for entity in (
            WaveSystem("w", "HA-WJW-JKK", 0, "HA-WJW"),
            WaveSystem("w", "HA-WJW-RKK", 0, "HA-WJW"),
            run("id-jkk", "HA-WJW-JKK", "HA-WJW"),
            run("id-jkk", "HA-WJW-JKK", "HA-WJW"),  # tried twice
            run("id-rkk", "HA-WJW-RKK", "HA-WJW"),
        ):
            uow.migrations.add(entity)
        uow.commit()

    with unit_of_work() as uow:
        moved = uow.migrations.move_system("id-jkk", "HA-WJW-JKK", "HA-GAT")
        again = uow.migrations.move_system("id-jkk", "HA-WJW-JKK", "HA-GAT")
        uow.commit()

    assert (moved, again) == (3, 0)
    with unit_of_work() as uow:
        assert {(m.system_code, m.organisation_code) for m in uow.migrations.members("w")} == {
            ("HA-WJW-JKK", "HA-GAT"),
            ("HA-WJW-RKK", "HA-WJW"),
        }
        assert sorted((r.system_code, r.organisation_code) for r in uow.migrations.runs()) == [
            ("HA-WJW-JKK", "HA-GAT"),
            ("HA-WJW-JKK", "HA-GAT"),
            ("HA-WJW-RKK", "HA-WJW"),
        ]


def test_members_planned_before_organisations_were_recorded_are_hidden_from_departments(
    database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    first_revision = tmp_path / "versions"
    first_revision.mkdir()
    shutil.copy(VERSIONS / "0001_waves_and_runs.py", first_revision)
    upgrade(engine, KERNEL_VERSIONS, first_revision)
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO wave VALUES ('w', '旧批次', 2, :now, :now, :now, false, 'planned')"), {"now": NOW}
        )
        connection.execute(sa.text("INSERT INTO wave_system VALUES ('w', 'HA-WJW-JKK', 0)"))
    uow = units_of_work(engine)()

    with uow:
        assert [m.organisation_code for m in uow.migrations.members("w")] == [""]
    assert queries.waves_view(uow, Principal(frozenset(["department:HA-WJW"]))) == []
    assert [w.wave.name for w in queries.waves_view(uow, Principal(frozenset([OPERATOR])))] == ["旧批次"]
