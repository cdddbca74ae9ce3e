"""The gRPC bridge: grpcio on real threads, nameko workers on the hub — and a loud failure if grpcio moves."""

import threading as green_threading

import eventlet
import grpc
import pytest
import sqlalchemy as sa
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from services.common.auth import OPERATOR, SRE
from services.common.errors import InvalidArgument
from services.common.runtime import real_threads
from services.common.runtime.grpc_calls import CallContext
from services.common.runtime.grpc_entrypoint import grpc_method
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2_grpc as pb_grpc
from tests.fixtures.services import bearer, eventually, unary
from tests.integration.common.calling import ASKED_FOR, Caller
from tools.stack import free_port

MONITORING = pb.DESCRIPTOR.services_by_name["MonitoringService"]
PINNED_GRPCIO = "1.71.2"
CALL_SECONDS = 0.2


class Ticking:
    """A service whose unary call takes a while, on the hub."""

    name = "ticking"

    @grpc_method(MONITORING, "CountSystems", roles=[OPERATOR])
    def count_systems(self, request: pb.CountSystemsRequest, context: CallContext) -> pb.CountSystemsResponse:
        if request.organisation_code == "BAD":
            raise InvalidArgument.field("organisation_code", "BAD is not an organisation")
        if request.organisation_code == "BUG":
            raise KeyError("a bug")
        if request.organisation_code == "DB-DOWN":
            connect_to_a_database_that_is_down()
        eventlet.sleep(CALL_SECONDS)
        return pb.CountSystemsResponse(counts=[pb.OrganisationCount(organisation_code=request.organisation_code)])

    @grpc_method(MONITORING, "WatchSystemCounts", roles=[OPERATOR])
    def watch_system_counts(self, request: pb.CountSystemsRequest, context: CallContext):  # type: ignore[no-untyped-def]
        for n in range(5):
            yield pb.CountSystemsResponse(counts=[pb.OrganisationCount(organisation_code="HA-WJW", systems=n)])


def connect_to_a_database_that_is_down() -> None:
    engine = sa.create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/postgres")
    try:
        engine.connect()
    finally:
        engine.dispose()


@pytest.fixture
def ticking(container_factory, service_config, tmp_path):  # type: ignore[no-untyped-def]
    config = service_config(f"sqlite:///{tmp_path}/x.db")
    container = container_factory(Ticking, config)
    container.start()
    return config["GRPC_BIND_ADDRESS"]


@pytest.fixture
def stub(ticking, channel_to) -> pb_grpc.MonitoringServiceStub:  # type: ignore[no-untyped-def]
    return pb_grpc.MonitoringServiceStub(channel_to(ticking))


def test_grpcio_is_the_pinned_release_and_runs_on_real_threads() -> None:
    assert grpc.__version__ == PINNED_GRPCIO, (
        f"grpcio {grpc.__version__} is not the release the bridge was verified with ({PINNED_GRPCIO}): "
        "re-check services/common/runtime/real_threads.py before changing the pin"
    )
    for module in real_threads.GRPC_MODULES_USING_THREADS:
        assert module.threading is real_threads.threading, f"{module.__name__} would run grpcio on green threads"
    assert real_threads.threading is not green_threading


def test_fifty_concurrent_calls_all_complete_while_the_hub_keeps_ticking(stub, operator_token) -> None:
    ticks = 0

    def tick_forever() -> None:
        nonlocal ticks
        while True:
            eventlet.sleep(0.01)
            ticks += 1

    # A bare green thread, not a nameko @timer: a timer needs a worker, and the 50 calls' workers fill nameko's pool
    # (10), so a timer's ticks measured how the pool queued them, not whether the hub ran (CI once saw 6).
    ticker = eventlet.spawn(tick_forever)
    requests = [pb.CountSystemsRequest(organisation_code=f"ORG-{i}") for i in range(50)]

    pile = eventlet.GreenPile(50)
    for request in requests:
        pile.spawn(unary, stub.CountSystems, request, operator_token)
    replies = list(pile)
    ticker.kill()

    assert [r.counts[0].organisation_code for r in replies] == [r.organisation_code for r in requests]
    # 50 calls of 0.2 s, at most 10 at a time (nameko's workers): a second at least, and the green thread (every
    # 10 ms) ran throughout, so the hub never froze.
    assert ticks >= 20


def test_a_blocking_call_from_a_real_client_thread_is_answered(stub, operator_token) -> None:
    result = real_threads.queue.SimpleQueue()

    def call() -> None:
        result.put(
            stub.CountSystems(
                pb.CountSystemsRequest(organisation_code="HA-WJW"),
                metadata=bearer(operator_token),
                timeout=10,
            )
        )

    real_threads.threading.Thread(target=call).start()
    reply = eventually(lambda: not result.empty() and result.get(), "the reply on the client thread")
    assert reply.counts[0].organisation_code == "HA-WJW"


def test_a_server_stream_delivers_every_message_in_order(stub, operator_token) -> None:
    call = stub.WatchSystemCounts(pb.CountSystemsRequest(), metadata=bearer(operator_token), timeout=10)

    messages = eventlet.tpool.execute(list, call)

    assert [m.counts[0].systems for m in messages] == [0, 1, 2, 3, 4]


def test_no_token_is_unauthenticated_and_a_wrong_role_is_permission_denied(stub, tokens) -> None:
    with pytest.raises(grpc.RpcError) as missing:
        unary(stub.CountSystems, pb.CountSystemsRequest())
    assert missing.value.code() is grpc.StatusCode.UNAUTHENTICATED

    with pytest.raises(grpc.RpcError) as wrong_role:
        unary(stub.CountSystems, pb.CountSystemsRequest(), tokens.create_token([SRE]))
    assert wrong_role.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert "CountSystems needs one of the roles operator" in wrong_role.value.details()


def test_an_invalid_argument_names_the_field_in_the_status_details(stub, operator_token) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        unary(stub.CountSystems, pb.CountSystemsRequest(organisation_code="BAD"), operator_token)

    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    [detail] = rpc_status.from_call(raised.value).details
    bad_request = error_details_pb2.BadRequest()
    detail.Unpack(bad_request)
    assert [(v.field, v.description) for v in bad_request.field_violations] == [
        ("organisation_code", "BAD is not an organisation")
    ]


def test_a_request_that_does_not_parse_is_invalid_argument_not_internal(ticking, channel_to, operator_token) -> None:
    raw = channel_to(ticking).unary_unary("/zhongyuan.monitoring.v1.MonitoringService/CountSystems")
    not_utf8 = b"\x0a\x02\xff\xfe"  # organisation_code (field 1): two bytes that are not UTF-8

    with pytest.raises(grpc.RpcError) as raised:
        unary(raw, not_utf8, operator_token)

    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "request: is not a valid zhongyuan.monitoring.v1.CountSystemsRequest" in raised.value.details()


def test_an_unexpected_error_is_internal_with_a_log_reference_not_unknown(stub, operator_token) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        unary(stub.CountSystems, pb.CountSystemsRequest(organisation_code="BUG"), operator_token)

    assert raised.value.code() is grpc.StatusCode.INTERNAL
    assert "internal error in CountSystems; the service log has ref" in raised.value.details()


def test_an_unreachable_database_is_unavailable_saying_so_without_its_internals(stub, operator_token) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        unary(stub.CountSystems, pb.CountSystemsRequest(organisation_code="DB-DOWN"), operator_token)

    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE
    assert raised.value.details() == "CountSystems: the database is unreachable just now; try again later"


def test_health_and_reflection_are_served(ticking, channel_to) -> None:
    channel = channel_to(ticking)
    health = unary(
        health_pb2_grpc.HealthStub(channel).Check,
        health_pb2.HealthCheckRequest(service="zhongyuan.monitoring.v1.MonitoringService"),
    )
    assert health.status == health_pb2.HealthCheckResponse.SERVING

    request = reflection_pb2.ServerReflectionRequest(list_services="")
    replies = eventlet.tpool.execute(
        lambda: list(reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(iter([request]), timeout=5))
    )
    names = {s.name for s in replies[0].list_services_response.service}
    assert {"zhongyuan.monitoring.v1.MonitoringService", "grpc.health.v1.Health"} <= names


def test_a_service_calls_another_over_the_grpc_client_without_freezing(
    ticking, container_factory, service_config, tmp_path, channel_to, tokens, operator_token
) -> None:
    config = service_config(
        f"sqlite:///{tmp_path}/caller.db",
        MONITORING_GRPC_TARGET=ticking,
        SERVICE_TOKEN=tokens.create_token([OPERATOR]),
    )
    container_factory(Caller, config).start()
    caller = pb_grpc.MonitoringServiceStub(channel_to(config["GRPC_BIND_ADDRESS"]))

    reply = unary(caller.CountSystems, pb.CountSystemsRequest(), operator_token)

    assert reply.counts[0].organisation_code == ASKED_FOR
