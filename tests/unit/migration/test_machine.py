from datetime import UTC, datetime

import pytest

from services.common.errors import FailedPrecondition, InvalidArgument
from services.common.events import MIGRATION_STEPS
from services.migration.domain import machine
from services.migration.domain.model import MigrationRun, RunState, Step

NOW = datetime(2016, 6, 30, tzinfo=UTC)


def run(state: RunState = RunState.PENDING, **changes) -> MigrationRun:  # type: ignore[no-untyped-def]
    return MigrationRun(
        system_id="s-1",
        system_code="HA-RST-SBK",
        organisation_code="HA-RST",
        created_at=NOW,
        updated_at=NOW,
        state=state,
        **changes,
    )


@pytest.mark.parametrize(
    ("state", "step", "after"),
    [
        (RunState.PRECHECK, Step.PRECHECK, RunState.SYNC),
        (RunState.SYNC, Step.SYNC, RunState.DEPLOY),
        (RunState.DEPLOY, Step.DEPLOY, RunState.AWAITING_APPROVAL),
        (RunState.CUTOVER, Step.CUTOVER, RunState.VERIFY),
        (RunState.VERIFY, Step.VERIFY, RunState.COMPLETED),
        (RunState.ROLLING_BACK, Step.ROLLBACK, RunState.ROLLED_BACK),
    ],
)
def test_each_completed_step_leads_to_the_next_state(state: RunState, step: Step, after: RunState) -> None:
    assert machine.step_succeeded(run(state), step) is after


def test_a_cancel_asked_during_a_cancellable_step_ends_the_run_when_the_step_completes() -> None:
    assert machine.step_succeeded(run(RunState.SYNC, cancel_requested=True), Step.SYNC) is RunState.CANCELLED
    assert machine.step_succeeded(run(RunState.VERIFY, cancel_requested=True), Step.VERIFY) is RunState.COMPLETED


def test_a_rehearsal_skips_the_approval() -> None:
    assert machine.step_succeeded(run(RunState.DEPLOY, auto_approve=True), Step.DEPLOY) is RunState.CUTOVER


def test_a_rehearsal_runs_the_steps_in_the_order_every_reader_of_step_events_shows_them() -> None:
    current, performed = run(machine.start(run()), auto_approve=True), []
    while (step := current.step) is not None:
        performed.append(step.value)
        current = run(machine.step_succeeded(current, step), auto_approve=True)

    assert tuple(performed) == MIGRATION_STEPS


@pytest.mark.parametrize(
    ("state", "step"), [(RunState.PRECHECK, Step.PRECHECK), (RunState.SYNC, Step.SYNC), (RunState.DEPLOY, Step.DEPLOY)]
)
def test_a_failure_before_cutover_stops_the_run(state: RunState, step: Step) -> None:
    assert machine.step_failed(run(state), step) is RunState.FAILED


@pytest.mark.parametrize(("state", "step"), [(RunState.CUTOVER, Step.CUTOVER), (RunState.VERIFY, Step.VERIFY)])
def test_a_failed_cutover_or_verify_rolls_back_by_itself(state: RunState, step: Step) -> None:
    assert machine.step_failed(run(state), step) is RunState.ROLLING_BACK


def test_approval_needs_a_decision_maker_and_a_rollback_plan() -> None:
    waiting = run(RunState.AWAITING_APPROVAL)
    with pytest.raises(InvalidArgument, match="rollback plan"):
        machine.approve(waiting, "王主任", " ", NOW)

    assert machine.approve(waiting, "王主任", "回切到原机房", NOW) is RunState.CUTOVER
    assert (waiting.approved_by, waiting.rollback_plan) == ("王主任", "回切到原机房")


@pytest.mark.parametrize(
    ("decided_by", "plan", "field"), [("王\x00主任", "回切", "decided_by"), ("王主任", "回切\x1b[2J", "rollback_plan")]
)
def test_an_approval_with_a_control_character_is_refused_naming_the_field(
    decided_by: str, plan: str, field: str
) -> None:
    waiting = run(RunState.AWAITING_APPROVAL)
    with pytest.raises(InvalidArgument) as raised:
        machine.approve(waiting, decided_by, plan, NOW)

    assert [(v.field, v.reason) for v in raised.value.violations] == [(field, "contains a control character")]
    assert (waiting.state, waiting.approved_by) == (RunState.AWAITING_APPROVAL, "")


def test_a_decision_maker_longer_than_stored_is_refused_by_name() -> None:
    waiting = run(RunState.AWAITING_APPROVAL)
    with pytest.raises(InvalidArgument) as refused:
        machine.approve(waiting, "王" * 201, "回切到原机房", NOW)

    assert [(v.field, v.reason) for v in refused.value.violations] == [("decided_by", "is longer than 200 characters")]
    assert waiting.approved_by == ""


def test_retry_resumes_at_the_failed_step() -> None:
    assert machine.retry(run(RunState.FAILED, failed_step=Step.DEPLOY)) is RunState.DEPLOY


@pytest.mark.parametrize(
    ("action", "state"),
    [
        (machine.start, RunState.SYNC),
        (machine.retry, RunState.COMPLETED),
        (machine.cancel, RunState.CUTOVER),
        (machine.rollback, RunState.PENDING),
        (machine.cancel, RunState.COMPLETED),
    ],
)
def test_illegal_moves_name_the_current_state(action, state: RunState) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FailedPrecondition, match=f"it is {state.value}"):
        action(run(state))


def test_a_step_outcome_for_another_step_is_refused() -> None:
    with pytest.raises(FailedPrecondition):
        machine.step_succeeded(run(RunState.SYNC), Step.PRECHECK)
