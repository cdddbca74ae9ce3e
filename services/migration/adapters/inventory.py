"""The inventory, as the migration service sees it: systems with hosts and zone, and the dependency order."""

from typing import Any

import grpc

from services.common.errors import FailedPrecondition, InvalidArgument, NotFound
from services.migration.ports import Host, SystemInfo
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv


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
            hosts=[
                Host(
                    name=h.name,
                    role=h.role,
                    address=h.address,
                    connection=h.connection,
                    port=h.port,
                    user=h.user,
                    root=h.root,
                    python=h.python,
                )
                for h in found.hosts
            ],
            depends_on=list(found.depends_on),
            admin_level=inv.AdminLevel.Name(found.admin_level).removeprefix("ADMIN_LEVEL_").lower(),
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


def _translated(error: grpc.RpcError, what: str) -> Exception:
    code, details = error.code(), error.details()  # type: ignore[attr-defined]
    if code is grpc.StatusCode.NOT_FOUND:
        return NotFound(f"the inventory has no {what}: {details}")
    if code is grpc.StatusCode.FAILED_PRECONDITION:
        return FailedPrecondition(details)
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidArgument.field("systems", details)
    return FailedPrecondition(f"the inventory could not answer for {what}: {code.name} {details}")
