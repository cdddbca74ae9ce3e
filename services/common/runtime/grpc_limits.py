"""The limits a gRPC server keeps against callers that would overrun it: server streams open at once, and audit
records of the refusals of unauthenticated callers."""

import logging
from typing import Any

from eventlet.greenthread import GreenThread

from services.common import audit
from services.common.auth import Principal
from services.common.runtime.grpc_calls import PendingCall
from services.common.runtime.grpc_status import ResourceExhausted

log = logging.getLogger(__name__)


class StreamLimit:
    """At most GRPC_MAX_STREAMS server streams open at once: each holds one of grpcio's GRPC_THREADS while it is open,
    and unary calls need the others. One more is refused RESOURCE_EXHAUSTED. Counted on the hub only, so no locking."""

    def __init__(self, config: dict[str, Any], threads: int, service_name: str):
        self.max_streams = _max_streams(config, threads)
        self.open_streams = 0
        self._service_name = service_name

    def open(self, call: PendingCall, principal: Principal) -> None:
        """Start the stream's worker, unless the limit is reached."""
        if self.open_streams >= self.max_streams:
            log.warning("refused a %s stream: %s are open, the limit", call.entrypoint.rpc, self.max_streams)
            raise ResourceExhausted(
                f"{self._service_name} serves {self.max_streams} streams at most (GRPC_MAX_STREAMS) "
                "and all are open; try again later"
            )
        call.entrypoint.spawn_stream(call, principal).link(self._closed)
        self.open_streams += 1

    def _closed(self, _worker: GreenThread) -> None:
        self.open_streams -= 1


def _max_streams(config: dict[str, Any], threads: int) -> int:
    limit = int(config.get("GRPC_MAX_STREAMS", threads // 2))
    if limit >= threads:
        raise ValueError(
            f"GRPC_MAX_STREAMS ({limit}) must be below GRPC_THREADS ({threads}): "
            "each open stream holds one of grpcio's threads, and unary calls need the others"
        )
    return limit


def anonymous_refusals(config: dict[str, Any]) -> audit.AnonymousRefusals:
    """How many refusals of unauthenticated callers each host gets recorded a minute (the rest are counted)."""
    per_minute = int(config.get("AUDIT_ANONYMOUS_REFUSALS_PER_MINUTE", audit.ANONYMOUS_REFUSALS_PER_MINUTE))
    return audit.AnonymousRefusals(per_window=per_minute, window_seconds=60.0)
