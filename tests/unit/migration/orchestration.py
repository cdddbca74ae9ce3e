"""Stand-ins around a real orchestrator for its tests: the inventory, the cutover gate, a playbook that just succeeds,
and driving a run once as a replica does."""

from collections.abc import Callable
from pathlib import Path

from services.migration.adapters.unit_of_work import SqlMigrationUnitOfWork
from services.migration.domain.model import RunState
from services.migration.domain.orchestration import GateAnswer, StepResult
from services.migration.orchestrator import Orchestrator
from services.migration.ports import StepJob
from tests.unit.fakes import FakeCatalogue

UnitOfWorks = Callable[[], SqlMigrationUnitOfWork]
Playbook = Callable[[StepJob, Callable[[int, str], None], Callable[[], bool]], StepResult]
DONE = StepResult(ok=True, cancelled=False, message="done")


class Catalogue(FakeCatalogue):
    """The inventory the orchestrator's tests share: HA-WJW-JKK depends on HA-WJW-RKK, HA-ZZ-ZHYL is a city's system,
    HA-WJW-OLD is retired."""

    def __init__(self) -> None:
        super().__init__(depends_on={"HA-WJW-JKK": ["HA-WJW-RKK"]}, city={"HA-ZZ-ZHYL"}, retired={"HA-WJW-OLD"})


class OpenGate:
    def check(self, system_id: str) -> GateAnswer:
        return GateAnswer(True, "", [])


class ClosedGate:
    def check(self, system_id: str) -> GateAnswer:
        return GateAnswer(False, "HA-ZZ", ["link to HA-ZZ is down"])


class UnreachableGate:
    def check(self, system_id: str) -> GateAnswer:
        raise ConnectionError("interconnect is not answering")


def orchestrator(
    unit_of_work: UnitOfWorks, playbook: Playbook, owner: str, tmp_path: Path, gate: type = OpenGate
) -> Orchestrator:
    return Orchestrator(unit_of_work, Catalogue, gate, playbook, owner, tmp_path)  # type: ignore[arg-type]


def run_state(unit_of_work: UnitOfWorks, run_id: str) -> tuple[RunState, bool, list[tuple[str, int, str]]]:
    with unit_of_work() as uow:
        run = uow.migrations.run(run_id)
        assert run is not None
        steps = [(record.step.value, record.attempt, record.state) for record in uow.migrations.steps(run_id)]
        return run.state, run.cancel_requested, steps


def drive_once(orchestrator: Orchestrator, run_id: str) -> None:
    assert orchestrator.claim_work(5) == [run_id]
    orchestrator.drive(run_id)
