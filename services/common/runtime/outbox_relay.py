"""Publishes committed outbox rows to Kafka, oldest first, and marks them sent: `relay = OutboxRelay()` on the service
class, beside the `uow = Database(...)` whose outbox it publishes.

Woken right after a unit of work's commit that wrote outbox rows, and every POLL_SECONDS anyway. With the broker down
the rows wait and the relay retries; a crash between sending and marking re-sends, which consumers absorb by deduping on
the event id. A producer that failed for good (kafka-python's fatal errors: an InitProducerId answered with UnknownError
after a broker stall left it refusing every send) is replaced by a new one, and so is one that failed
REPLACE_PRODUCER_AFTER times in a row: retrying a dead producer would keep every later event in the outbox.
"""

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import eventlet
import sqlalchemy as sa
from eventlet.event import Event as GreenEvent
from kafka.errors import KafkaError
from nameko.extensions import DependencyProvider
from sqlalchemy.orm import Session

from services.common.events import cloudevent_headers
from services.common.kernel_tables import OutboxRecord
from services.common.outbox import took_outbox_events
from services.common.runtime.database import DatabaseEngine
from services.common.runtime.kafka import KafkaProducerProvider
from services.common.runtime.metrics import MetricsRegistry
from services.common.sql_unit_of_work import session_factory

log = logging.getLogger(__name__)

BATCH = 500
POLL_SECONDS = 1.0
SEND_TIMEOUT_SECONDS = 15
MAX_BACKOFF_SECONDS = 10.0
REPLACE_PRODUCER_AFTER = 3  # failed attempts in a row


class OutboxRelay(DependencyProvider):
    """Relays the outbox of the container's database (its DatabaseEngine) on a green thread of its own. Workers get
    nothing from it: `self.relay` is None in a method."""

    database = DatabaseEngine()
    producer = KafkaProducerProvider()
    metrics = MetricsRegistry()

    _session_factory: Callable[[], Session] | None = None

    def setup(self) -> None:
        self._wakeup = GreenEvent()
        self._running = False

    def start(self) -> None:
        # Sessions of its own: its commits must not wake itself.
        self._session_factory = session_factory(self.database.engine)
        # Every unit of work commits in a session of the database's factory: the one that wrote outbox rows wakes us.
        # Rows committed before this line are found by the first batch, which runs after it.
        sa.event.listen(self.database.session_factory, "after_commit", self._wake_if_published)
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._relay_forever)

    def _wake_if_published(self, session: Session) -> None:
        # Most commits publish nothing (a monitoring fold, an orchestrator poll): those need not wake the relay.
        if took_outbox_events(session):
            self.wake()

    def wake(self) -> None:
        if not self._wakeup.ready():
            self._wakeup.send()

    def stop(self) -> None:
        if self._running:
            self._running = False
            sa.event.remove(self.database.session_factory, "after_commit", self._wake_if_published)
            self.wake()
            self._thread.wait()

    def get_dependency(self, worker_ctx: Any) -> None:
        return None

    def _relay_forever(self) -> None:
        failures = 0
        while self._running:
            try:
                published = self.relay_batch()
                failures = 0
            except Exception as error:
                failures += 1
                log.warning("outbox relay cannot publish yet (attempt %s): %s", failures, error)
                if producer_spent(error, failures):
                    self._replace_producer(error)
                self._sleep(min(0.5 * 2**failures, MAX_BACKOFF_SECONDS))
                continue
            if published < BATCH:
                self._sleep(POLL_SECONDS)

    def _replace_producer(self, error: Exception) -> None:
        log.warning("outbox relay replaces its Kafka producer after: %s", error)
        self.producer.replace_producer()
        self.metrics.outbox_producers_replaced.inc()

    def _sleep(self, seconds: float) -> None:
        with eventlet.Timeout(seconds, False):
            self._wakeup.wait()
        self._wakeup = GreenEvent()

    def relay_batch(self) -> int:
        """Publish up to BATCH waiting rows; the number published."""
        assert self._session_factory is not None
        with self._session_factory() as session:
            rows = session.scalars(
                sa.select(OutboxRecord)
                .where(OutboxRecord.published_at.is_(None))
                .order_by(OutboxRecord.id)
                .limit(BATCH)
                # Not skip_locked: a replica that skipped another's batch would publish newer events of the same
                # keys first. Waiting, it finds that batch published and goes on with the rows after it.
                .with_for_update()
            ).all()
            self._publish(rows)
            now = datetime.now(UTC)
            for row in rows:
                row.published_at = now
            session.commit()
            self.metrics.outbox_waiting.set(self._count_waiting(session))
        return len(rows)

    def _publish(self, rows: Sequence[OutboxRecord]) -> None:
        futures = [
            (row.topic, self.producer.send(row.topic, row.key.encode(), row.payload, _headers(row))) for row in rows
        ]
        for topic, future in futures:
            future.get(timeout=SEND_TIMEOUT_SECONDS)
            self.metrics.published.labels(topic).inc()

    @staticmethod
    def _count_waiting(session: Session) -> int:
        query = sa.select(sa.func.count()).select_from(OutboxRecord).where(OutboxRecord.published_at.is_(None))
        return session.scalar(query) or 0


def producer_spent(error: Exception, failures: int) -> bool:
    """Whether the producer that raised `error` on the `failures`-th failed attempt in a row is to be replaced."""
    if not isinstance(error, KafkaError):
        return False  # the database, not the producer
    return not error.retriable or failures % REPLACE_PRODUCER_AFTER == 0


def _headers(row: OutboxRecord) -> list[tuple[str, bytes]]:
    return cloudevent_headers(row.event_id, row.ce_type, row.ce_source, row.ce_time, row.ce_subject)
