"""Calling another service over gRPC from inside a nameko service without freezing the eventlet hub."""

from typing import Any

from nameko.extensions import DependencyProvider

from services.common.runtime.real_threads import wait_green
from services.common.runtime.tls import client_credentials, open_channel


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


class GrpcClient(DependencyProvider):
    """`inventory = GrpcClient(InventoryServiceStub, "INVENTORY_GRPC_TARGET")`, authenticated by SERVICE_TOKEN.

    The channel uses TLS when GRPC_TLS_CA_FILE is set (mutual TLS with GRPC_TLS_CLIENT_CERT_FILE/KEY_FILE).
    """

    def __init__(self, stub_class: type, target_key: str, timeout: float = 10.0, **kwargs: Any):
        self.stub_class = stub_class
        self.target_key = target_key
        self.timeout = timeout
        super().__init__(**kwargs)

    def setup(self) -> None:
        config = self.container.config
        self.target = config[self.target_key]
        token = config.get("SERVICE_TOKEN") or ""
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.credentials = client_credentials(config)

    def start(self) -> None:
        self.channel = open_channel(self.target, self.credentials)
        self.stub = self.stub_class(self.channel)

    def stop(self) -> None:
        self.channel.close()

    def get_dependency(self, worker_ctx: Any) -> GreenStub:
        return GreenStub(self.stub, self.metadata, self.timeout)
