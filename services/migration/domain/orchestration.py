"""What the orchestrator does next with a run, decided from the run, its step records and what the world answered
(the inventory, the cutover gate, the playbook). Pure: orchestrator.py asks the questions, performs the actions and
records the outcomes.

Before a step, `next_action` is called until it returns something other than a question:

    AskInventory → AskGate (a city or county system's first cutover attempt) → PerformStep | RefuseStep
    or, at once, LeaveRun (not ours, nothing to perform, or not yet: the next precopy of a replicating run is
    due later) | CancelRun (an operator cancelled between steps)

After the playbook, `after_step` says what becomes of the attempt's record and of the run.
"""

from dataclasses import dataclass
from datetime import datetime

from services.migration.domain import machine
from services.migration.domain.events import StepEventKind
from services.migration.domain.model import MigrationRun, RecordState, ReplicationLag, RunState, Step, StepRecord


@dataclass(frozen=True)
class GateAnswer:
    """Whether the system's city or county link allows cutover now, and why not."""

    ready: bool
    platform_code: str
    reasons: list[str]


@dataclass(frozen=True)
class StepResult:
    """How a step's playbook ended, and what it measured."""

    ok: bool
    cancelled: bool
    message: str
    lag: ReplicationLag | None = None  # replicate: the databases' lag
    downtime_seconds: float | None = None  # cutover: the write freeze


@dataclass(frozen=True)
class Answers:
    """What the world has answered so far about a run's next step (None: not asked)."""

    city_or_county: bool | None = None
    gate: GateAnswer | None = None


@dataclass(frozen=True)
class LeaveRun:
    """Nothing to perform: the run is gone, held by another replica, or not at a step."""


@dataclass(frozen=True)
class CancelRun:
    reason: str


@dataclass(frozen=True)
class AskInventory:
    """The step needs the system as the inventory has it (its hosts, zone, and whether it is a city's)."""


@dataclass(frozen=True)
class AskGate:
    """A city or county system's cutover needs its link's leave."""


@dataclass(frozen=True)
class PerformStep:
    step: Step
    attempt: int


@dataclass(frozen=True)
class RefuseStep:
    """The cutover gate is closed: the attempt is recorded as failed, and the run fails without a rollback."""

    step: Step
    attempt: int
    result: StepResult


Action = LeaveRun | CancelRun | AskInventory | AskGate | PerformStep | RefuseStep


def next_action(
    run: MigrationRun | None, records: list[StepRecord], owner: str, answers: Answers, at: datetime
) -> Action:
    """The next thing to do before (or instead of) the run's step."""
    if run is None or run.claimed_by != owner or run.step is None:
        return LeaveRun()
    if machine.cancel_asked(run):
        return CancelRun(f"cancelled by an operator before {run.step.value}")
    if run.resume_at is not None and at < run.resume_at:
        return LeaveRun()
    # The inventory and the gate are asked before anything is recorded: with either away no attempt is begun (nor
    # interrupted), so an attempt on record is one that passed the gate.
    if answers.city_or_county is None:
        return AskInventory()
    step, attempt = run.step, next_attempt(records, run.step)
    if step is Step.CUTOVER and answers.city_or_county and not cutover_begun(records):
        if answers.gate is None:
            return AskGate()
        if not answers.gate.ready:
            return RefuseStep(step, attempt, gate_refusal(answers.gate))
    return PerformStep(step, attempt)


def cutover_begun(records: list[StepRecord]) -> bool:
    """An earlier cutover attempt was begun and its process died: its playbook may have moved traffic, so this attempt
    finishes it whatever the gate says."""
    return any(r.step is Step.CUTOVER and r.state in (RecordState.RUNNING, RecordState.INTERRUPTED) for r in records)


def gate_refusal(answer: GateAnswer) -> StepResult:
    where = f" of {answer.platform_code}" if answer.platform_code else ""
    return StepResult(ok=False, cancelled=False, message=f"cutover gate{where} is closed: " + "; ".join(answer.reasons))


def next_attempt(records: list[StepRecord], step: Step) -> int:
    return 1 + sum(1 for r in records if r.step is step)


def begin_attempt(run: MigrationRun, records: list[StepRecord], step: Step, attempt: int, at: datetime) -> StepRecord:
    """The new attempt's record; attempts still marked running were interrupted (the process driving them died)."""
    for stale in (r for r in records if r.state == RecordState.RUNNING):
        stale.state, stale.finished_at = RecordState.INTERRUPTED, at
    return StepRecord(run_id=run.id, step=step, attempt=attempt, started_at=at)


@dataclass(frozen=True)
class Outcome:
    """What a playbook's result makes of its attempt and of the run."""

    record_state: RecordState
    message: str
    announce: StepEventKind | None = None  # the step event to publish
    run_state: RunState | None = None  # None: the run stays as it is
    reason: str = ""  # why the run moved
    failed: bool = False  # the run records the step as its failed step, with the message as its error
    replicate_again: bool = False  # still replicating: the next precopy after the interval


def after_step(run: MigrationRun, record: StepRecord, result: StepResult, owner: str, gate_closed: bool) -> Outcome:
    if run.claimed_by != owner:
        # The lease ran out and another replica drives the run now: the step's outcome is for it to find.
        taken_over = f"{result.message}; the run was taken over by {run.claimed_by}"
        return Outcome(RecordState.INTERRUPTED, taken_over)
    # An operator rolled the run back while the step ran: the outcome is kept, the run has moved on already.
    moved_on = run.step is not record.step
    if result.cancelled:
        cancelled = None if moved_on else machine.cancelled(run)
        return Outcome(RecordState.CANCELLED, result.message, run_state=cancelled, reason="cancelled by an operator")
    if result.ok:
        return _succeeded(run, record, result, moved_on)
    if moved_on:
        return Outcome(RecordState.FAILED, result.message, announce="failed")
    target = machine.gate_closed(run) if gate_closed else machine.step_failed(run, record.step)
    return Outcome(
        RecordState.FAILED, result.message, announce="failed", run_state=target, reason=result.message, failed=True
    )


def _succeeded(run: MigrationRun, record: StepRecord, result: StepResult, moved_on: bool) -> Outcome:
    if moved_on:
        return Outcome(RecordState.COMPLETED, result.message, announce="completed")
    target = machine.step_succeeded(run, record.step)
    if target is run.state:
        return Outcome(RecordState.COMPLETED, result.message, announce="completed", replicate_again=True)
    done = f"{record.step.value} completed"
    reason = f"cancelled by an operator after {done}" if target is RunState.CANCELLED else done
    return Outcome(RecordState.COMPLETED, result.message, announce="completed", run_state=target, reason=reason)
