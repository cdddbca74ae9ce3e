from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest

from services.common.runtime import streams
from services.common.runtime.grpc_calls import CallContext
from services.common.runtime.streams import changes


class FakeContext:
    """A client that stays connected for its first `checks` calls of is_active()."""

    def __init__(self, checks: int):
        self.checks_left = checks

    def is_active(self) -> bool:
        self.checks_left -= 1
        return self.checks_left >= 0


def connected_for(checks: int = 100) -> CallContext:
    return cast(CallContext, FakeContext(checks))


def reads_of(*values: Any) -> Callable[[], Any]:
    sequence: Iterator[Any] = iter(values)
    return lambda: next(sequence)


@pytest.fixture(autouse=True)
def naps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(streams.eventlet, "sleep", slept.append)
    return slept


def test_the_first_value_is_sent_at_once(naps: list[float]) -> None:
    assert next(changes(reads_of("queued"), connected_for(), poll_seconds=0.3)) == "queued"
    assert naps == []


def test_repeats_are_skipped_and_changes_are_sent() -> None:
    values = reads_of("queued", "queued", "running", "running", "running", "done")
    assert list(changes(values, connected_for(6), poll_seconds=0.3)) == ["queued", "running", "done"]


def test_it_sleeps_poll_seconds_after_each_read(naps: list[float]) -> None:
    list(changes(reads_of(1, 1, 2), connected_for(3), poll_seconds=0.3))
    assert naps == [0.3, 0.3, 0.3]


def test_it_stops_after_sending_a_value_that_ends_the_watch(naps: list[float]) -> None:
    values = reads_of("queued", "finished", "reopened")
    stream = changes(values, connected_for(), poll_seconds=0.3, until=lambda state: state == "finished")
    assert list(stream) == ["queued", "finished"]
    assert naps == [0.3]


def test_it_stops_when_the_client_goes_away() -> None:
    values = reads_of("queued", "running", "done")
    assert list(changes(values, connected_for(2), poll_seconds=0.3)) == ["queued", "running"]


def test_nothing_is_read_once_the_client_is_gone() -> None:
    assert list(changes(reads_of(), connected_for(0), poll_seconds=0.3)) == []
