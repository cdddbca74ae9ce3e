from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.common.events import Event
from services.monitoring import handlers
from services.pb.zhongyuan.inventory.v1.events_pb2 import HostChanged
from tests.fixtures.inventory_events import system_event
from tests.unit.fakes import FakeUnitOfWork


class FakeSystems:
    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}
        self.prefetched: set[str] = set()

    def prefetch(self, keys) -> None:  # type: ignore[no-untyped-def]
        self.prefetched |= set(keys)

    def upsert(self, *, system_id: str, **state) -> None:  # type: ignore[no-untyped-def]
        current = self.rows.get(system_id)
        if current is None or current["at"] <= state["at"]:
            self.rows[system_id] = state


class FakeMonitoringUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.systems = FakeSystems()


def registered(system_id: str, org: str = "HA-WJW") -> Event:
    return system_event("HA-WJW-JKK", org, system_id=system_id, name="居民健康卡", status="registered")


def test_a_registered_system_enters_the_read_model() -> None:
    uow = FakeMonitoringUnitOfWork()

    handlers.fold_events([registered("s-1")], uow)

    assert uow.systems.rows["s-1"]["organisation_code"] == "HA-WJW"
    assert uow.commits == 1


def test_a_redelivered_event_changes_nothing() -> None:
    uow = FakeMonitoringUnitOfWork()
    event = registered("s-1")
    handlers.fold_events([event], uow)
    uow.systems.rows["s-1"]["status"] = "changed since"

    handlers.fold_events([event], uow)

    assert uow.systems.rows["s-1"]["status"] == "changed since"
    assert uow.inbox.seen == {(event.id, handlers.SYSTEMS_CONSUMER)}


def test_an_older_event_arriving_late_does_not_overwrite_a_newer_state() -> None:
    uow = FakeMonitoringUnitOfWork()
    newer = registered("s-1", org="HA-RST")
    older = Event(
        type=newer.type,
        source=newer.source,
        subject=newer.subject,
        payload=registered("s-1", org="HA-WJW").payload,
        time=datetime.now(UTC) - timedelta(hours=1),
    )

    handlers.fold_events([newer], uow)
    handlers.fold_events([older], uow)

    assert uow.systems.rows["s-1"]["organisation_code"] == "HA-RST"


def test_a_batch_is_folded_in_one_commit_and_a_duplicate_within_it_only_once() -> None:
    uow = FakeMonitoringUnitOfWork()
    first, second = registered("s-1"), registered("s-2", org="HA-RST")

    handlers.fold_events([first, second, first], uow)

    assert {row["organisation_code"] for row in uow.systems.rows.values()} == {"HA-WJW", "HA-RST"}
    assert uow.commits == 1
    assert len(uow.inbox.seen) == 2
    assert uow.systems.prefetched == {"s-1", "s-2"}


def test_an_event_whose_payload_is_not_its_types_class_is_refused_and_folds_nothing() -> None:
    uow = FakeMonitoringUnitOfWork()
    wrong = replace(registered("s-1"), payload=HostChanged(system_id="s-1"))

    with pytest.raises(TypeError, match="carries HostChanged, not SystemRegistered or SystemUpdated or SystemRetired"):
        handlers.fold_events([wrong], uow)

    assert (uow.systems.rows, uow.commits) == ({}, 0)
