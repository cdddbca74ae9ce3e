"""SQLAlchemy plumbing shared by every service: engines, the kernel tables, Alembic upgrades, the SQL unit of work."""

import enum
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from services.common.events import Event
from services.common.rows import write_behind
from services.common.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS = Path(__file__).parent / "migrations"
KERNEL_VERSIONS = MIGRATIONS / "kernel"
AUTH_VERSIONS = MIGRATIONS / "auth"
# A fold writes a batch's rows as one executemany (services.common.rows); psycopg2 would send them one by one.
PSYCOPG2_BATCHES = {"executemany_mode": "values_plus_batch", "executemany_batch_page_size": 1000}
# SQLSTATEs that pass by themselves: connection exceptions, insufficient resources, a server shutting down or starting
# up (57P01-57P05; 57014, a statement timeout, is the statement's), and a transaction that lost a deadlock or a
# serialization conflict or could not have a lock (class 40, 55P03): the same work succeeds when tried again.
POSTGRES_UNREACHABLE = ("08", "53", "57P", "40", "55P03")
# SQLite's primary result codes for a database file busy, locked, unreadable or full.
SQLITE_UNREACHABLE = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
}
OUTBOX_WRITTEN = "outbox_written"  # the session.info entry set when its transaction publishes events


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Every stored time: aware UTC datetimes in and out (SQLite would hand back naive ones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def bind_processor(self, dialect: sa.Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _sqlite_text

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ClippedString(sa.TypeDecorator[str]):
    """A String(length) column that keeps the first `length` characters of what is written: for free text a read
    model shows (a failure's reason, a step's message, a name) that an event may carry in full. PostgreSQL would
    refuse the longer text and the whole fold with it; SQLite would keep it all."""

    impl = sa.String
    cache_ok = True

    def __init__(self, length: int):
        super().__init__(length)
        self.length = length

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else value[: self.length]


def _sqlite_text(value: Any) -> str | None:
    """The text SQLAlchemy's SQLite DATETIME stores ("2016-06-30 08:00:00.000000"), of the time in UTC, made a few
    times faster: every folded event writes one or two. A naive time is taken to be UTC already."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"a stored time must be a datetime, not {type(value).__name__}")
    if value.tzinfo not in (None, UTC):  # stored as UTC: the offset is not kept
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


class KernelBase(DeclarativeBase):
    """Tables every service database has: the outbox and the inbox of processed events."""


class OutboxRecord(KernelBase):
    __tablename__ = "outbox"

    id: sa.orm.Mapped[int] = sa.orm.mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    event_id: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(36), unique=True)
    topic: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    key: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    ce_type: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    ce_source: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    ce_subject: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    ce_time: sa.orm.Mapped[datetime] = sa.orm.mapped_column(UtcDateTime())
    payload: sa.orm.Mapped[bytes] = sa.orm.mapped_column(sa.LargeBinary)
    published_at: sa.orm.Mapped[datetime | None] = sa.orm.mapped_column(UtcDateTime(), index=True)


class ProcessedEvent(KernelBase):
    __tablename__ = "processed_event"

    event_id: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(36), primary_key=True)
    consumer: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200), primary_key=True)
    ce_type: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    ce_subject: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(200))
    processed_at: sa.orm.Mapped[datetime] = sa.orm.mapped_column(UtcDateTime(), default=utcnow)


def enum_column(enum_class: type[enum.Enum]) -> sa.Enum:
    """An enum stored as its value in a plain string column (no database enum types to migrate)."""
    return sa.Enum(
        enum_class, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e], validate_strings=True
    )


def create_engine(url: str) -> sa.Engine:
    """An engine for `url`; SQLite files get their folder created and a busy timeout for concurrent writers; with
    psycopg2, an executemany goes to the server a thousand statements at a time, not one by one."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_write_ahead_log)
        return engine
    if sa.engine.make_url(url).get_driver_name() == "psycopg2":
        return sa.create_engine(url, pool_pre_ping=True, **PSYCOPG2_BATCHES)
    return sa.create_engine(url, pool_pre_ping=True)


def database_unreachable(error: BaseException) -> bool:
    """The database could not be reached (restarting, failing over, out of room, a SQLite file locked too long) or
    made the transaction give way to another (a deadlock): this passes, and is no fault of the work that ran into it.
    Other operational errors (a statement timed out, a value too big for an index, a missing column) are the work's:
    retrying them would hold it up for ever."""
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    if not isinstance(error, sa.exc.OperationalError):
        return False
    driver_error = error.orig
    if isinstance(driver_error, sqlite3.Error):
        code = getattr(driver_error, "sqlite_errorcode", None)  # errors the module raises itself carry none
        return code is not None and code & 0xFF in SQLITE_UNREACHABLE
    sqlstate = getattr(driver_error, "pgcode", None) or getattr(driver_error, "sqlstate", None)
    # Without a SQLSTATE the server never answered: refused, reset or closed connections.
    return sqlstate is None or sqlstate.startswith(POSTGRES_UNREACHABLE)


def retry_while_database_unreachable(work: Callable[[], T], what: str, give_up_after: float = 60.0) -> T:
    """Run `work` (a whole unit of work) again while the database is unreachable, for up to `give_up_after` seconds;
    any other error, or the last one, propagates."""
    deadline = time.monotonic() + give_up_after
    pause = 0.25
    while True:
        try:
            return work()
        except sa.exc.DBAPIError as error:
            if not database_unreachable(error) or time.monotonic() + pause > deadline:
                raise
            log.warning("database unreachable while %s; trying again in %.2f s: %s", what, pause, error)
        time.sleep(pause)
        pause = min(pause * 2, 5.0)


def unless_database_unreachable(work: Callable[[], T], what: str, otherwise: T) -> T:
    """`work()`, or `otherwise` when the database cannot be reached just now: for work that may be skipped."""
    try:
        return work()
    except sa.exc.DBAPIError as error:
        if not database_unreachable(error):
            raise
        log.warning("database unreachable, skipped %s: %s", what, error)
        return otherwise


def _sqlite_write_ahead_log(connection: Any, _record: Any) -> None:
    # WAL lets readers (scrapes, tools) run beside the writer; NORMAL sync keeps commits durable across a process
    # crash (kill -9) while sparing an fsync per transaction.
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")


def upgrade(engine: sa.Engine, *version_dirs: Path) -> None:
    """Bring the database to the newest revision of every given Alembic version folder."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("version_locations", " ".join(str(d) for d in version_dirs))
    config.set_main_option("path_separator", "space")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


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


class SqlInbox:
    """The events each consumer has handled, recorded in the transaction that handled them. A concurrent delivery of
    the same event waits for that transaction and then finds the event handled."""

    def __init__(self, session: Session):
        self._session = session
        self._now = utcnow()  # the events of one unit of work are processed together

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
        now = _sqlite_text(self._now)
        new = [key for key in batch if key not in known]
        rows = [(*key, batch[key].type, batch[key].subject, now) for key in new]
        if rows:
            connection.exec_driver_sql(_RECORD_ON_SQLITE, rows)  # type: ignore[arg-type]
        return set(new)

    def first_delivery(self, event: Event, *, consumer: str) -> bool:
        return bool(self.first_deliveries([(event, consumer)]))


class SqlUnitOfWork(UnitOfWork):
    """A session per `with` block; subclasses add their repositories in `bind`."""

    outbox: SqlOutbox

    def __init__(self, session_factory: Callable[[], Session]):
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.outbox = SqlOutbox(self.session)
        self.inbox = SqlInbox(self.session)
        self.bind(self.session)
        return super().__enter__()

    def __exit__(self, *exc_info: object) -> None:
        # close() ends any open transaction without expiring the objects a use case hands back.
        self.session.close()

    def bind(self, session: Session) -> None:
        """Attach the service's repositories to `session`."""

    def read_snapshot(self) -> None:
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        else:  # SQLite (WAL) keeps a transaction's snapshot from its first read; pysqlite opens none for a SELECT
            self.session.connection().exec_driver_sql("BEGIN")

    def commit(self) -> None:
        write_behind(self.session)
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
        self.outbox.forget()


def session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
