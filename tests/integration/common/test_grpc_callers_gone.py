"""A call whose caller gave up while it waited for a worker is skipped, not applied late: over real gRPC."""

import uuid
from typing import Any

import eventlet
import grpc
import pytest
from eventlet.event import Event as GreenEvent

from services.common.auth import OPERATOR
from services.common.runtime.grpc_calls import CallContext
from services.common.runtime.grpc_entrypoint import GrpcEntrypoint, grpc_method
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2_grpc as pb_grpc
from tests.fixtures.services import eventually, unary

MONITORING = pb.DESCRIPTOR.services_by_name["MonitoringService"]
HOLDER = "HOLDER"


class OneWorker:
    """Runs CountSystems with its caller's organisation code noted; the HOLDER call keeps its worker until released."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.release = GreenEvent()

    def service(self) -> type:
        ran, release = self.ran, self.release

        class Counting:
            name = f"counting_{uuid.uuid4().hex[:6]}"

            @grpc_method(MONITORING, "CountSystems", roles=[OPERATOR])
            def count_systems(self, request: pb.CountSystemsRequest, context: CallContext) -> pb.CountSystemsResponse:
                ran.append(request.organisation_code)
                if request.organisation_code == HOLDER:
                    release.wait()
                return pb.CountSystemsResponse()

        return Counting


def count(stub: pb_grpc.MonitoringServiceStub, code: str, token: str, timeout: float = 15) -> Any:
    return unary(stub.CountSystems, pb.CountSystemsRequest(organisation_code=code), token, timeout=timeout)


def skipped(container: Any, method: str) -> float | None:
    [entrypoint] = [e for e in container.entrypoints if isinstance(e, GrpcEntrypoint)]
    registry = entrypoint.metrics.registry
    return registry.get_sample_value("zhongyuan_grpc_calls_skipped_total", {"method": method})


def test_a_call_whose_deadline_passed_while_it_waited_for_a_worker_is_never_run(
    container_factory, service_config, tmp_path, channel_to, operator_token
) -> None:
    worker = OneWorker()
    config = service_config(f"sqlite:///{tmp_path}/x.db", max_workers=1)
    container = container_factory(worker.service(), config)
    container.start()
    stub = pb_grpc.MonitoringServiceStub(channel_to(config["GRPC_BIND_ADDRESS"]))
    holder = eventlet.spawn(count, stub, HOLDER, operator_token)
    eventually(lambda: worker.ran == [HOLDER], "the HOLDER call holding the only worker")

    with pytest.raises(grpc.RpcError) as gave_up:
        count(stub, "GAVE-UP", operator_token, timeout=0.5)
    assert gave_up.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    worker.release.send()
    holder.wait()
    count(stub, "LATER", operator_token)

    assert worker.ran == [HOLDER, "LATER"]
    assert skipped(container, "CountSystems") == 1
