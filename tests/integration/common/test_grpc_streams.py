"""Server streams over real gRPC: they run outside nameko's worker pool, and only GRPC_MAX_STREAMS are open at once."""

import uuid
from typing import Any

import grpc
import pytest
from eventlet import tpool
from nameko.containers import ServiceContainer

from services.common.auth import OPERATOR
from services.common.events import Event
from services.common.runtime.grpc_calls import CallContext
from services.common.runtime.grpc_entrypoint import grpc_method
from services.common.runtime.kafka import kafka_consumer
from services.common.runtime.streams import changes
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2_grpc as pb_grpc
from tests.fixtures.inventory_events import system_event
from tests.fixtures.services import DEADLINE_SECONDS, bearer, eventually, produce, unary

MONITORING = pb.DESCRIPTOR.services_by_name["MonitoringService"]
POOL_SIZE = 2
STREAM_SECONDS = 3 * DEADLINE_SECONDS  # outlives every wait of a test: a stream must not end and free what it held


def watched_service(topic: str, folded: list[Event]) -> type:
    """A service with a watch that never ends on its own, a unary call and a Kafka consumer of `topic`."""

    class Watched:
        name = f"watched_{uuid.uuid4().hex[:6]}"

        @grpc_method(MONITORING, "CountSystems", roles=[OPERATOR])
        def count_systems(self, request: pb.CountSystemsRequest, context: CallContext) -> pb.CountSystemsResponse:
            return pb.CountSystemsResponse()

        @grpc_method(MONITORING, "WatchSystemCounts", roles=[OPERATOR])
        def watch_system_counts(self, request: pb.CountSystemsRequest, context: CallContext):  # type: ignore[no-untyped-def]
            yield from changes(pb.CountSystemsResponse, context, poll_seconds=0.1)

        @kafka_consumer(topic)
        def fold(self, event: Event) -> None:
            folded.append(event)

    return Watched


@pytest.fixture
def folded() -> list[Event]:
    return []


@pytest.fixture
def start_watched(container_factory, service_config, tmp_path, channel_to, topic, folded):  # type: ignore[no-untyped-def]
    def start(**config: Any) -> pb_grpc.MonitoringServiceStub:
        settings = service_config(f"sqlite:///{tmp_path}/watched.db", **config)
        container_factory(watched_service(topic, folded), settings).start()
        return pb_grpc.MonitoringServiceStub(channel_to(settings["GRPC_BIND_ADDRESS"]))

    return start


@pytest.fixture
def open_streams() -> Any:
    """Streams opened by the test, cancelled at its end."""
    calls: list[Any] = []
    yield calls
    for call in calls:
        call.cancel()


def open_watch(stub: pb_grpc.MonitoringServiceStub, token: str, open_streams: list[Any]) -> Any:
    """A WatchSystemCounts stream whose first message has arrived, so it is open on the server."""
    call = stub.WatchSystemCounts(pb.CountSystemsRequest(), metadata=bearer(token), timeout=STREAM_SECONDS)
    open_streams.append(call)
    tpool.execute(next, call)
    return call


def test_streams_filling_the_worker_pool_leave_unary_calls_answered(
    start_watched, open_streams, operator_token
) -> None:
    stub = start_watched(max_workers=POOL_SIZE)
    for _ in range(POOL_SIZE):
        open_watch(stub, operator_token, open_streams)

    assert unary(stub.CountSystems, pb.CountSystemsRequest(), operator_token) == pb.CountSystemsResponse()


def test_streams_filling_the_worker_pool_leave_kafka_records_folded(
    start_watched, open_streams, operator_token, producer, topic, folded
) -> None:
    stub = start_watched(max_workers=POOL_SIZE)
    for _ in range(POOL_SIZE):
        open_watch(stub, operator_token, open_streams)

    event = system_event("HA-WATCHED-1")
    produce(producer, event, topic=topic)
    eventually(lambda: [e.id for e in folded] == [event.id], "the Kafka record folded while the streams are open")


def test_a_stream_over_the_limit_is_refused_resource_exhausted_until_one_closes(
    start_watched, open_streams, operator_token
) -> None:
    stub = start_watched(GRPC_MAX_STREAMS=2)
    first = open_watch(stub, operator_token, open_streams)
    open_watch(stub, operator_token, open_streams)

    with pytest.raises(grpc.RpcError) as refused:
        open_watch(stub, operator_token, open_streams)
    assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "2 streams at most (GRPC_MAX_STREAMS)" in refused.value.details()

    first.cancel()
    eventually(lambda: _admitted(stub, operator_token, open_streams), "a stream admitted after one closed")


def _admitted(stub: pb_grpc.MonitoringServiceStub, token: str, open_streams: list[Any]) -> bool:
    try:
        open_watch(stub, token, open_streams)
    except grpc.RpcError as error:
        if error.code() is not grpc.StatusCode.RESOURCE_EXHAUSTED:
            raise
        return False
    return True


def test_a_stream_limit_leaving_no_grpc_thread_for_unary_calls_stops_the_service_starting(
    service_config, tmp_path, topic, folded
) -> None:
    settings = service_config(f"sqlite:///{tmp_path}/watched.db", GRPC_THREADS=4, GRPC_MAX_STREAMS=4)
    # Not from container_factory: it would kill the container, and extensions that never started cannot be killed.
    container = ServiceContainer(watched_service(topic, folded), settings)

    with pytest.raises(ValueError, match=r"GRPC_MAX_STREAMS \(4\) must be below GRPC_THREADS \(4\)"):
        container.start()
