"""Resource sharing and the cutover gate over real gRPC, with real endpoints, the real broker and both databases."""

import uuid

import grpc
import sqlalchemy as sa

from services.common.engines import create_engine
from services.common.events import (
    EXCHANGE_OVERDUE,
    EXCHANGE_RECORDED,
    INTERCONNECT_EVENTS,
    RESOURCE_SHARED,
    decode_event,
)
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2 as pb
from services.pb.zhongyuan.inventory.v1 import inventory_pb2
from tests.fixtures.inventory_events import system_event
from tests.fixtures.services import eventually, produce, read_topic, unary
from tests.integration.interconnect.helpers import gate, import_network, network

SHARING = (RESOURCE_SHARED, EXCHANGE_OVERDUE, EXCHANGE_RECORDED)


def outbox_types(database_url: str) -> list[str]:
    with create_engine(database_url).connect() as connection:
        return list(connection.scalars(sa.text("SELECT ce_type FROM outbox ORDER BY id")))


def sharing_events(bootstrap: str, platform_id: str, count: int) -> list[str]:
    def of_platform(records: list) -> list[str]:  # type: ignore[type-arg]
        events = (decode_event(r.value, r.headers) for r in records)
        return [e.type for e in events if e.type in SHARING and e.subject == platform_id]

    records = read_topic(bootstrap, INTERCONNECT_EVENTS, lambda rs: len(of_platform(rs)) >= count, "sharing events")
    return of_platform(records)[:count]


def test_an_exchange_older_than_twice_its_schedule_blocks_the_gate_until_a_run_is_recorded(
    start_interconnect, listeners, operator_token, backing_services, database_url
) -> None:
    running = start_interconnect()
    interconnect = running.stub
    web = listeners.http()
    import_network(interconnect, operator_token, network(web.http_url, HA_ZZ=web.http_url))
    eventually(lambda: gate(interconnect, operator_token, "HA-ZZ").ready, "HA-ZZ ready")
    resource = pb.SharedResource(
        code="HA-ZZ-RK", name="郑州市人口基础信息", platform="HA-ZZ", direction="to_province", schedule_seconds=2
    )
    unary(interconnect.ShareResource, resource, operator_token)

    def blocked() -> list[str] | None:
        readiness = gate(interconnect, operator_token, "HA-ZZ")
        return None if readiness.ready else list(readiness.reasons)

    red = eventually(blocked, "the overdue exchange to block HA-ZZ")

    assert red[0].startswith("exchange HA-ZZ-RK (郑州市人口基础信息) is overdue: never exchanged, due by")
    overdue = unary(interconnect.ListSharedResources, pb.ListSharedResourcesRequest(overdue_only=True), operator_token)
    assert [r.code for r in overdue.resources] == ["HA-ZZ-RK"]
    eventually(lambda: EXCHANGE_OVERDUE in outbox_types(database_url), "the overdue exchange announced")

    run = pb.ExchangeRun(resource="HA-ZZ-RK", rows=1200, checksum="sha256:9f2c")
    recorded = unary(interconnect.RecordExchange, run, operator_token)

    assert recorded.id and recorded.exchanged_at.seconds
    assert gate(interconnect, operator_token, "HA-ZZ").ready
    [fresh] = unary(interconnect.ListSharedResources, pb.ListSharedResourcesRequest(), operator_token).resources
    assert (fresh.last_rows, fresh.last_checksum) == (1200, "sha256:9f2c")
    platform = unary(interconnect.GetPlatform, pb.GetPlatformRequest(code="HA-ZZ"), operator_token)
    running.stop()
    assert sharing_events(backing_services.kafka_bootstrap, platform.id, 3) == list(SHARING)


def test_the_gate_answers_for_the_systems_the_inventory_announced(
    start_interconnect, listeners, operator_token, producer
) -> None:
    interconnect = start_interconnect(follow_inventory=True).stub
    web = listeners.http()
    import_network(interconnect, operator_token, network(web.http_url, HA_ZZ=web.http_url))
    suffix = uuid.uuid4().hex[:6].upper()
    city = system_event(f"HA-ZZ-S{suffix}", "HA-ZZ", level=inventory_pb2.ADMIN_LEVEL_CITY)
    province = system_event(f"HA-WJW-S{suffix}", "HA-WJW", level=inventory_pb2.ADMIN_LEVEL_PROVINCE)
    county = system_event(f"HA-GY-S{suffix}", "HA-GY", level=inventory_pb2.ADMIN_LEVEL_COUNTY)
    produce(producer, city, province, county)

    def readiness(**request: str) -> pb.CutoverReadiness | None:
        """The gate's answer; None while the system is not known yet."""
        try:
            return unary(interconnect.CheckCutoverReadiness, pb.CheckCutoverReadinessRequest(**request), operator_token)
        except grpc.RpcError as error:
            if error.code() is not grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
                raise
            return None

    # The three events have different keys, so different partitions: they become known in any order.
    by_id = eventually(lambda: readiness(system_id=city.subject), "the city system known to the gate")
    trivially = eventually(lambda: readiness(code=province.payload.system.code), "the province system known")
    eventually(lambda: readiness(code=county.payload.system.code), "the county system known to the gate")

    assert by_id.platform_code == "HA-ZZ"
    eventually(lambda: readiness(code=city.payload.system.code).ready, "the city system ready")  # type: ignore[union-attr]
    assert trivially.ready and "province-level system" in trivially.reasons[0]
    no_platform = readiness(code=county.payload.system.code)
    assert no_platform is not None and not no_platform.ready
    assert no_platform.reasons == [f"no city or county platform is registered for HA-GY, the owner of HA-GY-S{suffix}"]
