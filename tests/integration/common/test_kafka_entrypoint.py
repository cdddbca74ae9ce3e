"""The Kafka entrypoint against the real broker: at-least-once, ordered per partition, dead-letter after N failures."""

import collections
import uuid
from typing import Any

import sqlalchemy as sa
from nameko.containers import ServiceContainer

from services.common.events import DEADLETTER, Event
from services.common.runtime.kafka import kafka_consumer
from tests.fixtures.inventory_events import system_event as inventory_system_event
from tests.fixtures.services import eventually, produce, read_topic


def system_event(key: str, sequence: int) -> Event:
    return inventory_system_event(f"HA-TEST-{sequence}", system_id=key, name=f"系统 {sequence}")


def consumer_service(topic: str, handle):  # type: ignore[no-untyped-def]
    class Consumer:
        name = f"consumer_{uuid.uuid4().hex[:6]}"

        @kafka_consumer(topic)
        def on_event(self, event: Event) -> None:
            handle(event)

    return Consumer


def dead_letter_of(bootstrap: str, event: Event) -> Any:
    """The dead-letter record of `event` (found by its ce_id header), waiting for it to arrive."""
    mine = event.id.encode()
    letters = read_topic(
        bootstrap,
        DEADLETTER,
        lambda rs: any(dict(r.headers).get("ce_id") == mine for r in rs),
        "the failing event in the dead-letter topic",
    )
    [letter] = [r for r in letters if dict(r.headers).get("ce_id") == mine]
    return letter


def start(container_factory, service_cls, config) -> ServiceContainer:  # type: ignore[no-untyped-def]
    container = container_factory(service_cls, config)
    container.start()
    return container


def test_every_record_reaches_a_successful_handler_exactly_once_in_key_order_despite_failures(
    container_factory, service_config, topic, producer, tmp_path
) -> None:
    events = [system_event(f"system-{i % 10}", i) for i in range(200)]
    attempts: collections.Counter[str] = collections.Counter()
    succeeded: list[Event] = []

    def flaky(event: Event) -> None:
        attempts[event.id] += 1
        if hash(event.id) % 4 == 0 and attempts[event.id] == 1:  # a quarter fail once
            raise ConnectionError("database went away")
        succeeded.append(event)

    start(container_factory, consumer_service(topic, flaky), service_config(f"sqlite:///{tmp_path}/x.db"))
    produce(producer, *events, topic=topic)

    eventually(lambda: len({e.id for e in succeeded}) == len(events), "every event to be handled")
    assert collections.Counter(e.id for e in succeeded) == collections.Counter(e.id for e in events)
    assert any(count > 1 for count in attempts.values()), "no failure was injected"
    for key in {e.subject for e in events}:
        handled = [e.payload.system.code for e in succeeded if e.subject == key]
        sent = [e.payload.system.code for e in events if e.subject == key]
        assert handled == sent, f"events of {key} were handled out of order"


def test_a_poison_record_goes_to_the_dead_letter_topic_and_the_partition_moves_on(
    container_factory, service_config, topic, producer, backing_services, tmp_path
) -> None:
    handled: list[Event] = []
    start(
        container_factory,
        consumer_service(topic, handled.append),
        service_config(f"sqlite:///{tmp_path}/x.db"),
    )
    marker = uuid.uuid4().hex
    producer.send(topic, key=b"system-1", value=b"\x00not protobuf", headers=[("marker", marker.encode())], partition=0)
    after = system_event("system-1", 1)
    producer.send(topic, key=b"system-1", value=after.payload.SerializeToString(), headers=after.headers(), partition=0)
    producer.flush()

    eventually(lambda: [e.id for e in handled] == [after.id], "the record after the poison one to be handled")
    [letter] = [
        r
        for r in read_topic(
            backing_services.kafka_bootstrap,
            DEADLETTER,
            lambda rs: any(dict(r.headers).get("marker") == marker.encode() for r in rs),
            "the poison record in the dead-letter topic",
        )
        if dict(r.headers).get("marker") == marker.encode()
    ]
    headers = dict(letter.headers)
    assert headers["dlq_reason"] == b"missing CloudEvents header ce_id"
    assert headers["dlq_topic"] == topic.encode()
    assert (headers["dlq_partition"], headers["dlq_offset"]) == (b"0", b"0")
    assert letter.value == b"\x00not protobuf"


def test_a_record_that_keeps_failing_is_dead_lettered_with_the_error_after_the_last_attempt(
    container_factory, service_config, topic, producer, backing_services, tmp_path
) -> None:
    doomed = system_event("system-2", 2)
    attempts: collections.Counter[str] = collections.Counter()
    handled: list[str] = []

    def refuse_doomed(event: Event) -> None:
        attempts[event.id] += 1
        if event.id == doomed.id:
            raise ValueError("organisation HA-NOPE does not exist")
        handled.append(event.id)

    config = service_config(f"sqlite:///{tmp_path}/x.db", KAFKA_MAX_ATTEMPTS=4)
    start(container_factory, consumer_service(topic, refuse_doomed), config)
    fine = system_event("system-2", 3)
    produce(producer, doomed, fine, topic=topic)

    eventually(lambda: handled == [fine.id], "the event behind the failing one to be handled")
    letter = dead_letter_of(backing_services.kafka_bootstrap, doomed)
    assert dict(letter.headers)["dlq_reason"] == b"ValueError: organisation HA-NOPE does not exist"
    assert dict(letter.headers)["dlq_attempts"] == b"4"
    assert attempts[doomed.id] == 4


def test_a_batch_consumer_gets_records_in_batches_and_a_failing_one_is_isolated_and_dead_lettered(
    container_factory, service_config, topic, producer, backing_services, tmp_path
) -> None:
    events = [system_event(f"system-{i % 5}", i) for i in range(100)]
    doomed = events[37]
    batches: list[int] = []
    handled: list[str] = []

    class BatchConsumer:
        name = f"batch_consumer_{uuid.uuid4().hex[:6]}"

        @kafka_consumer(topic, batch=True)
        def on_events(self, batch: list[Event]) -> None:
            if any(event.id == doomed.id for event in batch):
                raise ValueError("organisation HA-NOPE does not exist")  # the whole batch fails: nothing is kept
            batches.append(len(batch))
            handled.extend(event.id for event in batch)

    config = service_config(f"sqlite:///{tmp_path}/x.db", KAFKA_MAX_ATTEMPTS=2)
    produce(producer, *events, topic=topic)  # all waiting before the consumer starts, so polls return many at once
    start(container_factory, BatchConsumer, config)

    expected = [e.id for e in events if e.id != doomed.id]
    eventually(lambda: sorted(handled) == sorted(expected), "every record but the failing one to be handled")
    assert len(handled) == len(set(handled)), "a record was handled twice"
    assert max(batches) > 1, "records were never handed over in batches"
    letter = dead_letter_of(backing_services.kafka_bootstrap, doomed)
    assert dict(letter.headers)["dlq_reason"] == b"ValueError: organisation HA-NOPE does not exist"


def test_a_record_whose_handler_finds_the_database_away_waits_for_it_and_is_not_dead_lettered(
    container_factory, service_config, topic, producer, tmp_path
) -> None:
    outage = system_event("system-3", 4)
    attempts: collections.Counter[str] = collections.Counter()
    handled: list[str] = []

    def database_comes_back(event: Event) -> None:
        attempts[event.id] += 1
        if attempts[event.id] <= 3:  # more failures than KAFKA_MAX_ATTEMPTS allows, all the database's fault
            raise sa.exc.OperationalError("UPDATE outbox", {}, Exception("the database system is shutting down"))
        handled.append(event.id)

    config = service_config(f"sqlite:///{tmp_path}/x.db", KAFKA_MAX_ATTEMPTS=2)
    start(container_factory, consumer_service(topic, database_comes_back), config)
    produce(producer, outage, topic=topic)

    eventually(lambda: handled == [outage.id], "the record to be handled once the database is back")
    assert attempts[outage.id] == 4
