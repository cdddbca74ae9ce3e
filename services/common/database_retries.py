"""Work that runs into an unreachable database: told apart from the work's own faults, tried again or skipped."""

import logging
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

log = logging.getLogger(__name__)
T = TypeVar("T")

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
