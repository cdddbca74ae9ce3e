"""gRPC methods as nameko entrypoints: `@grpc_method(...)` on a service method, `GrpcService(...)` for a service served
before it has methods. The calls reach them through the container's GrpcServer (services.common.runtime.grpc_server).

A unary call's worker comes from nameko's pool (max_workers), which Kafka records and timers share, and ends with the
call. A server stream lasts as long as its client watches, so its worker runs on a green thread of its own outside the
pool: open streams never starve unary calls or Kafka handling.
"""

from collections.abc import Callable, Iterable, Sequence
from functools import partial, wraps
from typing import Any

from eventlet.greenthread import GreenThread
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from google.rpc import status_pb2
from nameko.containers import WorkerContext
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider, Entrypoint

from services.common.auth import Principal
from services.common.errors import ZhongyuanError
from services.common.runtime.database import DatabaseEngine
from services.common.runtime.grpc_audit import CallAudit
from services.common.runtime.grpc_calls import END_OF_STREAM, CallContext, PendingCall
from services.common.runtime.grpc_server import GrpcServer
from services.common.runtime.grpc_status import CallerGone, status_for
from services.common.runtime.metrics import MetricsRegistry


class GrpcEntrypoint(Entrypoint):
    """`@grpc(SERVICE_DESCRIPTOR, "Method", roles=[...], audited=True)`: the method gets (request, CallContext).

    An audited method (every one that changes something) leaves an audit record of each call, whatever its outcome,
    in the service's Database before the caller gets the answer (see services.common.audit).
    """

    server = GrpcServer()
    metrics = MetricsRegistry()
    database = DatabaseEngine()  # where an audited method's records go; touched only by those

    def __init__(
        self, service: ServiceDescriptor, rpc: str, *, roles: Sequence[str], audited: bool = False, **kwargs: Any
    ):
        if rpc not in service.methods_by_name:
            raise ValueError(f"{service.full_name} has no method {rpc}")
        if not roles:
            raise ValueError(f"{service.full_name}.{rpc} must declare the roles it allows")
        self.service = service
        self.rpc = rpc
        self.roles = tuple(roles)
        method: MethodDescriptor = service.methods_by_name[rpc]
        self.streams = method.server_streaming
        if audited and self.streams:
            raise ValueError(f"{service.full_name}.{rpc} streams: only unary methods can be audited")
        self.audited = audited
        self.request_class = GetMessageClass(method.input_type)
        self.response_class = GetMessageClass(method.output_type)
        self._call_audit: CallAudit | None = None
        kwargs.setdefault("expected_exceptions", (ZhongyuanError, CallerGone))
        super().__init__(**kwargs)

    def setup(self) -> None:
        if self.audited:
            self._call_audit = CallAudit(self.container.service_name, self.database, self.rpc, self.metrics)
        self.server.register_provider(self)

    def stop(self) -> None:
        self.server.unregister_provider(self)

    def spawn(self, call: PendingCall, principal: Principal) -> None:
        arguments = _arguments(call, principal)
        self.container.spawn_worker(self, arguments, {}, handle_result=partial(self._handle_result, call))

    def spawn_stream(self, call: PendingCall, principal: Principal) -> GreenThread:
        """A worker as nameko runs one (dependencies injected, set up, torn down), but on a green thread outside its
        pool. This leans on nameko's internals (nameko is pinned exactly)."""
        container = self.container
        if container._being_killed:  # as spawn_worker refuses, since this bypasses it
            raise ContainerBeingKilled()
        worker_ctx = WorkerContext(container, container.service_cls(), self, _arguments(call, principal), {})
        run = partial(container._run_worker, worker_ctx, partial(self._handle_result, call))
        return container.spawn_managed_thread(run, identifier=f"{self.rpc} stream")

    def _handle_result(self, call: PendingCall, worker_ctx: Any, result: Any, exc_info: Any) -> tuple[Any, Any]:
        try:
            if exc_info is not None:
                self.fail(call, exc_info[1])
            elif self.streams:
                self._relay_stream(call, result)
            else:
                response = self._checked(result)
                self._audit(call)
                call.succeed(response)
        except Exception as error:
            self.fail(call, error)
        return result, exc_info

    def fail(self, call: PendingCall, error: BaseException) -> None:
        """Answer `call` with `error`; an audited method records the outcome first."""
        if isinstance(error, CallerGone):
            self.metrics.grpc_calls_skipped.labels(self.rpc).inc()
        status = status_for(error, self.rpc)
        self._audit(call, status)
        call.fail(error, status)

    def _audit(self, call: PendingCall, status: status_pb2.Status | None = None) -> None:
        if self._call_audit is not None:
            self._call_audit.record(call, status, self.server.anonymous_refusals)

    def _relay_stream(self, call: PendingCall, items: Iterable[Message]) -> None:
        # Runs inside the worker, so the generator still has its dependencies.
        try:
            for item in items:
                if call.abandoned():
                    break
                call.stream.put(self._checked(item))
        except Exception as error:
            call.fail(error)
            return
        call.stream.put(END_OF_STREAM)
        call.done.set()

    def _checked(self, response: Any) -> Message:
        if not isinstance(response, self.response_class):
            raise TypeError(f"{self.rpc} returned {type(response).__name__}, not {self.response_class.__name__}")
        return response


def _arguments(call: PendingCall, principal: Principal) -> tuple[Message, CallContext]:
    return call.request, CallContext(principal=principal, peer=call.peer, _call=call)


class GrpcService(DependencyProvider):
    """`grpc = GrpcService(DESCRIPTOR)`: the container serves this gRPC service (with health and reflection)."""

    server = GrpcServer()

    def __init__(self, service: ServiceDescriptor, **kwargs: Any):
        self.service = service
        super().__init__(**kwargs)

    def setup(self) -> None:
        self.server.announce(self.service)


def grpc_method(service: ServiceDescriptor, rpc: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
    """`@grpc_method(SERVICE_DESCRIPTOR, "Method", roles=[...], audited=True)`: see GrpcEntrypoint."""
    return lambda method: GrpcEntrypoint.decorator(service, rpc, **kwargs)(_unless_caller_gone(method))


def _unless_caller_gone(method: Callable[..., Any]) -> Callable[..., Any]:
    # The check runs in the worker, just before the method: a call can wait for a free worker for any length of time.
    @wraps(method)
    def run(service: Any, request: Message, context: CallContext) -> Any:
        if not context.is_active():
            raise CallerGone("skipped: the caller gave up before a worker was free")
        return method(service, request, context)

    return run
