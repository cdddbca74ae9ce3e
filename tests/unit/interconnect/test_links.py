"""Link hysteresis: a link changes state on a run of probes, never on one lost or slow probe."""

from datetime import timedelta

import pytest

from services.interconnect.domain.links import MAX_ERROR_CHARS, Link, LinkState, ProbeResult, Thresholds
from tests.unit.interconnect.conftest import NOON

THRESHOLDS = Thresholds(failures_to_down=3, successes_to_up=2, degraded_latency_ms=500)
FAST, SLOW, LOST = ProbeResult.answer(20), ProbeResult.answer(900), ProbeResult.failure("connection refused")


def link_after(*probes: ProbeResult, state: LinkState = LinkState.UNKNOWN) -> tuple[Link, list[LinkState]]:
    """A link starting in `state`, the probes counted one a second, and the state after each."""
    link = Link("HA-ZZ", since=NOON, state=state)
    seen = []
    for second, probe in enumerate(probes, start=1):
        link.observe(probe, THRESHOLDS, NOON + timedelta(seconds=second))
        seen.append(link.state)
    return link, seen


def test_a_new_link_is_up_after_enough_answered_probes() -> None:
    _, seen = link_after(FAST, FAST)

    assert seen == [LinkState.UNKNOWN, LinkState.UP]


def test_one_lost_probe_does_not_take_an_up_link_down() -> None:
    link, seen = link_after(LOST, FAST, LOST, LOST, FAST, state=LinkState.UP)

    assert seen == [LinkState.UP] * 5
    assert link.since == NOON, "the link has been up without a break"


def test_a_link_goes_down_after_the_threshold_of_lost_probes_and_says_why() -> None:
    link, seen = link_after(LOST, LOST, LOST, state=LinkState.UP)

    assert seen == [LinkState.UP, LinkState.UP, LinkState.DOWN]
    assert link.last_error == "connection refused"
    assert link.since == NOON + timedelta(seconds=3)


def test_a_long_probe_error_is_kept_to_what_the_link_stores() -> None:
    long_error = "HTTP 404 from https://gw.zz.gov/" + "q" * 600

    link, seen = link_after(*[ProbeResult.failure(long_error)] * 3, state=LinkState.UP)

    assert seen[-1] is LinkState.DOWN
    assert link.last_error == long_error[:MAX_ERROR_CHARS]


def test_a_down_link_needs_consecutive_answers_to_come_back() -> None:
    _, seen = link_after(FAST, LOST, FAST, FAST, state=LinkState.DOWN)

    assert seen == [LinkState.DOWN, LinkState.DOWN, LinkState.DOWN, LinkState.UP]


def test_slow_answers_in_a_row_make_a_link_degraded_and_fast_ones_bring_it_back() -> None:
    _, seen = link_after(SLOW, SLOW, FAST, FAST, state=LinkState.UP)

    assert seen == [LinkState.UP, LinkState.DEGRADED, LinkState.DEGRADED, LinkState.UP]


def test_alternating_latency_does_not_flap_between_up_and_degraded() -> None:
    _, seen = link_after(SLOW, FAST, SLOW, FAST, state=LinkState.UP)

    assert seen == [LinkState.UP] * 4


def test_a_recovering_link_that_answers_slowly_comes_back_degraded() -> None:
    _, seen = link_after(SLOW, SLOW, state=LinkState.DOWN)

    assert seen == [LinkState.DOWN, LinkState.DEGRADED]


@pytest.mark.parametrize(
    ("probes", "reason"), [((LOST,) * 3, "3 probes unanswered"), ((FAST,) * 2, "2 probes answered")]
)
def test_each_change_is_reported_with_its_reason(probes: tuple[ProbeResult, ...], reason: str) -> None:
    link = Link("HA-ZZ", since=NOON)
    changes = [link.observe(probe, THRESHOLDS, NOON) for probe in probes]

    *quiet, change = changes
    assert quiet == [None] * (len(probes) - 1)
    assert change is not None and change.previous_state is LinkState.UNKNOWN and change.reason == reason


def test_restarting_a_link_forgets_its_state_and_evidence() -> None:
    link, _ = link_after(FAST, FAST)

    change = link.restart(NOON + timedelta(minutes=1))

    assert change is not None and (change.previous_state, change.state) == (LinkState.UP, LinkState.UNKNOWN)
    assert change.reason == "endpoint changed"
    assert link.streaks.successes == 0 and link.up_for(NOON + timedelta(minutes=2)) == 0
