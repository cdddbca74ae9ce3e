"""How a raised error reaches a gRPC caller: the right status code, a message naming what is wrong."""

import logging
import uuid
from typing import NoReturn

import grpc
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from services.common import errors
from services.common.database_retries import database_unreachable

log = logging.getLogger(__name__)


class Unavailable(Exception):
    """The service is stopping and takes no new calls."""


class ResourceExhausted(Exception):
    """A limit of the service is reached; the caller may try again later."""


class CallerGone(Exception):
    """The caller cancelled, or its deadline passed, before a worker took the call: nobody waits for its answer."""


STATUS_CODES: dict[type[Exception], grpc.StatusCode] = {
    errors.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    errors.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    errors.Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    Unavailable: grpc.StatusCode.UNAVAILABLE,
    ResourceExhausted: grpc.StatusCode.RESOURCE_EXHAUSTED,
    CallerGone: grpc.StatusCode.CANCELLED,
}


def status_for(error: BaseException, method: str) -> status_pb2.Status:
    """The google.rpc.Status a caller sees for `error`; unexpected errors are INTERNAL with a log reference."""
    if database_unreachable(error):
        log.warning("%s could not reach the database: %s", method, error)
        return _status(grpc.StatusCode.UNAVAILABLE, f"{method}: the database is unreachable just now; try again later")
    for error_type, code in STATUS_CODES.items():
        if isinstance(error, error_type):
            status = _status(code, str(error))
            if isinstance(error, errors.InvalidArgument):
                _attach_field_violations(status, error.violations)
            return status
    reference = uuid.uuid4().hex[:12]
    log.error("internal error in %s (ref %s)", method, reference, exc_info=error)
    return _status(grpc.StatusCode.INTERNAL, f"internal error in {method}; the service log has ref {reference}")


def _status(code: grpc.StatusCode, message: str) -> status_pb2.Status:
    return status_pb2.Status(code=getattr(code_pb2, code.name), message=message)


def _attach_field_violations(status: status_pb2.Status, violations: list[errors.FieldViolation]) -> None:
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.reason) for v in violations
        ]
    )
    status.details.add().Pack(bad_request)


def abort(context: grpc.ServicerContext, status: status_pb2.Status) -> NoReturn:
    context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("grpcio's abort_with_status returned")  # it raises, but is not typed so
