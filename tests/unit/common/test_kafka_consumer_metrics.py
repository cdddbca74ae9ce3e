"""A Kafka consume entrypoint's records counter: every outcome exported from the start."""

from collections.abc import Callable
from typing import Any

import pytest

from services.common.events import MIGRATION_EVENTS
from services.common.runtime.kafka import KafkaConsumerEntrypoint


class NamekoContainer:
    """What an entrypoint asks of its container, without running the thread it hands over."""

    service_name = "monitoring"
    config = {"KAFKA_BOOTSTRAP": "127.0.0.1:9"}

    def __init__(self) -> None:
        self.shared_extensions: dict[Any, Any] = {}
        self.threads: list[Callable[[], None]] = []

    def spawn_managed_thread(self, run: Callable[[], None], identifier: str | None = None) -> None:
        self.threads.append(run)


@pytest.mark.parametrize("outcome", ["handled", "retried", "dead_lettered"])
def test_a_started_consumer_exports_each_outcome_of_its_topic_at_zero(outcome: str) -> None:
    container = NamekoContainer()
    entrypoint = KafkaConsumerEntrypoint(MIGRATION_EVENTS).bind(container, "fold_migration_events")
    entrypoint.metrics.setup()
    entrypoint.setup()

    entrypoint.start()

    labels = {"topic": MIGRATION_EVENTS, "outcome": outcome}
    assert entrypoint.metrics.registry.get_sample_value("zhongyuan_kafka_records_consumed_total", labels) == 0
    assert len(container.threads) == 1
