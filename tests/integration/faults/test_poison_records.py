"""Poison records on every topic the services consume, with every consumer running: each poison record lands in the
dead-letter topic once per consumer group, with the reason and its origin, and a good record produced behind it on the
same partition is still handled by every consumer: its consumer group commits past it, which the entrypoint does only
once the service's handler returned.

The kernel's contract (services/common/runtime/kafka.py): a record that cannot become a registered event — CloudEvents
headers missing, a type that is not in EVENT_TYPES, a payload that does not parse as its type's message — is
dead-lettered at once, not retried and not dropped, so it can be replayed once mended (or once consumers know the
type). A registered type a consumer has no use for is handled as a no-op.
"""

import uuid
from dataclasses import dataclass, replace

from kafka import KafkaAdminClient, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from services.common.events import (
    AUDIT_EVENTS,
    CALL_RECORDED,
    DEADLETTER,
    INTERCONNECT_EVENTS,
    INVENTORY_EVENTS,
    MIGRATION_EVENTS,
    Event,
    new_event,
)
from services.common.timestamps import timestamp
from services.pb.zhongyuan.audit.v1 import audit_pb2, events_pb2
from tests.fixtures.interconnect_events import link_changed
from tests.fixtures.migration_events import Run, hours_ago, system_registered
from tests.fixtures.services import eventually, read_topic
from tests.integration.faults.topics import consumer_groups
from tools.stack import Stack

KEY = b"poisoned-aggregate"  # all records of a topic under one key: one partition, the poison ahead of the good one


@dataclass(frozen=True)
class Poison:
    topic: str
    partition: int
    offset: int
    value: bytes
    reason: str


def call_recorded() -> Event:
    record = audit_pb2.AuditRecord(
        id=str(uuid.uuid4()), service="inventory", method="ImportCatalog", outcome="OK", at=timestamp(hours_ago(0))
    )
    event = new_event(CALL_RECORDED, "/zhongyuan/inventory", record.id, events_pb2.CallRecorded(record=record))
    return replace(event, id=record.id)  # an audit record travels as the event of the same id


def good_events() -> dict[str, Event]:
    """A well-formed event for each topic."""
    run = Run("HA-WJW", "HA-WJW-JKK")
    return {
        INVENTORY_EVENTS: system_registered(run),
        MIGRATION_EVENTS: run.state("pending", "precheck", "started by an operator"),
        INTERCONNECT_EVENTS: link_changed("HA-ZZ", 1, 20.0),
        AUDIT_EVENTS: call_recorded(),
    }


def poison_variants(good: Event) -> list[tuple[bytes, list[tuple[str, bytes]], str]]:
    """(value, headers, the reason its dead letter must give) for each way a record can be poison."""
    headers = good.headers()
    unknown_type = good.type.rsplit(".", 2)[0] + ".teleported.v1"
    retyped = [(name, unknown_type.encode() if name == "ce_type" else raw) for name, raw in headers]
    return [
        (b"\x0f\xff not protobuf at all", headers, f"payload is not a valid {type(good.payload).__name__}"),
        (good.payload.SerializeToString(), [], "missing CloudEvents header ce_id"),
        (good.payload.SerializeToString(), retyped, f"unknown event type '{unknown_type}'"),
    ]


def produce(producer: KafkaProducer, topic: str, value: bytes, headers: list[tuple[str, bytes]]) -> tuple[int, int]:
    sent = producer.send(topic, key=KEY, value=value, headers=headers).get(timeout=15)
    return sent.partition, sent.offset


def committed_past(admin: KafkaAdminClient, group: str, topic: str, partition: int, offset: int) -> bool:
    place = TopicPartition(topic, partition)
    committed = admin.list_group_offsets({group: [place]})[group].get(place)
    return committed is not None and committed.offset > offset


def origin_of(letter: ConsumerRecord) -> tuple[str, ...]:
    headers = dict(letter.headers)
    return tuple(headers[name].decode() for name in ("dlq_topic", "dlq_partition", "dlq_offset", "dlq_consumer_group"))


def dead_letters(stack: Stack, count: int) -> dict[tuple[str, ...], ConsumerRecord]:
    """The first `count` dead letters by where they came from: (topic, partition, offset, consumer group)."""
    records = read_topic(stack.broker.bootstrap, DEADLETTER, lambda rs: len(rs) >= count, f"{count} dead letters")
    letters = {origin_of(record): record for record in records}
    assert len(letters) == len(records), "a consumer dead-lettered a poison record twice"
    return letters


def test_poison_records_on_every_topic_are_dead_lettered_and_the_records_behind_them_handled(start_stack) -> None:  # type: ignore[no-untyped-def]
    groups, goods = consumer_groups(), good_events()
    assert set(groups) <= set(goods), f"no good event to follow the poison on {set(groups) - set(goods)}"
    stack = start_stack()
    producer = KafkaProducer(bootstrap_servers=stack.broker.bootstrap, acks="all")
    poisons: list[Poison] = []
    good_at: dict[str, tuple[int, int]] = {}
    try:
        for topic in groups:
            for value, headers, reason in poison_variants(goods[topic]):
                poisons.append(Poison(topic, *produce(producer, topic, value, headers), value=value, reason=reason))
            good_at[topic] = produce(producer, topic, goods[topic].payload.SerializeToString(), goods[topic].headers())
            assert good_at[topic][0] == poisons[-1].partition
    finally:
        producer.close(timeout=5)

    admin = KafkaAdminClient(bootstrap_servers=stack.broker.bootstrap)
    try:
        for topic, readers in groups.items():
            for service, group in readers:
                eventually(
                    lambda group=group, topic=topic: committed_past(admin, group, topic, *good_at[topic]),
                    f"{service} to handle the good {topic} record",
                )
    finally:
        admin.close()

    letters = dead_letters(stack, sum(len(groups[p.topic]) for p in poisons))
    for poison in poisons:
        for _, group in groups[poison.topic]:
            letter = letters[(poison.topic, str(poison.partition), str(poison.offset), group)]
            reason = dict(letter.headers)["dlq_reason"].decode()
            assert poison.reason in reason, (poison.topic, group, reason)
            assert letter.value == poison.value
