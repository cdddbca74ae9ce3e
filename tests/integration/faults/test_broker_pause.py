"""The broker frozen (SIGSTOP) for 30 s in the middle of a wave, then thawed (SIGCONT): the wave goes on, no event is
lost — every event the orchestrator committed ends up in monitoring's read model — and none is counted twice.

Paused, not restarted: Tansu's memory storage forgets every topic and offset when it restarts (docs/architecture.md)."""

import time

import eventlet
import sqlalchemy as sa

from services.common.engines import create_engine
from tests.fixtures.services import eventually
from tests.integration.faults.wave import (
    SYSTEMS,
    assert_each_step_completed_exactly_once,
    assert_every_event_published_and_folded_once,
    database_url,
)

PAUSE_SECONDS = 30


def events_waiting(migration_database_url: str) -> int:
    """Events committed to the migration service's outbox and not yet published."""
    with create_engine(migration_database_url).connect() as connection:
        return connection.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")) or 0


def test_a_wave_loses_and_duplicates_no_event_while_the_broker_is_frozen_for_30_seconds(wave_under_fire) -> None:  # type: ignore[no-untyped-def]
    wave = wave_under_fire(SYSTEMS[:2])
    wave.wait_steps_started(3)
    assert wave.running(), "the wave was over before the broker froze: the test proves nothing"

    wave.stack.broker.pause()
    try:
        frozen_at = time.monotonic()
        outbox = database_url(wave.stack, "migration")
        eventually(lambda: events_waiting(outbox) > 0, "the wave to go on and its events to wait in the outbox")
        eventlet.sleep(max(0.0, PAUSE_SECONDS - (time.monotonic() - frozen_at)))  # the length of the outage itself
    finally:
        wave.stack.broker.resume()

    finished = wave.wait_finished()
    assert_each_step_completed_exactly_once(wave, finished)
    assert_every_event_published_and_folded_once(wave)
