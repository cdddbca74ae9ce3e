"""The run state machine: which transition each outcome or command makes. Pure; illegal moves raise
FailedPrecondition naming the current state."""

from datetime import datetime

from services.common.errors import FailedPrecondition, InvalidArgument
from services.common.fields import CONTROL_CHARACTER
from services.migration.domain.events import RunStateChanged
from services.migration.domain.model import FINAL, WORKING, MigrationRun, RunState, Step

AFTER_STEP = {
    Step.PRECHECK: RunState.SYNC,
    Step.SYNC: RunState.DEPLOY,
    Step.CUTOVER: RunState.VERIFY,
    Step.VERIFY: RunState.COMPLETED,
    Step.ROLLBACK: RunState.ROLLED_BACK,
}
MAX_DECIDED_BY = 200  # the stored width of the decision-maker's name
# A failure here leaves traffic on the new location, so the run rolls back by itself.
ROLLS_BACK_ON_FAILURE = frozenset({Step.CUTOVER, Step.VERIFY})
CANCELLABLE = frozenset(
    {
        RunState.PENDING,
        RunState.PRECHECK,
        RunState.SYNC,
        RunState.DEPLOY,
        RunState.REPLICATING,
        RunState.AWAITING_APPROVAL,
    }
)
# A warm migration's target may follow its source from sync on: a cancel then rolls back, which removes replication.
REPLICATION_BEGUN = frozenset({RunState.SYNC, RunState.DEPLOY, RunState.REPLICATING})
APPROVABLE = frozenset({RunState.AWAITING_APPROVAL, RunState.REPLICATING})
ROLLBACK_FROM = frozenset(
    {
        RunState.FAILED,
        RunState.AWAITING_APPROVAL,
        RunState.COMPLETED,
        RunState.CUTOVER,
        RunState.VERIFY,
        RunState.DEPLOY,
        RunState.REPLICATING,
        RunState.SYNC,
    }
)


def move(run: MigrationRun, target: RunState, reason: str, at: datetime) -> RunStateChanged:
    """Put the run in `target` (a state one of the functions below chose); what happened, to announce."""
    previous = run.state
    run.state, run.updated_at = target, at
    run.cancel_requested = False  # a cancel is asked of the state it was asked in, never of a later one
    run.resume_at = None  # a wait belongs to the state it was set in
    return RunStateChanged(run, previous, reason)


def _refuse(run: MigrationRun, action: str) -> FailedPrecondition:
    return FailedPrecondition(f"cannot {action} the migration of {run.system_code}: it is {run.state.value}")


def start(run: MigrationRun) -> RunState:
    if run.state is not RunState.PENDING:
        raise _refuse(run, "start")
    return RunState.PRECHECK


def step_succeeded(run: MigrationRun, step: Step) -> RunState:
    if run.step is not step:
        raise _refuse(run, f"complete step {step.value} of")
    if cancel_asked(run):
        return cancelled(run)  # asked too late to stop the playbook: the run stops where the step ended
    if step is Step.DEPLOY and run.replicates:
        return RunState.REPLICATING
    if step in (Step.DEPLOY, Step.REPLICATE):
        return RunState.CUTOVER if run.approved else wait_for_approval(run)
    return AFTER_STEP[step]


def wait_for_approval(run: MigrationRun) -> RunState:
    """A warm migration keeps replicating while it waits; a cold one just waits."""
    return RunState.REPLICATING if run.replicates else RunState.AWAITING_APPROVAL


def cancelled(run: MigrationRun) -> RunState:
    """Where a cancel takes the run: it stops, or it rolls back when its databases may have begun replicating."""
    return RunState.ROLLING_BACK if run.replicates and run.state in REPLICATION_BEGUN else RunState.CANCELLED


def step_failed(run: MigrationRun, step: Step) -> RunState:
    if run.step is not step:
        raise _refuse(run, f"fail step {step.value} of")
    return RunState.ROLLING_BACK if step in ROLLS_BACK_ON_FAILURE else RunState.FAILED


def gate_closed(run: MigrationRun) -> RunState:
    """The city's link or exchanges forbid cutover: nothing has changed yet, so the run fails without a rollback and
    can be retried when the gate opens."""
    if run.state is not RunState.CUTOVER:
        raise _refuse(run, "hold the cutover of")
    return RunState.FAILED


def approve(run: MigrationRun, decided_by: str, rollback_plan: str, at: datetime) -> RunState:
    problems = [
        name for name, value in (("decided_by", decided_by), ("rollback_plan", rollback_plan)) if not value.strip()
    ]
    if problems:
        reason = "cutover needs the named decision-maker and the rollback plan (回切方案)"
        raise InvalidArgument.field(problems[0], reason)
    if len(decided_by.strip()) > MAX_DECIDED_BY:
        raise InvalidArgument.field("decided_by", f"is longer than {MAX_DECIDED_BY} characters")
    for name, value in (("decided_by", decided_by), ("rollback_plan", rollback_plan)):
        if CONTROL_CHARACTER.search(value.strip()):
            raise InvalidArgument.field(name, "contains a control character")
    if run.state not in APPROVABLE:
        raise _refuse(run, "approve the cutover of")
    run.approved_by, run.rollback_plan, run.approved_at = decided_by.strip(), rollback_plan.strip(), at
    return RunState.CUTOVER


def cancel(run: MigrationRun) -> RunState:
    if run.state not in CANCELLABLE:
        hint = "; roll it back instead" if run.state in (RunState.CUTOVER, RunState.VERIFY) else ""
        raise FailedPrecondition(f"cannot cancel the migration of {run.system_code}: it is {run.state.value}{hint}")
    return cancelled(run)


def retry(run: MigrationRun) -> RunState:
    """A failed run goes back to the step that failed; the steps before it stay done."""
    if run.state is not RunState.FAILED or run.failed_step is None:
        raise _refuse(run, "retry")
    return RunState.ROLLING_BACK if run.failed_step is Step.ROLLBACK else STATE_AFTER_RETRY[run.failed_step]


def cancel_asked(run: MigrationRun) -> bool:
    """An operator asked to cancel the run in the state it is in, and it still may be."""
    return run.cancel_requested and run.state in CANCELLABLE


def rollback(run: MigrationRun) -> RunState:
    if run.state not in ROLLBACK_FROM:
        raise _refuse(run, "roll back")
    return RunState.ROLLING_BACK


def is_active(state: RunState) -> bool:
    return state not in FINAL and state is not RunState.FAILED


def needs_driving(state: RunState) -> bool:
    return state in WORKING


STATE_AFTER_RETRY = {
    Step.PRECHECK: RunState.PRECHECK,
    Step.SYNC: RunState.SYNC,
    Step.DEPLOY: RunState.DEPLOY,
    Step.REPLICATE: RunState.REPLICATING,
    Step.CUTOVER: RunState.CUTOVER,
    Step.VERIFY: RunState.VERIFY,
}
