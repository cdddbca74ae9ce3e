"""Which pending runs of a wave may start now: dependency layers in order, never more than the wave's cap. Pure."""

from services.migration.domain.model import MigrationRun, RunState, Wave, WaveSystem

DONE_FOR_DEPENDANTS = frozenset({RunState.COMPLETED})
ENDED_UNMIGRATED = frozenset({RunState.CANCELLED, RunState.ROLLED_BACK})
OCCUPYING = frozenset(
    {
        RunState.PRECHECK,
        RunState.SYNC,
        RunState.DEPLOY,
        RunState.AWAITING_APPROVAL,
        RunState.CUTOVER,
        RunState.VERIFY,
        RunState.ROLLING_BACK,
    }
)


def runs_to_start(wave: Wave, members: list[WaveSystem], runs: list[MigrationRun]) -> list[MigrationRun]:
    """Pending runs of the lowest unfinished layer, as many as the cap leaves room for, in code order."""
    layer_of = {m.system_code: m.layer for m in members}
    free = wave.concurrency - sum(1 for r in runs if r.state in OCCUPYING)
    if free <= 0:
        return []
    unfinished = [layer_of[r.system_code] for r in runs if r.state not in DONE_FOR_DEPENDANTS]
    if not unfinished:
        return []
    current = min(unfinished)
    ready = sorted(
        (r for r in runs if r.state is RunState.PENDING and layer_of[r.system_code] == current),
        key=lambda r: r.system_code,
    )
    return ready[:free]


def runs_that_can_never_start(members: list[WaveSystem], runs: list[MigrationRun]) -> list[tuple[MigrationRun, str]]:
    """Pending runs of the layers after one whose run ended without migrating (cancelled, or rolled back): layers
    are the only dependency order a wave keeps, so none of them may go. Each with the reason, for the operator who
    plans them again."""
    layer_of = {m.system_code: m.layer for m in members}
    ended = sorted((layer_of[r.system_code], r.system_code, r.state) for r in runs if r.state in ENDED_UNMIGRATED)
    if not ended:
        return []
    layer, code, state = ended[0]
    reason = f"not started: {code} of an earlier layer ended {state.value}; plan it again in a new wave"
    return [(r, reason) for r in runs if r.state is RunState.PENDING and layer_of[r.system_code] > layer]


def wave_finished(runs: list[MigrationRun]) -> bool:
    return bool(runs) and all(r.state in (RunState.COMPLETED, RunState.CANCELLED, RunState.ROLLED_BACK) for r in runs)
