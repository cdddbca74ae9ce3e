"""Between protobuf messages (gRPC and events) and the inventory's rows, domain objects and events."""

from collections.abc import Sequence
from datetime import date
from typing import Any, assert_never

from google.protobuf.message import Message

from services.common import events as ev
from services.common.events import Event, new_event
from services.common.request_values import request_values
from services.common.timestamps import timestamp
from services.inventory.domain import export
from services.inventory.domain.events import (
    DataResourceOpened,
    DataResourceRetired,
    DataResourceScheduled,
    DependencyChanged,
    HostChanged,
    InventoryEvent,
    SystemRegistered,
    SystemRetired,
    SystemUpdated,
)
from services.inventory.domain.model import (
    AdminLevel,
    Database,
    DataResource,
    Dependency,
    Host,
    Organisation,
    System,
    Zone,
)
from services.inventory.domain.schema import Kind
from services.pb.zhongyuan.inventory.v1 import events_pb2, inventory_pb2

SOURCE = "/zhongyuan/inventory"

LEVEL_TO_PROTO = {
    AdminLevel.PROVINCE: inventory_pb2.ADMIN_LEVEL_PROVINCE,
    AdminLevel.CITY: inventory_pb2.ADMIN_LEVEL_CITY,
    AdminLevel.COUNTY: inventory_pb2.ADMIN_LEVEL_COUNTY,
}
LEVEL_FROM_PROTO = {proto: level.value for level, proto in LEVEL_TO_PROTO.items()}


# The one field a RegisterSystemRequest names differently from the catalogue's column.
SYSTEM_REQUEST_FIELDS = {"organisation": "organisation_code"}


def values_of(message: Message, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """A request's fields as catalogue row values; unset fields (empty, 0, false) are absent, as in a CSV cell."""
    return request_values(message, enums={"admin_level": LEVEL_FROM_PROTO}, entry_names={}, drop=drop)


def system_values(request: inventory_pb2.RegisterSystemRequest) -> dict[str, Any]:
    return request_values(request, enums={"admin_level": LEVEL_FROM_PROTO}, entry_names=SYSTEM_REQUEST_FIELDS)


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def system_to_proto(
    system: System,
    hosts: Sequence[Host] = (),
    depends_on: Sequence[str] = (),
    databases: Sequence[Database] = (),
) -> inventory_pb2.System:
    return inventory_pb2.System(
        id=system.id,
        code=system.code,
        name=system.name,
        organisation_code=system.organisation_code,
        admin_level=LEVEL_TO_PROTO[system.admin_level],
        mlps_level=system.mlps_level,
        status=system.status.value,
        registered_at=timestamp(system.registered_at),
        tech_stack=system.tech_stack,
        data_volume_gb=system.data_volume_gb,
        current_location=system.current_location,
        target_zone=system.target_zone_code or "",
        strategy=system.strategy.value if system.strategy else "",
        rollback_contact=system.rollback_contact,
        hosts=[host_to_proto(h) for h in hosts],
        depends_on=list(depends_on),
        databases=[database_to_proto(d) for d in databases],
    )


def host_to_proto(host: Host) -> inventory_pb2.Host:
    return inventory_pb2.Host(
        id=host.id,
        name=host.name,
        system=host.system_code,
        address=host.address,
        role=host.role.value,
        connection=host.connection.value,
        port=host.port,
        user=host.user,
        root=host.root,
        python=host.python,
    )


def database_to_proto(database: Database) -> inventory_pb2.Database:
    """The catalogue's fields (the message names them alike), with the ports and the target's database name as they
    are reached: a default the catalogue left out is filled in."""
    reached = {
        "source_port": database.source_port_or_default,
        "target_port": database.target_port_or_default,
        "target_database": database.target_database_or_source,
    }
    return inventory_pb2.Database(**export.values_of(Kind.DATABASE, database) | reached, id=database.id)


def organisation_to_proto(organisation: Organisation) -> inventory_pb2.Organisation:
    return inventory_pb2.Organisation(
        code=organisation.code,
        name=organisation.name,
        admin_level=LEVEL_TO_PROTO[organisation.admin_level],
        parent=organisation.parent_code or "",
        retired=organisation.retired,
    )


def zone_to_proto(zone: Zone) -> inventory_pb2.Zone:
    return inventory_pb2.Zone(
        code=zone.code, name=zone.name, transport_crypto=zone.transport_crypto, storage_crypto=zone.storage_crypto
    )


def dependency_to_proto(dependency: Dependency) -> inventory_pb2.Dependency:
    return inventory_pb2.Dependency(system=dependency.system_code, depends_on=dependency.depends_on_code)


def data_resource_to_proto(resource: DataResource) -> inventory_pb2.DataResource:
    return inventory_pb2.DataResource(
        id=resource.id,
        code=resource.code,
        name=resource.name,
        organisation=resource.organisation_code,
        system=resource.system_code,
        base_library=resource.base_library.value,
        sharing_type=resource.sharing_type.value,
        opening_type=resource.opening_type.value,
        planned_opening_date=_day(resource.planned_opening_date),
        actual_opening_date=_day(resource.actual_opening_date),
        retired=resource.retired,
    )


def to_message(event: InventoryEvent) -> Event:
    """The protobuf event on zhongyuan.inventory.events.v1 for what the domain recorded; its subject is the id of the
    system (or data resource) it is about, the key that keeps that one's events in order."""
    match event:
        case SystemRegistered(system, databases=databases):
            return system_registered(system, databases)
        case SystemUpdated(system, changed, databases=databases):
            return _system_updated(system, list(changed), databases)
        case SystemRetired(system, databases=databases):
            return _system_retired(system, databases)
        case HostChanged(system_id, host, removed):
            return _host_changed(system_id, host, removed)
        case DependencyChanged(system_id, dependency, removed):
            return _dependency_changed(system_id, dependency, removed)
        case DataResourceScheduled(resource):
            return _data_resource_scheduled(resource)
        case DataResourceOpened(resource):
            return _data_resource_opened(resource)
        case DataResourceRetired(resource):
            return _data_resource_retired(resource)
    assert_never(event)


def system_registered(system: System, databases: Sequence[Database] = ()) -> Event:
    """Public as well: the outbox tests write one without a use case."""
    payload = events_pb2.SystemRegistered(system=system_to_proto(system, databases=databases))
    return new_event(ev.SYSTEM_REGISTERED, SOURCE, system.id, payload)


def _system_updated(system: System, changed: list[str], databases: Sequence[Database]) -> Event:
    payload = events_pb2.SystemUpdated(system=system_to_proto(system, databases=databases), changed_fields=changed)
    return new_event(ev.SYSTEM_UPDATED, SOURCE, system.id, payload)


def _system_retired(system: System, databases: Sequence[Database]) -> Event:
    payload = events_pb2.SystemRetired(system=system_to_proto(system, databases=databases))
    return new_event(ev.SYSTEM_RETIRED, SOURCE, system.id, payload)


def _host_changed(system_id: str, host: Host, removed: bool) -> Event:
    payload = events_pb2.HostChanged(system_id=system_id, host=host_to_proto(host), removed=removed)
    return new_event(ev.HOST_CHANGED, SOURCE, system_id, payload)


def _dependency_changed(system_id: str, dependency: Dependency, removed: bool) -> Event:
    payload = events_pb2.DependencyChanged(
        system_id=system_id, dependency=dependency_to_proto(dependency), removed=removed
    )
    return new_event(ev.DEPENDENCY_CHANGED, SOURCE, system_id, payload)


def _data_resource_scheduled(resource: DataResource) -> Event:
    payload = events_pb2.DataResourceScheduled(data_resource=data_resource_to_proto(resource))
    return new_event(ev.DATA_RESOURCE_SCHEDULED, SOURCE, resource.id, payload)


def _data_resource_opened(resource: DataResource) -> Event:
    payload = events_pb2.DataResourceOpened(data_resource=data_resource_to_proto(resource))
    return new_event(ev.DATA_RESOURCE_OPENED, SOURCE, resource.id, payload)


def _data_resource_retired(resource: DataResource) -> Event:
    payload = events_pb2.DataResourceRetired(data_resource=data_resource_to_proto(resource))
    return new_event(ev.DATA_RESOURCE_RETIRED, SOURCE, resource.id, payload)
