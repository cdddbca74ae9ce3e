"""Server-streaming helpers: turn a polled read into a stream of its changes."""

from collections.abc import Callable, Iterator
from typing import TypeVar

import eventlet

from services.common.runtime.grpc_calls import CallContext

T = TypeVar("T")
_NOTHING_SENT = object()


def changes(
    read: Callable[[], T],
    context: CallContext,
    poll_seconds: float,
    until: Callable[[T], bool] = lambda _: False,
) -> Iterator[T]:
    """Yield read() at once, then again each time its value differs from the last one sent, polling every
    poll_seconds while the client is connected; stop after reading a value for which until(value) is true."""
    last: object = _NOTHING_SENT
    while context.is_active():
        value = read()
        if value != last:
            yield value
            last = value
        if until(value):
            return
        eventlet.sleep(poll_seconds)
