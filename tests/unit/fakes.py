"""Fakes of the ports use cases talk to (unit tests only)."""

from collections.abc import Iterable

from services.common.events import Event
from services.common.unit_of_work import UnitOfWork


class FakeClock:
    """A monotonic clock that moves only when a test moves it (`clock.now += seconds`)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class FakeOutbox:
    def __init__(self) -> None:
        self.pending: list[tuple[Event, str, str]] = []
        self.published: list[tuple[Event, str, str]] = []

    def publish(self, event: Event, *, topic: str, key: str) -> None:
        self.pending.append((event, topic, key))


class FakeInbox:
    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()

    def first_deliveries(self, deliveries: Iterable[tuple[Event, str]]) -> list[Event]:
        return [event for event, consumer in deliveries if self.first_delivery(event, consumer=consumer)]

    def first_delivery(self, event: Event, *, consumer: str) -> bool:
        if (event.id, consumer) in self.seen:
            return False
        self.seen.add((event.id, consumer))
        return True


class FakeUnitOfWork(UnitOfWork):
    """Keeps what a use case committed; drops what it did not."""

    def __init__(self) -> None:
        self.outbox = FakeOutbox()
        self.inbox = FakeInbox()
        self.commits = 0

    def commit(self) -> None:
        self.commits += 1
        self.outbox.published += self.outbox.pending
        self.outbox.pending = []

    def rollback(self) -> None:
        self.outbox.pending = []

    def read_snapshot(self) -> None:
        """In memory, with one test thread, every read sees one state."""
