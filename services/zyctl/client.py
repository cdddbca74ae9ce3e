"""gRPC plumbing for the CLI: authenticated channels and errors in words."""

from collections.abc import Iterator
from contextlib import contextmanager

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from services.zyctl.settings import Settings

TIMEOUT_SECONDS = 60
# Catalogue exports of a whole province exceed grpcio's 4 MiB default.
CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]


class Api:
    def __init__(self, settings: Settings):
        self.settings = settings

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.settings.token}"),) if self.settings.token else ()

    @contextmanager
    def stub(self, service: str, stub_class: type) -> Iterator:
        with grpc.insecure_channel(self.settings.targets[service], options=CHANNEL_OPTIONS) as channel:
            yield stub_class(channel)


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
