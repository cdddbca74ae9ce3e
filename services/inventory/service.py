"""Inventory service entrypoints: decode the request, call a use case, encode the answer."""

from services.common.auth import DEPARTMENT, OPERATOR, SRE
from services.common.runtime import web
from services.common.runtime.database import Database
from services.common.runtime.grpc_server import CallContext, grpc_method
from services.inventory import handlers
from services.inventory.adapters import messages
from services.inventory.adapters.unit_of_work import VERSIONS, InventoryUnitOfWork
from services.inventory.domain.commands import ListSystems
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as pb

INVENTORY = pb.DESCRIPTOR.services_by_name["InventoryService"]
READERS = (OPERATOR, SRE, DEPARTMENT)


class InventoryService(web.Observable):
    name = "inventory"

    uow = Database(InventoryUnitOfWork, VERSIONS)

    @grpc_method(INVENTORY, "RegisterSystem", roles=[OPERATOR])
    def register_system(self, request: pb.RegisterSystemRequest, context: CallContext) -> pb.System:
        system = handlers.register_system(messages.register_command(request), self.uow)
        return messages.system_to_proto(system)

    @grpc_method(INVENTORY, "GetSystem", roles=READERS)
    def get_system(self, request: pb.GetSystemRequest, context: CallContext) -> pb.System:
        system = handlers.get_system(system_id=request.id, code=request.code, uow=self.uow, principal=context.principal)
        return messages.system_to_proto(system)

    @grpc_method(INVENTORY, "ListSystems", roles=READERS)
    def list_systems(self, request: pb.ListSystemsRequest, context: CallContext) -> pb.ListSystemsResponse:
        query = ListSystems(request.organisation_code, request.page_size, request.page_token)
        page = handlers.list_systems(query, self.uow, context.principal)
        return pb.ListSystemsResponse(
            systems=[messages.system_to_proto(s) for s in page.systems], next_page_token=page.next_page_token
        )
