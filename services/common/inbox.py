"""The inbox: which events each consumer has handled, so that a redelivered event is handled once."""

import json
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.columns import UtcDateTime, sqlite_time_text
from services.common.events import Event
from services.common.timestamps import utc_now

# PostgreSQL records a batch of deliveries in one statement that answers which were new: the batch travels as arrays,
# so the statement is the same whatever the batch's size.
_RECORD_DELIVERIES_ON_POSTGRES = sa.text(
    """INSERT INTO processed_event (event_id, consumer, ce_type, ce_subject, processed_at)
    SELECT delivery.*, :processed_at FROM unnest(
        CAST(:event_ids AS varchar[]), CAST(:consumers AS varchar[]),
        CAST(:types AS varchar[]), CAST(:subjects AS varchar[])) AS delivery
    ON CONFLICT DO NOTHING RETURNING event_id, consumer"""
).bindparams(sa.bindparam("processed_at", type_=UtcDateTime()))
# SQLite asks which were recorded, then inserts the others in one executemany, holding the write lock throughout. The
# same single statement as on PostgreSQL took half as long again there: its RETURNING rows cost more than the query.
_RECORDED_ON_SQLITE = """SELECT event_id, consumer FROM processed_event
    WHERE event_id IN (SELECT value FROM json_each(?))"""
_RECORD_ON_SQLITE = """INSERT INTO processed_event (event_id, consumer, ce_type, ce_subject, processed_at)
    VALUES (?, ?, ?, ?, ?)"""


class SqlInbox:
    """The events each consumer has handled, recorded in the transaction that handled them. A concurrent delivery of
    the same event waits for that transaction and then finds the event handled."""

    def __init__(self, session: Session):
        self._session = session
        self._now = utc_now()  # the events of one unit of work are processed together

    def first_deliveries(self, deliveries: Iterable[tuple[Event, str]]) -> list[Event]:
        """The events not handled before by their consumer, in order, now recorded as handled (an event twice in the
        batch is handled the first time)."""
        batch: dict[tuple[str, str], Event] = {}
        for event, consumer in deliveries:
            batch.setdefault((event.id, consumer), event)
        if not batch:
            return []
        if self._session.get_bind().dialect.name == "sqlite":
            recorded = self._record_on_sqlite(batch)
        else:
            recorded = self._record_on_postgres(batch)
        return [event for key, event in batch.items() if key in recorded]

    def _record_on_postgres(self, batch: dict[tuple[str, str], Event]) -> set[tuple[str, str]]:
        event_ids, consumers = map(list, zip(*batch, strict=True))
        parameters = {
            "event_ids": event_ids,
            "consumers": consumers,
            "types": [event.type for event in batch.values()],
            "subjects": [event.subject for event in batch.values()],
            "processed_at": self._now,
        }
        result = self._session.execute(_RECORD_DELIVERIES_ON_POSTGRES, parameters)
        # plain tuples: a set of result rows compares through SQLAlchemy's Row, several times slower per lookup
        return {(event_id, consumer) for event_id, consumer in result}

    def _record_on_sqlite(self, batch: dict[tuple[str, str], Event]) -> set[tuple[str, str]]:
        connection = self._session.connection()
        if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            # Take the write lock before asking: no other writer can record one of these between the two statements.
            # (In a transaction that has only read, a writer that commits in between makes the INSERT fail as busy.)
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        event_ids = json.dumps([event_id for event_id, _ in batch])
        known = set(connection.exec_driver_sql(_RECORDED_ON_SQLITE, (event_ids,)).cursor.fetchall())
        now = sqlite_time_text(self._now)
        new = [key for key in batch if key not in known]
        rows = [(*key, batch[key].type, batch[key].subject, now) for key in new]
        if rows:
            connection.exec_driver_sql(_RECORD_ON_SQLITE, rows)  # type: ignore[arg-type]
        return set(new)

    def first_delivery(self, event: Event, *, consumer: str) -> bool:
        return bool(self.first_deliveries([(event, consumer)]))
