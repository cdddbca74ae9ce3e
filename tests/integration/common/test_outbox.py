"""The transactional outbox on SQLite and PostgreSQL: events commit with their state change, wait out an outage, and
keep one key's order when several replicas relay."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from kafka import KafkaProducer
from kafka.errors import KafkaError

from services.common.engines import create_engine
from services.common.events import INVENTORY_EVENTS, Event
from services.common.kernel_tables import OutboxRecord
from services.common.outbox import SqlOutbox, took_outbox_events
from services.common.runtime import outbox_relay
from services.common.runtime.kafka import KafkaProducerProvider
from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import session_factory
from services.inventory.adapters.messages import system_registered
from services.inventory.adapters.unit_of_work import VERSIONS, InventoryUnitOfWork
from services.inventory.domain.model import AdminLevel, System
from services.inventory.service import InventoryService
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as pb
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as pb_grpc
from tests.fixtures.inventory_events import system_event
from tests.fixtures.metrics_page import metrics_text, sample
from tests.fixtures.services import eventually, read_topic, unary
from tests.integration.inventory.catalogue import ORGANISATIONS, seed


def a_system(code: str) -> System:
    return System(
        code=code,
        name="企业信用信息公示系统",
        organisation_code="HA-GSJ",
        admin_level=AdminLevel.PROVINCE,
        mlps_level=3,
        registered_at=datetime.now(UTC),
    )


def count(engine: sa.Engine, query: sa.Select) -> int:
    with engine.connect() as connection:
        return connection.scalar(query) or 0


def test_a_failed_unit_of_work_leaves_neither_the_state_nor_its_event(database_url: str) -> None:
    engine = create_engine(database_url)
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    uow = InventoryUnitOfWork(session_factory(engine))

    with pytest.raises(RuntimeError), uow:
        system = a_system("HA-GSJ-QYXY")
        uow.catalog.add(system)
        uow.outbox.publish(system_registered(system), topic=INVENTORY_EVENTS, key=system.id)
        raise RuntimeError("crash before commit")

    assert count(engine, sa.select(sa.func.count()).select_from(OutboxRecord)) == 0
    assert count(engine, sa.text("SELECT count(*) FROM system")) == 0

    with uow:
        system = a_system("HA-GSJ-QYXY")
        uow.catalog.add(system)
        uow.outbox.publish(system_registered(system), topic=INVENTORY_EVENTS, key=system.id)
        uow.commit()

    assert count(engine, sa.select(sa.func.count()).select_from(OutboxRecord)) == 1
    assert count(engine, sa.text("SELECT count(*) FROM system")) == 1


def test_only_a_commit_that_published_events_asks_for_the_relay(database_url: str) -> None:
    engine = create_engine(database_url)
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    factory = session_factory(engine)
    woken: list[bool] = []
    sa.event.listen(factory, "after_commit", lambda session: woken.append(took_outbox_events(session)))
    uow = InventoryUnitOfWork(factory)

    with uow:
        uow.catalog.add(a_system("HA-GSJ-QYXY"))
        uow.commit()
    with uow:
        system = a_system("HA-GSJ-GSXT")
        uow.catalog.add(system)
        uow.outbox.publish(system_registered(system), topic=INVENTORY_EVENTS, key=system.id)
        uow.commit()
    with uow:
        uow.commit()

    assert woken == [False, True, False]


def test_events_wait_while_the_broker_is_down_and_all_arrive_once_it_is_back(
    own_broker, database_url, container_factory, service_config, channel_to, operator_token
) -> None:
    config = service_config(database_url, KAFKA_BOOTSTRAP=own_broker.bootstrap)
    container_factory(InventoryService, config).start()
    stub = pb_grpc.InventoryServiceStub(channel_to(config["GRPC_BIND_ADDRESS"]))
    seed(stub, operator_token, ORGANISATIONS)
    engine = create_engine(database_url)
    inventory_events = sa.select(sa.func.count()).where(OutboxRecord.topic == INVENTORY_EVENTS)
    waiting = inventory_events.where(OutboxRecord.published_at.is_(None))  # the audit trail has its own topic

    own_broker.pause()
    try:
        codes = [f"HA-GSJ-{uuid.uuid4().hex[:6].upper()}" for _ in range(5)]
        ids = {
            unary(
                stub.RegisterSystem,
                pb.RegisterSystemRequest(
                    code=code,
                    name="企业信用信息公示系统",
                    organisation_code="HA-GSJ",
                    admin_level=pb.ADMIN_LEVEL_PROVINCE,
                    mlps_level=3,
                ),
                operator_token,
            ).id
            for code in codes
        }
        assert count(engine, waiting) == 5
    finally:
        own_broker.resume()

    eventually(lambda: count(engine, waiting) == 0, "the outbox to drain after the broker came back")
    records = read_topic(own_broker.bootstrap, INVENTORY_EVENTS, lambda rs: len(rs) >= 5, "five events")
    assert {r.key.decode() for r in records} == ids
    for record in records:
        headers = dict(record.headers)
        assert headers["ce_type"] == b"zhongyuan.inventory.system.registered.v1"
        assert headers["ce_subject"] == record.key
        assert headers["ce_source"] == b"/zhongyuan/inventory"
    assert len({dict(r.headers)["ce_id"] for r in records}) == 5
    assert count(engine, inventory_events) == 5


def registration(code: str, name: str = "企业信用信息公示系统") -> pb.RegisterSystemRequest:
    return pb.RegisterSystemRequest(
        code=code, name=name, organisation_code="HA-GSJ", admin_level=pb.ADMIN_LEVEL_PROVINCE, mlps_level=3
    )


def break_for_good(producer: KafkaProducer) -> None:
    """What a broker stall did to a producer at 100,000 systems: its InitProducerId was answered with UnknownError,
    which kafka-python holds as a fatal error, failing every later send of that producer."""
    producer._transaction_manager.transition_to_fatal_error(
        KafkaError("Unexpected error in InitProducerIdResponse: UnknownError")
    )


def test_a_relay_whose_producer_failed_for_good_publishes_every_later_event_with_a_new_one(
    database_url, backing_services, container_factory, service_config, channel_to, operator_token
) -> None:  # type: ignore[no-untyped-def]
    config = service_config(database_url)
    container = container_factory(InventoryService, config)
    container.start()
    stub = pb_grpc.InventoryServiceStub(channel_to(config["GRPC_BIND_ADDRESS"]))
    seed(stub, operator_token, ORGANISATIONS)
    engine = create_engine(database_url)
    waiting = sa.select(sa.func.count()).select_from(OutboxRecord).where(OutboxRecord.published_at.is_(None))
    code = f"HA-GSJ-{uuid.uuid4().hex[:6].upper()}"
    system_id = unary(stub.RegisterSystem, registration(code), operator_token).id
    eventually(lambda: count(engine, waiting) == 0, "the registration to be published")

    break_for_good(container.shared_extensions[KafkaProducerProvider].producer)
    for version in range(1, 5):
        unary(stub.UpdateSystem, registration(code, f"企业信用信息公示系统 第{version}版"), operator_token)
    others = {unary(stub.RegisterSystem, registration(f"{code}-{n}"), operator_token).id for n in range(3)}

    eventually(lambda: count(engine, waiting) == 0, "the outbox to drain through a new producer")
    with engine.connect() as connection:
        in_commit_order = connection.scalars(
            sa.select(OutboxRecord.event_id).where(OutboxRecord.key == system_id).order_by(OutboxRecord.id)
        ).all()
    assert len(in_commit_order) == 5

    def of_the_system(records: list) -> list[str]:  # type: ignore[type-arg]
        ids = [dict(r.headers)["ce_id"].decode() for r in records if r.key == system_id.encode()]
        return list(dict.fromkeys(ids))  # a batch resent whole after a failure may repeat; the order must hold

    records = read_topic(
        backing_services.kafka_bootstrap,
        INVENTORY_EVENTS,
        lambda rs: len(of_the_system(rs)) >= 5 and others <= {r.key.decode() for r in rs},
        "the system's five events and the three later registrations",
    )
    assert of_the_system(records) == list(in_commit_order)
    metrics = metrics_text(f"http://{config['WEB_SERVER_ADDRESS']}/metrics")
    assert sample(metrics, "zhongyuan_outbox_producers_replaced_total") == 1


def test_a_commit_that_wrote_outbox_rows_wakes_the_service_relay(
    database_url, backing_services, container_factory, service_config, channel_to, operator_token, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The relay declared on the service class listens to its unit of work's commits: with its poll an hour apart,
    only a wake publishes a registration within the deadline."""
    monkeypatch.setattr(outbox_relay, "POLL_SECONDS", 3600.0)
    config = service_config(database_url)
    container_factory(InventoryService, config).start()
    stub = pb_grpc.InventoryServiceStub(channel_to(config["GRPC_BIND_ADDRESS"]))
    seed(stub, operator_token, ORGANISATIONS)
    engine = create_engine(database_url)

    system_id = unary(stub.RegisterSystem, registration(f"HA-GSJ-{uuid.uuid4().hex[:6].upper()}"), operator_token).id

    published = sa.select(sa.func.count()).where(OutboxRecord.key == system_id, OutboxRecord.published_at.is_not(None))
    eventually(lambda: count(engine, published) == 1, "the relay, woken by the commit, to publish the registration")


def waiting_on_a_row_lock(engine: sa.Engine) -> bool:
    """Whether another session of the database waits for a lock on outbox rows."""
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%FROM outbox%' "
        "AND datname = current_database() AND pid <> pg_backend_pid()"
    )
    return count(engine, query) > 0


def publish_as_another_replica(connection: sa.Connection, row: Any, event: Event, bootstrap: str) -> None:
    """What another replica's relay does with the row it has locked: send it, mark it published, commit."""
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    producer.send(row.topic, key=row.key.encode(), value=row.payload, headers=event.headers()).get(timeout=15)
    producer.close()
    connection.execute(sa.update(OutboxRecord).where(OutboxRecord.id == row.id).values(published_at=sa.func.now()))
    connection.commit()
    connection.close()


def test_a_relay_waits_for_another_replicas_batch_so_one_keys_events_stay_in_order(
    postgres_database, backing_services, container_factory, service_config
) -> None:  # type: ignore[no-untyped-def]
    url = postgres_database()
    engine = create_engine(url)
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    code = f"HA-GSJ-{uuid.uuid4().hex[:6].upper()}"
    events = [system_event(code, "HA-GSJ", system_id=code, name=f"第{i}版") for i in range(3)]
    with session_factory(engine)() as session:
        for event in events:
            SqlOutbox(session).publish(event, topic=INVENTORY_EVENTS, key=code)
        session.commit()
    other_replica = engine.connect()  # in the middle of publishing the oldest row
    oldest = other_replica.execute(sa.select(OutboxRecord).order_by(OutboxRecord.id).limit(1).with_for_update()).one()

    container_factory(InventoryService, service_config(url)).start()
    eventually(lambda: waiting_on_a_row_lock(engine), "the service's relay to wait for the other replica's batch")
    unpublished = sa.select(sa.func.count()).select_from(OutboxRecord).where(OutboxRecord.published_at.is_(None))
    assert count(engine, unpublished) == 3

    publish_as_another_replica(other_replica, oldest, events[0], backing_services.kafka_bootstrap)

    def of_the_key(records: list) -> list[str]:  # type: ignore[type-arg]
        return [dict(r.headers)["ce_id"].decode() for r in records if r.key == code.encode()]

    records = read_topic(
        backing_services.kafka_bootstrap, INVENTORY_EVENTS, lambda rs: len(of_the_key(rs)) >= 3, "the key's events"
    )
    assert of_the_key(records) == [event.id for event in events]
    # the relay marks its rows published once the broker has acknowledged them: just after they can be read
    eventually(lambda: count(engine, unpublished) == 0, "the relay to mark the rows it sent published")


def test_two_transactions_changing_one_aggregate_number_its_events_in_commit_order(postgres_database) -> None:
    """Cancelling takes the run's row while its step ends: the later commit must not be published first."""
    engine = create_engine(postgres_database())
    upgrade(engine, KERNEL_VERSIONS)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE run (id text PRIMARY KEY, state text)")
        connection.exec_driver_sql("INSERT INTO run VALUES ('run-42', 'running')")
    factory = session_factory(engine)
    step_ends, cancel = factory(), factory()
    set_state = sa.text("UPDATE run SET state = :state WHERE id = 'run-42'")

    step_completed, cancelling = system_event("HA-WJW-JKK"), system_event("HA-WJW-JKK")
    SqlOutbox(step_ends).publish(step_completed, topic=INVENTORY_EVENTS, key="run-42")
    step_ends.flush()  # as a query of the step's transaction would, before it writes the run
    cancel.execute(set_state, {"state": "cancelling"})
    SqlOutbox(cancel).publish(cancelling, topic=INVENTORY_EVENTS, key="run-42")
    cancel.commit()
    step_ends.execute(set_state, {"state": "running"})  # the run's row: free only once the cancel has committed
    step_ends.commit()

    with engine.connect() as connection:
        published = connection.scalars(sa.select(OutboxRecord.event_id).order_by(OutboxRecord.id)).all()
    assert published == [cancelling.id, step_completed.id]
