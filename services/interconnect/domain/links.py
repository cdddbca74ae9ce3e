"""Link health: how the probes of a platform's endpoint turn into a state, with hysteresis so that one lost or slow
probe does not flap the link. No I/O: the prober in adapters/ does the network part."""

import enum
from dataclasses import dataclass
from datetime import datetime

MAX_ERROR_CHARS = 500  # what a link and its history keep of a probe's error (the columns' width)
# A link's latency is announced again when it has moved this far from the last announced: at least 50 ms and a
# quarter. Less would announce the jitter of every probe round; the state changes carry their own latency.
LINK_LATENCY_NEWS_MS = 50.0
LINK_LATENCY_NEWS_SHARE = 0.25


class LinkState(enum.StrEnum):
    UNKNOWN = "unknown"  # not probed often enough yet to say
    UP = "up"
    DEGRADED = "degraded"  # answers, but slower than the threshold
    DOWN = "down"


@dataclass(frozen=True)
class Thresholds:
    failures_to_down: int = 3  # consecutive unanswered probes before a link is down
    successes_to_up: int = 2  # consecutive answered probes before a link is up again; also fast/slow streaks
    degraded_latency_ms: float = 500.0


@dataclass(frozen=True)
class ProbeResult:
    answered: bool
    latency_ms: float = 0.0
    error: str = ""

    @classmethod
    def answer(cls, latency_ms: float) -> "ProbeResult":
        return cls(True, latency_ms)

    @classmethod
    def failure(cls, error: str) -> "ProbeResult":
        return cls(False, error=error)

    def slow(self, thresholds: Thresholds) -> bool:
        return self.answered and self.latency_ms > thresholds.degraded_latency_ms


@dataclass(frozen=True)
class Streaks:
    """Consecutive probe outcomes, the evidence the state is decided on."""

    failures: int = 0
    successes: int = 0
    fast: int = 0
    slow: int = 0

    def after(self, probe: ProbeResult, thresholds: Thresholds) -> "Streaks":
        if not probe.answered:
            return Streaks(failures=self.failures + 1)
        if probe.slow(thresholds):
            return Streaks(successes=self.successes + 1, slow=self.slow + 1)
        return Streaks(successes=self.successes + 1, fast=self.fast + 1)


def link_state_after_probe(
    state: LinkState, streaks: Streaks, probe: ProbeResult, thresholds: Thresholds
) -> tuple[LinkState, Streaks]:
    """The link's state and streaks once `probe` is counted."""
    counted = streaks.after(probe, thresholds)
    return _decide(state, counted, probe, thresholds), counted


def _decide(state: LinkState, streaks: Streaks, probe: ProbeResult, thresholds: Thresholds) -> LinkState:
    enough = thresholds.successes_to_up
    if streaks.failures >= thresholds.failures_to_down:
        return LinkState.DOWN
    if streaks.failures:
        return state
    if state in (LinkState.UNKNOWN, LinkState.DOWN):
        if streaks.successes < enough:
            return state
        return LinkState.DEGRADED if probe.slow(thresholds) else LinkState.UP
    if state is LinkState.UP and streaks.slow >= enough:
        return LinkState.DEGRADED
    if state is LinkState.DEGRADED and streaks.fast >= enough:
        return LinkState.UP
    return state


@dataclass
class Link:
    """The health of one platform's link to the province, kept between probes."""

    platform_code: str
    since: datetime
    state: LinkState = LinkState.UNKNOWN
    failures: int = 0
    successes: int = 0
    fast_streak: int = 0
    slow_streak: int = 0
    last_probe_at: datetime | None = None
    latency_ms: float = 0.0
    last_error: str = ""
    announced_latency_ms: float = 0.0

    @property
    def streaks(self) -> Streaks:
        return Streaks(self.failures, self.successes, self.fast_streak, self.slow_streak)

    def observe(self, probe: ProbeResult, thresholds: Thresholds, at: datetime) -> "LinkChange | None":
        """Count a probe; the change of state it caused, if any."""
        state, streaks = link_state_after_probe(self.state, self.streaks, probe, thresholds)
        self.failures, self.successes, self.fast_streak, self.slow_streak = (
            streaks.failures,
            streaks.successes,
            streaks.fast,
            streaks.slow,
        )
        self.last_probe_at = at
        if probe.answered:
            self.latency_ms, self.last_error = probe.latency_ms, ""
        else:
            self.last_error = probe.error[:MAX_ERROR_CHARS]
        return self._enter(state, at, _reason(state, streaks)) if state is not self.state else None

    def latency_moved_since_announced(self) -> bool:
        """Whether a link that answers has moved far enough from the latency last announced to announce it again."""
        if self.state not in (LinkState.UP, LinkState.DEGRADED):
            return False
        moved = abs(self.latency_ms - self.announced_latency_ms)
        return moved >= max(LINK_LATENCY_NEWS_MS, LINK_LATENCY_NEWS_SHARE * self.announced_latency_ms)

    def latency_announced(self) -> None:
        self.announced_latency_ms = self.latency_ms

    def restart(self, at: datetime) -> "LinkChange | None":
        """Forget the evidence (the endpoint changed): the state is unknown until probes say otherwise."""
        previous = self.state
        self.failures = self.successes = self.fast_streak = self.slow_streak = 0
        self.latency_ms, self.last_error = 0.0, ""
        if previous is LinkState.UNKNOWN:
            return None
        return self._enter(LinkState.UNKNOWN, at, "endpoint changed")

    def _enter(self, state: LinkState, at: datetime, reason: str) -> "LinkChange":
        change = LinkChange(self.platform_code, self.state, state, at, self.latency_ms, self.last_error, reason)
        self.state, self.since, self.announced_latency_ms = state, at, self.latency_ms
        return change

    def up_for(self, now: datetime) -> float:
        """Seconds the link has been up without a break; 0 unless it is up."""
        return (now - self.since).total_seconds() if self.state is LinkState.UP else 0.0


def _reason(state: LinkState, streaks: Streaks) -> str:
    if state is LinkState.DOWN:
        return f"{streaks.failures} probes unanswered"
    if state is LinkState.DEGRADED:
        return f"{streaks.slow} probes slower than the threshold"
    return f"{streaks.successes} probes answered"


@dataclass(frozen=True)
class LinkChange:
    platform_code: str
    previous_state: LinkState
    state: LinkState
    at: datetime
    latency_ms: float
    error: str
    reason: str
