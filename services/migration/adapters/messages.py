"""Between the migration domain and protobuf: gRPC answers and the events on zhongyuan.migration.events.v1."""

from typing import Any

from services.common import events as ev
from services.common.events import Event, new_event
from services.common.timestamps import timestamp
from services.migration.domain.events import MigrationEvent, RunStateChanged, StepReported
from services.migration.domain.model import MigrationRun, ReplicationLag, RunState, StepRecord, Wave
from services.migration.domain.visibility import RunView, WaveView
from services.pb.zhongyuan.migration.v1 import events_pb2, migration_pb2

SOURCE = "/zhongyuan/migration"
STEP_EVENT_TYPES = {
    "started": ev.STEP_STARTED,
    "progress": ev.STEP_PROGRESS,
    "completed": ev.STEP_COMPLETED,
    "failed": ev.STEP_FAILED,
}


def step_to_proto(record: StepRecord) -> migration_pb2.Step:
    return migration_pb2.Step(
        name=record.step.value,
        state=record.state,
        percent=record.percent,
        attempt=record.attempt,
        message=record.message,
        started_at=timestamp(record.started_at),
        finished_at=timestamp(record.finished_at),
    )


def run_to_proto(view: RunView) -> migration_pb2.MigrationRun:
    run = view.run
    approval = migration_pb2.Approval(
        decided_by=run.approved_by, rollback_plan=run.rollback_plan, approved_at=timestamp(run.approved_at)
    )
    return migration_pb2.MigrationRun(
        id=run.id,
        system_code=run.system_code,
        wave_id=run.wave_id or "",
        state=run.state.value,
        failed_step=run.failed_step.value if run.failed_step else "",
        error=run.error,
        steps=[step_to_proto(s) for s in view.steps],
        approval=approval,
        updated_at=timestamp(run.updated_at),
        organisation_code=run.organisation_code,
        replication_lag=lag_to_proto(run.lag) if run.lag else None,
        downtime_seconds=run.downtime_seconds,
    )


def wave_to_proto(view: WaveView) -> migration_pb2.Wave:
    wave = view.wave
    return migration_pb2.Wave(
        id=wave.id,
        name=wave.name,
        concurrency=wave.concurrency,
        auto_approve=wave.auto_approve,
        state=wave.state.value,
        window_start=timestamp(wave.window_start),
        window_end=timestamp(wave.window_end),
        created_at=timestamp(wave.created_at),
        runs=[run_to_proto(run) for run in view.runs],
        systems=[migration_pb2.WaveSystem(code=m.system_code, layer=m.layer) for m in view.members],
    )


def to_message(event: MigrationEvent, wave: Wave | None) -> Event:
    """The protobuf event on zhongyuan.migration.events.v1 for what the domain recorded."""
    if isinstance(event, RunStateChanged):
        return _state_changed(event.run, event.previous, wave, event.reason)
    assert isinstance(event, StepReported)
    message = _step_event(event.kind, event.run, event.record, wave, event.duration_seconds)
    payload = message.payload
    assert isinstance(payload, events_pb2.StepEvent)
    if event.lag is not None:
        payload.replication_lag.CopyFrom(lag_to_proto(event.lag))
    if event.downtime_seconds is not None:
        payload.downtime_seconds = event.downtime_seconds
    return message


def lag_to_proto(lag: ReplicationLag) -> events_pb2.ReplicationLag:
    return events_pb2.ReplicationLag(seconds=lag.seconds, transactions=lag.transactions, bytes=lag.bytes)


def _step_event(kind: str, run: MigrationRun, record: StepRecord, wave: Wave | None, duration: float = 0.0) -> Event:
    payload = events_pb2.StepEvent(
        run_id=run.id,
        system_id=run.system_id,
        system_code=run.system_code,
        organisation_code=run.organisation_code,
        wave_id=run.wave_id or "",
        step=record.step.value,
        attempt=record.attempt,
        percent=record.percent,
        message=record.message,
        duration_seconds=duration,
        **_wave_fields(wave),
    )
    return new_event(STEP_EVENT_TYPES[kind], SOURCE, run.system_id, payload)


def _state_changed(run: MigrationRun, previous: RunState, wave: Wave | None, reason: str = "") -> Event:
    payload = events_pb2.RunStateChanged(
        run_id=run.id,
        system_id=run.system_id,
        system_code=run.system_code,
        organisation_code=run.organisation_code,
        wave_id=run.wave_id or "",
        previous_state=previous.value,
        state=run.state.value,
        reason=reason,
        **_wave_fields(wave),
    )
    return new_event(ev.RUN_STATE_CHANGED, SOURCE, run.system_id, payload)


def _wave_fields(wave: Wave | None) -> dict[str, Any]:
    if wave is None:
        return {}
    return {
        "wave_name": wave.name,
        "wave_window_start": timestamp(wave.window_start),
        "wave_window_end": timestamp(wave.window_end),
    }
