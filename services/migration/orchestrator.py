"""Drives one run from step to step: each step is a playbook run (an activity); between steps the outcome is
checkpointed durably, so a restarted orchestrator continues with the interrupted step and never redoes a finished one.

No nameko here: the runtime (service.py, dependencies.py) calls these functions from green threads.
"""

import logging
import math
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from services.common.database_retries import retry_while_database_unreachable, unless_database_unreachable
from services.common.timestamps import utc_now
from services.migration.domain import machine, orchestration
from services.migration.domain.events import StepReported
from services.migration.domain.model import MigrationRun, RecordState, Step, StepRecord
from services.migration.domain.orchestration import StepResult
from services.migration.ports import Catalogue, CutoverGate, Host, MigrationUnitOfWork, StepJob, SystemInfo

log = logging.getLogger(__name__)

RunStep = Callable[[StepJob, Callable[[int, str], None], Callable[[], bool]], StepResult]
CANCEL_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Orchestrator:
    unit_of_work: Callable[[], MigrationUnitOfWork]
    catalogue: Callable[[], Catalogue]
    gate: Callable[[], CutoverGate]
    run_step: RunStep
    owner: str
    work_dir: Path
    lease: timedelta = timedelta(seconds=15)
    step_extra: dict[str, Any] | None = None
    precopy_interval: timedelta = timedelta(hours=1)  # between replicate steps (Forklift's default precopy interval)

    def claim_work(self, limit: int) -> list[str]:
        """Take runs that have a step to perform and no live holder; the ids this replica now drives."""
        uow = self.unit_of_work()
        with uow:
            moment = utc_now()
            claimed = [
                run_id
                for run_id in uow.migrations.claimable(moment, limit)
                if uow.migrations.claim(run_id, self.owner, moment + self.lease, moment)
            ]
            uow.commit()
        return claimed

    def renew_leases(self, run_ids: Collection[str]) -> int:
        """Keep the leases on the runs this replica is driving."""
        uow = self.unit_of_work()
        with uow:
            renewed = uow.migrations.renew_claims(self.owner, run_ids, utc_now() + self.lease)
            uow.commit()
        return renewed

    def drive(self, run_id: str) -> None:
        """Perform steps until the run waits (approval), ends, or is no longer ours."""
        try:
            while (started := self._begin_step(run_id)) is not None:
                job, record_id = started
                result = self.run_step(job, self._reporter(run_id, record_id), self._cancel_check(run_id, job.step))
                self._finish_step(run_id, record_id, result)
        finally:
            self._release(run_id)

    def _begin_step(self, run_id: str) -> tuple[StepJob, str] | None:
        """Record the next attempt of the run's step and the job that performs it; None when the decision is not to
        perform one (see domain/orchestration.py)."""
        uow = self.unit_of_work()
        with uow:
            run = uow.migrations.run(run_id, for_update=True)
            records = uow.migrations.steps(run_id) if run is not None else []
            action, system = self._decide(run, records)
            if run is None or isinstance(action, orchestration.LeaveRun):
                return None
            if isinstance(action, orchestration.CancelRun):
                uow.announce(machine.move(run, machine.cancel(run), action.reason, utc_now()))
                uow.commit()
                return None
            assert system is not None and isinstance(action, orchestration.PerformStep | orchestration.RefuseStep)
            record = orchestration.begin_attempt(run, records, action.step, action.attempt, utc_now())
            uow.migrations.add(record)
            uow.announce(StepReported("started", run, record))
            if isinstance(action, orchestration.RefuseStep):
                self._apply_outcome(uow, run, record, action.result, gate_closed=True)
            uow.commit()
            return (
                (self._job(run, record, system), record.id) if isinstance(action, orchestration.PerformStep) else None
            )

    def _decide(
        self, run: MigrationRun | None, records: list[StepRecord]
    ) -> tuple[orchestration.Action, SystemInfo | None]:
        """Answer the decision's questions (the inventory, the gate) until it decides."""
        system, answers = None, orchestration.Answers()
        while True:
            action = orchestration.next_action(run, records, self.owner, answers, utc_now())
            if isinstance(action, orchestration.AskInventory):
                assert run is not None
                system = self.catalogue().system(run.system_code)
                answers = replace(answers, city_or_county=system.city_or_county)
            elif isinstance(action, orchestration.AskGate):
                assert system is not None
                answers = replace(answers, gate=self.gate().check(system.id))
            else:
                return action, system

    def _job(self, run: MigrationRun, record: StepRecord, system: SystemInfo) -> StepJob:
        return StepJob(
            run_id=run.id,
            step=record.step,
            attempt=record.attempt,
            system_code=run.system_code,
            mlps_level=system.mlps_level,
            zone=system.zone,
            zone_crypto=system.zone_crypto,
            hosts=_hosts_from_here(system),
            work_dir=self.work_dir,
            extra=dict(self.step_extra or {}),
            databases=list(system.databases),
        )

    def _reporter(self, run_id: str, record_id: str) -> Callable[[int, str], None]:
        # A progress report may be skipped, but must not abort the playbook: a database restart only loses it.
        def report(percent: int, message: str) -> None:
            unless_database_unreachable(lambda: save(percent, message), f"reporting progress of run {run_id}", None)

        def save(percent: int, message: str) -> None:
            uow = self.unit_of_work()
            with uow:
                run, record = uow.migrations.run(run_id), uow.migrations.step_record(record_id)
                if run is None or record is None:
                    return
                record.percent, record.message = percent, message
                uow.announce(StepReported("progress", run, record))
                uow.commit()

        return report

    def _cancel_check(self, run_id: str, step: Step) -> Callable[[], bool]:
        last = {"checked": 0.0, "cancelled": False}

        def cancelled() -> bool:
            if not last["cancelled"] and time.monotonic() - float(last["checked"]) >= CANCEL_POLL_SECONDS:
                last["cancelled"] = unless_database_unreachable(asked, f"checking run {run_id} for a cancel", False)
                last["checked"] = time.monotonic()
            return bool(last["cancelled"])

        def asked() -> bool:
            """An operator cancelled the run or rolled it back, or this replica's lease ran out and another one took
            the run over."""
            uow = self.unit_of_work()
            with uow:
                run = uow.migrations.run(run_id)
                if run is None:
                    return False
                return run.claimed_by != self.owner or run.step is not step or machine.cancel_asked(run)

        return cancelled

    def _finish_step(self, run_id: str, record_id: str, result: StepResult) -> None:
        # The playbook has run: however long the database is away, its outcome is kept for it (given up, the step
        # would run again, and a failed cutover's rollback would never begin).
        retry_while_database_unreachable(
            lambda: self._record_outcome(run_id, record_id, result),
            f"recording a step of run {run_id}",
            give_up_after=math.inf,
        )

    def _record_outcome(self, run_id: str, record_id: str, result: StepResult) -> None:
        uow = self.unit_of_work()
        with uow:
            run, record = uow.migrations.run(run_id, for_update=True), uow.migrations.step_record(record_id)
            assert run is not None and record is not None
            self._apply_outcome(uow, run, record, result, gate_closed=False)
            uow.commit()

    def _apply_outcome(
        self, uow: MigrationUnitOfWork, run: MigrationRun, record: StepRecord, result: StepResult, gate_closed: bool
    ) -> None:
        outcome = orchestration.after_step(run, record, result, self.owner, gate_closed)
        record.state, record.message, record.finished_at = outcome.record_state, outcome.message, utc_now()
        if outcome.record_state is RecordState.COMPLETED:
            record.percent = 100
            _keep_measurements(run, result)
        if outcome.announce is not None:
            duration = (record.finished_at - record.started_at).total_seconds()
            uow.announce(StepReported(outcome.announce, run, record, duration, result.lag, result.downtime_seconds))
        if outcome.failed:
            run.failed_step, run.error = record.step, result.message
        if outcome.replicate_again:
            run.resume_at = record.finished_at + self.precopy_interval
        if outcome.run_state is not None:
            uow.announce(machine.move(run, outcome.run_state, outcome.reason, utc_now()))

    def _release(self, run_id: str) -> None:
        uow = self.unit_of_work()
        with uow:
            uow.migrations.release(run_id, self.owner)
            uow.commit()


def _keep_measurements(run: MigrationRun, result: StepResult) -> None:
    """What a completed step measured stays on the run: the databases' lag, the cutover's write freeze."""
    if result.lag is not None:
        run.lag_seconds, run.lag_transactions, run.lag_bytes = (
            result.lag.seconds,
            result.lag.transactions,
            result.lag.bytes,
        )
    if result.downtime_seconds is not None:
        run.downtime_seconds = result.downtime_seconds


def _hosts_from_here(system: SystemInfo) -> list[Host]:
    # A relative root (the demo's var/hosts/...) is relative to where the service runs, not to the playbooks.
    return [replace(host, root=str(Path(host.root).resolve())) if host.root else host for host in system.hosts]
