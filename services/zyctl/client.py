"""gRPC plumbing for the CLI: authenticated channels and errors in words."""

from collections.abc import Iterator
from contextlib import contextmanager

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from services.common.runtime.tls import PemFile, channel_credentials, key_pair, open_channel
from services.zyctl.settings import Settings

TIMEOUT_SECONDS = 60
# Catalogue exports of a whole province exceed grpcio's 4 MiB default.
CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]


class Api:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._credentials = self.credentials()

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.settings.token}"),) if self.settings.token else ()

    @contextmanager
    def stub(self, service: str, stub_class: type) -> Iterator:
        with self.channel(service) as channel:
            yield stub_class(channel)

    def channel(self, service: str) -> grpc.Channel:
        return open_channel(self.settings.targets[service], self._credentials, CHANNEL_OPTIONS)

    def credentials(self) -> grpc.ChannelCredentials | None:
        """TLS when a CA is configured (--tls-ca / ZYCTL_TLS_CA), presenting a client certificate for mutual TLS."""
        files = {"ZYCTL_TLS_CERT": self.settings.tls_cert, "ZYCTL_TLS_KEY": self.settings.tls_key}
        ca = PemFile("ZYCTL_TLS_CA", self.settings.tls_ca) if self.settings.tls_ca else None
        return channel_credentials(ca, key_pair(files, "ZYCTL_TLS_CERT", "ZYCTL_TLS_KEY"))


def describe_error(error: grpc.RpcError) -> str:
    """`CODE: message`, or for invalid arguments the code and one line per invalid field."""
    code = error.code().name  # type: ignore[attr-defined]
    violations = [f"  {v.field}: {v.description}" for v in _field_violations(error)]
    if violations:
        return "\n".join([f"{code}:", *violations])
    return f"{code}: {error.details()}"  # type: ignore[attr-defined]


def _field_violations(error: grpc.RpcError) -> list[error_details_pb2.BadRequest.FieldViolation]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    found: list[error_details_pb2.BadRequest.FieldViolation] = []
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            found.extend(bad_request.field_violations)
    return found
