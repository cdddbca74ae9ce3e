"""Forgetting old deliveries: outbox rows long published, and (when asked) the record of events long handled."""

from datetime import datetime

import sqlalchemy as sa

from services.common.columns import UtcDateTime

# Deletes a batch of a kernel table's rows older than a moment. Rows are written in time order, so the oldest tend to
# sit at the start of the table, where the scan finds a batch soon.
_FORGET_SQL = {
    "sqlite": "DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {column} < :before LIMIT :batch)",
    "postgresql": "DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} WHERE {column} < :before LIMIT :batch)",
}


def forget_published_events(engine: sa.Engine, before: datetime, batch: int = 5000) -> int:
    """Delete the outbox rows published before `before` (rows not published yet stay, however old); how many went."""
    return _forget(engine, "outbox", "published_at", before, batch)


def forget_handled_events(engine: sa.Engine, before: datetime, batch: int = 5000) -> int:
    """Delete the record of events handled before `before`; how many went. Such an event delivered again would be
    handled again: only for events no consumer group can read again (see KEEP_HANDLED_DAYS in the README)."""
    return _forget(engine, "processed_event", "processed_at", before, batch)


def _forget(engine: sa.Engine, table: str, column: str, before: datetime, batch: int) -> int:
    """A batch a transaction: a writer waits for one batch at most."""
    statement = sa.text(_FORGET_SQL[engine.dialect.name].format(table=table, column=column))
    statement = statement.bindparams(sa.bindparam("before", type_=UtcDateTime()))
    gone = 0
    while True:
        with engine.begin() as connection:
            deleted = connection.execute(statement, {"before": before, "batch": batch}).rowcount
        gone += deleted
        if deleted < batch:
            return gone
