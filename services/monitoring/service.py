"""Monitoring service entrypoints: fold events into the read model; progress over gRPC, /metrics and pages."""

from collections.abc import Callable, Iterator

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from services.common.auth import DEPARTMENT, OPERATOR, SRE, Principal
from services.common.errors import InvalidArgument, PermissionDenied, Unauthenticated
from services.common.events import AUDIT_EVENTS, INTERCONNECT_EVENTS, INVENTORY_EVENTS, MIGRATION_EVENTS, Event
from services.common.runtime import web
from services.common.runtime.grpc_calls import CallContext
from services.common.runtime.grpc_entrypoint import grpc_method
from services.common.runtime.kafka import kafka_consumer
from services.common.runtime.streams import changes
from services.monitoring import handlers, queries
from services.monitoring.adapters import html, messages
from services.monitoring.dependencies import TOKEN_COOKIE, EventLag, PageAccess, ReadModelDatabase
from services.monitoring.ports import MonitoringUnitOfWork
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb

MONITORING = pb.DESCRIPTOR.services_by_name["MonitoringService"]
READERS = (OPERATOR, SRE, DEPARTMENT)
AUDITORS = (OPERATOR, SRE)
WATCH_POLL_SECONDS = 0.5
# A department's page is its own business: not cached on the way, not framed, no token leaked in a Referer, and
# nothing loaded from anywhere (the pages need only their inline style).
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
}


class MonitoringService(web.Observable):
    name = "monitoring"

    uow = ReadModelDatabase()  # its collectors answer /metrics from the read model
    access = PageAccess()
    event_lag = EventLag(INVENTORY_EVENTS, MIGRATION_EVENTS, INTERCONNECT_EVENTS)

    @kafka_consumer(INVENTORY_EVENTS, batch=True)
    def on_inventory_events(self, events: list[Event]) -> None:
        handlers.fold_events(events, self.uow)
        self.event_lag.folded(INVENTORY_EVENTS, events[-1].time)

    # Steps should show on the pages within a fraction of a second: a shorter fetch wait for this topic only.
    @kafka_consumer(MIGRATION_EVENTS, batch=True, fetch_max_wait_ms=100)
    def on_migration_events(self, events: list[Event]) -> None:
        handlers.fold_events(events, self.uow)
        self.event_lag.folded(MIGRATION_EVENTS, events[-1].time)

    @kafka_consumer(INTERCONNECT_EVENTS, batch=True)
    def on_interconnect_events(self, events: list[Event]) -> None:
        handlers.fold_events(events, self.uow)
        self.event_lag.folded(INTERCONNECT_EVENTS, events[-1].time)

    @http("GET", "/status")
    def overview_page(self, request: Request) -> Response:
        return self._page(request, lambda principal: html.overview_page(queries.province_progress(self.uow, principal)))

    @http("GET", "/status/org/<string:code>")
    def organisation_page(self, request: Request, code: str) -> Response:
        return self._page(
            request, lambda principal: html.organisation_page(queries.organisation_progress(code, self.uow, principal))
        )

    @http("GET", "/status/wave/<string:name>")
    def wave_page(self, request: Request, name: str) -> Response:
        return self._page(request, lambda principal: html.wave_page(queries.wave_progress(name, self.uow, principal)))

    @http("GET", "/status/report/<string:code>/<string:quarter>")
    def report_page(self, request: Request, code: str, quarter: str) -> Response:
        return self._page(
            request, lambda principal: html.report_page(queries.report_of(code, quarter, self.uow, principal))
        )

    def _page(self, request: Request, build: Callable[[Principal], str]) -> Response:
        try:
            response = Response(build(self.access.principal(request)), mimetype="text/html")
        except Unauthenticated as error:
            return Response(f"未登录：{error}", status=401, mimetype="text/plain")
        except PermissionDenied as error:
            return Response(f"无权查看：{error}", status=403, mimetype="text/plain")
        except InvalidArgument as error:
            return Response(f"参数有误：{error}", status=400, mimetype="text/plain")
        response.headers.update(PAGE_HEADERS)
        if request.args.get("token"):
            # Behind the TLS ingress (MLPS 3) the cookie must never travel over plain HTTP.
            secure = request.headers.get("X-Forwarded-Proto", request.scheme) == "https"
            response.set_cookie(TOKEN_COOKIE, request.args["token"], httponly=True, samesite="Strict", secure=secure)
        return response

    @grpc_method(MONITORING, "CountSystems", roles=READERS)
    def count_systems(self, request: pb.CountSystemsRequest, context: CallContext) -> pb.CountSystemsResponse:
        return messages.system_counts(queries.count_systems(request.organisation_code, self.uow, context.principal))

    @grpc_method(MONITORING, "GetProvinceProgress", roles=READERS)
    def get_province_progress(
        self, request: pb.GetProvinceProgressRequest, context: CallContext
    ) -> pb.ProvinceProgress:
        return messages.province_progress(queries.province_progress(self.uow, context.principal))

    @grpc_method(MONITORING, "GetOrganisationProgress", roles=READERS)
    def get_organisation_progress(
        self, request: pb.GetOrganisationProgressRequest, context: CallContext
    ) -> pb.OrganisationProgress:
        organisation = queries.organisation_progress(request.organisation_code, self.uow, context.principal)
        return messages.organisation_progress(organisation)

    @grpc_method(MONITORING, "GetWaveProgress", roles=READERS)
    def get_wave_progress(self, request: pb.GetWaveProgressRequest, context: CallContext) -> pb.WaveProgress:
        return messages.wave_progress(queries.wave_progress(request.wave_name, self.uow, context.principal))

    @grpc_method(MONITORING, "WatchProgress", roles=READERS)
    def watch_progress(self, request: pb.WatchProgressRequest, context: CallContext) -> Iterator[pb.ProgressUpdate]:
        current = _progress_reader(request, self.uow, context.principal)
        yield from changes(current, context, WATCH_POLL_SECONDS)

    @grpc_method(MONITORING, "GetQuarterlyReport", roles=READERS)
    def get_quarterly_report(self, request: pb.QuarterlyReportRequest, context: CallContext) -> pb.QuarterlyReport:
        report = queries.report_of(request.organisation_code, request.quarter, self.uow, context.principal)
        return messages.quarterly_report(report)

    @grpc_method(MONITORING, "WatchSystemCounts", roles=READERS)
    def watch_system_counts(
        self, request: pb.CountSystemsRequest, context: CallContext
    ) -> Iterator[pb.CountSystemsResponse]:
        counts = changes(
            lambda: queries.count_systems(request.organisation_code, self.uow, context.principal),
            context,
            WATCH_POLL_SECONDS,
        )
        yield from map(messages.system_counts, counts)

    # the audit trail of every service's mutating calls
    @kafka_consumer(AUDIT_EVENTS)
    def on_audit_event(self, event: Event) -> None:
        handlers.keep_audit_record(event, self.uow)
        self.event_lag.folded(AUDIT_EVENTS, event.time)

    @grpc_method(MONITORING, "ListAuditRecords", roles=AUDITORS)
    def list_audit_records(
        self, request: pb.ListAuditRecordsRequest, context: CallContext
    ) -> pb.ListAuditRecordsResponse:
        where = messages.filter_of(request)
        page = queries.list_audit_records(where, request.page_size, request.page_token, self.uow)
        return pb.ListAuditRecordsResponse(records=page.items, next_page_token=page.next_page_token)


def _progress_reader(
    request: pb.WatchProgressRequest, uow: MonitoringUnitOfWork, principal: Principal
) -> Callable[[], pb.ProgressUpdate]:
    """How to read, again and again, the progress of the scope the watcher asked for."""
    scope = request.WhichOneof("scope")
    if scope == "organisation_code":
        code = request.organisation_code
        return lambda: pb.ProgressUpdate(
            organisation=messages.organisation_progress(queries.organisation_progress(code, uow, principal))
        )
    if scope == "wave_name":
        name = request.wave_name
        return lambda: pb.ProgressUpdate(wave=messages.wave_progress(queries.wave_progress(name, uow, principal)))
    return lambda: pb.ProgressUpdate(province=messages.province_progress(queries.province_progress(uow, principal)))
