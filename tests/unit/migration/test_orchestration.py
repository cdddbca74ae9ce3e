"""The orchestrator's decisions, in every state, without a database, an inventory, a gate or a playbook."""

from datetime import UTC, datetime, timedelta

import pytest

from services.migration.domain.model import WORKING, MigrationRun, RecordState, RunState, Step, StepRecord
from services.migration.domain.orchestration import (
    Answers,
    AskGate,
    AskInventory,
    CancelRun,
    GateAnswer,
    LeaveRun,
    PerformStep,
    RefuseStep,
    StepResult,
    after_step,
    begin_attempt,
    next_action,
)

NOW = datetime(2016, 6, 30, 8, tzinfo=UTC)
ME = "replica-a"
PROVINCE, CITY = Answers(city_or_county=False), Answers(city_or_county=True)
OPEN = GateAnswer(ready=True, platform_code="HA-ZZ", reasons=[])
CLOSED = GateAnswer(ready=False, platform_code="HA-ZZ", reasons=["link to HA-ZZ is down"])
OK = StepResult(ok=True, cancelled=False, message="done")
FAILED = StepResult(ok=False, cancelled=False, message="rsync exited 23")
CANCELLED = StepResult(ok=False, cancelled=True, message="sync cancelled")
WAITING = sorted(set(RunState) - WORKING, key=str)


def a_run(state: RunState, **changes) -> MigrationRun:  # type: ignore[no-untyped-def]
    fields = {"claimed_by": ME, **changes}
    return MigrationRun("s-1", "HA-ZZ-ZHYL", "HA-ZZ", NOW, NOW, state=state, **fields)


def a_record(step: Step, attempt: int = 1, state: str = RecordState.COMPLETED) -> StepRecord:
    return StepRecord(run_id="r-1", step=step, attempt=attempt, started_at=NOW, state=state)


def test_a_run_that_is_gone_is_left() -> None:
    assert next_action(None, [], ME, PROVINCE, NOW) == LeaveRun()


def test_a_run_another_replica_holds_is_left() -> None:
    assert next_action(a_run(RunState.SYNC, claimed_by="replica-b"), [], ME, PROVINCE, NOW) == LeaveRun()


@pytest.mark.parametrize("state", WAITING)
def test_a_run_that_is_not_at_a_step_is_left(state: RunState) -> None:
    assert next_action(a_run(state), [], ME, PROVINCE, NOW) == LeaveRun()


@pytest.mark.parametrize("state", sorted(WORKING, key=str))
def test_every_step_first_asks_the_inventory(state: RunState) -> None:
    assert next_action(a_run(state), [], ME, Answers(), NOW) == AskInventory()


@pytest.mark.parametrize("state", [RunState.PRECHECK, RunState.SYNC, RunState.DEPLOY])
def test_a_cancel_asked_between_steps_cancels_before_the_next_one(state: RunState) -> None:
    action = next_action(a_run(state, cancel_requested=True), [], ME, Answers(), NOW)
    assert action == CancelRun(f"cancelled by an operator before {state.value}")


def test_a_cancel_asked_of_an_earlier_state_does_not_stop_a_rollback() -> None:
    action = next_action(a_run(RunState.ROLLING_BACK, cancel_requested=True), [], ME, PROVINCE, NOW)
    assert action == PerformStep(Step.ROLLBACK, 1)


@pytest.mark.parametrize("state", sorted(WORKING, key=str))
def test_a_province_system_performs_its_step_without_the_gate(state: RunState) -> None:
    run = a_run(state)
    assert run.step is not None
    assert next_action(run, [], ME, PROVINCE, NOW) == PerformStep(run.step, 1)


def test_an_attempt_counts_the_earlier_attempts_at_the_same_step() -> None:
    records = [a_record(Step.PRECHECK), a_record(Step.SYNC, 1, RecordState.FAILED), a_record(Step.SYNC, 2)]
    assert next_action(a_run(RunState.SYNC), records, ME, PROVINCE, NOW) == PerformStep(Step.SYNC, 3)


def test_a_city_systems_cutover_asks_the_gate_and_goes_through_when_it_is_open() -> None:
    run = a_run(RunState.CUTOVER)
    assert next_action(run, [], ME, CITY, NOW) == AskGate()
    assert next_action(run, [], ME, Answers(city_or_county=True, gate=OPEN), NOW) == PerformStep(Step.CUTOVER, 1)


def test_a_closed_gate_refuses_the_attempt_with_its_reasons() -> None:
    action = next_action(a_run(RunState.CUTOVER), [], ME, Answers(city_or_county=True, gate=CLOSED), NOW)
    assert action == RefuseStep(
        Step.CUTOVER, 1, StepResult(False, False, "cutover gate of HA-ZZ is closed: link to HA-ZZ is down")
    )


@pytest.mark.parametrize("begun", [RecordState.RUNNING, RecordState.INTERRUPTED])
def test_a_cutover_begun_by_a_process_that_died_is_finished_without_asking_the_gate(begun: str) -> None:
    records = [a_record(Step.CUTOVER, 1, begun)]
    assert next_action(a_run(RunState.CUTOVER), records, ME, CITY, NOW) == PerformStep(Step.CUTOVER, 2)


def test_a_cutover_the_gate_refused_before_asks_it_again() -> None:
    records = [a_record(Step.CUTOVER, 1, RecordState.FAILED)]
    assert next_action(a_run(RunState.CUTOVER), records, ME, CITY, NOW) == AskGate()


def test_beginning_an_attempt_marks_the_ones_still_running_as_interrupted() -> None:
    stale, done = a_record(Step.SYNC, 1, RecordState.RUNNING), a_record(Step.PRECHECK)
    record = begin_attempt(a_run(RunState.SYNC), [done, stale], Step.SYNC, 2, NOW)
    assert (record.step, record.attempt, record.state) == (Step.SYNC, 2, RecordState.RUNNING)
    assert (stale.state, stale.finished_at, done.state) == (RecordState.INTERRUPTED, NOW, RecordState.COMPLETED)


@pytest.mark.parametrize(
    ("state", "after"),
    [
        (RunState.PRECHECK, RunState.SYNC),
        (RunState.SYNC, RunState.DEPLOY),
        (RunState.DEPLOY, RunState.AWAITING_APPROVAL),
        (RunState.CUTOVER, RunState.VERIFY),
        (RunState.VERIFY, RunState.COMPLETED),
        (RunState.ROLLING_BACK, RunState.ROLLED_BACK),
    ],
)
def test_a_completed_step_moves_the_run_on_and_is_announced(state: RunState, after: RunState) -> None:
    run = a_run(state)
    assert run.step is not None
    outcome = after_step(run, a_record(run.step, state=RecordState.RUNNING), OK, ME, gate_closed=False)
    assert (outcome.record_state, outcome.announce, outcome.run_state) == (RecordState.COMPLETED, "completed", after)
    assert outcome.reason == f"{run.step.value} completed" and not outcome.failed


def test_an_approved_or_rehearsed_deploy_goes_on_to_cutover() -> None:
    for run in (a_run(RunState.DEPLOY, auto_approve=True), a_run(RunState.DEPLOY, approved_by="王主任")):
        assert after_step(run, a_record(Step.DEPLOY), OK, ME, gate_closed=False).run_state is RunState.CUTOVER


def test_a_cancel_that_came_as_the_step_finished_stops_the_run_there() -> None:
    run = a_run(RunState.SYNC, cancel_requested=True)
    outcome = after_step(run, a_record(Step.SYNC), OK, ME, gate_closed=False)
    assert (outcome.run_state, outcome.reason) == (RunState.CANCELLED, "cancelled by an operator after sync completed")


def test_a_cancelled_playbook_cancels_the_run_without_a_step_event() -> None:
    outcome = after_step(a_run(RunState.SYNC), a_record(Step.SYNC), CANCELLED, ME, gate_closed=False)
    assert (outcome.record_state, outcome.announce, outcome.run_state) == (
        RecordState.CANCELLED,
        None,
        RunState.CANCELLED,
    )


@pytest.mark.parametrize(
    ("state", "after"),
    [
        (RunState.PRECHECK, RunState.FAILED),
        (RunState.SYNC, RunState.FAILED),
        (RunState.DEPLOY, RunState.FAILED),
        (RunState.CUTOVER, RunState.ROLLING_BACK),  # traffic may have moved: undo it
        (RunState.VERIFY, RunState.ROLLING_BACK),
        (RunState.ROLLING_BACK, RunState.FAILED),
    ],
)
def test_a_failed_step_fails_the_run_or_rolls_it_back(state: RunState, after: RunState) -> None:
    run = a_run(state)
    assert run.step is not None
    outcome = after_step(run, a_record(run.step), FAILED, ME, gate_closed=False)
    assert (outcome.record_state, outcome.announce, outcome.run_state) == (RecordState.FAILED, "failed", after)
    assert outcome.failed and outcome.reason == "rsync exited 23"


def test_a_refused_cutover_fails_without_a_rollback() -> None:
    refusal = StepResult(False, False, "cutover gate of HA-ZZ is closed: link to HA-ZZ is down")
    outcome = after_step(a_run(RunState.CUTOVER), a_record(Step.CUTOVER), refusal, ME, gate_closed=True)
    assert (outcome.run_state, outcome.failed) == (RunState.FAILED, True)


@pytest.mark.parametrize("result", [OK, FAILED])
def test_a_step_outcome_after_an_operator_rolled_the_run_back_is_kept_and_leaves_the_run(result: StepResult) -> None:
    outcome = after_step(a_run(RunState.ROLLING_BACK), a_record(Step.CUTOVER), result, ME, gate_closed=False)
    assert outcome.announce in ("completed", "failed") and outcome.run_state is None and not outcome.failed


def test_the_outcome_of_a_run_another_replica_took_over_is_left_for_it() -> None:
    run = a_run(RunState.SYNC, claimed_by="replica-b")
    outcome = after_step(run, a_record(Step.SYNC), OK, ME, gate_closed=False)
    assert (outcome.record_state, outcome.announce, outcome.run_state) == (RecordState.INTERRUPTED, None, None)
    assert outcome.message == "done; the run was taken over by replica-b"


def a_warm_run(state: RunState, **changes) -> MigrationRun:  # type: ignore[no-untyped-def]
    return a_run(state, replicates=True, **changes)


def test_a_system_with_databases_replicates_after_deploy_until_its_cutover_is_approved() -> None:
    deployed = after_step(a_warm_run(RunState.DEPLOY), a_record(Step.DEPLOY), OK, ME, gate_closed=False)
    assert deployed.run_state is RunState.REPLICATING

    waiting = after_step(a_warm_run(RunState.REPLICATING), a_record(Step.REPLICATE), OK, ME, gate_closed=False)
    assert (waiting.run_state, waiting.replicate_again, waiting.announce) == (None, True, "completed")

    approved = a_warm_run(RunState.REPLICATING, approved_by="王主任")
    assert after_step(approved, a_record(Step.REPLICATE), OK, ME, gate_closed=False).run_state is RunState.CUTOVER


def test_a_rehearsal_goes_from_its_first_replicate_step_to_the_cutover() -> None:
    run = a_warm_run(RunState.REPLICATING, auto_approve=True)
    assert after_step(run, a_record(Step.REPLICATE), OK, ME, gate_closed=False).run_state is RunState.CUTOVER


def test_the_next_precopy_waits_for_its_time() -> None:
    later = a_warm_run(RunState.REPLICATING, resume_at=NOW + timedelta(minutes=60))
    assert next_action(later, [], ME, PROVINCE, NOW) == LeaveRun()
    assert next_action(later, [], ME, PROVINCE, NOW + timedelta(minutes=60)) == PerformStep(Step.REPLICATE, 1)


@pytest.mark.parametrize("state", [RunState.SYNC, RunState.DEPLOY, RunState.REPLICATING])
def test_cancelling_a_warm_migration_rolls_it_back_to_remove_its_replication(state: RunState) -> None:
    run = a_warm_run(state, cancel_requested=True)
    assert run.step is not None
    outcome = after_step(run, a_record(run.step), CANCELLED, ME, gate_closed=False)
    assert outcome.run_state is RunState.ROLLING_BACK


def test_a_failed_replicate_step_fails_the_run_for_a_retry() -> None:
    outcome = after_step(a_warm_run(RunState.REPLICATING), a_record(Step.REPLICATE), FAILED, ME, gate_closed=False)
    assert (outcome.run_state, outcome.failed) == (RunState.FAILED, True)
