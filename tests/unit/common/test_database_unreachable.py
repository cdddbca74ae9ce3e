"""Telling a database that is away (restarting, failing over) from work that is wrong, and waiting for it."""

import pytest
import sqlalchemy as sa

from services.common.db import database_unreachable, retry_while_database_unreachable, unless_database_unreachable


def went_away() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def duplicate() -> sa.exc.IntegrityError:
    return sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key value violates unique constraint"))


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
