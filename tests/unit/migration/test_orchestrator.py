"""The orchestrator and wave starts, on a real (in-memory) SQLite database with a stand-in for the playbooks: a cancel
that comes too late to stop a playbook, a replica that lost its lease while its playbook ran, and waves in order."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.common import database_retries
from services.migration import handlers
from services.migration.adapters.unit_of_work import SqlMigrationUnitOfWork
from services.migration.domain.model import ReplicationLag, RunState, Step, WaveState
from services.migration.domain.orchestration import StepResult
from services.migration.orchestrator import Orchestrator
from services.migration.ports import DatabaseInfo, StepJob, SystemInfo
from tests.unit.fakes import FakeClock
from tests.unit.migration.orchestration import (
    DONE,
    Catalogue,
    ClosedGate,
    OpenGate,
    UnreachableGate,
    drive_once,
    orchestrator,
    run_state,
)


def test_a_cancel_asked_as_a_step_finishes_stops_the_run_at_that_step(unit_of_work, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = handlers.start_migration("HA-WJW-JKK", True, unit_of_work(), Catalogue())  # type: ignore[arg-type]

    def playbook(job: StepJob, report: Callable[[int, str], None], cancelled: Callable[[], bool]) -> StepResult:
        if job.step is Step.SYNC:
            handlers.cancel(run.id, unit_of_work())  # in the step's last second: no check of it comes any more
        return DONE

    drive_once(orchestrator(unit_of_work, playbook, "A", tmp_path), run.id)

    state, cancel_left, steps = run_state(unit_of_work, run.id)
    assert state is RunState.CANCELLED
    assert not cancel_left
    assert steps == [("precheck", 1, "completed"), ("sync", 1, "completed")]


def test_a_cancel_that_came_too_late_for_a_failed_step_does_not_cancel_its_rollback(unit_of_work, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = handlers.start_migration("HA-WJW-JKK", True, unit_of_work(), Catalogue())  # type: ignore[arg-type]

    def playbook(job: StepJob, report: Callable[[int, str], None], cancelled: Callable[[], bool]) -> StepResult:
        if cancelled():
            return StepResult(ok=False, cancelled=True, message="cancelled")
        if job.step is Step.SYNC:
            handlers.cancel(run.id, unit_of_work())
            return StepResult(ok=False, cancelled=False, message="rsync exited 23")
        return DONE

    drive_once(orchestrator(unit_of_work, playbook, "A", tmp_path), run.id)
    assert run_state(unit_of_work, run.id)[:2] == (RunState.FAILED, False)

    handlers.rollback(run.id, unit_of_work())
    drive_once(orchestrator(unit_of_work, playbook, "A", tmp_path), run.id)

    state, _, steps = run_state(unit_of_work, run.id)
    assert state is RunState.ROLLED_BACK
    assert steps[-1] == ("rollback", 1, "completed")


def test_a_replica_whose_lease_was_taken_over_stops_its_playbook_and_leaves_the_run_to_the_new_holder(
    unit_of_work, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    run = handlers.start_migration("HA-WJW-JKK", True, unit_of_work(), Catalogue())  # type: ignore[arg-type]
    replica_b = orchestrator(unit_of_work, lambda *_: DONE, "B", tmp_path)
    seen_by_a: list[bool] = []

    def playbook_a(job: StepJob, report: Callable[[int, str], None], cancelled: Callable[[], bool]) -> StepResult:
        if job.step is not Step.SYNC:
            return DONE
        with unit_of_work() as uow:  # the database was away longer than the lease: B claimed the run first
            held = uow.migrations.run(run.id)
            assert held is not None
            held.claim_expires_at = held.updated_at
            uow.commit()
        assert replica_b.claim_work(5) == [run.id]
        seen_by_a.append(cancelled())
        return StepResult(ok=False, cancelled=True, message="sync cancelled")

    replica_a = orchestrator(unit_of_work, playbook_a, "A", tmp_path)
    drive_once(replica_a, run.id)

    assert seen_by_a == [True]  # A's playbook was told to stop
    state, _, steps = run_state(unit_of_work, run.id)
    assert state is RunState.SYNC  # neither cancelled nor moved on by A
    assert steps == [("precheck", 1, "completed"), ("sync", 1, "interrupted")]

    replica_b.drive(run.id)
    state, _, steps = run_state(unit_of_work, run.id)
    assert state is RunState.COMPLETED
    assert ("sync", 2, "completed") in steps


def test_a_rollback_asked_while_a_step_runs_stops_its_playbook_and_rolls_back(unit_of_work, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = handlers.start_migration("HA-WJW-JKK", True, unit_of_work(), Catalogue())  # type: ignore[arg-type]

    def playbook(job: StepJob, report: Callable[[int, str], None], cancelled: Callable[[], bool]) -> StepResult:
        if job.step is Step.SYNC:
            handlers.rollback(run.id, unit_of_work())
            return StepResult(ok=False, cancelled=True, message="sync stopped") if cancelled() else DONE
        return DONE

    drive_once(orchestrator(unit_of_work, playbook, "A", tmp_path), run.id)

    state, _, steps = run_state(unit_of_work, run.id)
    assert state is RunState.ROLLED_BACK
    assert steps == [("precheck", 1, "completed"), ("sync", 1, "cancelled"), ("rollback", 1, "completed")]


def test_a_step_that_ends_just_after_a_rollback_was_asked_keeps_its_outcome(unit_of_work, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = handlers.start_migration("HA-WJW-JKK", True, unit_of_work(), Catalogue())  # type: ignore[arg-type]

    def playbook(job: StepJob, report: Callable[[int, str], None], cancelled: Callable[[], bool]) -> StepResult:
        if job.step is Step.DEPLOY:
            handlers.rollback(run.id, unit_of_work())  # after the playbook's last look: it completes
        return DONE

    drive_once(orchestrator(unit_of_work, playbook, "A", tmp_path), run.id)

    state, _, steps = run_state(unit_of_work, run.id)
    assert state is RunState.ROLLED_BACK
    assert steps[-2:] == [("deploy", 1, "completed"), ("rollback", 1, "completed")]


def test_an_interrupted_cutover_is_finished_even_when_the_gate_has_closed_since(unit_of_work, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = handlers.start_migration("HA-ZZ-ZHYL", True, unit_of_work(), Catalogue())  # type: ignore[arg-type]

    def dies_in_cutover(job: StepJob, report: Callable[[int, str], None], cancelled: Callable[[], bool]) -> StepResult:
        if job.step is Step.CUTOVER:
            raise SystemExit("the orchestrator's process died mid-cutover")
        return DONE

    with pytest.raises(SystemExit):
        drive_once(orchestrator(unit_of_work, dies_in_cutover, "A", tmp_path), run.id)
    drive_once(orchestrator(unit_of_work, lambda *_: DONE, "B", tmp_path, gate=ClosedGate), run.id)

    state, _, steps = run_state(unit_of_work, run.id)
    assert state is RunState.COMPLETED
    assert [s for s in steps if s[0] == "cutover"] == [("cutover", 1, "interrupted"), ("cutover", 2, "completed")]


def test_a_first_cutover_waits_for_a_closed_gate(unit_of_work, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = handlers.start_migration("HA-ZZ-ZHYL", True, unit_of_work(), Catalogue())  # type: ignore[arg-type]

    drive_once(orchestrator(unit_of_work, lambda *_: DONE, "A", tmp_path, gate=ClosedGate), run.id)

    state, _, steps = run_state(unit_of_work, run.id)
    assert state is RunState.FAILED
    assert steps[-1] == ("cutover", 1, "failed")


def test_a_gate_that_could_not_be_asked_leaves_no_cutover_attempt_so_a_closed_gate_still_stops_the_next(
    unit_of_work, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    run = handlers.start_migration("HA-ZZ-ZHYL", True, unit_of_work(), Catalogue())  # type: ignore[arg-type]
    with pytest.raises(ConnectionError):
        drive_once(orchestrator(unit_of_work, lambda *_: DONE, "A", tmp_path, gate=UnreachableGate), run.id)
    assert "cutover" not in [step for step, _, _ in run_state(unit_of_work, run.id)[2]]

    cutovers: list[StepJob] = []
    playbook = lambda job, *_: cutovers.append(job) if job.step is Step.CUTOVER else DONE  # noqa: E731
    drive_once(orchestrator(unit_of_work, playbook, "B", tmp_path, gate=ClosedGate), run.id)

    state, _, steps = run_state(unit_of_work, run.id)
    assert cutovers == []
    assert state is RunState.FAILED
    assert steps[-1] == ("cutover", 1, "failed")


def test_a_cancel_asked_between_steps_starts_no_further_step(unit_of_work, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = handlers.start_migration("HA-WJW-JKK", True, unit_of_work(), Catalogue())  # type: ignore[arg-type]
    handlers.cancel(run.id, unit_of_work())  # no replica drives it yet: the cancel is asked of the orchestrator
    assert run_state(unit_of_work, run.id)[:2] == (RunState.PRECHECK, True)

    performed: list[Step] = []
    drive_once(orchestrator(unit_of_work, lambda job, *_: performed.append(job.step) or DONE, "A", tmp_path), run.id)

    state, cancel_left, steps = run_state(unit_of_work, run.id)
    assert (state, cancel_left, steps, performed) == (RunState.CANCELLED, False, [], [])


def test_a_wave_whose_first_layer_rolled_back_cancels_the_dependants_and_finishes(unit_of_work, tmp_path) -> None:  # type: ignore[no-untyped-def]
    catalogue = Catalogue()
    start, end = datetime.now(UTC), datetime.now(UTC) + timedelta(days=1)
    handlers.create_wave(
        handlers.CreateWave("第一批", ["HA-WJW-RKK", "HA-WJW-JKK"], start, end, 2, True), unit_of_work(), catalogue
    )  # type: ignore[arg-type]
    handlers.start_wave("第一批", unit_of_work(), catalogue)  # type: ignore[arg-type]
    verify_fails = orchestrator(
        unit_of_work, lambda job, *_: StepResult(job.step is not Step.VERIFY, False, "checked"), "A", tmp_path
    )

    for _ in range(3):
        handlers.schedule_waves(unit_of_work())
        for run_id in verify_fails.claim_work(5):
            verify_fails.drive(run_id)

    with unit_of_work() as uow:
        wave = uow.migrations.wave("第一批")
        assert wave is not None and wave.state is WaveState.FINISHED
        ended = {r.system_code: r.state for r in uow.migrations.runs(wave_id=wave.id)}
    assert ended == {"HA-WJW-RKK": RunState.ROLLED_BACK, "HA-WJW-JKK": RunState.CANCELLED}


def test_a_steps_outcome_waits_for_a_database_that_stays_away_for_minutes(unit_of_work, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    monkeypatch.setattr(database_retries.time, "monotonic", clock)
    monkeypatch.setattr(database_retries.time, "sleep", clock.sleep)
    run = handlers.start_migration("HA-WJW-JKK", True, unit_of_work(), Catalogue())  # type: ignore[arg-type]
    away_until: list[float] = []

    def database() -> SqlMigrationUnitOfWork:
        if away_until and clock.now < away_until[0]:
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
        return unit_of_work()

    def cutover_fails_as_the_database_goes(job: StepJob, *_: object) -> StepResult:
        if job.step is Step.CUTOVER:
            away_until.append(clock.now + 600)
            return StepResult(ok=False, cancelled=False, message="route not written")
        return DONE

    drive_once(orchestrator(database, cutover_fails_as_the_database_goes, "A", tmp_path), run.id)

    state, _, steps = run_state(unit_of_work, run.id)
    assert clock.now >= away_until[0]
    assert steps[-2:] == [("cutover", 1, "failed"), ("rollback", 1, "completed")]
    assert state is RunState.ROLLED_BACK


class WarmCatalogue(Catalogue):
    """HA-WJW-JKK has a MariaDB database: its migration is a warm one."""

    def system(self, code: str) -> SystemInfo:
        database = DatabaseInfo("jkk-main", "mariadb", "10.0.0.5", 3306, "jkk", "10.1.0.5", 3306, "jkk", "jkk/admin")
        return replace(super().system(code), databases=[database] if code == "HA-WJW-JKK" else [])


def test_a_warm_migration_replicates_once_per_precopy_interval_until_its_cutover_is_approved(
    unit_of_work, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    run = handlers.start_migration("HA-WJW-JKK", False, unit_of_work(), WarmCatalogue())  # type: ignore[arg-type]
    jobs: list[StepJob] = []

    def playbook(job: StepJob, report: Callable[[int, str], None], cancelled: Callable[[], bool]) -> StepResult:
        jobs.append(job)
        if job.step is Step.REPLICATE:
            return StepResult(True, False, "replicated", lag=ReplicationLag(2.5, transactions=7))
        if job.step is Step.CUTOVER:
            return StepResult(True, False, "switched", downtime_seconds=1.25)
        return DONE

    replica = Orchestrator(unit_of_work, WarmCatalogue, OpenGate, playbook, "A", tmp_path)  # type: ignore[arg-type]
    drive_once(replica, run.id)

    with unit_of_work() as uow:
        waiting = uow.migrations.run(run.id)
        assert waiting is not None and waiting.state is RunState.REPLICATING
        assert waiting.lag == ReplicationLag(2.5, transactions=7) and waiting.resume_at is not None
    assert [job.step for job in jobs] == [Step.PRECHECK, Step.SYNC, Step.DEPLOY, Step.REPLICATE]
    assert all(job.databases[0].name == "jkk-main" for job in jobs)
    assert replica.claim_work(5) == []  # the next precopy is an hour away

    handlers.approve_cutover(run.id, "王主任", "回切到原机房", unit_of_work())
    drive_once(replica, run.id)

    state, _, steps = run_state(unit_of_work, run.id)
    assert state is RunState.COMPLETED
    assert [s[0] for s in steps] == ["precheck", "sync", "deploy", "replicate", "cutover", "verify"]
    with unit_of_work() as uow:
        assert uow.migrations.run(run.id).downtime_seconds == 1.25  # type: ignore[union-attr]
