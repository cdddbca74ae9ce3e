"""A city system's cutover waits on the interconnect gate: a city link that is down fails the cutover with the gate's
reasons, before anything is switched."""

import uuid

import grpc
import pytest

from services.common.config import load_config
from services.interconnect.service import InterconnectService
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2 as ic
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2_grpc as ic_grpc
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv
from tests.fixtures.services import eventually, unary
from tests.integration.migration.conftest import journal
from tools.stack import free_port


@pytest.fixture
def interconnect(container_factory, service_config, tmp_path, channel_to):  # type: ignore[no-untyped-def]
    probing = {k: v for k, v in load_config("interconnect").items() if k.startswith(("PROBE_", "LINK_", "EXCHANGE_"))}
    probing |= {"PROBE_INTERVAL_SECONDS": 0.2, "PROBE_TIMEOUT_SECONDS": 0.5, "GATE_WINDOW_SECONDS": 1}
    config = service_config(f"sqlite:///{tmp_path}/interconnect.db", **probing)
    container_factory(InterconnectService, config).start()
    return config["GRPC_BIND_ADDRESS"]


def interconnect_target(request) -> str:  # type: ignore[no-untyped-def]
    return request.getfixturevalue("interconnect")


@pytest.mark.parametrize("landscape", [{"INTERCONNECT_GRPC_TARGET": interconnect_target}], indirect=True)
def test_a_city_system_does_not_cut_over_while_its_city_link_is_down(landscape, interconnect, channel_to) -> None:  # type: ignore[no-untyped-def]
    gate = ic_grpc.InterconnectServiceStub(channel_to(interconnect))
    closed_port = free_port()
    network = (
        f'platforms:\n  - {{code: HA, name: 中原云, admin_level: province, endpoint: "tcp://127.0.0.1:{free_port()}"}}\n'
        f"  - {{code: HA-ZZ, name: 郑州市, admin_level: city, parent: HA, "
        f'endpoint: "tcp://127.0.0.1:{closed_port}"}}\n'
    )
    unary(gate.ImportPlatforms, ic.ImportPlatformsRequest(content=network.encode()), landscape.token)
    landscape.seed("organisations: [{code: HA-ZZ, name: 郑州市, admin_level: city}]")
    # a code of this run's own: the interconnect reads every earlier test's events for its systems too
    code = f"HA-ZZ-Y{uuid.uuid4().hex[:6].upper()}"
    root = landscape.system(code, organisation="HA-ZZ", level="city")

    system_id = unary(landscape.inventory.GetSystem, inv.GetSystemRequest(code=code), landscape.token).id

    def gate_knows_the_system() -> bool:
        # asked by id, as the orchestrator asks: a code would also match the city platform by its prefix
        try:
            unary(gate.CheckCutoverReadiness, ic.CheckCutoverReadinessRequest(system_id=system_id), landscape.token)
        except grpc.RpcError:
            return False  # not known yet (or the gate is still starting)
        return True

    # a fresh consumer group reads the whole inventory topic first: on a busy shared broker that takes a while
    eventually(gate_knows_the_system, "the interconnect to learn the system from the inventory's events", 300)
    landscape.start(code, auto_approve=True)
    run = landscape.wait_until_settled(code)

    assert (run.state, run.failed_step) == ("failed", "cutover")
    assert run.error.startswith("cutover gate of HA-ZZ is closed:")
    assert not (root / "source" / "ROUTE").exists()
    assert "cutover attempt=1" not in journal(root, "target")
