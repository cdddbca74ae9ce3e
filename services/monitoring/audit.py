"""Monitoring's part of the audit trail: keep every record the services announce; answer who did what, when."""

from datetime import UTC
from typing import Any

from google.rpc import code_pb2

from services.common import paging
from services.common.audit import ERROR
from services.common.errors import InvalidArgument
from services.common.events import CALL_RECORDED, Event
from services.common.unit_of_work import UnitOfWork
from services.monitoring.domain.audit import AuditFilter, AuditKey
from services.pb.zhongyuan.audit.v1 import audit_pb2

AUDIT_CONSUMER = "monitoring.audit"
OUTCOMES = frozenset([ERROR, *code_pb2.Code.keys()])


def keep_audit_record(event: Event, uow: UnitOfWork) -> None:
    """Keep the record an audit event carries, once however often the event is delivered."""
    if event.type != CALL_RECORDED:
        return
    with uow:
        if uow.inbox.first_delivery(event, consumer=AUDIT_CONSUMER):
            _audit(uow).keep(event.payload.record)  # type: ignore[attr-defined]
            uow.commit()


def list_audit_records(
    where: AuditFilter, size: int, token: str, uow: UnitOfWork
) -> paging.Page[audit_pb2.AuditRecord]:
    """Newest first; `token` continues where the previous page ended."""
    if where.outcome and where.outcome not in OUTCOMES:
        raise InvalidArgument.field("outcome", f"{where.outcome!r} is not OK, ERROR or a gRPC status code name")
    limit = paging.page_size(size)
    after = _key_after(paging.decode_token(token))
    with uow:
        records = _audit(uow).page(where, after, limit + 1)
    return paging.page_of(records, limit, key=lambda record: _key_of(record).encoded())


def _audit(uow: UnitOfWork) -> Any:
    return uow.audit  # type: ignore[attr-defined]


def _key_after(decoded: str | None) -> AuditKey | None:
    if decoded is None:
        return None
    try:
        return AuditKey.decoded(decoded)
    except ValueError as error:
        raise InvalidArgument.field("page_token", "is not a token this service issued") from error


def _key_of(record: audit_pb2.AuditRecord) -> AuditKey:
    return AuditKey(record.at.ToDatetime(UTC), record.id)
