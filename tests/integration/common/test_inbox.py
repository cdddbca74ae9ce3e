"""The inbox on SQLite and PostgreSQL: a batch of deliveries recorded with one INSERT, which tells which were new, in
the transaction that handles them, so each consumer handles an event once however often it is delivered."""

import threading
from datetime import UTC, datetime

import eventlet.patcher
import sqlalchemy as sa

from services.common.engines import create_engine
from services.common.events import SYSTEM_REGISTERED, Event, new_event
from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import SqlUnitOfWork, session_factory
from services.pb.zhongyuan.inventory.v1 import events_pb2
from tests.fixtures.databases import statements, waiting_on_a_lock
from tests.fixtures.services import eventually

MONITORING, INTERCONNECT = "monitoring.systems", "interconnect.on_inventory_events"


def registration(subject: str) -> Event:
    return new_event(SYSTEM_REGISTERED, "/test", subject, events_pb2.SystemRegistered())


def migrated(url: str) -> sa.Engine:
    engine = create_engine(url)
    upgrade(engine, KERNEL_VERSIONS)
    return engine


def processed(engine: sa.Engine) -> set[tuple[str, str, str, str]]:
    with engine.connect() as connection:
        query = sa.text("SELECT event_id, consumer, ce_type, ce_subject FROM processed_event")
        return set(connection.execute(query).tuples())


def test_a_batch_is_recorded_with_one_insert_that_tells_the_deliveries_not_handled_before(database_url: str) -> None:
    engine = migrated(database_url)
    old, new = registration("system-1"), registration("system-2")
    with SqlUnitOfWork(session_factory(engine)) as uow:
        assert uow.inbox.first_deliveries([(old, MONITORING)]) == [old]
        uow.commit()

    with statements(engine) as sent, SqlUnitOfWork(session_factory(engine)) as uow:
        batch = [(old, MONITORING), (old, INTERCONNECT), (new, MONITORING), (new, MONITORING)]
        first = uow.inbox.first_deliveries(batch)
        uow.commit()

    # delivered again to monitoring, first to interconnect; the new event twice in the batch is new once
    assert first == [old, new]
    # PostgreSQL's INSERT answers which rows it added; SQLite takes the write lock, asks, then adds the others
    assert sent == (["INSERT"] if engine.dialect.name == "postgresql" else ["BEGIN", "SELECT", "INSERT"])
    assert processed(engine) == {
        (old.id, MONITORING, SYSTEM_REGISTERED, "system-1"),
        (old.id, INTERCONNECT, SYSTEM_REGISTERED, "system-1"),
        (new.id, MONITORING, SYSTEM_REGISTERED, "system-2"),
    }


def test_a_delivery_is_stamped_with_its_unit_of_work_and_forgotten_if_that_does_not_commit(database_url: str) -> None:
    engine = migrated(database_url)
    event = registration("system-1")
    before = datetime.now(UTC)
    with SqlUnitOfWork(session_factory(engine)) as uow:
        assert uow.inbox.first_delivery(event, consumer=MONITORING)
        assert not uow.inbox.first_delivery(event, consumer=MONITORING)  # recorded already, in this transaction
    assert processed(engine) == set()

    with SqlUnitOfWork(session_factory(engine)) as uow:
        assert uow.inbox.first_delivery(event, consumer=MONITORING)
        uow.commit()
    with engine.connect() as connection:
        stamped = connection.execute(sa.text("SELECT processed_at FROM processed_event")).scalar_one()
    stamped = stamped if isinstance(stamped, datetime) else datetime.fromisoformat(stamped)
    assert before <= stamped.replace(tzinfo=UTC) <= datetime.now(UTC)


def test_a_concurrent_delivery_waits_for_the_transaction_handling_it_then_finds_it_handled(
    postgres_database,
) -> None:  # type: ignore[no-untyped-def]
    engine = migrated(postgres_database())
    event = registration("system-1")
    answers: list[list[Event]] = []

    def second_replica() -> None:
        with SqlUnitOfWork(session_factory(engine)) as uow:
            answers.append(uow.inbox.first_deliveries([(event, MONITORING)]))
            uow.commit()

    with SqlUnitOfWork(session_factory(engine)) as first_replica:
        assert first_replica.inbox.first_delivery(event, consumer=MONITORING)
        other = threading.Thread(target=second_replica)
        other.start()
        waiting = lambda: waiting_on_a_lock(engine, "processed_event")  # noqa: E731
        eventually(waiting, "the second delivery to wait for the first transaction")
        first_replica.commit()
    other.join(timeout=30)

    assert answers == [[]]
    assert len(processed(engine)) == 1


def test_on_sqlite_a_concurrent_delivery_waits_for_the_transaction_handling_it_then_finds_it_handled(
    tmp_path,
) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'service.db'}"
    migrated(url)
    event = registration("system-1")
    answers: list[list[Event]] = []
    asking = eventlet.patcher.original("threading").Event()

    def second_replica() -> None:
        # Its own engine, on a real thread: SQLite waits for the lock inside the driver, which would stall the hub.
        engine = create_engine(url)
        sa.event.listen(engine, "before_cursor_execute", lambda *_: asking.set())
        with SqlUnitOfWork(session_factory(engine)) as uow:
            answers.append(uow.inbox.first_deliveries([(event, MONITORING)]))
            uow.commit()

    engine = create_engine(url)
    with SqlUnitOfWork(session_factory(engine)) as first_replica:
        assert first_replica.inbox.first_delivery(event, consumer=MONITORING)
        other = eventlet.patcher.original("threading").Thread(target=second_replica)
        other.start()
        assert asking.wait(timeout=30), "the second delivery did not reach the database"
        first_replica.commit()
    other.join(timeout=30)

    assert answers == [[]]
    assert len(processed(engine)) == 1
