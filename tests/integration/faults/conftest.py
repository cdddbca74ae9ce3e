"""Each fault test gets a stack of its own: its own broker (a paused or poisoned broker must not disturb other tests)
and the four services as real processes."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.faults.wave import ORCHESTRATOR_ENV, SYSTEMS, WaveUnderFire
from tools.devstack import create_operator_token
from tools.stack import Stack


@pytest.fixture
def start_stack(tmp_path: Path) -> Iterator[Callable[..., Stack]]:
    """Starts a broker and the four services (settings as for Stack); stops them when the test ends."""
    started: list[Stack] = []

    def start(**settings: Any) -> Stack:
        stack = Stack.on_free_ports(tmp_path, **settings)
        started.append(stack)
        return stack.start()

    yield start
    for stack in started:
        stack.stop()


@pytest.fixture
def wave_under_fire(start_stack: Callable[..., Stack], tmp_path: Path) -> Callable[..., WaveUnderFire]:
    """A started wave of several systems in a fresh stack; `database_urls` as for Stack."""

    def start(codes: tuple[str, ...] = SYSTEMS, **database_urls: str) -> WaveUnderFire:
        stack = start_stack(database_urls=database_urls, extra_env=dict(ORCHESTRATOR_ENV))
        wave = WaveUnderFire(stack, create_operator_token(stack.auth_database_url), tmp_path / "hosts", codes)
        wave.start()
        return wave

    return start
