"""Monitoring's copy of the audit trail on SQLite and PostgreSQL: kept once per event, filtered, paged newest first."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from services.common.audit import SqlAuditTrail, audit_record, failed
from services.common.auth import Principal
from services.common.engines import create_engine
from services.common.errors import InvalidArgument
from services.common.events import cloudevent_headers, decode_event
from services.common.kernel_tables import OutboxRecord
from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import session_factory
from services.monitoring.adapters.unit_of_work import VERSIONS, SqlMonitoringUnitOfWork
from services.monitoring.domain.audit import AuditFilter
from services.monitoring.handlers import keep_audit_record
from services.monitoring.queries import list_audit_records
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv

START = datetime(2016, 6, 30, 8, 0, tzinfo=UTC)
OPERATOR = Principal(roles=frozenset({"operator"}), name="王主任", token_id="0123456789ab")


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    engine = create_engine(database_url)
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    return session_factory(engine)


@pytest.fixture
def uow(sessions: sessionmaker[Session]) -> SqlMonitoringUnitOfWork:
    return SqlMonitoringUnitOfWork(sessions)


@pytest.fixture
def announce(sessions: sessionmaker[Session], uow: SqlMonitoringUnitOfWork) -> Callable[[int, str], str]:
    return partial(_announce, sessions, uow)


def _announce(sessions: sessionmaker[Session], uow: SqlMonitoringUnitOfWork, minute: int, outcome: str) -> str:
    """Write a record as a service does (its own audit table and outbox, here monitoring's), then receive its event
    the way monitoring's consumer does, twice."""
    request = inv.GetByCodeRequest(code=f"HA-{minute}")
    record = audit_record(
        service="inventory", method="RetireOrganisation", principal=OPERATOR, request=request, at=START, peer="ipv4:x"
    )
    record.at.FromDatetime(START + timedelta(minutes=minute))
    if outcome != "OK":
        record = failed(record, outcome, "no such organisation")
    SqlAuditTrail(sessions).record(record)
    with sessions() as session:
        row = session.scalars(sa.select(OutboxRecord).where(OutboxRecord.event_id == record.id)).one()
    headers = cloudevent_headers(row.event_id, row.ce_type, row.ce_source, row.ce_time, row.ce_subject)
    event = decode_event(row.payload, headers)
    keep_audit_record(event, uow)
    keep_audit_record(event, uow)  # a redelivery
    return record.id


def test_records_are_kept_once_and_read_newest_first_a_page_at_a_time(uow, announce) -> None:
    ids = [announce(minute, "OK" if minute % 2 else "NOT_FOUND") for minute in range(5)]

    pages, token = [], ""
    while True:
        page = list_audit_records(AuditFilter(), 2, token, uow)
        pages.append([r.id for r in page.items])
        if not (token := page.next_page_token):
            break

    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[0:1]]


def test_records_are_filtered_by_outcome_actor_and_time(uow, announce) -> None:
    ids = [announce(minute, "OK" if minute % 2 else "NOT_FOUND") for minute in range(5)]

    def found(**filters) -> list[str]:  # type: ignore[no-untyped-def]
        return [r.id for r in list_audit_records(AuditFilter(**filters), 0, "", uow).items]

    assert found(outcome="ERROR") == [ids[4], ids[2], ids[0]]
    assert found(outcome="OK") == [ids[3], ids[1]]
    assert found(actor="0123456789ab") == found(actor="王主任") == ids[::-1]
    assert found(actor="someone else") == []
    assert found(since=START + timedelta(minutes=1), until=START + timedelta(minutes=3)) == [ids[2], ids[1]]
    assert found(service="migration") == [] and found(method="RetireOrganisation") == ids[::-1]
    with pytest.raises(InvalidArgument):
        found(outcome="SOMETIMES")
