"""gRPC entrypoints for nameko: grpcio serves on real OS threads and hands each call to a green worker.

Flow of one call: a grpcio thread wraps it in a PendingCall, hands it to the hub through the GreenWaker and waits
on a real Event; on the hub a green thread authenticates the caller, checks the method's roles and spawns a nameko
worker; the worker's result (or error, or streamed items) travels back through the PendingCall.

A unary call's worker comes from nameko's pool (max_workers), which Kafka records and timers share, and ends with the
call. A server stream lasts as long as its client watches, so its worker runs on a green thread of its own outside the
pool: open streams never starve unary calls or Kafka handling. Each open stream still holds one of grpcio's
GRPC_THREADS, so at most GRPC_MAX_STREAMS (fewer) are open at once; one more is refused RESOURCE_EXHAUSTED.

A call may wait for a worker. When it gets one, its method runs only if the caller still waits: a call whose caller
cancelled or whose deadline passed is skipped (counted in zhongyuan_grpc_calls_skipped_total), never applied late.
"""

import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial, wraps
from typing import Any

import eventlet
import grpc
from eventlet.greenthread import GreenThread
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import DecodeError, Message
from google.protobuf.message_factory import GetMessageClass
from google.rpc import code_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from nameko.containers import WorkerContext
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider, Entrypoint, ProviderCollector, SharedExtension

from services.common import audit
from services.common.auth import Principal, TokenStore, authorize, bearer_token
from services.common.db import create_engine
from services.common.errors import InvalidArgument, ZhongyuanError
from services.common.runtime.database import Database
from services.common.runtime.grpc_status import CallerGone, ResourceExhausted, Unavailable, abort, status_for
from services.common.runtime.metrics import MetricsRegistry
from services.common.runtime.real_threads import RealThreadPool, queue, threading, wait_green, waker
from services.common.runtime.tls import server_credentials

log = logging.getLogger(__name__)

health.threading = threading  # its Watch waits on a Condition from grpcio's real threads
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
BIND_ATTEMPTS = 20
BIND_RETRY_SECONDS = 0.5
_END_OF_STREAM = object()


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


class _Stopped:
    """grpcio's stop() gives a threading.Event; wait_green wants something with add_done_callback."""

    def __init__(self, stopped: Any):
        self._stopped = stopped

    def add_done_callback(self, callback: Any) -> None:
        threading.Thread(target=lambda: (self._stopped.wait(), callback(self)), daemon=True).start()

    def result(self) -> None:
        return None


class GrpcServer(SharedExtension, ProviderCollector):
    """One grpcio server per container, serving every GrpcEntrypoint plus health and reflection."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.announced = set()
        super().__init__(*args, **kwargs)

    def announce(self, service: ServiceDescriptor) -> None:
        """Serve health and reflection for `service` even before it has methods."""
        self.announced.add(service.full_name)

    # Filled by GrpcService dependencies, whose setup may run before ours.
    announced: set[str]

    def setup(self) -> None:
        config = self.container.config
        self.address = config["GRPC_BIND_ADDRESS"]
        self.max_message_bytes = int(config.get("GRPC_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES))
        self.threads = int(config.get("GRPC_THREADS", 16))
        self.max_streams = _max_streams(config, self.threads)
        self.open_streams = 0
        self.tokens = TokenStore(create_engine(config["AUTH_DATABASE_URL"]))
        self.credentials = server_credentials(config)
        self.probe_address = config.get("GRPC_HEALTH_ADDRESS") or ""
        self._probe_server: grpc.Server | None = None
        per_minute = int(config.get("AUDIT_ANONYMOUS_REFUSALS_PER_MINUTE", audit.ANONYMOUS_REFUSALS_PER_MINUTE))
        self.anonymous_refusals = audit.AnonymousRefusals(per_window=per_minute, window_seconds=60.0)

    def start(self) -> None:
        waker.start()
        self._pool = RealThreadPool(self.threads)
        self._server = grpc.server(self._pool, options=self._options())
        service_names = self._add_services()
        self._health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        reflection.enable_server_reflection(
            [*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], self._server
        )
        self.port = self._listen(self._server, self.address, self.credentials)
        self._server.start()
        self._probe_server = self._serve_health_for_probes()
        for name in ["", *service_names]:
            self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("gRPC serving %s on port %s", ", ".join(service_names), self.port)

    def _listen(self, server: grpc.Server, address: str, credentials: grpc.ServerCredentials | None) -> int:
        # Our default ports lie in Linux's ephemeral range: an outgoing connection may hold one for a moment.
        for _ in range(BIND_ATTEMPTS - 1):
            try:
                return _add_port(server, address, credentials)
            except RuntimeError:
                log.warning("gRPC port %s is busy; trying again", address)
                eventlet.sleep(BIND_RETRY_SECONDS)
        return _add_port(server, address, credentials)

    def _serve_health_for_probes(self) -> grpc.Server | None:
        """grpc.health.v1 alone, in plaintext, on GRPC_HEALTH_ADDRESS: kubelet's gRPC probes cannot speak TLS."""
        if not self.probe_address:
            return None
        server = grpc.server(self._pool, options=[("grpc.so_reuseport", 0)])
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        self._listen(server, self.probe_address, None)
        server.start()
        return server

    def stop(self) -> None:
        self._health.enter_graceful_shutdown()
        self.wait_for_providers()
        wait_green(_Stopped(self._server.stop(grace=2)))
        self._stop_probe_server()
        self._pool.shutdown()

    def kill(self) -> None:
        self._server.stop(grace=None)
        self._stop_probe_server()
        self._pool.shutdown()

    def _stop_probe_server(self) -> None:
        if self._probe_server is not None:
            self._probe_server.stop(grace=None)

    def _options(self) -> list[tuple[str, int]]:
        return [
            ("grpc.max_receive_message_length", self.max_message_bytes),
            ("grpc.max_send_message_length", self.max_message_bytes),
            ("grpc.so_reuseport", 0),
        ]

    def _add_services(self) -> list[str]:
        by_service: dict[str, dict[str, grpc.RpcMethodHandler]] = {}
        for entrypoint in self._providers:
            handlers = by_service.setdefault(entrypoint.service.full_name, {})
            handlers[entrypoint.rpc] = self._method_handler(entrypoint)
        for name, handlers in by_service.items():
            self._server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(name, handlers),))
        return sorted(self.announced | set(by_service))

    def _method_handler(self, entrypoint: "GrpcEntrypoint") -> grpc.RpcMethodHandler:
        make = grpc.unary_stream_rpc_method_handler if entrypoint.streams else grpc.unary_unary_rpc_method_handler
        handle = self._stream_on_real_thread if entrypoint.streams else self._answer_on_real_thread
        return make(
            partial(handle, entrypoint),
            # Parsed by the handler: a request that grpcio fails to parse is answered INTERNAL, as a server fault
            request_deserializer=None,
            response_serializer=entrypoint.response_class.SerializeToString,
        )

    @staticmethod
    def _parsed(entrypoint: "GrpcEntrypoint", request: bytes, context: grpc.ServicerContext) -> Message:
        try:
            return entrypoint.request_class.FromString(request)
        except DecodeError as error:
            reason = f"is not a valid {entrypoint.request_class.DESCRIPTOR.full_name}: {error}"
            abort(context, status_for(InvalidArgument.field("request", reason), entrypoint.rpc))

    def _submit(self, entrypoint: "GrpcEntrypoint", request: Message, context: grpc.ServicerContext) -> PendingCall:
        deadline = time.monotonic() + context.time_remaining()
        call = PendingCall(entrypoint, request, context.invocation_metadata(), context.peer(), deadline=deadline)
        context.add_callback(call.cancel)
        waker.call_soon(partial(self.container.spawn_managed_thread, partial(self._start_worker, call)))
        return call

    def _answer_on_real_thread(
        self, entrypoint: "GrpcEntrypoint", request: bytes, context: grpc.ServicerContext
    ) -> Message | None:
        call = self._submit(entrypoint, self._parsed(entrypoint, request, context), context)
        call.done.wait()
        if call.error is not None:
            abort(context, call.status or status_for(call.error, entrypoint.rpc))
        return call.response

    def _stream_on_real_thread(
        self, entrypoint: "GrpcEntrypoint", request: bytes, context: grpc.ServicerContext
    ) -> Iterable[Message]:
        call = self._submit(entrypoint, self._parsed(entrypoint, request, context), context)
        while (item := call.stream.get()) is not _END_OF_STREAM:
            if isinstance(item, BaseException):
                abort(context, call.status or status_for(item, entrypoint.rpc))
            yield item

    def _start_worker(self, call: PendingCall) -> None:
        try:
            if call.entrypoint not in self._providers:
                raise Unavailable(f"{self.container.service_name} is stopping")
            call.principal = self.tokens.authenticate(bearer_token(call.metadata))
            authorize(call.principal, call.entrypoint.roles, call.entrypoint.rpc)
            if call.entrypoint.streams:
                self._open_stream(call, call.principal)
            else:
                call.entrypoint.spawn(call, call.principal)
        except ContainerBeingKilled:
            call.fail(Unavailable(f"{self.container.service_name} is shutting down"))
        except Unavailable as error:
            call.fail(error)
        except Exception as error:
            call.entrypoint.fail(call, error)  # refused callers of an audited method are recorded too

    def _open_stream(self, call: PendingCall, principal: Principal) -> None:
        if self.open_streams >= self.max_streams:
            log.warning("refused a %s stream: %s are open, the limit", call.entrypoint.rpc, self.max_streams)
            raise ResourceExhausted(
                f"{self.container.service_name} serves {self.max_streams} streams at most (GRPC_MAX_STREAMS) "
                "and all are open; try again later"
            )
        call.entrypoint.spawn_stream(call, principal).link(self._stream_closed)
        self.open_streams += 1

    def _stream_closed(self, _worker: GreenThread) -> None:
        self.open_streams -= 1


def _max_streams(config: dict[str, Any], threads: int) -> int:
    limit = int(config.get("GRPC_MAX_STREAMS", threads // 2))
    if limit >= threads:
        raise ValueError(
            f"GRPC_MAX_STREAMS ({limit}) must be below GRPC_THREADS ({threads}): "
            "each open stream holds one of grpcio's threads, and unary calls need the others"
        )
    return limit


def _add_port(server: grpc.Server, address: str, credentials: grpc.ServerCredentials | None) -> int:
    if credentials is None:
        return int(server.add_insecure_port(address))
    return int(server.add_secure_port(address, credentials))


class GrpcEntrypoint(Entrypoint):
    """`@grpc(SERVICE_DESCRIPTOR, "Method", roles=[...], audited=True)`: the method gets (request, CallContext).

    An audited method (every one that changes something) leaves an audit record of each call, whatever its outcome,
    in the service's Database before the caller gets the answer (see services.common.audit).
    """

    server = GrpcServer()
    metrics = MetricsRegistry()

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
        kwargs.setdefault("expected_exceptions", (ZhongyuanError, CallerGone))
        super().__init__(**kwargs)

    def setup(self) -> None:
        if self.audited:
            self._database = self._only_database()
        self.server.register_provider(self)

    def _only_database(self) -> Database:
        found = [provider for provider in self.container.dependencies if isinstance(provider, Database)]
        if len(found) != 1:
            raise ValueError(f"{self.rpc} is audited, so its service needs exactly one Database, not {len(found)}")
        return found[0]

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
        if not self.audited:
            return
        left_out = self._anonymous_refusals_left_out(call, status)
        if left_out is None:
            return
        try:
            record = audit.with_left_out(self._audit_record(call, status), left_out)
            audit.SqlAuditTrail(self._database.session_factory).record(record)
        except Exception:
            # Never let the record fail the call: its own change has committed by now, and an error escaping the
            # result handler would take the whole container down.
            log.exception("could not write the audit record of a %s call", self.rpc)

    def _anonymous_refusals_left_out(self, call: PendingCall, status: status_pb2.Status | None) -> int | None:
        """For a refusal of a caller without a valid token: None when it goes unrecorded (it is counted instead),
        else how many refusals of its host were left out before it. 0 for any other call."""
        if call.principal is not None or status is None:
            return 0
        left_out = self.server.anonymous_refusals.admit(call.peer)
        if left_out is None:
            self.metrics.audit_refusals_unrecorded.labels(self.rpc).inc()
        return left_out

    def _audit_record(self, call: PendingCall, status: status_pb2.Status | None) -> Any:
        record = audit.audit_record(
            service=self.container.service_name,
            method=self.rpc,
            principal=call.principal,
            request=call.request,
            at=call.received_at,
            peer=call.peer,
        )
        return record if status is None else audit.failed(record, code_pb2.Code.Name(status.code), status.message)

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
        call.stream.put(_END_OF_STREAM)
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
