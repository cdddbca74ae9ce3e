"""Whether a wave is behind its window: the metric the alert reads and the wave page agree on the runs it waits for."""

from datetime import UTC, datetime, timedelta

from services.common.auth import OPERATOR, Principal
from services.monitoring import queries
from tests.fixtures.migration_events import Run, system_registered

OPERATOR_PRINCIPAL = Principal(roles=frozenset({OPERATOR}))
ENDED_YESTERDAY = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


def wave_with_runs_ended(fold, *states: str) -> str:
    """A wave whose window has ended, with one run in each of `states`; its name."""
    runs = [Run("HA-WJW", f"HA-WJW-S{i}", window_end=ENDED_YESTERDAY) for i, _ in enumerate(states)]
    fold(*(system_registered(run) for run in runs))
    fold(*(run.state("pending", state) for run, state in zip(runs, states, strict=True)))
    return runs[0].wave_name


def test_a_wave_whose_runs_completed_cancelled_or_rolled_back_is_not_behind_its_window(
    read_model, fold, metrics
) -> None:
    wave = wave_with_runs_ended(fold, "completed", "cancelled", "rolled_back")

    summary = queries.wave_progress(wave, read_model(), OPERATOR_PRINCIPAL).summary
    assert metrics.get_sample_value("zhongyuan_wave_unfinished_systems", {"wave": wave}) == 0
    assert not summary["behind_window"] and (summary["systems"], summary["migrated"]) == (3, 1)


def test_a_wave_still_waits_for_a_pending_a_migrating_and_a_failed_run(read_model, fold, metrics) -> None:
    wave = wave_with_runs_ended(fold, "pending", "sync", "failed", "cancelled")

    summary = queries.wave_progress(wave, read_model(), OPERATOR_PRINCIPAL).summary
    assert metrics.get_sample_value("zhongyuan_wave_unfinished_systems", {"wave": wave}) == 3
    assert summary["behind_window"]
