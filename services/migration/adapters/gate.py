"""The interconnect service's cutover gate, asked before a city- or county-level system cuts over."""

from typing import Any

import grpc

from services.migration.ports import GateAnswer
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2 as ic


class GrpcCutoverGate:
    def __init__(self, stub: Any):
        self._stub = stub

    def check(self, system_id: str) -> GateAnswer:
        try:
            answer = self._stub.CheckCutoverReadiness(ic.CheckCutoverReadinessRequest(system_id=system_id))
        except grpc.RpcError as error:
            # An unreachable gate must not wave a cutover through.
            reason = f"the interconnect cutover gate did not answer: {error.code().name} {error.details()}"  # type: ignore[attr-defined]
            return GateAnswer(ready=False, platform_code="", reasons=[reason])
        return GateAnswer(ready=answer.ready, platform_code=answer.platform_code, reasons=list(answer.reasons))
