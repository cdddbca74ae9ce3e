"""Inventory service entrypoints: decode the request, call a use case, encode the answer."""

from services.common.auth import DEPARTMENT, OPERATOR, SRE
from services.common.errors import fields_named
from services.common.request_values import enum_choice
from services.common.runtime import web
from services.common.runtime.database import Database
from services.common.runtime.grpc_calls import CallContext
from services.common.runtime.grpc_entrypoint import grpc_method
from services.common.runtime.outbox_relay import OutboxRelay
from services.common.writes import Mode
from services.inventory import handlers, queries
from services.inventory.adapters import messages as m
from services.inventory.adapters.unit_of_work import VERSIONS, InventoryUnitOfWork
from services.inventory.domain.schema import Kind
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as pb

INVENTORY = pb.DESCRIPTOR.services_by_name["InventoryService"]
WRITERS = (OPERATOR,)
READERS = (OPERATOR, SRE, DEPARTMENT)
FORMATS = {pb.CATALOG_FORMAT_YAML: handlers.Format.YAML, pb.CATALOG_FORMAT_CSV: handlers.Format.CSV}


class InventoryService(web.Observable):
    name = "inventory"

    uow = Database(InventoryUnitOfWork, VERSIONS)
    relay = OutboxRelay()  # publishes what uow's commits put in the outbox

    # organisations and zones
    @grpc_method(INVENTORY, "CreateOrganisation", roles=WRITERS, audited=True)
    def create_organisation(self, request: pb.Organisation, context: CallContext) -> pb.Organisation:
        return m.organisation_to_proto(handlers.save(Kind.ORGANISATION, m.values_of(request), self.uow, Mode.CREATE))

    @grpc_method(INVENTORY, "UpdateOrganisation", roles=WRITERS, audited=True)
    def update_organisation(self, request: pb.Organisation, context: CallContext) -> pb.Organisation:
        return m.organisation_to_proto(handlers.save(Kind.ORGANISATION, m.values_of(request), self.uow, Mode.UPDATE))

    @grpc_method(INVENTORY, "GetOrganisation", roles=READERS)
    def get_organisation(self, request: pb.GetByCodeRequest, context: CallContext) -> pb.Organisation:
        return m.organisation_to_proto(queries.get_organisation(request.code, self.uow, context.principal))

    @grpc_method(INVENTORY, "ListOrganisations", roles=READERS)
    def list_organisations(
        self, request: pb.ListOrganisationsRequest, context: CallContext
    ) -> pb.ListOrganisationsResponse:
        level = enum_choice("admin_level", request.admin_level, m.LEVEL_FROM_PROTO)
        filters = {"admin_level": level, "parent_code": request.parent}
        page = queries.list_organisations(filters, request.page_size, request.page_token, self.uow, context.principal)
        return pb.ListOrganisationsResponse(
            organisations=[m.organisation_to_proto(o) for o in page.items], next_page_token=page.next_page_token
        )

    @grpc_method(INVENTORY, "RetireOrganisation", roles=WRITERS, audited=True)
    def retire_organisation(self, request: pb.GetByCodeRequest, context: CallContext) -> pb.Organisation:
        return m.organisation_to_proto(handlers.retire_organisation(request.code, self.uow))

    @grpc_method(INVENTORY, "ListZones", roles=READERS)
    def list_zones(self, request: pb.ListZonesRequest, context: CallContext) -> pb.ListZonesResponse:
        return pb.ListZonesResponse(zones=[m.zone_to_proto(z) for z in queries.list_zones(self.uow)])

    # systems
    @grpc_method(INVENTORY, "RegisterSystem", roles=WRITERS, audited=True)
    def register_system(self, request: pb.RegisterSystemRequest, context: CallContext) -> pb.System:
        with fields_named(m.SYSTEM_REQUEST_FIELDS):
            system = handlers.save(Kind.SYSTEM, m.system_values(request), self.uow, Mode.CREATE)
        return m.system_to_proto(system)

    @grpc_method(INVENTORY, "UpdateSystem", roles=WRITERS, audited=True)
    def update_system(self, request: pb.RegisterSystemRequest, context: CallContext) -> pb.System:
        with fields_named(m.SYSTEM_REQUEST_FIELDS):
            system = handlers.save(Kind.SYSTEM, m.system_values(request), self.uow, Mode.UPDATE)
        return self._system_detail("", system.code, context)  # the code as stored: the request's may be padded

    @grpc_method(INVENTORY, "GetSystem", roles=READERS)
    def get_system(self, request: pb.GetSystemRequest, context: CallContext) -> pb.System:
        return self._system_detail(request.id, request.code, context)

    def _system_detail(self, system_id: str, code: str, context: CallContext) -> pb.System:
        detail = queries.get_system(system_id=system_id, code=code, uow=self.uow, principal=context.principal)
        return m.system_to_proto(detail.system, detail.hosts, detail.depends_on, detail.databases)

    @grpc_method(INVENTORY, "ListSystems", roles=READERS)
    def list_systems(self, request: pb.ListSystemsRequest, context: CallContext) -> pb.ListSystemsResponse:
        filters = {
            "organisation_code": request.organisation_code,
            "admin_level": enum_choice("admin_level", request.admin_level, m.LEVEL_FROM_PROTO),
            "mlps_level": request.mlps_level,
            "status": request.status,
            "strategy": request.strategy,
        }
        page = queries.list_systems(filters, request.page_size, request.page_token, self.uow, context.principal)
        return pb.ListSystemsResponse(
            systems=[m.system_to_proto(s) for s in page.items], next_page_token=page.next_page_token
        )

    @grpc_method(INVENTORY, "RetireSystem", roles=WRITERS, audited=True)
    def retire_system(self, request: pb.GetSystemRequest, context: CallContext) -> pb.System:
        return m.system_to_proto(handlers.retire_system(system_id=request.id, code=request.code, uow=self.uow))

    # hosts and dependencies
    @grpc_method(INVENTORY, "AddHost", roles=WRITERS, audited=True)
    def add_host(self, request: pb.Host, context: CallContext) -> pb.Host:
        return m.host_to_proto(handlers.save(Kind.HOST, m.values_of(request, drop=("id",)), self.uow, Mode.CREATE))

    @grpc_method(INVENTORY, "UpdateHost", roles=WRITERS, audited=True)
    def update_host(self, request: pb.Host, context: CallContext) -> pb.Host:
        return m.host_to_proto(handlers.save(Kind.HOST, m.values_of(request, drop=("id",)), self.uow, Mode.UPDATE))

    @grpc_method(INVENTORY, "GetHost", roles=READERS)
    def get_host(self, request: pb.GetHostRequest, context: CallContext) -> pb.Host:
        return m.host_to_proto(queries.get_host(request.name, self.uow, context.principal))

    @grpc_method(INVENTORY, "ListHosts", roles=READERS)
    def list_hosts(self, request: pb.ListHostsRequest, context: CallContext) -> pb.ListHostsResponse:
        page = queries.list_hosts(request.system, request.page_size, request.page_token, self.uow, context.principal)
        return pb.ListHostsResponse(
            hosts=[m.host_to_proto(h) for h in page.items], next_page_token=page.next_page_token
        )

    @grpc_method(INVENTORY, "RetireHost", roles=WRITERS, audited=True)
    def retire_host(self, request: pb.GetHostRequest, context: CallContext) -> pb.Host:
        return m.host_to_proto(handlers.remove_host(request.name, self.uow))

    @grpc_method(INVENTORY, "AddDatabase", roles=WRITERS, audited=True)
    def add_database(self, request: pb.Database, context: CallContext) -> pb.Database:
        return self._save_database(request, Mode.CREATE)

    @grpc_method(INVENTORY, "UpdateDatabase", roles=WRITERS, audited=True)
    def update_database(self, request: pb.Database, context: CallContext) -> pb.Database:
        return self._save_database(request, Mode.UPDATE)

    def _save_database(self, request: pb.Database, mode: Mode) -> pb.Database:
        values = m.values_of(request, drop=("id",))  # the id is the answer's
        return m.database_to_proto(handlers.save(Kind.DATABASE, values, self.uow, mode))

    @grpc_method(INVENTORY, "RemoveDatabase", roles=WRITERS, audited=True)
    def remove_database(self, request: pb.GetDatabaseRequest, context: CallContext) -> pb.Database:
        return m.database_to_proto(handlers.remove_database(request.name, self.uow))

    @grpc_method(INVENTORY, "AddDependency", roles=WRITERS, audited=True)
    def add_dependency(self, request: pb.Dependency, context: CallContext) -> pb.Dependency:
        return m.dependency_to_proto(handlers.save(Kind.DEPENDENCY, m.values_of(request), self.uow, Mode.CREATE))

    @grpc_method(INVENTORY, "ListDependencies", roles=READERS)
    def list_dependencies(
        self, request: pb.ListDependenciesRequest, context: CallContext
    ) -> pb.ListDependenciesResponse:
        found = queries.list_dependencies(request.system, self.uow, context.principal)
        return pb.ListDependenciesResponse(dependencies=[m.dependency_to_proto(d) for d in found])

    @grpc_method(INVENTORY, "RemoveDependency", roles=WRITERS, audited=True)
    def remove_dependency(self, request: pb.Dependency, context: CallContext) -> pb.Dependency:
        return m.dependency_to_proto(handlers.remove_dependency(request.system, request.depends_on, self.uow))

    # data resources
    @grpc_method(INVENTORY, "CreateDataResource", roles=WRITERS, audited=True)
    def create_data_resource(self, request: pb.DataResource, context: CallContext) -> pb.DataResource:
        values = m.values_of(request, drop=("id",))
        return m.data_resource_to_proto(handlers.save(Kind.DATA_RESOURCE, values, self.uow, Mode.CREATE))

    @grpc_method(INVENTORY, "UpdateDataResource", roles=WRITERS, audited=True)
    def update_data_resource(self, request: pb.DataResource, context: CallContext) -> pb.DataResource:
        values = m.values_of(request, drop=("id",))
        return m.data_resource_to_proto(handlers.save(Kind.DATA_RESOURCE, values, self.uow, Mode.UPDATE))

    @grpc_method(INVENTORY, "GetDataResource", roles=READERS)
    def get_data_resource(self, request: pb.GetByCodeRequest, context: CallContext) -> pb.DataResource:
        return m.data_resource_to_proto(queries.get_data_resource(request.code, self.uow, context.principal))

    @grpc_method(INVENTORY, "ListDataResources", roles=READERS)
    def list_data_resources(
        self, request: pb.ListDataResourcesRequest, context: CallContext
    ) -> pb.ListDataResourcesResponse:
        filters = {"organisation_code": request.organisation, "base_library": request.base_library}
        page = queries.list_data_resources(
            filters, request.overdue_only, request.page_size, request.page_token, self.uow, context.principal
        )
        return pb.ListDataResourcesResponse(
            data_resources=[m.data_resource_to_proto(d) for d in page.items], next_page_token=page.next_page_token
        )

    @grpc_method(INVENTORY, "RetireDataResource", roles=WRITERS, audited=True)
    def retire_data_resource(self, request: pb.GetByCodeRequest, context: CallContext) -> pb.DataResource:
        return m.data_resource_to_proto(handlers.retire_data_resource(request.code, self.uow))

    # the catalogue as a whole
    @grpc_method(INVENTORY, "ImportCatalog", roles=WRITERS, audited=True)
    def import_catalog(self, request: pb.ImportCatalogRequest, context: CallContext) -> pb.ImportCatalogResponse:
        command = handlers.ImportCatalog(
            enum_choice("format", request.format, FORMATS, handlers.Format.YAML), request.content, request.dry_run
        )
        applied = handlers.import_catalog(command, self.uow)
        counts = [
            pb.KindCount(kind=kind.value, created=t.created, updated=t.updated, unchanged=t.unchanged)
            for kind, t in applied.tallies.items()
        ]
        return pb.ImportCatalogResponse(dry_run=request.dry_run, counts=counts)

    @grpc_method(INVENTORY, "ExportCatalog", roles=(OPERATOR, SRE))
    def export_catalog(self, request: pb.ExportCatalogRequest, context: CallContext) -> pb.ExportCatalogResponse:
        format_ = enum_choice("format", request.format, FORMATS, handlers.Format.YAML)
        content = queries.export_catalog(format_, self.uow)
        proto_format = pb.CATALOG_FORMAT_CSV if format_ is handlers.Format.CSV else pb.CATALOG_FORMAT_YAML
        return pb.ExportCatalogResponse(format=proto_format, content=content)

    @grpc_method(INVENTORY, "AssessReadiness", roles=READERS)
    def assess_readiness(self, request: pb.AssessReadinessRequest, context: CallContext) -> pb.Readiness:
        earlier = frozenset(request.earlier_wave_systems)
        result = queries.assess_readiness(request.code, earlier, self.uow, context.principal)
        return pb.Readiness(
            code=request.code,
            score=result.score,
            blockers=result.blockers,
            recommended_strategy=result.recommended_strategy.value,
            reason=result.reason,
        )

    @grpc_method(INVENTORY, "DependencyOrder", roles=READERS)
    def dependency_order(self, request: pb.DependencyOrderRequest, context: CallContext) -> pb.DependencyOrderResponse:
        layers = queries.dependency_order(list(request.systems), self.uow, context.principal)
        return pb.DependencyOrderResponse(layers=[pb.Layer(systems=layer) for layer in layers])
