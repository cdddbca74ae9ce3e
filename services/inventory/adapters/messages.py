"""Between protobuf messages (gRPC and events) and the inventory's commands and domain objects."""

from google.protobuf.timestamp_pb2 import Timestamp

from services.common.events import SYSTEM_REGISTERED, Event, new_event
from services.inventory.domain.commands import RegisterSystem
from services.inventory.domain.model import AdminLevel, System
from services.pb.zhongyuan.inventory.v1 import events_pb2, inventory_pb2

SOURCE = "/zhongyuan/inventory"

_LEVEL_TO_PROTO = {
    AdminLevel.PROVINCE: inventory_pb2.ADMIN_LEVEL_PROVINCE,
    AdminLevel.CITY: inventory_pb2.ADMIN_LEVEL_CITY,
    AdminLevel.COUNTY: inventory_pb2.ADMIN_LEVEL_COUNTY,
}
_LEVEL_FROM_PROTO = {proto: level for level, proto in _LEVEL_TO_PROTO.items()}


def register_command(request: inventory_pb2.RegisterSystemRequest) -> RegisterSystem:
    return RegisterSystem(
        code=request.code,
        name=request.name,
        organisation_code=request.organisation_code,
        admin_level=_LEVEL_FROM_PROTO.get(request.admin_level),
        mlps_level=request.mlps_level,
    )


def system_to_proto(system: System) -> inventory_pb2.System:
    registered_at = Timestamp()
    registered_at.FromDatetime(system.registered_at)
    return inventory_pb2.System(
        id=system.id,
        code=system.code,
        name=system.name,
        organisation_code=system.organisation_code,
        admin_level=_LEVEL_TO_PROTO[system.admin_level],
        mlps_level=system.mlps_level,
        status=system.status.value,
        registered_at=registered_at,
    )


def system_registered(system: System) -> Event:
    payload = events_pb2.SystemRegistered(system=system_to_proto(system))
    return new_event(SYSTEM_REGISTERED, SOURCE, system.id, payload)
