"""Migration service entrypoints: waves and runs over gRPC; the orchestrator works in the background."""

from collections.abc import Iterator

from services.common.auth import DEPARTMENT, OPERATOR, SRE
from services.common.events import INVENTORY_EVENTS, Event
from services.common.runtime import web
from services.common.runtime.database import Database
from services.common.runtime.grpc_calls import CallContext
from services.common.runtime.grpc_entrypoint import grpc_method
from services.common.runtime.kafka import kafka_consumer
from services.common.runtime.outbox_relay import OutboxRelay
from services.common.runtime.streams import changes
from services.common.timestamps import moment_of
from services.migration import handlers, queries
from services.migration.adapters import messages as m
from services.migration.adapters.unit_of_work import VERSIONS, SqlMigrationUnitOfWork
from services.migration.dependencies import Catalogue, Orchestration
from services.migration.domain.model import FINAL, RunState, WaveState
from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb

MIGRATION = pb.DESCRIPTOR.services_by_name["MigrationService"]
OPERATORS = (OPERATOR,)
READERS = (OPERATOR, SRE, DEPARTMENT)
WATCH_POLL_SECONDS = 0.3
ENDED = {*FINAL, RunState.FAILED}


class MigrationService(web.Observable):
    name = "migration"

    uow = Database(SqlMigrationUnitOfWork, VERSIONS)
    relay = OutboxRelay()  # publishes what uow's commits put in the outbox
    catalogue = Catalogue()  # the inventory, over gRPC
    orchestration = Orchestration()  # drives runs on the database, the inventory and the interconnect's gate

    @kafka_consumer(INVENTORY_EVENTS, batch=True)
    def on_inventory_events(self, events: list[Event]) -> None:
        handlers.follow_system_moves(events, self.uow)

    @grpc_method(MIGRATION, "CreateWave", roles=OPERATORS, audited=True)
    def create_wave(self, request: pb.CreateWaveRequest, context: CallContext) -> pb.Wave:
        command = handlers.CreateWave(
            name=request.name,
            systems=list(request.systems),
            concurrency=request.concurrency,
            window_start=moment_of(request, "window_start"),
            window_end=moment_of(request, "window_end"),
            auto_approve=request.auto_approve,
        )
        wave = handlers.create_wave(command, self.uow, self.catalogue)
        return m.wave_to_proto(queries.wave_view(wave.id, self.uow, context.principal))

    @grpc_method(MIGRATION, "GetWave", roles=READERS)
    def get_wave(self, request: pb.GetWaveRequest, context: CallContext) -> pb.Wave:
        return m.wave_to_proto(queries.wave_view(request.id, self.uow, context.principal))

    @grpc_method(MIGRATION, "ListWaves", roles=READERS)
    def list_waves(self, request: pb.ListWavesRequest, context: CallContext) -> pb.ListWavesResponse:
        return pb.ListWavesResponse(waves=map(m.wave_to_proto, queries.waves_view(self.uow, context.principal)))

    @grpc_method(MIGRATION, "StartWave", roles=OPERATORS, audited=True)
    def start_wave(self, request: pb.GetWaveRequest, context: CallContext) -> pb.Wave:
        wave = handlers.start_wave(request.id, self.uow, self.catalogue)
        return m.wave_to_proto(queries.wave_view(wave.id, self.uow, context.principal))

    @grpc_method(MIGRATION, "StartMigration", roles=OPERATORS, audited=True)
    def start_migration(self, request: pb.StartMigrationRequest, context: CallContext) -> pb.MigrationRun:
        run = handlers.start_migration(request.system_code, request.auto_approve, self.uow, self.catalogue)
        return m.run_to_proto(queries.run_view(run.id, self.uow, context.principal))

    @grpc_method(MIGRATION, "GetMigration", roles=READERS)
    def get_migration(self, request: pb.GetMigrationRequest, context: CallContext) -> pb.MigrationRun:
        return m.run_to_proto(queries.run_view(request.id, self.uow, context.principal))

    @grpc_method(MIGRATION, "ListMigrations", roles=READERS)
    def list_migrations(self, request: pb.ListMigrationsRequest, context: CallContext) -> pb.ListMigrationsResponse:
        return pb.ListMigrationsResponse(
            runs=map(m.run_to_proto, queries.runs_view(request.wave_id, request.state, self.uow, context.principal))
        )

    @grpc_method(MIGRATION, "ApproveCutover", roles=OPERATORS, audited=True)
    def approve_cutover(self, request: pb.ApproveCutoverRequest, context: CallContext) -> pb.MigrationRun:
        run = handlers.approve_cutover(request.id, request.decided_by, request.rollback_plan, self.uow)
        return m.run_to_proto(queries.run_view(run.id, self.uow, context.principal))

    @grpc_method(MIGRATION, "CancelMigration", roles=OPERATORS, audited=True)
    def cancel_migration(self, request: pb.GetMigrationRequest, context: CallContext) -> pb.MigrationRun:
        run = handlers.cancel(request.id, self.uow)
        return m.run_to_proto(queries.run_view(run.id, self.uow, context.principal))

    @grpc_method(MIGRATION, "RetryMigration", roles=OPERATORS, audited=True)
    def retry_migration(self, request: pb.GetMigrationRequest, context: CallContext) -> pb.MigrationRun:
        run = handlers.retry(request.id, self.uow)
        return m.run_to_proto(queries.run_view(run.id, self.uow, context.principal))

    @grpc_method(MIGRATION, "RollbackMigration", roles=OPERATORS, audited=True)
    def rollback_migration(self, request: pb.GetMigrationRequest, context: CallContext) -> pb.MigrationRun:
        run = handlers.rollback(request.id, self.uow)
        return m.run_to_proto(queries.run_view(run.id, self.uow, context.principal))

    @grpc_method(MIGRATION, "WatchMigration", roles=READERS)
    def watch_migration(self, request: pb.GetMigrationRequest, context: CallContext) -> Iterator[pb.MigrationRun]:
        run_id = queries.run_view(request.id, self.uow, context.principal).run.id
        views = changes(
            lambda: queries.run_view(run_id, self.uow, context.principal),
            context,
            WATCH_POLL_SECONDS,
            until=lambda view: view.run.state in ENDED,
        )
        yield from map(m.run_to_proto, views)

    @grpc_method(MIGRATION, "WatchWave", roles=READERS)
    def watch_wave(self, request: pb.GetWaveRequest, context: CallContext) -> Iterator[pb.Wave]:
        views = changes(
            lambda: queries.wave_view(request.id, self.uow, context.principal),
            context,
            WATCH_POLL_SECONDS,
            until=lambda view: view.wave.state is WaveState.FINISHED,
        )
        yield from map(m.wave_to_proto, views)
