"""Reading waves and runs; a department sees only its own organisation's runs and wave members."""

from services.common.auth import Principal
from services.common.errors import InvalidArgument, NotFound
from services.migration.domain import visibility
from services.migration.domain.model import MigrationRun, RunState
from services.migration.domain.visibility import RunView, WaveView
from services.migration.handlers import find_run
from services.migration.ports import MigrationUnitOfWork

STATES = [state.value for state in RunState]


def run_view(ref: str, uow: MigrationUnitOfWork, principal: Principal) -> RunView:
    with uow:
        try:
            run = find_run(ref, uow)
        except NotFound:
            run = None
        if run is None or not principal.may_read(run.organisation_code):
            raise NotFound(f"no migration {ref}")
        return RunView(run, uow.migrations.steps(run.id))


def runs_view(wave_id: str, state: str, uow: MigrationUnitOfWork, principal: Principal) -> list[RunView]:
    if state and state not in STATES:
        raise InvalidArgument.field("state", f"{state!r} is not a run state ({', '.join(STATES)})")
    with uow:
        found = [
            r
            for r in uow.migrations.runs(wave_id=wave_id or None, state=state or None)
            if principal.may_read(r.organisation_code)
        ]
        return _with_steps(found, uow)


def wave_view(ref: str, uow: MigrationUnitOfWork, principal: Principal) -> WaveView:
    """The wave with the members and runs the caller may see.

    A department asking for a wave without one of its systems gets NOT_FOUND, as for another department's run
    (GetMigration): the answer does not tell it whether such a wave exists.
    """
    department = principal.department
    with uow:
        wave = uow.migrations.wave(ref)
        members = uow.migrations.members(wave.id) if wave else []
        if wave is None or not visibility.wave_seen_by(department, members):
            raise NotFound(f"no wave {ref}")
        runs = _with_steps(visibility.runs_seen_by(department, uow.migrations.runs(wave_id=wave.id)), uow)
        return WaveView(wave, visibility.members_seen_by(department, members), runs)


def waves_view(uow: MigrationUnitOfWork, principal: Principal) -> list[WaveView]:
    """Every wave the caller may see, each with the members it may see."""
    department = principal.department
    with uow:
        waves = [(wave, uow.migrations.members(wave.id)) for wave in uow.migrations.waves()]
        return [
            WaveView(wave, visibility.members_seen_by(department, members))
            for wave, members in waves
            if visibility.wave_seen_by(department, members)
        ]


def _with_steps(runs: list[MigrationRun], uow: MigrationUnitOfWork) -> list[RunView]:
    steps = uow.migrations.steps_of([run.id for run in runs])
    return [RunView(run, steps[run.id]) for run in runs]
