"""Reading a topic whole, and which consumer groups read which topic."""

import inspect
import time
from collections import defaultdict
from collections.abc import Callable

import eventlet
import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from services.common.runtime.kafka import KafkaConsumerEntrypoint
from services.interconnect.service import InterconnectService
from services.inventory.service import InventoryService
from services.migration.service import MigrationService
from services.monitoring.service import MonitoringService

SERVICES = (InventoryService, MigrationService, InterconnectService, MonitoringService)
GROUP_PREFIX = "zhongyuan"  # KAFKA_GROUP_PREFIX's default in every config.yaml


def consumer_groups() -> dict[str, list[tuple[str, str]]]:
    """topic -> (service, consumer group) of every @kafka_consumer entrypoint of the four services."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for service in SERVICES:
        for method_name, method in inspect.getmembers(service, inspect.isfunction):
            for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(entrypoint, KafkaConsumerEntrypoint):
                    groups[entrypoint.topic].append((service.name, f"{GROUP_PREFIX}.{service.name}.{method_name}"))
    return dict(groups)


def read_from_start(
    bootstrap: str, topic: str, enough: Callable[[list[ConsumerRecord]], bool], what: str, timeout: float = 60
) -> list[ConsumerRecord]:
    """Every partition of `topic` from its first record until `enough(records)` holds. No consumer group: nothing
    to join, so a just-thawed broker answers as soon as it can."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    records: list[ConsumerRecord] = []
    deadline = time.monotonic() + timeout
    try:
        while not (consumer.assignment() or _assign_all(consumer, topic)):
            _check(deadline, f"topic {topic} to exist ({what})")
        while not enough(records):
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
            _check(deadline, what)
        return records
    finally:
        consumer.close()


def _assign_all(consumer: KafkaConsumer, topic: str) -> bool:
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        eventlet.sleep(0.2)
        return False
    consumer.assign([TopicPartition(topic, p) for p in partitions])
    consumer.seek_to_beginning()
    return True


def _check(deadline: float, what: str) -> None:
    if time.monotonic() > deadline:
        pytest.fail(f"timed out waiting for {what}")
