"""Use cases every service shares."""

from services.common.events import Event
from services.common.unit_of_work import UnitOfWork


def note_events(events: list[Event], uow: UnitOfWork, *, consumer: str) -> int:
    """Record in one transaction that `consumer` has seen `events` (its inbox); how many it had not seen before."""
    with uow:
        uow.inbox.load((event, consumer) for event in events)
        first = sum(uow.inbox.first_delivery(event, consumer=consumer) for event in events)
        uow.commit()
    return first
