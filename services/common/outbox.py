"""The transactional outbox: events written in the transaction of the change they announce, for the relay to send."""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.events import Event
from services.common.kernel_tables import OutboxRecord

OUTBOX_WRITTEN = "outbox_written"  # the session.info entry set when its transaction publishes events


def took_outbox_events(session: Session) -> bool:
    """Whether the transaction just committed published events (asked once per commit: it forgets the answer)."""
    return bool(session.info.pop(OUTBOX_WRITTEN, False))


class SqlOutbox:
    """Events to publish, written to the outbox table as their transaction commits, after its other writes.

    The relay publishes by outbox id. On PostgreSQL an id is drawn when its row is inserted, not when it commits: two
    transactions changing one aggregate (a run cancelled while its step ends) would take ids in the order they
    inserted events, and could commit the other way round. Inserted last, an event draws its id once its transaction
    holds the aggregate's row lock, so one key's events are numbered in commit order."""

    def __init__(self, session: Session):
        self._session = session
        self._waiting: list[OutboxRecord] = []

    def publish(self, event: Event, *, topic: str, key: str) -> None:
        self._session.info[OUTBOX_WRITTEN] = True
        if not self._waiting:
            sa.event.listen(self._session, "before_commit", self._write_waiting, once=True)
        self._waiting.append(
            OutboxRecord(
                event_id=event.id,
                topic=topic,
                key=key,
                ce_type=event.type,
                ce_source=event.source,
                ce_subject=event.subject,
                ce_time=event.time,
                payload=event.payload.SerializeToString(),
            )
        )

    def forget(self) -> None:
        """Drop the events of a transaction rolled back."""
        self._waiting = []

    def _write_waiting(self, session: Session) -> None:
        session.flush()
        session.add_all(self._waiting)
        self._waiting = []
