"""A service that calls another through the service-to-service GrpcClient, for the bridge and TLS tests."""

from services.common.auth import OPERATOR
from services.common.runtime.grpc_calls import CallContext
from services.common.runtime.grpc_client import GrpcClient
from services.common.runtime.grpc_entrypoint import GrpcService, grpc_method
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2_grpc as pb_grpc

MONITORING = pb.DESCRIPTOR.services_by_name["MonitoringService"]
ASKED_FOR = "via-client"


class Caller:
    """Answers CountSystems by asking MONITORING_GRPC_TARGET's CountSystems for ASKED_FOR, from inside a worker."""

    name = "caller"
    monitoring = GrpcClient(pb_grpc.MonitoringServiceStub, "MONITORING_GRPC_TARGET")
    grpc = GrpcService(MONITORING)

    @grpc_method(MONITORING, "CountSystems", roles=[OPERATOR])
    def count_systems(self, request: pb.CountSystemsRequest, context: CallContext) -> pb.CountSystemsResponse:
        return self.monitoring.CountSystems(pb.CountSystemsRequest(organisation_code=ASKED_FOR))
