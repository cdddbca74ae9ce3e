"""The operators' migration use cases on fakes of their ports (tests/unit/fakes.py): what they store, what they refuse
and leave unstored, and which run state changes they announce."""

from datetime import UTC, datetime, timedelta

import pytest

from services.common.errors import FailedPrecondition, InvalidArgument, NotFound
from services.common.events import SYSTEM_REGISTERED
from services.migration import handlers
from services.migration.domain.events import RunStateChanged
from services.migration.domain.model import MigrationRun, RunState, Step, WaveState
from tests.fixtures.inventory_events import system_event
from tests.unit.fakes import FakeCatalogue, FakeMigrationUnitOfWork

NOW = datetime(2016, 6, 30, 8, tzinfo=UTC)
JKK, RKK, SBK = "HA-WJW-JKK", "HA-WJW-RKK", "HA-WJW-SBK"
NEEDS_RKK = {JKK: [RKK]}


def plan(name: str, systems: list[str], concurrency: int = 2) -> handlers.CreateWave:
    return handlers.CreateWave(name, systems, NOW, NOW + timedelta(days=2), concurrency, auto_approve=True)


def a_run(code: str = JKK, state: RunState = RunState.PENDING, **changes) -> MigrationRun:  # type: ignore[no-untyped-def]
    return MigrationRun(f"id-{code}", code, "HA-WJW", NOW, NOW, state=state, **changes)


def moves(uow: FakeMigrationUnitOfWork) -> list[tuple[str, str, str, str]]:
    """(system, from, to, reason) of every run state change committed and announced so far."""
    announced = [event for event in uow.announced if isinstance(event, RunStateChanged)]
    return [(e.run.system_code, e.previous.value, e.run.state.value, e.reason) for e in announced]


def stored_runs(uow: FakeMigrationUnitOfWork) -> list[tuple[str, RunState]]:
    with uow:
        return [(run.system_code, run.state) for run in uow.migrations.runs()]


def test_a_wave_is_planned_in_dependency_layers_each_member_with_its_organisation_from_one_lookup(uow) -> None:  # type: ignore[no-untyped-def]
    catalogue = FakeCatalogue(organisation_of={SBK: "HA-RST"}, depends_on=NEEDS_RKK)

    wave = handlers.create_wave(plan("第一批", [JKK, SBK, RKK]), uow, catalogue)  # type: ignore[arg-type]

    with uow:
        members = [(m.system_code, m.layer, m.organisation_code) for m in uow.migrations.members(wave.id)]
    assert members == [(RKK, 0, "HA-WJW"), (SBK, 0, "HA-RST"), (JKK, 1, "HA-WJW")]
    assert sorted(catalogue.asked) == sorted([JKK, SBK, RKK])
    assert (wave.state, uow.announced) == (WaveState.PLANNED, [])


def test_a_wave_name_longer_than_stored_is_refused_before_anything_is_asked(uow, catalogue) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as refused:
        handlers.create_wave(plan("批" * 201, [JKK]), uow, catalogue)

    assert [(v.field, v.reason) for v in refused.value.violations] == [("name", "is longer than 200 characters")]
    assert catalogue.asked == []


@pytest.mark.parametrize(
    ("name", "systems", "violation"),
    [
        ("第二批\x00", [JKK], ("name", "contains a control character")),
        ("第二批", [JKK, " "], ("systems", "lists an empty system code")),
        ("第二批", [JKK, JKK], ("systems", "lists a system twice")),
    ],
)
def test_a_wave_with_a_control_character_in_its_name_or_a_bad_system_list_is_refused_naming_the_field(
    uow,  # type: ignore[no-untyped-def]
    catalogue,
    name: str,
    systems: list[str],
    violation: tuple[str, str],
) -> None:
    with pytest.raises(InvalidArgument) as raised:
        handlers.create_wave(plan(name, systems), uow, catalogue)

    assert [(v.field, v.reason) for v in raised.value.violations] == [violation]


def test_a_second_wave_of_the_same_name_is_refused(uow, catalogue) -> None:  # type: ignore[no-untyped-def]
    handlers.create_wave(plan("第一批", [JKK]), uow, catalogue)

    with pytest.raises(FailedPrecondition, match="a wave named 第一批 already exists"):
        handlers.create_wave(plan("第一批", [RKK]), uow, catalogue)
    with uow:
        assert [w.name for w in uow.migrations.waves()] == ["第一批"]


def test_a_wave_refuses_a_dependency_neither_migrated_nor_in_it_nor_in_an_earlier_wave(uow) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as refused:
        handlers.create_wave(plan("第二批", [JKK]), uow, FakeCatalogue(depends_on=NEEDS_RKK))  # type: ignore[arg-type]

    assert [v.reason for v in refused.value.violations] == [
        f"{JKK} depends on {RKK}, which is neither migrated nor in an earlier wave"
    ]
    migrated = FakeCatalogue(depends_on=NEEDS_RKK, migrated={RKK})
    assert handlers.create_wave(plan("第二批", [JKK]), uow, migrated).state is WaveState.PLANNED  # type: ignore[arg-type]


def test_a_retired_system_is_refused_by_a_new_wave_and_a_start_naming_it_and_nothing_is_stored(uow) -> None:  # type: ignore[no-untyped-def]
    catalogue = FakeCatalogue(retired={"HA-WJW-OLD"})

    with pytest.raises(FailedPrecondition, match="HA-WJW-OLD retired"):
        handlers.create_wave(plan("第二批", [JKK, "HA-WJW-OLD"]), uow, catalogue)  # type: ignore[arg-type]
    with pytest.raises(FailedPrecondition, match="HA-WJW-OLD retired"):
        handlers.start_migration("HA-WJW-OLD", True, uow, catalogue)  # type: ignore[arg-type]

    with uow:
        assert (uow.migrations.waves(), uow.migrations.latest_run("HA-WJW-OLD")) == ([], None)
    assert uow.announced == []


@pytest.mark.parametrize(
    "action",
    [
        lambda uow, catalogue: handlers.find_run(" ", uow),
        lambda uow, catalogue: handlers.start_wave(" ", uow, catalogue),
        lambda uow, catalogue: handlers.cancel("", uow),
    ],
)
def test_an_empty_run_or_wave_reference_is_refused_by_name(uow, catalogue, action) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as refused:
        action(uow, catalogue)

    assert [v.field for v in refused.value.violations] == ["id"]


def test_an_unknown_run_or_wave_is_not_found(uow, catalogue) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound, match="no migration HA-WJW-NONE"):
        handlers.retry("HA-WJW-NONE", uow)
    with pytest.raises(NotFound, match="no wave 第九批"):
        handlers.start_wave("第九批", uow, catalogue)


def test_a_wave_does_not_start_before_the_earlier_wave_holding_a_dependency_has_migrated_it(uow) -> None:  # type: ignore[no-untyped-def]
    catalogue = FakeCatalogue(depends_on=NEEDS_RKK)
    first = handlers.create_wave(plan("第一批", [RKK]), uow, catalogue)  # type: ignore[arg-type]
    handlers.create_wave(plan("第二批", [JKK]), uow, catalogue)  # type: ignore[arg-type]

    with pytest.raises(FailedPrecondition, match=f"{JKK} depends on {RKK}, which has not migrated yet"):
        handlers.start_wave("第二批", uow, catalogue)  # type: ignore[arg-type]
    with uow:
        second = uow.migrations.wave("第二批")
        assert second is not None and second.state is WaveState.PLANNED
        assert uow.migrations.runs(wave_id=second.id) == []

    handlers.start_wave("第一批", uow, catalogue)  # type: ignore[arg-type]
    with uow:
        (first_run,) = uow.migrations.runs(wave_id=first.id)
        first_run.state = RunState.COMPLETED
        uow.commit()

    assert handlers.start_wave("第二批", uow, catalogue).state is WaveState.RUNNING  # type: ignore[arg-type]


def test_a_wave_that_cannot_start_one_member_starts_none(uow, catalogue) -> None:  # type: ignore[no-untyped-def]
    handlers.create_wave(plan("第一批", [JKK, RKK, SBK]), uow, catalogue)
    uow.seed(a_run(SBK, RunState.SYNC))

    with pytest.raises(FailedPrecondition, match=f"{SBK} already has a migration that is sync"):
        handlers.start_wave("第一批", uow, catalogue)

    assert stored_runs(uow) == [(SBK, RunState.SYNC)]  # the runs added for JKK and RKK were not kept
    with uow:
        assert uow.migrations.wave("第一批").state is WaveState.PLANNED  # type: ignore[union-attr]


def test_a_started_wave_has_a_pending_run_per_member_and_scheduling_starts_the_first_layer_up_to_its_cap(uow) -> None:  # type: ignore[no-untyped-def]
    catalogue = FakeCatalogue(depends_on=NEEDS_RKK)
    handlers.create_wave(plan("第一批", [JKK, RKK, SBK], concurrency=1), uow, catalogue)  # type: ignore[arg-type]

    assert handlers.start_wave("第一批", uow, catalogue).state is WaveState.RUNNING  # type: ignore[arg-type]
    assert stored_runs(uow) == [(JKK, RunState.PENDING), (RKK, RunState.PENDING), (SBK, RunState.PENDING)]
    assert (handlers.schedule_waves(uow), handlers.schedule_waves(uow)) == (1, 0)  # the cap holds the second back

    assert moves(uow) == [(RKK, "pending", "precheck", "started by wave 第一批")]


def test_a_wave_whose_first_layer_ended_unmigrated_cancels_the_later_layers_and_finishes(uow) -> None:  # type: ignore[no-untyped-def]
    catalogue = FakeCatalogue(depends_on=NEEDS_RKK)
    handlers.create_wave(plan("第一批", [JKK, RKK, SBK]), uow, catalogue)  # type: ignore[arg-type]
    handlers.start_wave("第一批", uow, catalogue)  # type: ignore[arg-type]
    with uow:
        ended = {RKK: RunState.ROLLED_BACK, SBK: RunState.COMPLETED}
        for run in uow.migrations.runs():
            run.state = ended.get(run.system_code, run.state)
        uow.commit()

    assert handlers.schedule_waves(uow) == 0

    reason = f"not started: {RKK} of an earlier layer ended rolled_back; plan it again in a new wave"
    assert moves(uow) == [(JKK, "pending", "cancelled", reason)]
    with uow:
        assert uow.migrations.wave("第一批").state is WaveState.FINISHED  # type: ignore[union-attr]


def test_starting_a_migration_stores_a_run_in_precheck_and_announces_it(uow, catalogue) -> None:  # type: ignore[no-untyped-def]
    run = handlers.start_migration(JKK, False, uow, catalogue)

    with uow:
        stored = uow.migrations.latest_run(JKK)
    assert stored is not None and stored.id == run.id
    assert (stored.system_id, stored.organisation_code, stored.state, stored.auto_approve) == (
        f"id-{JKK}",
        "HA-WJW",
        RunState.PRECHECK,
        False,
    )
    assert moves(uow) == [(JKK, "pending", "precheck", "started by an operator")]


def test_a_system_with_an_active_run_is_not_started_again_but_one_that_ended_is(uow, catalogue) -> None:  # type: ignore[no-untyped-def]
    first = handlers.start_migration(JKK, True, uow, catalogue)

    with pytest.raises(FailedPrecondition, match=rf"{JKK} already has a migration that is precheck \(run {first.id}\)"):
        handlers.start_migration(JKK, True, uow, catalogue)
    assert len(stored_runs(uow)) == 1

    with uow:
        uow.migrations.run(first.id).state = RunState.CANCELLED  # type: ignore[union-attr]
        uow.commit()
    second = handlers.start_migration(JKK, True, uow, catalogue)

    assert handlers.find_run(JKK, uow).id == second.id  # a system code finds its newest run
    assert len(moves(uow)) == 2


def test_an_approval_names_its_decision_maker_and_moves_to_cutover(uow) -> None:  # type: ignore[no-untyped-def]
    waiting = a_run(state=RunState.AWAITING_APPROVAL)
    uow.seed(waiting)

    approved = handlers.approve_cutover(JKK, "王主任", "回切到原机房", uow)  # by the system's code

    assert (approved.id, approved.approved_by, approved.rollback_plan) == (waiting.id, "王主任", "回切到原机房")
    assert moves(uow) == [(JKK, "awaiting_approval", "cutover", "approved by 王主任")]


def test_an_approval_without_a_rollback_plan_changes_and_announces_nothing(uow) -> None:  # type: ignore[no-untyped-def]
    uow.seed(a_run(state=RunState.AWAITING_APPROVAL))

    with pytest.raises(InvalidArgument, match="rollback plan"):
        handlers.approve_cutover(JKK, "王主任", " ", uow)

    assert (stored_runs(uow), uow.announced) == ([(JKK, RunState.AWAITING_APPROVAL)], [])


def test_a_run_nothing_drives_is_cancelled_at_once_and_a_driven_one_is_asked_to_stop(uow) -> None:  # type: ignore[no-untyped-def]
    uow.seed(a_run(JKK, RunState.AWAITING_APPROVAL), a_run(SBK, RunState.SYNC))

    assert handlers.cancel(JKK, uow).state is RunState.CANCELLED
    asked = handlers.cancel(SBK, uow)

    assert (asked.state, asked.cancel_requested) == (RunState.SYNC, True)
    with uow:
        assert uow.migrations.latest_run(SBK).cancel_requested  # type: ignore[union-attr]
    assert moves(uow) == [(JKK, "awaiting_approval", "cancelled", "cancelled by an operator")]


def test_a_retry_resumes_at_the_failed_step_and_forgets_the_error(uow) -> None:  # type: ignore[no-untyped-def]
    uow.seed(a_run(state=RunState.FAILED, failed_step=Step.DEPLOY, error="disk full"))

    retried = handlers.retry(JKK, uow)

    assert (retried.state, retried.failed_step, retried.error) == (RunState.DEPLOY, None, "")
    assert moves(uow) == [(JKK, "failed", "deploy", "retry from deploy")]


def test_a_rollback_is_announced_with_the_state_it_left(uow) -> None:  # type: ignore[no-untyped-def]
    uow.seed(a_run(state=RunState.COMPLETED))

    assert handlers.rollback(JKK, uow).state is RunState.ROLLING_BACK
    assert moves(uow) == [(JKK, "completed", "rolling_back", "rollback requested by an operator")]


def test_only_a_systems_newest_run_may_be_retried_or_rolled_back(uow, catalogue) -> None:  # type: ignore[no-untyped-def]
    first = a_run(state=RunState.FAILED, failed_step=Step.PRECHECK, error="disk full")
    uow.seed(first)
    second = handlers.start_migration(JKK, True, uow, catalogue)

    for act in (handlers.retry, handlers.rollback):
        with pytest.raises(FailedPrecondition, match=f"has a newer migration, run {second.id}, which is precheck"):
            act(first.id, uow)

    assert sorted(state for _, state in stored_runs(uow)) == [RunState.FAILED, RunState.PRECHECK]
    assert moves(uow) == [(JKK, "pending", "precheck", "started by an operator")]


# A system's move to another organisation, and what departments see of it after: test_wave_visibility.py.
def test_the_inventorys_other_events_are_passed_over_without_a_transaction(uow) -> None:  # type: ignore[no-untyped-def]
    handlers.follow_system_moves([system_event(JKK, "HA-GAT", type_=SYSTEM_REGISTERED)], uow)

    assert (uow.commits, uow.inbox.seen) == (0, set())
