"""Questions about the audit trail: which records, and where a page of them ends."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuditFilter:
    service: str = ""
    actor: str = ""  # the token's description or its token id
    method: str = ""
    since: datetime | None = None
    until: datetime | None = None
    outcome: str = ""  # OK, ERROR (anything but OK) or a gRPC status code name


@dataclass(frozen=True)
class AuditKey:
    """Where a page ends: records are ordered newest first, ties broken by id."""

    at: datetime
    id: str

    def encoded(self) -> str:
        return f"{self.at.isoformat()}|{self.id}"

    @classmethod
    def decoded(cls, text: str) -> "AuditKey":
        """Raises ValueError for text `encoded` did not make."""
        at, separator, id_ = text.partition("|")
        if not separator or not id_:
            raise ValueError(f"{text!r} is not an audit page key")
        return cls(datetime.fromisoformat(at), id_)
