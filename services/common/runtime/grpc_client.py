"""Calling another service over gRPC from inside a nameko service without freezing the eventlet hub."""

from typing import Any

from nameko.extensions import DependencyProvider, SharedExtension

from services.common.runtime.real_threads import wait_green
from services.common.runtime.tls import client_credentials, open_channel

DEFAULT_TIMEOUT_SECONDS = 10.0


class GreenStub:
    """Wraps a generated stub: `stub.Method(request)` runs on grpcio's real threads; the caller's greenlet waits."""

    def __init__(self, stub: Any, metadata: tuple[tuple[str, str], ...], timeout: float):
        self._stub = stub
        self._metadata = metadata
        self._timeout = timeout

    def __getattr__(self, rpc: str) -> Any:
        method = getattr(self._stub, rpc)

        def call(request: Any, timeout: float | None = None) -> Any:
            return wait_green(method.future(request, timeout=timeout or self._timeout, metadata=self._metadata))

        return call


class GrpcChannel(SharedExtension):
    """`inventory = GrpcChannel("INVENTORY_GRPC_TARGET")` on an extension: the container's channel to the target that
    setting names, one per container and setting, whoever declares it; its calls are authenticated by SERVICE_TOKEN.

    The channel uses TLS when GRPC_TLS_CA_FILE is set (mutual TLS with GRPC_TLS_CLIENT_CERT_FILE/KEY_FILE). It is
    opened at setup (grpcio connects at the first call, so the callee may be down), for use once the container has
    started.
    """

    def __init__(self, target_key: str, **kwargs: Any):
        self.target_key = target_key
        super().__init__(**kwargs)

    @property
    def sharing_key(self) -> tuple[type, str]:
        return GrpcChannel, self.target_key

    def setup(self) -> None:
        config = self.container.config
        self.target = config[self.target_key]
        token = config.get("SERVICE_TOKEN") or ""
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.channel = open_channel(self.target, client_credentials(config))
        self._stubs: dict[type, Any] = {}

    def stub(self, stub_class: type, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> GreenStub:
        """A `stub_class` (a generated stub) on this channel whose calls the caller's greenlet waits for."""
        if stub_class not in self._stubs:
            self._stubs[stub_class] = stub_class(self.channel)
        return GreenStub(self._stubs[stub_class], self.metadata, timeout)

    def stop(self) -> None:
        self.channel.close()


class GrpcClient(DependencyProvider):
    """`inventory = GrpcClient(InventoryServiceStub, "INVENTORY_GRPC_TARGET")`: each worker gets a GreenStub on the
    container's GrpcChannel to that target."""

    def __init__(self, stub_class: type, target_key: str, timeout: float = DEFAULT_TIMEOUT_SECONDS, **kwargs: Any):
        self.stub_class = stub_class
        self.timeout = timeout
        self.channel = GrpcChannel(target_key)
        super().__init__(**kwargs)

    def get_dependency(self, worker_ctx: Any) -> GreenStub:
        return self.channel.stub(self.stub_class, self.timeout)
