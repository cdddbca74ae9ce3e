"""The migration service's entrypoints as nameko's worker_factory builds them, their database and the inventory replaced
by fakes: each decodes its request, runs its use case and answers in protobuf with what the caller may see."""

from datetime import UTC, datetime, timedelta

import pytest
from nameko.testing.services import worker_factory

from services.common.auth import OPERATOR, SRE
from services.common.errors import InvalidArgument, NotFound
from services.common.events import SYSTEM_UPDATED
from services.common.timestamps import timestamp
from services.migration.domain.model import MigrationRun, RunState, Step, StepRecord, Wave, WaveSystem
from services.migration.service import MigrationService
from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb
from tests.fixtures.inventory_events import system_event
from tests.unit.fakes import FakeCatalogue, FakeMigrationUnitOfWork, call_context

NOW = datetime(2016, 6, 30, 8, tzinfo=UTC)
JKK, RKK, SBK = "HA-WJW-JKK", "HA-WJW-RKK", "HA-RST-SBK"
OPERATOR_CALL = call_context(OPERATOR)


def a_run(code: str, organisation: str, state: RunState, **changes) -> MigrationRun:  # type: ignore[no-untyped-def]
    return MigrationRun(f"id-{code}", code, organisation, NOW, NOW, wave_id="w", state=state, **changes)


@pytest.fixture
def service(uow: FakeMigrationUnitOfWork, catalogue: FakeCatalogue) -> MigrationService:
    """The service's worker on the fake unit of work and inventory; its other dependencies are MagicMocks."""
    return worker_factory(MigrationService, uow=uow, catalogue=catalogue)


def test_a_new_wave_is_decoded_with_its_window_and_answered_in_its_dependency_layers(uow) -> None:  # type: ignore[no-untyped-def]
    service = worker_factory(MigrationService, uow=uow, catalogue=FakeCatalogue(depends_on={JKK: [RKK]}))
    end = NOW + timedelta(days=2)
    request = pb.CreateWaveRequest(
        name="第一批", systems=[JKK, RKK], concurrency=1, window_start=timestamp(NOW), window_end=timestamp(end)
    )

    wave = service.create_wave(request, OPERATOR_CALL)

    assert (wave.name, wave.state, wave.concurrency, wave.auto_approve) == ("第一批", "planned", 1, False)
    assert (wave.window_start.ToDatetime(tzinfo=UTC), wave.window_end.ToDatetime(tzinfo=UTC)) == (NOW, end)
    assert [(m.code, m.layer) for m in wave.systems] == [(RKK, 0), (JKK, 1)]


def test_a_wave_asked_for_without_its_window_is_refused_naming_the_field(service) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as refused:
        service.create_wave(pb.CreateWaveRequest(name="第一批", systems=[JKK], concurrency=1), OPERATOR_CALL)

    assert [v.field for v in refused.value.violations] == ["window_end"]


def test_a_started_migration_is_answered_with_its_run_in_precheck(service, uow) -> None:  # type: ignore[no-untyped-def]
    run = service.start_migration(pb.StartMigrationRequest(system_code=JKK, auto_approve=True), OPERATOR_CALL)

    assert (run.system_code, run.organisation_code, run.state, run.wave_id) == (JKK, "HA-WJW", "precheck", "")
    with uow:
        assert uow.migrations.run(run.id).auto_approve  # type: ignore[union-attr]


def test_an_approval_is_decoded_into_its_decision_and_answered_with_the_run_in_cutover(service, uow) -> None:  # type: ignore[no-untyped-def]
    uow.seed(a_run(JKK, "HA-WJW", RunState.AWAITING_APPROVAL))
    request = pb.ApproveCutoverRequest(id=JKK, decided_by="王主任", rollback_plan="回切到原机房")

    answer = service.approve_cutover(request, OPERATOR_CALL)

    assert (answer.system_code, answer.state) == (JKK, "cutover")
    assert (answer.approval.decided_by, answer.approval.rollback_plan) == ("王主任", "回切到原机房")
    assert answer.approval.approved_at.ToDatetime(tzinfo=UTC) > NOW
    assert [event.reason for event in uow.announced] == ["approved by 王主任"]


@pytest.mark.parametrize(
    ("method", "before", "after"),
    [
        ("cancel_migration", a_run(JKK, "HA-WJW", RunState.AWAITING_APPROVAL), "cancelled"),
        ("retry_migration", a_run(JKK, "HA-WJW", RunState.FAILED, failed_step=Step.SYNC, error="rsync 23"), "sync"),
        ("rollback_migration", a_run(JKK, "HA-WJW", RunState.COMPLETED), "rolling_back"),
    ],
)
def test_each_operator_command_moves_the_run_it_names_and_answers_with_it(  # type: ignore[no-untyped-def]
    service, uow, method: str, before: MigrationRun, after: str
) -> None:
    uow.seed(before)

    answer = getattr(service, method)(pb.GetMigrationRequest(id=before.id), OPERATOR_CALL)

    assert (answer.id, answer.state, answer.failed_step, answer.error) == (before.id, after, "", "")
    assert [event.run.state.value for event in uow.announced] == [after]


def test_a_department_gets_its_own_run_with_its_steps_and_is_told_another_departments_does_not_exist(  # type: ignore[no-untyped-def]
    service, uow
) -> None:
    run = a_run(JKK, "HA-WJW", RunState.SYNC)
    uow.seed(
        run,
        StepRecord(run.id, Step.SYNC, 1, NOW.replace(minute=5), percent=40),
        StepRecord(run.id, Step.PRECHECK, 1, NOW, state="completed", percent=100, finished_at=NOW),
    )

    mine = service.get_migration(pb.GetMigrationRequest(id=JKK), call_context("department:HA-WJW"))

    assert (mine.id, mine.organisation_code, mine.wave_id) == (run.id, "HA-WJW", "w")
    assert [(s.name, s.state, s.attempt) for s in mine.steps] == [("precheck", "completed", 1), ("sync", "running", 1)]
    with pytest.raises(NotFound, match=f"no migration {JKK}"):
        service.get_migration(pb.GetMigrationRequest(id=JKK), call_context("department:HA-RST"))


def test_listing_runs_by_state_names_a_state_that_is_none_and_shows_a_department_only_its_own(service, uow) -> None:  # type: ignore[no-untyped-def]
    uow.seed(a_run(JKK, "HA-WJW", RunState.SYNC), a_run(SBK, "HA-RST", RunState.SYNC))

    with pytest.raises(InvalidArgument) as refused:
        service.list_migrations(pb.ListMigrationsRequest(state="syncing"), OPERATOR_CALL)
    assert [v.field for v in refused.value.violations] == ["state"]

    def listed(*roles: str) -> list[str]:
        answer = service.list_migrations(pb.ListMigrationsRequest(state="sync"), call_context(*roles))
        return [run.system_code for run in answer.runs]

    assert (listed(SRE), listed("department:HA-RST")) == ([SBK, JKK], [SBK])


def test_a_wave_is_answered_with_the_members_and_runs_the_caller_may_see(service, uow) -> None:  # type: ignore[no-untyped-def]
    uow.seed(
        Wave("联合批次", 2, NOW, NOW.replace(hour=20), NOW, id="w"),
        WaveSystem("w", JKK, 0, "HA-WJW"),
        WaveSystem("w", SBK, 1, "HA-RST"),
        a_run(JKK, "HA-WJW", RunState.COMPLETED),
        a_run(SBK, "HA-RST", RunState.PENDING),
    )

    wave = service.get_wave(pb.GetWaveRequest(id="联合批次"), call_context("department:HA-RST"))
    listed = service.list_waves(pb.ListWavesRequest(), OPERATOR_CALL)

    assert (wave.id, wave.state, wave.window_end.ToDatetime(tzinfo=UTC)) == ("w", "planned", NOW.replace(hour=20))
    assert [(m.code, m.layer) for m in wave.systems] == [(SBK, 1)]
    assert [(r.system_code, r.state) for r in wave.runs] == [(SBK, "pending")]
    assert [[m.code for m in w.systems] for w in listed.waves] == [[JKK, SBK]]


def test_the_inventorys_news_of_a_system_moved_to_another_organisation_moves_its_runs(service, uow) -> None:  # type: ignore[no-untyped-def]
    uow.seed(a_run(JKK, "HA-WJW", RunState.SYNC))

    service.on_inventory_events([system_event(JKK, "HA-GAT", system_id=f"id-{JKK}", type_=SYSTEM_UPDATED)])

    with uow:
        assert [run.organisation_code for run in uow.migrations.runs()] == ["HA-GAT"]
