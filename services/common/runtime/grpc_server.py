"""The gRPC server of a container: grpcio serves on real OS threads and hands each call to a green worker.

Flow of one call: a grpcio thread wraps it in a PendingCall, hands it to the hub through the GreenWaker and waits
on a real Event; on the hub a green thread authenticates the caller, checks the method's roles and spawns a nameko
worker; the worker's result (or error, or streamed items) travels back through the PendingCall.

Each open server stream holds one of grpcio's GRPC_THREADS, so at most GRPC_MAX_STREAMS (fewer) are open at once
(services.common.runtime.grpc_limits).

A call may wait for a worker. When it gets one, its method runs only if the caller still waits: a call whose caller
cancelled or whose deadline passed is skipped (counted in zhongyuan_grpc_calls_skipped_total), never applied late.
"""

import logging
import time
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

import eventlet
import grpc
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import DecodeError, Message
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import ProviderCollector, SharedExtension

from services.common.errors import InvalidArgument
from services.common.runtime.grpc_auth import CallAuthentication
from services.common.runtime.grpc_calls import END_OF_STREAM, PendingCall
from services.common.runtime.grpc_limits import StreamLimit, anonymous_refusals
from services.common.runtime.grpc_status import Unavailable, abort, status_for
from services.common.runtime.real_threads import RealThreadPool, threading, wait_green, waker
from services.common.runtime.tls import server_credentials

if TYPE_CHECKING:
    from services.common.runtime.grpc_entrypoint import GrpcEntrypoint

log = logging.getLogger(__name__)

health.threading = threading  # its Watch waits on a Condition from grpcio's real threads
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
BIND_ATTEMPTS = 20
BIND_RETRY_SECONDS = 0.5


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
        self.streams = StreamLimit(config, self.threads, self.container.service_name)
        self.authentication = CallAuthentication(config)
        self.credentials = server_credentials(config)
        self.probe_address = config.get("GRPC_HEALTH_ADDRESS") or ""
        self._probe_server: grpc.Server | None = None
        self.anonymous_refusals = anonymous_refusals(config)

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
        while (item := call.stream.get()) is not END_OF_STREAM:
            if isinstance(item, BaseException):
                abort(context, call.status or status_for(item, entrypoint.rpc))
            yield item

    def _start_worker(self, call: PendingCall) -> None:
        try:
            if call.entrypoint not in self._providers:
                raise Unavailable(f"{self.container.service_name} is stopping")
            principal = self.authentication.admit(call)
            if call.entrypoint.streams:
                self.streams.open(call, principal)
            else:
                call.entrypoint.spawn(call, principal)
        except ContainerBeingKilled:
            call.fail(Unavailable(f"{self.container.service_name} is shutting down"))
        except Unavailable as error:
            call.fail(error)
        except Exception as error:
            call.entrypoint.fail(call, error)  # refused callers of an audited method are recorded too


def _add_port(server: grpc.Server, address: str, credentials: grpc.ServerCredentials | None) -> int:
    if credentials is None:
        return int(server.add_insecure_port(address))
    return int(server.add_secure_port(address, credentials))
