"""Engines for a DATABASE_URL, tuned per database: SQLite files for concurrent writers, psycopg2 for batches."""

from pathlib import Path
from typing import Any

import sqlalchemy as sa

# A fold writes a batch's rows as one executemany (services.common.rows); psycopg2 would send them one by one.
PSYCOPG2_BATCHES = {"executemany_mode": "values_plus_batch", "executemany_batch_page_size": 1000}


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


def _sqlite_write_ahead_log(connection: Any, _record: Any) -> None:
    # WAL lets readers (scrapes, tools) run beside the writer; NORMAL sync keeps commits durable across a process
    # crash (kill -9) while sparing an fsync per transaction.
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
