from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from nameko.containers import ServiceContainer
from nameko.testing.services import restrict_entrypoints

from services.interconnect.service import InterconnectService
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2_grpc as pb_grpc
from tests.integration.interconnect.listeners import Listeners

INVENTORY_CONSUMER = InterconnectService.on_inventory_events.__name__
# Small intervals so a link goes down (3 lost probes) or up (2 answered) within about a second.
FAST_PROBES = {
    "PROBE_INTERVAL_SECONDS": 0.2,
    "PROBE_TIMEOUT_SECONDS": 0.5,
    "LINK_FAILURES_TO_DOWN": 3,
    "LINK_SUCCESSES_TO_UP": 2,
    "LINK_DEGRADED_LATENCY_MS": 2000,
    "EXCHANGE_CHECK_INTERVAL_SECONDS": 0.2,
    "GATE_WINDOW_SECONDS": 1,
}


@dataclass
class RunningInterconnect:
    stub: pb_grpc.InterconnectServiceStub
    container: ServiceContainer

    def stop(self) -> None:
        """Stop gracefully (a consumer leaves its group). Read topics after this: with the service running in the
        test process, a reader's group join keeps restarting against Tansu and can outlast the deadline."""
        self.container.stop()


@pytest.fixture
def listeners(tmp_path: Path) -> Iterator[Listeners]:
    started = Listeners(tmp_path)
    yield started
    started.stop_all()


@pytest.fixture
def interconnect_config(database_url, service_config) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return service_config(database_url, **FAST_PROBES)


@pytest.fixture
def start_interconnect(interconnect_config, container_factory, channel_to):  # type: ignore[no-untyped-def]
    """Starts the service. Without `follow_inventory` its inventory consumer is left out: a test that does not wait
    for that consumer could stop it halfway through joining its group, and Tansu then waits for that member forever."""
    started: list[RunningInterconnect] = []

    def start(follow_inventory: bool = False) -> RunningInterconnect:
        container = container_factory(InterconnectService, interconnect_config)
        if not follow_inventory:
            others = {entrypoint.method_name for entrypoint in container.entrypoints} - {INVENTORY_CONSUMER}
            restrict_entrypoints(container, *others)
        container.start()
        stub = pb_grpc.InterconnectServiceStub(channel_to(interconnect_config["GRPC_BIND_ADDRESS"]))
        started.append(RunningInterconnect(stub, container))
        return started[-1]

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def interconnect(start_interconnect) -> pb_grpc.InterconnectServiceStub:  # type: ignore[no-untyped-def]
    return start_interconnect().stub
