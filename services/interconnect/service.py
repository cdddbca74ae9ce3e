"""Interconnect service entrypoints: decode the request, call a use case, encode the answer; and the timers that
probe every platform's link and look for overdue exchanges."""

from datetime import UTC, datetime

from services.common.auth import DEPARTMENT, OPERATOR, SRE
from services.common.errors import fields_named
from services.common.events import INVENTORY_EVENTS, Event
from services.common.request_values import enum_choice
from services.common.runtime import web
from services.common.runtime.database import Database
from services.common.runtime.grpc_calls import CallContext
from services.common.runtime.grpc_entrypoint import grpc_method
from services.common.runtime.kafka import kafka_consumer
from services.common.runtime.outbox_relay import OutboxRelay
from services.common.timestamps import moment_of
from services.common.writes import Mode
from services.interconnect import handlers, queries
from services.interconnect.adapters import messages as m
from services.interconnect.adapters.unit_of_work import VERSIONS, InterconnectUnitOfWork
from services.interconnect.dependencies import InterconnectSettings, LinkMetrics, LinkProber, every
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2 as pb

INTERCONNECT = pb.DESCRIPTOR.services_by_name["InterconnectService"]
WRITERS = (OPERATOR,)
READERS = (OPERATOR, SRE, DEPARTMENT)
PLATFORM_OUTPUTS = ("id", "link")
RESOURCE_OUTPUTS = ("registered_at", "last_exchange_at", "due_by", "overdue", "last_rows", "last_checksum")


class InterconnectService(web.Observable):
    name = "interconnect"

    uow = Database(InterconnectUnitOfWork, VERSIONS)
    relay = OutboxRelay()  # publishes what uow's commits put in the outbox
    settings = InterconnectSettings()
    prober = LinkProber()
    link_metrics = LinkMetrics()

    @kafka_consumer(INVENTORY_EVENTS, batch=True)
    def on_inventory_events(self, events: list[Event]) -> None:
        handlers.follow_inventory(events, self.uow)

    @every("PROBE_INTERVAL_SECONDS", eager=True)
    def probe_links(self) -> None:
        results = self.prober.probe_all(handlers.probe_targets(self.uow))
        handlers.record_probes(results, self.settings.thresholds, self.settings.probe_interval, self.uow)

    @every("EXCHANGE_CHECK_INTERVAL_SECONDS")
    def check_exchanges(self) -> None:
        handlers.flag_overdue_exchanges(self.uow)

    # platforms
    @grpc_method(INTERCONNECT, "RegisterPlatform", roles=WRITERS, audited=True)
    def register_platform(self, request: pb.Platform, context: CallContext) -> pb.Platform:
        platform = handlers.save_platform(m.values_of(request, drop=PLATFORM_OUTPUTS), self.uow, Mode.CREATE)
        return m.platform_to_proto(platform)

    @grpc_method(INTERCONNECT, "UpdatePlatform", roles=WRITERS, audited=True)
    def update_platform(self, request: pb.Platform, context: CallContext) -> pb.Platform:
        platform = handlers.save_platform(m.values_of(request, drop=PLATFORM_OUTPUTS), self.uow, Mode.UPDATE)
        # the code as stored: the request's may be padded with spaces
        return m.platform_to_proto(*queries.get_platform(platform.code, self.uow, context.principal))

    @grpc_method(INTERCONNECT, "GetPlatform", roles=READERS)
    def get_platform(self, request: pb.GetPlatformRequest, context: CallContext) -> pb.Platform:
        return m.platform_to_proto(*queries.get_platform(request.code, self.uow, context.principal))

    @grpc_method(INTERCONNECT, "ListPlatforms", roles=READERS)
    def list_platforms(self, request: pb.ListPlatformsRequest, context: CallContext) -> pb.ListPlatformsResponse:
        level = enum_choice("admin_level", request.admin_level, m.LEVEL_FROM_PROTO)
        page = queries.list_platforms(level, request.page_size, request.page_token, self.uow, context.principal)
        return pb.ListPlatformsResponse(
            platforms=[m.platform_to_proto(p, link) for p, link in page.items], next_page_token=page.next_page_token
        )

    @grpc_method(INTERCONNECT, "ImportPlatforms", roles=WRITERS, audited=True)
    def import_platforms(self, request: pb.ImportPlatformsRequest, context: CallContext) -> pb.ImportPlatformsResponse:
        imported = handlers.import_platforms(request.content, request.dry_run, self.uow)
        counts = [
            pb.KindCount(kind=kind, created=t.created, updated=t.updated, unchanged=t.unchanged)
            for kind, t in (("platform", imported.platforms), ("shared_resource", imported.shared_resources))
        ]
        return pb.ImportPlatformsResponse(dry_run=request.dry_run, counts=counts)

    # links
    @grpc_method(INTERCONNECT, "ListLinks", roles=READERS)
    def list_links(self, request: pb.ListLinksRequest, context: CallContext) -> pb.ListLinksResponse:
        found = queries.list_links(self.uow, context.principal)
        return pb.ListLinksResponse(links=[m.link_to_proto(platform, link) for platform, link in found])

    @grpc_method(INTERCONNECT, "GetLinkHistory", roles=READERS)
    def get_link_history(self, request: pb.GetLinkHistoryRequest, context: CallContext) -> pb.GetLinkHistoryResponse:
        changes = queries.link_history(request.platform_code, request.limit, self.uow, context.principal)
        return pb.GetLinkHistoryResponse(changes=[m.change_to_proto(change) for change in changes])

    # resource sharing
    @grpc_method(INTERCONNECT, "ShareResource", roles=WRITERS, audited=True)
    def share_resource(self, request: pb.SharedResource, context: CallContext) -> pb.SharedResource:
        now = datetime.now(UTC)
        with fields_named(m.REQUEST_FIELDS):
            resource = handlers.share_resource(m.values_of(request, drop=RESOURCE_OUTPUTS), self.uow, now)
        return m.resource_to_proto(resource, now)

    @grpc_method(INTERCONNECT, "ListSharedResources", roles=READERS)
    def list_shared_resources(
        self, request: pb.ListSharedResourcesRequest, context: CallContext
    ) -> pb.ListSharedResourcesResponse:
        now = datetime.now(UTC)
        found = queries.list_resources(request.platform, request.overdue_only, self.uow, context.principal, now)
        return pb.ListSharedResourcesResponse(resources=[m.resource_to_proto(r, now) for r in found])

    @grpc_method(INTERCONNECT, "RecordExchange", roles=WRITERS, audited=True)
    def record_exchange(self, request: pb.ExchangeRun, context: CallContext) -> pb.ExchangeRun:
        exchanged_at = moment_of(request, "exchanged_at")
        command = handlers.RecordExchange(request.resource, request.rows, request.checksum, exchanged_at)
        return m.run_to_proto(handlers.record_exchange(command, self.uow))

    # the cutover gate
    @grpc_method(INTERCONNECT, "CheckCutoverReadiness", roles=READERS)
    def check_cutover_readiness(
        self, request: pb.CheckCutoverReadinessRequest, context: CallContext
    ) -> pb.CutoverReadiness:
        decision = queries.check_cutover_readiness(
            request.code, request.system_id, self.settings.gate, self.uow, context.principal
        )
        return m.readiness_to_proto(decision)
