"""Reading waves and runs; a department sees only its own organisation's runs."""

from services.common.auth import Principal
from services.common.errors import NotFound
from services.migration.adapters import messages
from services.migration.handlers import find_run
from services.migration.ports import MigrationUnitOfWork
from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb


def run_view(ref: str, uow: MigrationUnitOfWork, principal: Principal) -> pb.MigrationRun:
    with uow:
        try:
            run = find_run(ref, uow)
        except NotFound:
            run = None
        if run is None or not principal.may_read(run.organisation_code):
            raise NotFound(f"no migration {ref}")
        return messages.run_to_proto(run, uow.migrations.steps(run.id))


def runs_view(wave_id: str, state: str, uow: MigrationUnitOfWork, principal: Principal) -> list[pb.MigrationRun]:
    with uow:
        found = uow.migrations.runs(wave_id=wave_id or None, state=state or None)
        return [
            messages.run_to_proto(r, uow.migrations.steps(r.id))
            for r in found
            if principal.may_read(r.organisation_code)
        ]


def wave_view(ref: str, uow: MigrationUnitOfWork, principal: Principal) -> pb.Wave:
    with uow:
        wave = uow.migrations.wave(ref)
        if wave is None:
            raise NotFound(f"no wave {ref}")
        runs = [
            messages.run_to_proto(r, uow.migrations.steps(r.id))
            for r in uow.migrations.runs(wave_id=wave.id)
            if principal.may_read(r.organisation_code)
        ]
        return messages.wave_to_proto(wave, uow.migrations.members(wave.id), runs)


def waves_view(uow: MigrationUnitOfWork) -> list[pb.Wave]:
    with uow:
        return [messages.wave_to_proto(w, uow.migrations.members(w.id)) for w in uow.migrations.waves()]
