"""Telling a database that is away (restarting, failing over) from work that is wrong, and waiting for it."""

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.common.database_retries import (
    database_unreachable,
    retry_while_database_unreachable,
    unless_database_unreachable,
)


def went_away() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def duplicate() -> sa.exc.IntegrityError:
    return sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key value violates unique constraint"))


class ServerError(Exception):
    """What PostgreSQL's drivers raise for an error the server answered: its SQLSTATE in `pgcode`."""

    def __init__(self, pgcode: str):
        super().__init__(f"SQLSTATE {pgcode}")
        self.pgcode = pgcode


def operational(driver_error: Exception) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT 1", {}, driver_error)


def sqlite_error(work: str, database: Path, hold_lock: bool = False) -> sa.exc.OperationalError:
    engine = sa.create_engine(f"sqlite:///{database}", connect_args={"timeout": 0})
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("CREATE TABLE IF NOT EXISTS t (x)")
    if hold_lock:
        holder.execute("BEGIN IMMEDIATE")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(work)
    except sa.exc.OperationalError as error:
        return error
    finally:
        holder.close()
        engine.dispose()
    raise AssertionError(f"{work} did not fail")


def fails_with(error: Exception, times: int, attempts: list[int]):  # type: ignore[no-untyped-def]
    def work() -> str:
        attempts.append(1)
        if len(attempts) <= times:
            raise error
        return "done"

    return work


def test_an_unreachable_database_is_told_apart_from_a_statement_that_is_wrong() -> None:
    assert database_unreachable(went_away())
    assert not database_unreachable(duplicate())
    assert not database_unreachable(ValueError("organisation HA-NOPE does not exist"))


@pytest.mark.parametrize("sqlstate", ["08006", "08001", "57P01", "57P03", "53300", "53100", "40P01", "40001", "55P03"])
def test_a_server_gone_shutting_down_or_out_of_room_or_a_lost_deadlock_passes(sqlstate: str) -> None:
    assert database_unreachable(operational(ServerError(sqlstate)))


@pytest.mark.parametrize("sqlstate", ["57014", "54000", "42703", "22001"])
def test_a_statement_timeout_or_a_statement_too_big_is_the_work_s_fault(sqlstate: str) -> None:
    assert not database_unreachable(operational(ServerError(sqlstate)))


def test_a_locked_sqlite_file_is_unreachable_but_a_missing_column_is_the_work_s_fault(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite"

    assert database_unreachable(sqlite_error("INSERT INTO t VALUES (1)", database, hold_lock=True))
    assert not database_unreachable(sqlite_error("SELECT nosuch FROM t", database))
    assert not database_unreachable(operational(sqlite3.OperationalError("raised by the module, without a code")))


def test_a_unit_of_work_runs_again_until_the_database_answers() -> None:
    attempts: list[int] = []

    assert retry_while_database_unreachable(fails_with(went_away(), 2, attempts), "testing") == "done"
    assert len(attempts) == 3


def test_any_other_error_propagates_at_once_and_an_outage_after_the_deadline() -> None:
    attempts: list[int] = []
    with pytest.raises(sa.exc.IntegrityError):
        retry_while_database_unreachable(fails_with(duplicate(), 5, attempts), "testing")
    assert len(attempts) == 1
    with pytest.raises(sa.exc.OperationalError):
        retry_while_database_unreachable(fails_with(went_away(), 5, []), "testing", give_up_after=0)


def test_work_that_may_be_skipped_gives_the_fallback_while_the_database_is_away() -> None:
    assert unless_database_unreachable(fails_with(went_away(), 1, []), "testing", "skipped") == "skipped"
    assert unless_database_unreachable(fails_with(went_away(), 0, []), "testing", "skipped") == "done"
    with pytest.raises(sa.exc.IntegrityError):
        unless_database_unreachable(fails_with(duplicate(), 1, []), "testing", "skipped")
