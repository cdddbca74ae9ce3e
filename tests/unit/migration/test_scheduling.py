from datetime import UTC, datetime

from services.migration.domain.model import MigrationRun, RunState, Wave, WaveSystem
from services.migration.domain.scheduling import runs_that_can_never_start, runs_to_start, wave_finished

NOW = datetime(2016, 6, 30, tzinfo=UTC)
WAVE = Wave(name="第一批", concurrency=2, window_start=NOW, window_end=NOW, created_at=NOW, id="w")
LAYERS = {"A": 0, "B": 0, "C": 0, "D": 1}
MEMBERS = [WaveSystem("w", code, layer) for code, layer in LAYERS.items()]


def runs(**states: RunState) -> list[MigrationRun]:
    return [
        MigrationRun(
            system_id=code,
            system_code=code,
            organisation_code="HA",
            created_at=NOW,
            updated_at=NOW,
            wave_id="w",
            state=states.get(code, RunState.PENDING),
        )
        for code in LAYERS
    ]


def codes(chosen: list[MigrationRun]) -> list[str]:
    return [r.system_code for r in chosen]


def test_the_first_layer_starts_up_to_the_cap() -> None:
    assert codes(runs_to_start(WAVE, MEMBERS, runs())) == ["A", "B"]


def test_running_systems_use_up_the_cap() -> None:
    assert codes(runs_to_start(WAVE, MEMBERS, runs(A=RunState.SYNC))) == ["B"]
    assert runs_to_start(WAVE, MEMBERS, runs(A=RunState.SYNC, B=RunState.AWAITING_APPROVAL)) == []


def test_a_later_layer_waits_until_every_earlier_system_completed() -> None:
    assert runs_to_start(WAVE, MEMBERS, runs(A=RunState.COMPLETED, B=RunState.COMPLETED, C=RunState.FAILED)) == []
    done = runs(A=RunState.COMPLETED, B=RunState.COMPLETED, C=RunState.COMPLETED)
    assert codes(runs_to_start(WAVE, MEMBERS, done)) == ["D"]


def test_a_wave_is_finished_when_every_run_has_ended() -> None:
    assert not wave_finished(runs(A=RunState.COMPLETED))
    ended = {code: RunState.COMPLETED for code in "ABC"} | {"D": RunState.ROLLED_BACK}
    assert wave_finished(runs(**ended))


def test_a_later_layer_can_never_start_once_an_earlier_run_ended_without_migrating() -> None:
    assert runs_that_can_never_start(MEMBERS, runs(A=RunState.FAILED)) == []  # may still be retried

    never = runs_that_can_never_start(MEMBERS, runs(A=RunState.ROLLED_BACK, B=RunState.COMPLETED))

    assert [(r.system_code, reason) for r, reason in never] == [
        ("D", "not started: A of an earlier layer ended rolled_back; plan it again in a new wave")
    ]
    assert codes(runs_to_start(WAVE, MEMBERS, runs(A=RunState.ROLLED_BACK))) == ["B", "C"]  # A's own layer goes on
