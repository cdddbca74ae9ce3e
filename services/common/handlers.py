"""Use cases every service shares."""

from services.common.events import Event
from services.common.unit_of_work import UnitOfWork


def note_event(event: Event, uow: UnitOfWork, *, consumer: str) -> bool:
    """Record that `consumer` has seen `event` (its inbox); False for a redelivery."""
    with uow:
        first = uow.inbox.first_delivery(event, consumer=consumer)
        uow.commit()
    return first
