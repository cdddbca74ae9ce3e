"""Monitoring service entrypoints: fold events into the read model, serve progress over gRPC and /metrics."""

from collections.abc import Iterator

import eventlet

from services.common.auth import DEPARTMENT, OPERATOR, SRE
from services.common.events import INVENTORY_EVENTS, SYSTEM_REGISTERED, Event
from services.common.runtime import web
from services.common.runtime.database import Database
from services.common.runtime.grpc_server import CallContext, grpc_method
from services.common.runtime.kafka import kafka_consumer
from services.monitoring import handlers
from services.monitoring.adapters.unit_of_work import VERSIONS, MonitoringUnitOfWork
from services.monitoring.dependencies import ReadModelMetrics
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb

MONITORING = pb.DESCRIPTOR.services_by_name["MonitoringService"]
READERS = (OPERATOR, SRE, DEPARTMENT)
WATCH_POLL_SECONDS = 0.5


class MonitoringService(web.Observable):
    name = "monitoring"

    uow = Database(MonitoringUnitOfWork, VERSIONS)
    read_model_metrics = ReadModelMetrics()

    @kafka_consumer(INVENTORY_EVENTS)
    def on_inventory_event(self, event: Event) -> None:
        if event.type == SYSTEM_REGISTERED:
            handlers.record_system_registered(event, self.uow)

    @grpc_method(MONITORING, "CountSystems", roles=READERS)
    def count_systems(self, request: pb.CountSystemsRequest, context: CallContext) -> pb.CountSystemsResponse:
        return _counts_message(handlers.count_systems(request.organisation_code, self.uow, context.principal))

    @grpc_method(MONITORING, "WatchSystemCounts", roles=READERS)
    def watch_system_counts(
        self, request: pb.CountSystemsRequest, context: CallContext
    ) -> Iterator[pb.CountSystemsResponse]:
        last = None
        while context.is_active():
            counts = handlers.count_systems(request.organisation_code, self.uow, context.principal)
            if counts != last:
                yield _counts_message(counts)
                last = counts
            eventlet.sleep(WATCH_POLL_SECONDS)


def _counts_message(counts: dict[str, int]) -> pb.CountSystemsResponse:
    return pb.CountSystemsResponse(
        counts=[pb.OrganisationCount(organisation_code=org, systems=n) for org, n in sorted(counts.items())]
    )
