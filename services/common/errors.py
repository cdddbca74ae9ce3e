"""Errors a use case raises for the caller to see. No transport imports: the gRPC bridge maps them to status codes."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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

    def renamed(self, names: Mapping[str, str]) -> "InvalidArgument":
        """The same violations, each field named as in `names` where it is there."""
        return InvalidArgument([FieldViolation(names.get(v.field, v.field), v.reason) for v in self.violations])


def required(field: str, value: str, what: str) -> str:
    """`value` without surrounding spaces; a request that left it empty is INVALID_ARGUMENT naming `field` (asking
    for nothing is the caller's mistake, not a search that found nothing)."""
    if not value.strip():
        raise InvalidArgument.field(field, f"give {what}")
    return value.strip()


@contextmanager
def fields_named(names: Mapping[str, str]) -> Iterator[None]:
    """Violations raised inside name their fields as in `names`: as the request calls a field that the catalogue or
    registry knows by another name (a request's `organisation_code` is a catalogue row's `organisation`)."""
    try:
        yield
    except InvalidArgument as error:
        raise error.renamed(names) from None


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
