"""The ports a use case talks to: a unit of work holding repositories, the outbox and the inbox.

Handlers receive a UnitOfWork and never touch a session: unit tests pass fakes of these ports.
"""

import abc
from collections.abc import Iterable
from typing import Protocol, Self

from services.common.events import Event


class Outbox(Protocol):
    def publish(self, event: Event, *, topic: str, key: str) -> None:
        """Emit `event` when, and only when, the unit of work commits."""


class Inbox(Protocol):
    def first_deliveries(self, deliveries: Iterable[tuple[Event, str]]) -> list[Event]:
        """Record that each consumer handled its event; the events their consumer had not handled before, in the
        order given, each once."""

    def first_delivery(self, event: Event, *, consumer: str) -> bool:
        """Record that `consumer` handled `event`; False when it already had (a redelivery)."""


class UnitOfWork(abc.ABC):
    outbox: Outbox
    inbox: Inbox

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.rollback()

    @abc.abstractmethod
    def read_snapshot(self) -> None:
        """Make the reads that follow, up to the end of the unit of work, see one state of the data. Without it each
        query sees what was committed before it began: a page built from two queries could count a system in its
        summary that its list does not show yet. Call before the first read; for reading only."""

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...
