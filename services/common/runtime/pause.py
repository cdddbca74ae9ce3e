"""A green thread's pause between rounds of polling that another green thread can cut short."""

import eventlet
from eventlet.event import Event as GreenEvent


class WakeablePause:
    """`pause(seconds)` returns after `seconds`, or as soon as `wake()` is called; a wake that comes while nobody
    pauses ends the next pause at once, so no wake is lost between two rounds."""

    def __init__(self) -> None:
        self._woken = GreenEvent()

    def wake(self) -> None:
        if not self._woken.ready():
            self._woken.send()

    def pause(self, seconds: float) -> None:
        with eventlet.Timeout(seconds, False):
            self._woken.wait()
        self._woken = GreenEvent()
