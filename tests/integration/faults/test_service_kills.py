"""kill -9 each service in turn in the middle of a wave: after each restart the wave goes on, and in the end every
step of every system completed exactly once and monitoring counted each step once."""

from tests.integration.faults.wave import (
    assert_each_step_completed_exactly_once,
    assert_every_event_published_and_folded_once,
)

# Each service dies once the wave has begun this many step attempts (journal lines on the target hosts).
KILLS = (("inventory", 2), ("migration", 6), ("interconnect", 10), ("monitoring", 14))


def test_a_wave_survives_kill_9_of_each_service_in_turn(wave_under_fire) -> None:  # type: ignore[no-untyped-def]
    wave = wave_under_fire()

    for name, progress in KILLS:
        wave.wait_steps_started(progress)
        assert wave.running(), f"the wave was over before {name} was killed: the test proves nothing"
        wave.stack.services[name].kill()
        wave.stack.start_service(name).wait_healthy()

    finished = wave.wait_finished()
    assert_each_step_completed_exactly_once(wave, finished)
    assert_every_event_published_and_folded_once(wave)
