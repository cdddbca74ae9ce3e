"""Migration use cases that operators trigger: waves, starting, approving, cancelling, retrying, rolling back.

They only change durable state; the orchestrator (orchestrator.py) notices and drives the playbooks.
"""

from dataclasses import dataclass
from datetime import datetime

from services.common.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound, required
from services.common.events import SYSTEM_UPDATED, Event
from services.common.fields import CONTROL_CHARACTER
from services.common.timestamps import utc_now
from services.migration.domain import data, machine, scheduling
from services.migration.domain.model import MigrationRun, RunState, Wave, WaveState, WaveSystem
from services.migration.ports import Catalogue, MigrationUnitOfWork, SystemInfo

MAX_CONCURRENCY = 50
MAX_NAME = 200  # a wave's name, like the decision-maker's, is stored in 200 characters
INVENTORY_CONSUMER = "migration.inventory"
MIGRATED = "migrated"
RETIRED = "retired"


@dataclass(frozen=True)
class CreateWave:
    name: str
    systems: list[str]
    window_start: datetime | None
    window_end: datetime | None
    concurrency: int
    auto_approve: bool = False


def create_wave(command: CreateWave, uow: MigrationUnitOfWork, catalogue: Catalogue) -> Wave:
    _check_wave_fields(command)
    layers = catalogue.dependency_order(command.systems)
    members = {code: catalogue.system(code) for code in command.systems}
    _refuse_retired(list(members.values()))
    with uow:
        if uow.migrations.wave(command.name) is not None:
            raise FailedPrecondition(f"a wave named {command.name} already exists")
        _check_dependencies(members, uow, catalogue)
        assert command.window_start and command.window_end
        wave = Wave(
            name=command.name,
            concurrency=command.concurrency,
            window_start=command.window_start,
            window_end=command.window_end,
            created_at=utc_now(),
            auto_approve=command.auto_approve,
        )
        uow.migrations.add(wave)
        for number, layer in enumerate(layers):
            for code in layer:
                organisation = members[code].organisation_code
                uow.migrations.add(
                    WaveSystem(wave_id=wave.id, system_code=code, layer=number, organisation_code=organisation)
                )
        uow.commit()
    return wave


def _check_wave_fields(command: CreateWave) -> None:
    problems = []
    if not command.name.strip():
        problems.append(FieldViolation("name", "is required"))
    elif len(command.name) > MAX_NAME:
        problems.append(FieldViolation("name", f"is longer than {MAX_NAME} characters"))
    elif CONTROL_CHARACTER.search(command.name):
        problems.append(FieldViolation("name", "contains a control character"))
    if not command.systems:
        problems.append(FieldViolation("systems", "name at least one system"))
    elif not all(code.strip() for code in command.systems):
        problems.append(FieldViolation("systems", "lists an empty system code"))
    elif len(set(command.systems)) != len(command.systems):
        problems.append(FieldViolation("systems", "lists a system twice"))
    if not 1 <= command.concurrency <= MAX_CONCURRENCY:
        problems.append(FieldViolation("concurrency", f"must be 1 to {MAX_CONCURRENCY}, not {command.concurrency}"))
    if command.window_start is None or command.window_end is None:
        problems.append(FieldViolation("window_end", "the planned window needs a start and an end"))
    elif command.window_end <= command.window_start:
        problems.append(FieldViolation("window_end", "must be after window_start"))
    if problems:
        raise InvalidArgument(problems)


def _check_dependencies(members: dict[str, SystemInfo], uow: MigrationUnitOfWork, catalogue: Catalogue) -> None:
    """Every dependency is migrated, in an earlier wave, or in this wave (its layers then order them)."""
    problems = []
    for code, system in members.items():
        for needed in system.depends_on:
            if needed in members or uow.migrations.waves_holding(needed):
                continue
            if catalogue.system(needed).status != MIGRATED:
                problems.append(
                    FieldViolation(
                        "systems", f"{code} depends on {needed}, which is neither migrated nor in an earlier wave"
                    )
                )
    if problems:
        raise InvalidArgument(problems)


def start_wave(wave_ref: str, uow: MigrationUnitOfWork, catalogue: Catalogue) -> Wave:
    with uow:
        wave = _wave(wave_ref, uow)
        if wave.state is not WaveState.PLANNED:
            raise FailedPrecondition(f"wave {wave.name} is {wave.state.value}, not planned")
        # The inventory is asked before anything is written: a write held open across a call to another service
        # stalls every other writer of a SQLite database (its lock wait blocks the whole process).
        systems = [catalogue.system(member.system_code) for member in uow.migrations.members(wave.id)]
        _refuse_unautomatable(systems)
        _refuse_unmigrated_dependencies(systems, uow, catalogue)
        for system in systems:
            _refuse_if_active(system.code, uow)
            uow.migrations.add(_new_run(system, wave.id, wave.auto_approve))
        wave.state = WaveState.RUNNING
        uow.commit()
    return wave


def _refuse_unmigrated_dependencies(systems: list[SystemInfo], uow: MigrationUnitOfWork, catalogue: Catalogue) -> None:
    """A dependency outside the wave must have migrated by the time the wave starts: its earlier wave ran first."""
    members = {system.code for system in systems}
    waiting = [
        f"{system.code} depends on {needed}, which has not migrated yet"
        for system in systems
        for needed in system.depends_on
        if needed not in members and not _migrated(needed, uow, catalogue)
    ]
    if waiting:
        raise FailedPrecondition("; ".join(waiting) + ": finish the wave that holds it first")


def _migrated(code: str, uow: MigrationUnitOfWork, catalogue: Catalogue) -> bool:
    latest = uow.migrations.latest_run(code)
    return (latest is not None and latest.state is RunState.COMPLETED) or catalogue.system(code).status == MIGRATED


def start_migration(code: str, auto_approve: bool, uow: MigrationUnitOfWork, catalogue: Catalogue) -> MigrationRun:
    required("system_code", code, "the code of the system to migrate")
    system = catalogue.system(code)
    _refuse_retired([system])
    _refuse_unautomatable([system])
    with uow:
        _refuse_if_active(code, uow)
        run = _new_run(system, None, auto_approve)
        uow.migrations.add(run)
        uow.announce(machine.move(run, machine.start(run), "started by an operator", utc_now()))
        uow.commit()
    return run


def _new_run(system: SystemInfo, wave_id: str | None, auto_approve: bool) -> MigrationRun:
    moment = utc_now()
    return MigrationRun(
        system_id=system.id,
        system_code=system.code,
        organisation_code=system.organisation_code,
        created_at=moment,
        updated_at=moment,
        wave_id=wave_id,
        auto_approve=auto_approve,
        replicates=bool(system.databases),  # a warm migration: the target follows the source until the cutover
    )


def _refuse_retired(systems: list[SystemInfo]) -> None:
    retired = sorted(system.code for system in systems if system.status == RETIRED)
    if retired:
        raise FailedPrecondition(f"{', '.join(retired)} retired: a retired system is not migrated")


def _refuse_unautomatable(systems: list[SystemInfo]) -> None:
    """Never a silent file copy of a database: one without an automated path moves by a vendor tool or a runbook."""
    refused = [
        f"{system.code} cannot be migrated here: {'; '.join(reasons)}"
        for system in systems
        if (reasons := data.unautomatable(system.databases))
    ]
    if refused:
        raise FailedPrecondition("; ".join(refused))


def _refuse_if_active(code: str, uow: MigrationUnitOfWork) -> None:
    latest = uow.migrations.latest_run(code)
    if latest is not None and machine.is_active(latest.state):
        raise FailedPrecondition(f"{code} already has a migration that is {latest.state.value} (run {latest.id})")


def approve_cutover(run_ref: str, decided_by: str, rollback_plan: str, uow: MigrationUnitOfWork) -> MigrationRun:
    with uow:
        run = find_run(run_ref, uow, for_update=True)
        moment = utc_now()
        target = machine.approve(run, decided_by, rollback_plan, moment)
        uow.announce(machine.move(run, target, f"approved by {decided_by}", moment))
        uow.commit()
    return run


def cancel(run_ref: str, uow: MigrationUnitOfWork) -> MigrationRun:
    """Cancel now if nothing runs; otherwise ask the orchestrator holding the run to stop its playbook."""
    with uow:
        run = find_run(run_ref, uow, for_update=True)
        target = machine.cancel(run)
        if machine.needs_driving(run.state):
            run.cancel_requested = True
            run.updated_at = utc_now()
        else:
            uow.announce(machine.move(run, target, "cancelled by an operator", utc_now()))
        uow.commit()
    return run


def retry(run_ref: str, uow: MigrationUnitOfWork) -> MigrationRun:
    with uow:
        run = find_run(run_ref, uow, for_update=True)
        _refuse_unless_newest(run, uow, "retry")
        target, failed = machine.retry(run), run.failed_step
        run.error, run.failed_step = "", None
        uow.announce(machine.move(run, target, f"retry from {failed.value if failed else '?'}", utc_now()))
        uow.commit()
    return run


def rollback(run_ref: str, uow: MigrationUnitOfWork) -> MigrationRun:
    with uow:
        run = find_run(run_ref, uow, for_update=True)
        _refuse_unless_newest(run, uow, "roll back")
        uow.announce(machine.move(run, machine.rollback(run), "rollback requested by an operator", utc_now()))
        uow.commit()
    return run


def _refuse_unless_newest(run: MigrationRun, uow: MigrationUnitOfWork, verb: str) -> None:
    """Only a system's newest run may act on its hosts: an older one would run playbooks beside (or undo) it."""
    newest = uow.migrations.latest_run(run.system_code)
    if newest is not None and newest.id != run.id:
        raise FailedPrecondition(
            f"cannot {verb} run {run.id}: {run.system_code} has a newer migration, run {newest.id}, which is "
            f"{newest.state.value}"
        )


def follow_system_moves(events: list[Event], uow: MigrationUnitOfWork) -> None:
    """A system moved to another organisation (a 机构改革 reorganisation): its runs and wave places go with it, so
    that its new department sees them and the old one no longer does. One transaction per batch, each event once;
    the topic's other events (registrations, most of it) are passed over without one."""
    updates = [event for event in events if event.type == SYSTEM_UPDATED]
    if not updates:
        return
    with uow:
        for event in uow.inbox.first_deliveries((event, INVENTORY_CONSUMER) for event in updates):
            system = event.payload.system  # type: ignore[attr-defined]
            uow.migrations.move_system(system.id, system.code, system.organisation_code)
        uow.commit()


def schedule_waves(uow: MigrationUnitOfWork) -> int:
    """Start the pending runs each running wave has room for; finish waves whose runs all ended."""
    started = 0
    with uow:
        for wave in uow.migrations.waves(WaveState.RUNNING):
            runs, members = uow.migrations.runs(wave_id=wave.id, for_update=True), uow.migrations.members(wave.id)
            for run, reason in scheduling.runs_that_can_never_start(members, runs):
                uow.announce(machine.move(run, machine.cancel(run), reason, utc_now()))
            for run in scheduling.runs_to_start(wave, members, runs):
                uow.announce(machine.move(run, machine.start(run), f"started by wave {wave.name}", utc_now()))
                started += 1
            if scheduling.wave_finished(runs):
                wave.state = WaveState.FINISHED
        uow.commit()
    return started


def find_run(ref: str, uow: MigrationUnitOfWork, for_update: bool = False) -> MigrationRun:
    """A run by id, or the newest run of a system code (locked against other writers `for_update`)."""
    required("id", ref, "a run id or a system code")
    run = uow.migrations.run(ref, for_update=for_update) or uow.migrations.latest_run(ref, for_update=for_update)
    if run is None:
        raise NotFound(f"no migration {ref}")
    return run


def _wave(ref: str, uow: MigrationUnitOfWork) -> Wave:
    required("id", ref, "a wave id or name")
    wave = uow.migrations.wave(ref)
    if wave is None:
        raise NotFound(f"no wave {ref}")
    return wave
