"""An operator's command and the orchestrator's record of a step's outcome change the same run: on PostgreSQL the one
that comes second waits for the first to commit, so neither writes over the other's change."""

import threading
from pathlib import Path

from services.common.engines import create_engine
from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import session_factory
from services.common.timestamps import utc_now
from services.migration import handlers
from services.migration.adapters.unit_of_work import VERSIONS, SqlMigrationUnitOfWork
from services.migration.domain import machine
from services.migration.domain.model import RunState, Step
from services.migration.domain.orchestration import StepResult
from services.migration.ports import StepJob
from tests.fixtures.databases import waiting_on_a_lock
from tests.fixtures.services import eventually
from tests.unit.migration.orchestration import DONE, Catalogue, drive_once, orchestrator, run_state


def test_a_rollback_committed_while_a_cutovers_outcome_is_recorded_is_kept(postgres_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(postgres_database())
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    sessions = session_factory(engine)
    unit_of_work = lambda: SqlMigrationUnitOfWork(sessions)  # noqa: E731
    run = handlers.start_migration("HA-WJW-JKK", True, unit_of_work(), Catalogue())  # type: ignore[arg-type]
    with unit_of_work() as uow:
        uow.migrations.run(run.id).state = RunState.CUTOVER  # type: ignore[union-attr]
        uow.commit()
    cutover_ran, operator_holds_the_run = threading.Event(), threading.Event()

    def playbook(job: StepJob, *_: object) -> StepResult:
        if job.step is Step.CUTOVER:
            cutover_ran.set()
            operator_holds_the_run.wait(timeout=30)
        return DONE

    replica = threading.Thread(target=lambda: drive_once(orchestrator(unit_of_work, playbook, "A", tmp_path), run.id))
    replica.start()
    assert cutover_ran.wait(timeout=30)
    with unit_of_work() as operator:  # RollbackMigration, caught between reading the run and committing
        asked = handlers.find_run(run.id, operator, for_update=True)
        operator_holds_the_run.set()
        waiting = lambda: waiting_on_a_lock(engine, "migration_run")  # noqa: E731
        eventually(waiting, "the cutover's outcome to wait for the rollback's transaction")
        operator.announce(machine.move(asked, machine.rollback(asked), "rollback requested by an operator", utc_now()))
        operator.commit()
    replica.join(timeout=30)

    state, _, steps = run_state(unit_of_work, run.id)
    assert steps[-2:] == [("cutover", 1, "completed"), ("rollback", 1, "completed")]
    assert state is RunState.ROLLED_BACK
