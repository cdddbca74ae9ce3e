"""A department sees only the waves holding one of its systems, and of those only its own members and runs: the rules,
and the read use cases on fakes of their ports (tests/unit/fakes.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from services.common.auth import OPERATOR, SRE, Principal
from services.common.errors import NotFound
from services.common.events import SYSTEM_UPDATED, Event
from services.migration import handlers, queries
from services.migration.domain.model import MigrationRun, WaveSystem
from services.migration.domain.visibility import members_seen_by, runs_seen_by, wave_seen_by
from tests.fixtures.inventory_events import system_event
from tests.unit.fakes import FakeCatalogue, FakeMigrationUnitOfWork

NOW = datetime(2016, 6, 30, 8, tzinfo=UTC)
WJW, RST, GAT = "HA-WJW", "HA-RST", "HA-GAT"
ORGANISATION_OF = {"HA-WJW-JKK": WJW, "HA-WJW-RKK": WJW, "HA-RST-SBK": RST}
OPERATOR_CALLER = Principal(frozenset([OPERATOR]))


def department(code: str) -> Principal:
    return Principal(frozenset([f"department:{code}"]))


def member(code: str, organisation: str) -> WaveSystem:
    return WaveSystem(wave_id="w", system_code=code, layer=0, organisation_code=organisation)


def run(code: str, organisation: str) -> MigrationRun:
    return MigrationRun(
        system_id=code, system_code=code, organisation_code=organisation, created_at=NOW, updated_at=NOW, wave_id="w"
    )


MEMBERS = [member(code, organisation) for code, organisation in ORGANISATION_OF.items()]
RUNS = [run(code, organisation) for code, organisation in ORGANISATION_OF.items()]


def test_staff_see_every_member_and_run_of_every_wave() -> None:
    assert members_seen_by(None, MEMBERS) == MEMBERS
    assert runs_seen_by(None, RUNS) == RUNS
    assert wave_seen_by(None, MEMBERS)


def test_a_department_sees_only_its_own_members_and_runs() -> None:
    assert [m.system_code for m in members_seen_by(WJW, MEMBERS)] == ["HA-WJW-JKK", "HA-WJW-RKK"]
    assert [r.system_code for r in runs_seen_by(RST, RUNS)] == ["HA-RST-SBK"]
    assert wave_seen_by(WJW, MEMBERS) and wave_seen_by(RST, MEMBERS)


def test_a_department_without_a_member_does_not_see_the_wave() -> None:
    assert not wave_seen_by(GAT, MEMBERS)
    assert members_seen_by(GAT, MEMBERS) == []


def test_a_member_of_unknown_organisation_is_seen_by_staff_only() -> None:
    legacy = [member("HA-WJW-JKK", "")]

    assert not wave_seen_by(WJW, legacy)
    assert wave_seen_by(None, legacy)


def plan_wave(uow: FakeMigrationUnitOfWork, name: str, codes: list[str]) -> FakeCatalogue:
    catalogue = FakeCatalogue(organisation_of=ORGANISATION_OF)
    command = handlers.CreateWave(
        name=name, systems=codes, window_start=NOW, window_end=NOW + timedelta(days=2), concurrency=2
    )
    handlers.create_wave(command, uow, catalogue)
    return catalogue


def test_a_department_lists_only_waves_holding_its_systems_and_only_their_own_members(
    uow: FakeMigrationUnitOfWork,
) -> None:
    plan_wave(uow, "卫健委批次", ["HA-WJW-JKK"])
    plan_wave(uow, "混合批次", ["HA-WJW-RKK", "HA-RST-SBK"])

    def listed(caller: Principal) -> dict[str, list[str]]:
        return {w.wave.name: [m.system_code for m in w.members] for w in queries.waves_view(uow, caller)}

    assert listed(department(RST)) == {"混合批次": ["HA-RST-SBK"]}
    assert listed(department(WJW)) == {"卫健委批次": ["HA-WJW-JKK"], "混合批次": ["HA-WJW-RKK"]}
    assert listed(department(GAT)) == {}
    assert listed(Principal(frozenset([SRE]))) == {
        "卫健委批次": ["HA-WJW-JKK"],
        "混合批次": ["HA-RST-SBK", "HA-WJW-RKK"],
    }


def test_a_department_without_a_member_is_told_the_wave_does_not_exist(uow: FakeMigrationUnitOfWork) -> None:
    plan_wave(uow, "混合批次", ["HA-WJW-RKK", "HA-RST-SBK"])

    assert [m.system_code for m in queries.wave_view("混合批次", uow, department(RST)).members] == ["HA-RST-SBK"]
    with pytest.raises(NotFound, match="no wave 混合批次"):
        queries.wave_view("混合批次", uow, department(GAT))
    assert len(queries.wave_view("混合批次", uow, OPERATOR_CALLER).members) == 2


def moved(code: str, organisation: str) -> Event:
    """The inventory's news that the system (as FakeCatalogue has it) now belongs to `organisation`."""
    return system_event(code, organisation, system_id=f"id-{code}", name=code, type_=SYSTEM_UPDATED)


def test_a_system_moved_to_another_organisation_takes_its_runs_and_wave_place_along_once(
    uow: FakeMigrationUnitOfWork,
) -> None:
    catalogue = plan_wave(uow, "混合批次", ["HA-WJW-RKK", "HA-RST-SBK"])
    handlers.start_migration("HA-WJW-RKK", True, uow, catalogue)  # type: ignore[arg-type]
    to_gat = moved("HA-WJW-RKK", GAT)

    def seen(caller: Principal) -> tuple[dict[str, list[str]], list[str]]:
        waves = {w.wave.name: [m.system_code for m in w.members] for w in queries.waves_view(uow, caller)}
        return waves, [view.run.system_code for view in queries.runs_view("", "", uow, caller)]

    handlers.follow_system_moves([to_gat], uow)
    assert seen(department(GAT)) == ({"混合批次": ["HA-WJW-RKK"]}, ["HA-WJW-RKK"])
    assert seen(department(WJW)) == ({}, [])

    handlers.follow_system_moves([moved("HA-WJW-RKK", RST), moved("HA-WJW-RKK", WJW)], uow)  # in order
    handlers.follow_system_moves([to_gat], uow)  # redelivered: changes nothing

    assert seen(department(WJW)) == ({"混合批次": ["HA-WJW-RKK"]}, ["HA-WJW-RKK"])
    assert seen(department(GAT)) == ({}, [])
    assert seen(department(RST)) == ({"混合批次": ["HA-RST-SBK"]}, [])
    with pytest.raises(NotFound):
        queries.run_view("HA-WJW-RKK", uow, department(GAT))
