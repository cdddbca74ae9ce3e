"""The inventory, as the migration service sees it: systems with hosts, databases and zone, and the dependency
order."""

from dataclasses import fields
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from services.common.errors import FailedPrecondition, InvalidArgument, NotFound
from services.migration.ports import DatabaseInfo, Host, SystemInfo
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv

Entry = TypeVar("Entry", Host, DatabaseInfo)


class GrpcCatalogue:
    def __init__(self, stub: Any):
        self._stub = stub
        self._zones: dict[str, inv.Zone] | None = None

    def system(self, code: str) -> SystemInfo:
        try:
            found = self._stub.GetSystem(inv.GetSystemRequest(code=code))
        except grpc.RpcError as error:
            raise _translated(error, f"system {code}") from error
        zone = self._zone(found.target_zone)
        return SystemInfo(
            id=found.id,
            code=found.code,
            organisation_code=found.organisation_code,
            status=found.status,
            mlps_level=found.mlps_level,
            zone=found.target_zone,
            zone_crypto=bool(zone and zone.transport_crypto and zone.storage_crypto),
            hosts=[_read(Host, host) for host in found.hosts],
            depends_on=list(found.depends_on),
            admin_level=inv.AdminLevel.Name(found.admin_level).removeprefix("ADMIN_LEVEL_").lower(),
            databases=[_read(DatabaseInfo, database) for database in found.databases],
        )

    def dependency_order(self, codes: list[str]) -> list[list[str]]:
        try:
            reply = self._stub.DependencyOrder(inv.DependencyOrderRequest(systems=codes))
        except grpc.RpcError as error:
            raise _translated(error, "systems") from error
        return [list(layer.systems) for layer in reply.layers]

    def _zone(self, code: str) -> inv.Zone | None:
        if self._zones is None:
            self._zones = {z.code: z for z in self._stub.ListZones(inv.ListZonesRequest()).zones}
        return self._zones.get(code)


def _read(kind: type[Entry], message: Message) -> Entry:
    """A host or a database as the inventory answered it: the message names each field of `kind` alike."""
    return kind(**{field.name: getattr(message, field.name) for field in fields(kind)})


def _translated(error: grpc.RpcError, what: str) -> Exception:
    code, details = error.code(), error.details()  # type: ignore[attr-defined]
    if code is grpc.StatusCode.NOT_FOUND:
        return NotFound(f"the inventory has no {what}: {details}")
    if code is grpc.StatusCode.FAILED_PRECONDITION:
        return FailedPrecondition(details)
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidArgument.field("systems", details)
    return FailedPrecondition(f"the inventory could not answer for {what}: {code.name} {details}")
