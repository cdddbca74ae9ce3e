"""The audit trail: every mutating gRPC call, who made it, on what, when, from where and how it ended.

Each service keeps its records in its own database (kernel table `audit_record`) and announces each one on
`zhongyuan.audit.events.v1` through the outbox; monitoring keeps them all. Records never hold the caller's token:
the actor is the token's description and the start of its hash, and secret-looking request fields are redacted.
"""

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.common.auth import Principal
from services.common.columns import UtcDateTime
from services.common.events import AUDIT_EVENTS, CALL_RECORDED, new_event
from services.common.ids import new_id
from services.common.kernel_tables import KernelBase
from services.common.outbox import SqlOutbox
from services.pb.zhongyuan.audit.v1 import audit_pb2, events_pb2

OK = "OK"
ERROR = "ERROR"  # in a filter: any outcome but OK
REDACTED = "***"
MAX_REQUEST_CHARS = 4000
MAX_TARGET_VALUE_CHARS = 64
MAX_ERROR_CHARS = 2000
# Refusals of unauthenticated callers recorded per host and minute; the rest are counted (AnonymousRefusals).
ANONYMOUS_REFUSALS_PER_MINUTE = 20
_SECRET_NAME = re.compile(r"password|passwd|secret|token|credential|private_key|api_key|authorization", re.I)
_SECRET_VALUE = re.compile(r"zy_[A-Za-z0-9_-]{16,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|^Bearer\s", re.I)
# Request fields that name what a call acts on, in the order a reader looks for them.
TARGET_FIELDS = (
    "id",
    "code",
    "system_code",
    "system",
    "depends_on",
    "platform",
    "platform_code",
    "resource",
    "organisation_code",
    "organisation",
)


class AuditRecordColumns:
    """The columns of an audit record: each service's own trail and monitoring's copy of them all."""

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    service: Mapped[str] = mapped_column(sa.String(64))
    method: Mapped[str] = mapped_column(sa.String(100))
    actor_name: Mapped[str] = mapped_column(sa.String(200))
    actor_token_id: Mapped[str] = mapped_column(sa.String(16))
    actor_roles: Mapped[str] = mapped_column(sa.String(500))
    target: Mapped[str] = mapped_column(sa.String(800))
    request_json: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(sa.String(32))
    error: Mapped[str] = mapped_column(sa.Text)
    peer: Mapped[str] = mapped_column(sa.String(200))


class AuditRecordRow(AuditRecordColumns, KernelBase):
    __tablename__ = "audit_record"


def audit_record(
    *, service: str, method: str, principal: Principal | None, request: Message, at: datetime, peer: str
) -> audit_pb2.AuditRecord:
    """The record of a call that succeeded; `failed` turns it into one of a call that did not."""
    record = audit_pb2.AuditRecord(
        id=new_id(),
        service=service,
        method=method,
        actor=_actor(principal),
        target=target_of(request),
        request_json=request_json(request),
        outcome=OK,
        peer=peer,
    )
    record.at.FromDatetime(at.astimezone(UTC))
    return record


def failed(record: audit_pb2.AuditRecord, outcome: str, error: str) -> audit_pb2.AuditRecord:
    changed = audit_pb2.AuditRecord()
    changed.CopyFrom(record)
    changed.outcome, changed.error = outcome, error[:MAX_ERROR_CHARS]
    return changed


def _actor(principal: Principal | None) -> audit_pb2.Actor:
    if principal is None:
        return audit_pb2.Actor()
    return audit_pb2.Actor(name=principal.name, token_id=principal.token_id, roles=sorted(principal.roles))


def target_of(request: Message) -> str:
    """`field=value` of the request's key fields, e.g. "code=HA-WJW-JKK organisation_code=HA-WJW"."""
    values = {name: _string_field(request, name) for name in TARGET_FIELDS}
    if not values["id"] and not values["code"]:
        values = {"name": _string_field(request, "name"), **values}  # hosts and waves go by their name
    return " ".join(f"{name}={_redact(value)[:MAX_TARGET_VALUE_CHARS]}" for name, value in values.items() if value)


def _string_field(message: Message, name: str) -> str:
    """The field's value if `message` has a single string field of that name, else ""."""
    field = message.DESCRIPTOR.fields_by_name.get(name)
    if field is None or field.type != FieldDescriptor.TYPE_STRING or _is_repeated(field):
        return ""
    return str(getattr(message, name))


def _is_repeated(field: FieldDescriptor) -> bool:
    return field.label == FieldDescriptor.LABEL_REPEATED


def request_json(request: Message) -> str:
    """The request as compact JSON, secrets redacted, bytes as size and digest, cut at MAX_REQUEST_CHARS."""
    text = json.dumps(_plain_message(request), ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= MAX_REQUEST_CHARS else text[: MAX_REQUEST_CHARS - 1] + "…"


def _plain_message(message: Message) -> Any:
    if isinstance(message, Timestamp):
        return _timestamp_json(message)
    plain: dict[str, Any] = {}
    for field, value in message.ListFields():
        if _SECRET_NAME.search(field.name):
            plain[field.name] = REDACTED
        elif _is_repeated(field):
            plain[field.name] = [_plain_value(field, item) for item in value]
        else:
            plain[field.name] = _plain_value(field, value)
    return plain


def _timestamp_json(stamp: Timestamp) -> Any:
    try:
        return stamp.ToJsonString()
    except ValueError:  # out of range: the call is refused for it, and its record must still be written
        return {"seconds": stamp.seconds, "nanos": stamp.nanos}


def _plain_value(field: FieldDescriptor, value: Any) -> Any:
    if field.type == FieldDescriptor.TYPE_BYTES:
        return f"<{len(value)} bytes sha256:{hashlib.sha256(value).hexdigest()[:16]}>"
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return _plain_message(value)
    if field.type == FieldDescriptor.TYPE_ENUM:
        known = field.enum_type.values_by_number.get(value)
        return known.name if known else value
    return _redact(value) if isinstance(value, str) else value


def _redact(text: str) -> str:
    return REDACTED if _SECRET_VALUE.search(text) else text


@dataclass
class _Window:
    started: float
    recorded: int = 0
    left_out: int = 0


class AnonymousRefusals:
    """Which refusals of unauthenticated callers get an audit record: anyone who can reach the port can make them,
    so each host gets `per_window` records per window and the rest are only counted. The host's next record says how
    many were left out. Used from the hub only, so no locking."""

    def __init__(
        self,
        per_window: int = ANONYMOUS_REFUSALS_PER_MINUTE,
        window_seconds: float = 60.0,
        max_hosts: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.per_window = per_window
        self.window_seconds = window_seconds
        self.max_hosts = max_hosts
        self._clock = clock
        self._windows: dict[str, _Window] = {}  # by host, oldest window first

    def admit(self, peer: str) -> int | None:
        """None when this refusal goes unrecorded; else how many of the host's refusals were left out before it."""
        host, now = host_of(peer), self._clock()
        window = self._windows.get(host)
        if window is None or now - window.started >= self.window_seconds:
            window = self._start_window(host, now, left_out=window.left_out if window else 0)
        if window.recorded >= self.per_window:
            window.left_out += 1
            return None
        window.recorded += 1
        left_out, window.left_out = window.left_out, 0
        return left_out

    def _start_window(self, host: str, now: float, left_out: int) -> _Window:
        self._windows.pop(host, None)
        while len(self._windows) >= self.max_hosts:
            del self._windows[next(iter(self._windows))]  # the host whose window is oldest
        window = self._windows[host] = _Window(started=now, left_out=left_out)
        return window


def host_of(peer: str) -> str:
    """gRPC's peer without its port: "ipv4:10.1.2.3:51234" is "ipv4:10.1.2.3", "ipv6:[::1]:5" is "ipv6:[::1]"."""
    host, colon, port = peer.rpartition(":")
    return host if colon and port.isdigit() and host not in ("ipv4", "ipv6", "unix") else peer


def with_left_out(record: audit_pb2.AuditRecord, left_out: int) -> audit_pb2.AuditRecord:
    """The record, its error noting the refusals of the same host that were not recorded before it."""
    if not left_out:
        return record
    note = f" [{left_out} earlier refused call(s) from {host_of(record.peer)} were not recorded]"
    return failed(record, record.outcome, record.error[: MAX_ERROR_CHARS - len(note)] + note)


def record_columns(record: audit_pb2.AuditRecord) -> dict[str, Any]:
    """The columns of an audit record table (the kernel's, or a read model with the same shape)."""
    return {
        "id": record.id,
        "service": record.service,
        "method": record.method,
        "actor_name": record.actor.name,
        "actor_token_id": record.actor.token_id,
        "actor_roles": ",".join(record.actor.roles),
        "target": record.target,
        "request_json": record.request_json,
        "at": record.at.ToDatetime(UTC),
        "outcome": record.outcome,
        "error": record.error,
        "peer": record.peer,
    }


def record_from_columns(row: Any) -> audit_pb2.AuditRecord:
    roles = [role for role in row.actor_roles.split(",") if role]
    record = audit_pb2.AuditRecord(
        id=row.id,
        service=row.service,
        method=row.method,
        actor=audit_pb2.Actor(name=row.actor_name, token_id=row.actor_token_id, roles=roles),
        target=row.target,
        request_json=row.request_json,
        outcome=row.outcome,
        error=row.error,
        peer=row.peer,
    )
    record.at.FromDatetime(row.at)
    return record


class SqlAuditTrail:
    """Writes a record and its event in one transaction of their own.

    Not in the transaction of the call's use case: the use cases open and commit their own units of work, and
    sharing it would thread the audit through every handler. The record is written right after the use case has
    committed (or failed) and before the caller gets the answer, so an answered call is always recorded; a crash in
    between loses that one record, never a mutation.
    """

    def __init__(self, session_factory: Callable[[], Session]):
        self._session_factory = session_factory

    def record(self, record: audit_pb2.AuditRecord) -> None:
        payload = events_pb2.CallRecorded(record=record)
        event = new_event(CALL_RECORDED, f"/zhongyuan/{record.service}", record.id, payload)
        event = replace(event, id=record.id, time=record.at.ToDatetime(UTC))  # monitoring dedupes on the record id
        with self._session_factory() as session, session.begin():
            session.add(AuditRecordRow(**record_columns(record)))
            SqlOutbox(session).publish(event, topic=AUDIT_EVENTS, key=record.service)
