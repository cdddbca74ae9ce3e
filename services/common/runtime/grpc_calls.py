"""One gRPC call on its way from a grpcio thread to a green worker and back, and what the worker's method sees of it."""

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from google.protobuf.message import Message
from google.rpc import status_pb2

from services.common.auth import Principal
from services.common.runtime.real_threads import queue, threading

if TYPE_CHECKING:
    from services.common.runtime.grpc_entrypoint import GrpcEntrypoint

END_OF_STREAM = object()  # put on a call's stream after its last item


@dataclass(eq=False)
class PendingCall:
    """One RPC crossing from a grpcio thread to a green worker and back."""

    entrypoint: "GrpcEntrypoint"
    request: Message
    metadata: Sequence[tuple[str, str | bytes]]
    peer: str
    done: Any = field(default_factory=threading.Event)
    response: Message | None = None
    error: BaseException | None = None
    stream: Any = field(default_factory=queue.SimpleQueue)
    cancelled: bool = False
    deadline: float = math.inf  # on time.monotonic()'s clock
    principal: Principal | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: status_pb2.Status | None = None  # what the caller sees for `error`, when already worked out

    def succeed(self, response: Message) -> None:
        self.response = response
        self.done.set()

    def fail(self, error: BaseException, status: status_pb2.Status | None = None) -> None:
        self.error = error
        self.status = status
        self.done.set()
        self.stream.put(error)

    def cancel(self) -> None:
        self.cancelled = True

    def abandoned(self) -> bool:
        """The caller cancelled or its deadline passed: nobody waits for the answer."""
        return self.cancelled or time.monotonic() >= self.deadline


@dataclass(frozen=True)
class CallContext:
    """What a gRPC entrypoint method sees besides the request."""

    principal: Principal
    peer: str
    _call: PendingCall

    def is_active(self) -> bool:
        return not self._call.abandoned()
