"""Migration service entrypoints. It follows the inventory's events; its own use cases arrive with its issue."""

from services.common.db import SqlUnitOfWork
from services.common.events import INVENTORY_EVENTS, Event
from services.common.handlers import note_event
from services.common.runtime import web
from services.common.runtime.database import Database
from services.common.runtime.grpc_server import GrpcService
from services.common.runtime.kafka import kafka_consumer
from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb

MIGRATION = pb.DESCRIPTOR.services_by_name["MigrationService"]


class MigrationService(web.Observable):
    name = "migration"

    uow = Database(SqlUnitOfWork)
    grpc = GrpcService(MIGRATION)

    @kafka_consumer(INVENTORY_EVENTS)
    def on_inventory_event(self, event: Event) -> None:
        note_event(event, self.uow, consumer="migration.inventory")
