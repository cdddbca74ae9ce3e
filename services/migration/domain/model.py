"""Waves and migration runs: what the orchestrator decides about. No I/O."""

import enum
from dataclasses import dataclass, field
from datetime import datetime

from services.common.ids import new_id


class Step(enum.StrEnum):
    PRECHECK = "precheck"
    SYNC = "sync"
    DEPLOY = "deploy"
    REPLICATE = "replicate"
    CUTOVER = "cutover"
    VERIFY = "verify"
    ROLLBACK = "rollback"


class RunState(enum.StrEnum):
    PENDING = "pending"
    PRECHECK = "precheck"
    SYNC = "sync"
    DEPLOY = "deploy"
    REPLICATING = "replicating"  # the target follows the source until the cutover is approved
    AWAITING_APPROVAL = "awaiting_approval"
    CUTOVER = "cutover"
    VERIFY = "verify"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ROLLING_BACK = "rolling_back"
    ROLLED_BACK = "rolled_back"


class RecordState(enum.StrEnum):
    """Where one attempt at a step stands."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # the process driving it died, or another replica took the run over


class WaveState(enum.StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    FINISHED = "finished"


# The step a run performs while in each working state.
STEP_OF_STATE = {
    RunState.PRECHECK: Step.PRECHECK,
    RunState.SYNC: Step.SYNC,
    RunState.DEPLOY: Step.DEPLOY,
    RunState.REPLICATING: Step.REPLICATE,
    RunState.CUTOVER: Step.CUTOVER,
    RunState.VERIFY: Step.VERIFY,
    RunState.ROLLING_BACK: Step.ROLLBACK,
}
STATE_OF_STEP = {step: state for state, step in STEP_OF_STATE.items()}
WORKING = frozenset(STEP_OF_STATE)
FINAL = frozenset({RunState.COMPLETED, RunState.CANCELLED, RunState.ROLLED_BACK})


@dataclass
class WaveSystem:
    wave_id: str
    system_code: str
    layer: int
    organisation_code: str = ""  # "" for members planned before it was recorded: no department sees them


@dataclass
class Wave:
    name: str
    concurrency: int
    window_start: datetime
    window_end: datetime
    created_at: datetime
    auto_approve: bool = False
    state: WaveState = WaveState.PLANNED
    id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class ReplicationLag:
    """How far a system's databases are behind their sources, the worst of them."""

    seconds: float
    transactions: int | None = None  # MariaDB/MySQL: GTID transactions not applied yet
    bytes: int | None = None  # PostgreSQL: WAL not confirmed yet


@dataclass
class MigrationRun:
    system_id: str
    system_code: str
    organisation_code: str
    created_at: datetime
    updated_at: datetime
    wave_id: str | None = None
    auto_approve: bool = False
    state: RunState = RunState.PENDING
    failed_step: Step | None = None
    error: str = ""
    approved_by: str = ""
    rollback_plan: str = ""
    approved_at: datetime | None = None
    cancel_requested: bool = False
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None
    # Warm migration: the system has databases, so its target follows the source (replicating) until the cutover.
    replicates: bool = False
    resume_at: datetime | None = None  # no step before then (the next precopy while replicating)
    lag_seconds: float | None = None
    lag_transactions: int | None = None
    lag_bytes: int | None = None
    downtime_seconds: float | None = None  # the cutover's write freeze
    id: str = field(default_factory=new_id)

    @property
    def step(self) -> Step | None:
        """The step the run is performing now, if it is working."""
        return STEP_OF_STATE.get(self.state)

    @property
    def lag(self) -> ReplicationLag | None:
        if self.lag_seconds is None:
            return None
        return ReplicationLag(self.lag_seconds, self.lag_transactions, self.lag_bytes)

    @property
    def approved(self) -> bool:
        """The cutover may go ahead: a rehearsal, or a named decision-maker approved it."""
        return self.auto_approve or bool(self.approved_by)


@dataclass
class StepRecord:
    """One attempt at one step of a run: the durable checkpoint."""

    run_id: str
    step: Step
    attempt: int
    started_at: datetime
    state: str = RecordState.RUNNING
    percent: int = 0
    message: str = ""
    finished_at: datetime | None = None
    id: str = field(default_factory=new_id)
