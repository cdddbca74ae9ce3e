"""Noting events in a consumer's inbox: one transaction per batch, each event once per consumer."""

from services.common.handlers import note_events
from tests.fixtures.inventory_events import system_event
from tests.unit.fakes import FakeUnitOfWork


def test_a_batch_is_noted_in_one_transaction_and_a_redelivery_counts_once() -> None:
    uow = FakeUnitOfWork()
    first, second = system_event("HA-WJW-JKK", "HA-WJW"), system_event("HA-WJW-JKK", "HA-WJW")

    assert note_events([first, second, first], uow, consumer="migration.inventory") == 2
    assert note_events([second], uow, consumer="migration.inventory") == 0
    assert note_events([second], uow, consumer="another.consumer") == 1
    assert uow.commits == 3
