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
from services.common.events import MIGRATION_EVENTS
from services.migration.adapters import messages
from services.migration.domain import machine
from services.migration.domain.model import MigrationRun, RunState, Step, StepRecord, Wave
from services.migration.handlers import now, transition
from services.migration.ports import (
    Catalogue,
    CutoverGate,
    Host,
    MigrationUnitOfWork,
    StepJob,
    StepResult,
    SystemInfo,
)

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

    def claim_work(self, limit: int) -> list[str]:
        """Take runs that have a step to perform and no live holder; the ids this replica now drives."""
        uow = self.unit_of_work()
        with uow:
            moment = now()
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
            renewed = uow.migrations.renew_claims(self.owner, run_ids, now() + self.lease)
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
        """Record the next attempt of the run's step and the job that performs it; None when there is nothing to
        perform: the run is not ours or not at a step, an operator cancelled it between steps, or the cutover gate
        is closed (the refused attempt is recorded as failed)."""
        uow = self.unit_of_work()
        with uow:
            run = uow.migrations.run(run_id, for_update=True)
            if run is None or run.claimed_by != self.owner or run.step is None:
                return None
            if machine.cancel_asked(run):
                transition(run, machine.cancel(run), uow, f"cancelled by an operator before {run.step.value}")
                uow.commit()
                return None
            step = run.step
            # Asked before anything is recorded: with the inventory or the gate away, no attempt is begun (nor
            # interrupted), so an attempt on record is one that passed the gate.
            system = self.catalogue().system(run.system_code)
            records = uow.migrations.steps(run_id)
            refusal = self._gate_refusal(system, records) if step is Step.CUTOVER else None
            for stale in (r for r in records if r.state == "running"):
                stale.state, stale.finished_at = "interrupted", now()  # the process driving it died
            record = StepRecord(run_id=run_id, step=step, attempt=_next_attempt(records, step), started_at=now())
            uow.migrations.add(record)
            self._publish(uow, messages.step_event("started", run, record, self._wave(uow, run)), run)
            if refusal is not None:
                self._apply_outcome(uow, run, record, refusal, gate_closed=True)
            uow.commit()
            return None if refusal is not None else (self._job(run, record, system), record.id)

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
        )

    def _gate_refusal(self, system: SystemInfo, records: list[StepRecord]) -> StepResult | None:
        """A failed result with the gate's reasons when a city or county system may not cut over now. Not asked
        when an earlier cutover attempt was begun (its process died): its playbook may have moved traffic, and this
        attempt finishes it."""
        begun = any(r.step is Step.CUTOVER and r.state in ("running", "interrupted") for r in records)
        if not system.city_or_county or begun:
            return None
        answer = self.gate().check(system.id)
        if answer.ready:
            return None
        where = f" of {answer.platform_code}" if answer.platform_code else ""
        return StepResult(
            ok=False, cancelled=False, message=f"cutover gate{where} is closed: " + "; ".join(answer.reasons)
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
                self._publish(uow, messages.step_event("progress", run, record, self._wave(uow, run)), run)
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

    def _finish_step(self, run_id: str, record_id: str, result: StepResult, gate_closed: bool = False) -> None:
        # The playbook has run: however long the database is away, its outcome is kept for it (given up, the step
        # would run again, and a failed cutover's rollback would never begin).
        retry_while_database_unreachable(
            lambda: self._record_outcome(run_id, record_id, result, gate_closed),
            f"recording a step of run {run_id}",
            give_up_after=math.inf,
        )

    def _record_outcome(self, run_id: str, record_id: str, result: StepResult, gate_closed: bool) -> None:
        uow = self.unit_of_work()
        with uow:
            run, record = uow.migrations.run(run_id, for_update=True), uow.migrations.step_record(record_id)
            assert run is not None and record is not None
            if run.claimed_by != self.owner:
                # The lease ran out and another replica drives the run now: the step's outcome is for it to find.
                record.state, record.finished_at = "interrupted", now()
                record.message = f"{result.message}; the run was taken over by {run.claimed_by}"
                uow.commit()
                return
            self._apply_outcome(uow, run, record, result, gate_closed)
            uow.commit()

    def _apply_outcome(
        self, uow: MigrationUnitOfWork, run: MigrationRun, record: StepRecord, result: StepResult, gate_closed: bool
    ) -> None:
        record.finished_at, record.message = now(), result.message
        duration = (record.finished_at - record.started_at).total_seconds()
        wave = self._wave(uow, run)
        # An operator rolled the run back while the step ran: the outcome is kept, the run has moved on already.
        moved_on = run.step is not record.step
        if result.cancelled:
            record.state = "cancelled"
            if not moved_on:
                transition(run, RunState.CANCELLED, uow, "cancelled by an operator")
        elif result.ok:
            record.state, record.percent = "completed", 100
            self._publish(uow, messages.step_event("completed", run, record, wave, duration), run)
            if not moved_on:
                target = machine.step_succeeded(run, record.step)
                done = f"{record.step.value} completed"
                reason = f"cancelled by an operator after {done}" if target is RunState.CANCELLED else done
                transition(run, target, uow, reason)
        else:
            record.state = "failed"
            self._publish(uow, messages.step_event("failed", run, record, wave, duration), run)
            if not moved_on:
                run.failed_step, run.error = record.step, result.message
                target = machine.gate_closed(run) if gate_closed else machine.step_failed(run, record.step)
                transition(run, target, uow, result.message)

    def _release(self, run_id: str) -> None:
        uow = self.unit_of_work()
        with uow:
            uow.migrations.release(run_id, self.owner)
            uow.commit()

    @staticmethod
    def _publish(uow: MigrationUnitOfWork, event: Any, run: MigrationRun) -> None:
        uow.outbox.publish(event, topic=MIGRATION_EVENTS, key=run.system_id)

    @staticmethod
    def _wave(uow: MigrationUnitOfWork, run: MigrationRun) -> Wave | None:
        return uow.migrations.wave(run.wave_id) if run.wave_id else None


def _next_attempt(records: list[StepRecord], step: Step) -> int:
    return 1 + sum(1 for r in records if r.step is step)


def _hosts_from_here(system: SystemInfo) -> list[Host]:
    # A relative root (the demo's var/hosts/...) is relative to where the service runs, not to the playbooks.
    return [replace(host, root=str(Path(host.root).resolve())) if host.root else host for host in system.hosts]
