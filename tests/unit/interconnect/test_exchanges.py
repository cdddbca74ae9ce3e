"""Shared resources: an exchange older than twice its schedule is overdue, and is announced once per lateness."""

from datetime import timedelta

from services.interconnect.domain.model import Direction, ExchangeRun, SharedResource
from tests.unit.interconnect.conftest import NOON

HOUR = 3600


def resource(**changes) -> SharedResource:  # type: ignore[no-untyped-def]
    fields = dict(
        code="HA-ZZ-RK",
        name="郑州市人口基础信息",
        platform_code="HA-ZZ",
        direction=Direction.TO_PROVINCE,
        schedule_seconds=HOUR,
        registered_at=NOON,
    )
    return SharedResource(**{**fields, **changes})


def run_at(moment, rows: int = 10) -> ExchangeRun:  # type: ignore[no-untyped-def]
    return ExchangeRun("HA-ZZ-RK", moment, rows, "sha256:ab", recorded_at=moment)


def test_an_exchange_is_overdue_only_after_twice_its_schedule() -> None:
    shared = resource(last_exchange_at=NOON)

    assert not shared.overdue(NOON + timedelta(hours=2))
    assert shared.overdue(NOON + timedelta(hours=2, seconds=1))


def test_a_resource_never_exchanged_counts_from_its_registration() -> None:
    shared = resource()

    assert shared.due_by == NOON + timedelta(hours=2)
    assert shared.overdue(NOON + timedelta(hours=3))


def test_an_overdue_resource_is_announced_once_until_the_next_run() -> None:
    shared = resource()
    late = NOON + timedelta(hours=3)
    assert shared.needs_overdue_announcement(late)

    shared.overdue_announced = True
    assert not shared.needs_overdue_announcement(late)

    shared.record(run_at(late))
    assert not shared.overdue(late) and not shared.overdue_announced
    assert shared.needs_overdue_announcement(late + timedelta(hours=3))


def test_a_new_schedule_that_ends_the_lateness_lets_the_next_lateness_be_announced() -> None:
    shared = resource(last_exchange_at=NOON)
    shared.overdue_announced = True  # announced at NOON + 3 h, on the hourly schedule

    shared.change({"schedule_seconds": 24 * HOUR}, NOON + timedelta(hours=3))
    assert not shared.overdue_announced
    assert shared.needs_overdue_announcement(NOON + timedelta(days=3))


def test_a_change_that_leaves_the_resource_late_keeps_its_announcement() -> None:
    shared = resource(last_exchange_at=NOON)
    shared.overdue_announced = True

    shared.change({"name": "郑州市人口信息"}, NOON + timedelta(hours=3))
    assert shared.overdue_announced
    assert not shared.needs_overdue_announcement(NOON + timedelta(hours=4))


def test_a_run_arriving_late_does_not_move_the_last_exchange_back() -> None:
    shared = resource()
    shared.record(run_at(NOON + timedelta(hours=5), rows=50))

    shared.record(run_at(NOON + timedelta(hours=4), rows=40))

    assert (shared.last_exchange_at, shared.last_rows) == (NOON + timedelta(hours=5), 50)
