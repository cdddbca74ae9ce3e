"""What happened to a run, as the domain records it. The unit of work turns each into its protobuf event on
zhongyuan.migration.events.v1 (adapters/messages.py) as it is announced, so the run and the record are read then."""

from dataclasses import dataclass
from typing import Literal

from services.migration.domain.model import MigrationRun, ReplicationLag, RunState, StepRecord

StepEventKind = Literal["started", "progress", "completed", "failed"]


@dataclass(frozen=True)
class RunStateChanged:
    run: MigrationRun
    previous: RunState
    reason: str


@dataclass(frozen=True)
class StepReported:
    kind: StepEventKind
    run: MigrationRun
    record: StepRecord
    duration_seconds: float = 0.0
    lag: ReplicationLag | None = None  # a completed replicate step
    downtime_seconds: float | None = None  # a completed cutover of a system with databases


MigrationEvent = RunStateChanged | StepReported
