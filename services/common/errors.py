"""Errors a use case raises for the caller to see. No transport imports: the gRPC bridge maps them to status codes."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class ZhongyuanError(Exception):
    """Base of the errors meant for the caller; anything else is an internal error."""


class InvalidArgument(ZhongyuanError):
    def __init__(self, violations: list[FieldViolation]):
        self.violations = violations
        super().__init__("invalid argument: " + "; ".join(str(v) for v in violations))

    @classmethod
    def field(cls, field: str, reason: str) -> "InvalidArgument":
        return cls([FieldViolation(field, reason)])


class NotFound(ZhongyuanError):
    pass


class AlreadyExists(ZhongyuanError):
    pass


class FailedPrecondition(ZhongyuanError):
    pass


class Unauthenticated(ZhongyuanError):
    pass


class PermissionDenied(ZhongyuanError):
    pass
