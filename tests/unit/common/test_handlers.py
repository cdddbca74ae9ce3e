"""Noting events in a consumer's inbox: one transaction per batch, each event once per consumer."""

import uuid

from services.common.events import SYSTEM_REGISTERED, Event, new_event
from services.common.handlers import note_events
from services.pb.zhongyuan.inventory.v1 import events_pb2, inventory_pb2
from tests.unit.fakes import FakeUnitOfWork


def registered() -> Event:
    system = inventory_pb2.System(id=str(uuid.uuid4()), code="HA-WJW-JKK", organisation_code="HA-WJW")
    return new_event(SYSTEM_REGISTERED, "/zhongyuan/inventory", system.id, events_pb2.SystemRegistered(system=system))


def test_a_batch_is_noted_in_one_transaction_and_a_redelivery_counts_once() -> None:
    uow = FakeUnitOfWork()
    first, second = registered(), registered()

    assert note_events([first, second, first], uow, consumer="migration.inventory") == 2
    assert note_events([second], uow, consumer="migration.inventory") == 0
    assert note_events([second], uow, consumer="another.consumer") == 1
    assert uow.commits == 3
