"""The audit records monitoring received from every service (ports.AuditRecords): kept for good, read newest
first."""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.audit import ERROR, OK, AuditRecordColumns, record_columns, record_from_columns
from services.monitoring.adapters.orm import ReadModelBase
from services.monitoring.domain.audit import AuditFilter, AuditKey
from services.pb.zhongyuan.audit.v1 import audit_pb2


class AuditView(AuditRecordColumns, ReadModelBase):
    __tablename__ = "audit_view"


class SqlAuditRecords:
    def __init__(self, session: Session):
        self._session = session

    def keep(self, record: audit_pb2.AuditRecord) -> None:
        if self._session.get(AuditView, record.id) is None:
            self._session.add(AuditView(**record_columns(record)))

    def page(self, where: AuditFilter, after: AuditKey | None, limit: int) -> list[audit_pb2.AuditRecord]:
        query = sa.select(AuditView).where(*_conditions(where)).order_by(AuditView.at.desc(), AuditView.id.desc())
        if after is not None:
            older = sa.or_(AuditView.at < after.at, sa.and_(AuditView.at == after.at, AuditView.id < after.id))
            query = query.where(older)
        return [record_from_columns(row) for row in self._session.scalars(query.limit(limit))]


def _conditions(where: AuditFilter) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if where.service:
        conditions.append(AuditView.service == where.service)
    if where.method:
        conditions.append(AuditView.method == where.method)
    if where.actor:
        conditions.append(sa.or_(AuditView.actor_name == where.actor, AuditView.actor_token_id == where.actor))
    if where.since is not None:
        conditions.append(AuditView.at >= where.since)
    if where.until is not None:
        conditions.append(AuditView.at < where.until)
    if where.outcome == ERROR:
        conditions.append(AuditView.outcome != OK)
    elif where.outcome:
        conditions.append(AuditView.outcome == where.outcome)
    return conditions
