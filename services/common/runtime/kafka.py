"""Kafka for nameko: a shared producer and an at-least-once consume entrypoint with a dead-letter topic.

The consumer takes records in order within a partition, runs one worker per record and commits an offset only after
its worker succeeded. A failed record is redelivered (seek back) until it has failed KAFKA_MAX_ATTEMPTS times, then it
is copied to zhongyuan.deadletter.v1 with the reason and its origin in headers, and the partition moves on. A record
that cannot even be decoded (CloudEvents headers missing, a type not in EVENT_TYPES, a payload that does not parse)
goes there at once. A worker that failed because the database was unreachable spends no attempt: the partition waits
for the database, since dead-lettering would lose records that are not at fault. Handlers see each event at least
once: they dedupe by event id.

`@kafka_consumer(TOPIC, batch=True)` hands the method a list: the decoded records of one partition's poll, in order,
so a handler can fold them in one transaction. When that worker fails, the same records are delivered again one by
one (each as a list of one), so a poison record is retried and dead-lettered on its own and the others go through.
"""

import logging
from collections.abc import Callable
from typing import Any

import eventlet
from eventlet.event import Event as GreenEvent
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from nameko.extensions import Entrypoint, SharedExtension

from services.common.database_retries import database_unreachable
from services.common.events import DEADLETTER, Event, MalformedEvent, decode_event
from services.common.runtime.metrics import MetricsRegistry

log = logging.getLogger(__name__)

CONSUMER_SETTINGS = {
    "enable_auto_commit": False,
    "auto_offset_reset": "earliest",
    # Group joins take about half the session timeout; the 45 s default would stall every start by 23 s.
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,
    "max_poll_records": 2000,
    # kafka-python's own sensors, updated on every fetch and batch; we count what matters in Prometheus instead.
    "metrics_enabled": False,
}
# A fetch waits this long for records when there are none yet. The broker answers as soon as records arrive for a
# partition the fetch names, but while poll() hands out a partition's records kafka-python already sends the next fetch
# without that partition: records arriving there wait for that fetch's deadline. Measured step → /metrics on Tansu
# (4 partitions): p50 19 ms at any wait, p99 74 ms at 100 ms and 2.5 s at 5 s. Idle fetches cost a few % of a core.
FETCH_MAX_WAIT_MS = 500
RECONNECT_SECONDS = 1.0
DATABASE_RETRY_SECONDS = 1.0


class KafkaProducerProvider(SharedExtension):
    """One producer per container, created on first use so a service starts while the broker is down."""

    def setup(self) -> None:
        self.bootstrap = self.container.config["KAFKA_BOOTSTRAP"]
        self._producer: KafkaProducer | None = None

    @property
    def producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self.bootstrap,
                acks="all",
                # one request in flight keeps a key's records in order across retries
                max_in_flight_requests_per_connection=1,
                retries=3,
                request_timeout_ms=10000,
                max_block_ms=5000,
                metrics_enabled=False,
            )
        return self._producer

    def send(self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]) -> Any:
        return self.producer.send(topic, key=key, value=value, headers=headers)

    def replace_producer(self) -> None:
        """Drop the producer for a new one at the next send. A producer that failed fatally (an InitProducerId the
        broker answered with an error, say) refuses every later send, while a new one publishes at once."""
        broken, self._producer = self._producer, None
        if broken is not None:
            broken.close(timeout=0)

    def stop(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=5)

    kill = stop


class KafkaConsumerEntrypoint(Entrypoint):
    """`@kafka_consumer(TOPIC)`: the method gets one decoded Event per record (a list of Events with batch=True)."""

    producer = KafkaProducerProvider()
    metrics = MetricsRegistry()

    def __init__(
        self,
        topic: str,
        *,
        max_attempts: int | None = None,
        batch: bool = False,
        fetch_max_wait_ms: int = FETCH_MAX_WAIT_MS,
        **kwargs: Any,
    ):
        self.topic = topic
        self._max_attempts = max_attempts
        self.batch = batch
        self.fetch_max_wait_ms = fetch_max_wait_ms
        super().__init__(**kwargs)

    def setup(self) -> None:
        config = self.container.config
        self.bootstrap = config["KAFKA_BOOTSTRAP"]
        self.max_attempts = self._max_attempts or int(config.get("KAFKA_MAX_ATTEMPTS", 3))
        # The prefix lets two suites share one Kafka cluster (and every test have consumer groups of its own).
        prefix = config.get("KAFKA_GROUP_PREFIX") or "zhongyuan"
        self.group_id = f"{prefix}.{self.container.service_name}.{self.method_name}"
        self._failures: dict[tuple[int, int], int] = {}
        self._running = False

    def start(self) -> None:
        self.metrics.count_records_of(self.topic)  # here: the shared registry may be set up after this entrypoint
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._consume_forever)

    def stop(self) -> None:
        self._running = False
        self._thread.wait()

    def kill(self) -> None:
        self._running = False
        self._thread.kill()

    def _consume_forever(self) -> None:
        while self._running:
            try:
                self._consume_until_stopped()
            except Exception:
                # Positions may be past uncommitted records: reconnecting resumes from the committed offsets.
                log.exception("consumer %s on %s failed; reconnecting", self.group_id, self.topic)
                eventlet.sleep(RECONNECT_SECONDS)

    def _consume_until_stopped(self) -> None:
        consumer = KafkaConsumer(
            self.topic,
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            fetch_max_wait_ms=self.fetch_max_wait_ms,
            **CONSUMER_SETTINGS,
        )
        try:
            while self._running:
                done = {}
                for partition, records in consumer.poll(timeout_ms=500).items():
                    next_offset = self._consume_partition(consumer, partition, records)
                    if next_offset is not None:
                        done[partition] = OffsetAndMetadata(next_offset, "", -1)
                if done:
                    consumer.commit(done)  # one round trip for all the partitions of the poll
        finally:
            consumer.close(autocommit=False)

    def _consume_partition(
        self, consumer: KafkaConsumer, partition: TopicPartition, records: list[ConsumerRecord]
    ) -> int | None:
        """Deliver the records in order; the offset to commit after those done with (None when none were)."""
        if self.batch and self._deliver_batch(records):
            return records[-1].offset + 1
        next_offset = None
        for record in records:
            if not self._running:
                break
            if not self._deliver(record):
                consumer.seek(partition, record.offset)
                break
            next_offset = record.offset + 1
        return next_offset

    def _deliver_batch(self, records: list[ConsumerRecord]) -> bool:
        """True when one worker handled all `records`; False leaves them to one-by-one delivery."""
        try:
            events = [decode_event(record.value, record.headers) for record in records]
        except MalformedEvent:
            return False
        if not events or self._run_worker(events) is not None:
            return False
        self.metrics.consumed.labels(self.topic, "handled").inc(len(events))
        return True

    def _deliver(self, record: ConsumerRecord) -> bool:
        """True when the record is done with (handled or dead-lettered); False to have it redelivered."""
        try:
            event = decode_event(record.value, record.headers)
        except MalformedEvent as malformed:
            self._dead_letter(record, str(malformed), attempts=1)
            return True
        error = self._run_worker([event] if self.batch else event)
        position = (record.partition, record.offset)
        if error is None:
            self._failures.pop(position, None)
            self.metrics.consumed.labels(self.topic, "handled").inc()
            return True
        if database_unreachable(error):
            # Not the record's fault: wait for the database instead of using up its attempts.
            self.metrics.consumed.labels(self.topic, "retried").inc()
            eventlet.sleep(DATABASE_RETRY_SECONDS)
            return False
        attempts = self._failures.get(position, 0) + 1
        if attempts >= self.max_attempts:
            self._failures.pop(position, None)
            self._dead_letter(record, f"{type(error).__name__}: {error}", attempts)
            return True
        self._failures[position] = attempts
        self.metrics.consumed.labels(self.topic, "retried").inc()
        eventlet.sleep(min(0.05 * 2**attempts, 2.0))
        return False

    def _run_worker(self, event: Event | list[Event]) -> BaseException | None:
        """Run the service method on `event` (or a batch of them); the error it raised, or None."""
        finished = GreenEvent()
        self.container.spawn_worker(self, (event,), {}, handle_result=_signal(finished))
        exc_info = finished.wait()
        return None if exc_info is None else exc_info[1]

    def _dead_letter(self, record: ConsumerRecord, reason: str, attempts: int) -> None:
        log.error(
            "dead-lettering %s[%s]@%s after %s attempt(s): %s",
            record.topic,
            record.partition,
            record.offset,
            attempts,
            reason,
        )
        headers = list(record.headers or []) + [
            ("dlq_reason", reason.encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
            ("dlq_consumer_group", self.group_id.encode()),
            ("dlq_attempts", str(attempts).encode()),
        ]
        self.producer.send(DEADLETTER, record.key, record.value, headers).get(timeout=15)
        self.metrics.consumed.labels(self.topic, "dead_lettered").inc()


def _signal(finished: GreenEvent) -> Callable[[Any, Any, Any], tuple[Any, Any]]:
    def handle_result(worker_ctx: Any, result: Any, exc_info: Any) -> tuple[Any, Any]:
        finished.send(exc_info)
        return result, exc_info

    return handle_result


kafka_consumer = KafkaConsumerEntrypoint.decorator
