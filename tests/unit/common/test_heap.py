import gc

import pytest

from services.common.runtime.heap import FrozenStartupHeap


class Service:
    name = "heap_test"
    heap = FrozenStartupHeap()


@pytest.fixture
def unfrozen() -> None:
    gc.unfreeze()  # an earlier test's container may have frozen it; garbage_collected_as_usual unfreezes after


def test_a_started_container_leaves_what_it_built_out_of_garbage_collection(unfrozen, container_factory) -> None:
    container = container_factory(Service, {})
    assert gc.get_freeze_count() == 0

    container.start()

    assert gc.get_freeze_count() > 10_000  # the interpreter, nameko and everything imported so far
