"""WakeablePause: a polling green thread's pause, cut short by a wake from another green thread."""

import eventlet
import pytest

from services.common.runtime.pause import WakeablePause

NEVER = 3600.0


def test_a_wake_from_another_green_thread_ends_a_pause() -> None:
    pause = WakeablePause()
    eventlet.spawn_after(0.01, pause.wake)

    with eventlet.Timeout(10):
        pause.pause(NEVER)


def test_a_wake_while_nobody_pauses_ends_the_next_pause_at_once_and_only_that_one() -> None:
    pause = WakeablePause()
    pause.wake()
    pause.wake()

    with eventlet.Timeout(10):
        pause.pause(NEVER)
    with pytest.raises(eventlet.Timeout), eventlet.Timeout(0.05):
        pause.pause(NEVER)


def test_without_a_wake_a_pause_lasts_its_time() -> None:
    pause = WakeablePause()

    with eventlet.Timeout(10):
        pause.pause(0.01)
