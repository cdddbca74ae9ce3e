"""Link health against real endpoints: listening processes on loopback stand in for the city platforms."""

import json
import urllib.request

from services.common.events import INTERCONNECT_EVENTS, LINK_STATE_CHANGED, decode_event
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2 as pb
from tests.fixtures.metrics_page import metrics_text, sample
from tests.fixtures.services import eventually, read_topic, unary
from tests.integration.interconnect.helpers import gate, import_network, links, network
from tools.stack import free_port

UP, DOWN = pb.LINK_STATE_UP, pb.LINK_STATE_DOWN
LINK_STATE = "zhongyuan_interconnect_link_state"


def state_changes(bootstrap: str, platform_id: str, count: int) -> list[tuple[int, int]]:
    """The first `count` link changes of one platform on the topic, as (previous, new) states."""

    def of_platform(records: list) -> list:  # type: ignore[type-arg]
        events = [decode_event(r.value, r.headers) for r in records]
        return [e for e in events if e.type == LINK_STATE_CHANGED and e.subject == platform_id]

    records = read_topic(bootstrap, INTERCONNECT_EVENTS, lambda rs: len(of_platform(rs)) >= count, "link events")
    return [(e.payload.change.previous_state, e.payload.change.state) for e in of_platform(records)[:count]]


def test_a_stopped_city_goes_down_after_the_threshold_and_the_gate_turns_red_then_both_recover(
    start_interconnect, interconnect_config, listeners, operator_token, backing_services
) -> None:
    running = start_interconnect()
    interconnect = running.stub
    zhengzhou, luoyang = listeners.http(), listeners.http()
    own_health = f"grpc://{interconnect_config['GRPC_BIND_ADDRESS']}"
    import_network(interconnect, operator_token, network(own_health, HA_ZZ=zhengzhou.http_url, HA_LY=luoyang.http_url))
    eventually(lambda: gate(interconnect, operator_token, "HA-ZZ").ready, "HA-ZZ up for the window")

    zhengzhou.stop()

    eventually(lambda: links(interconnect, operator_token)["HA-ZZ"].state == DOWN, "HA-ZZ down")
    link = links(interconnect, operator_token)["HA-ZZ"]
    assert link.consecutive_failures >= 3 and "connection refused" in link.last_error
    red = gate(interconnect, operator_token, "HA-ZZ")
    assert not red.ready and red.link_state == DOWN
    assert red.reasons[0].startswith("link HA-ZZ is down since") and "connection refused" in red.reasons[0]
    assert {code: link.state for code, link in links(interconnect, operator_token).items()} == {
        "HA": UP,
        "HA-ZZ": DOWN,
        "HA-LY": UP,
    }

    zhengzhou.start()

    eventually(lambda: gate(interconnect, operator_token, "HA-ZZ").ready, "HA-ZZ up and ready again")
    history = unary(interconnect.GetLinkHistory, pb.GetLinkHistoryRequest(platform_code="HA-ZZ"), operator_token)
    assert [(c.previous_state, c.state) for c in history.changes] == [
        (DOWN, UP),
        (UP, DOWN),
        (pb.LINK_STATE_UNKNOWN, UP),
    ]
    platform = unary(interconnect.GetPlatform, pb.GetPlatformRequest(code="HA-ZZ"), operator_token)
    running.stop()
    assert state_changes(backing_services.kafka_bootstrap, platform.id, 3) == [
        (pb.LINK_STATE_UNKNOWN, UP),
        (UP, DOWN),
        (DOWN, UP),
    ]


def test_unresolvable_refused_silent_and_wrong_protocol_endpoints_are_down_with_the_reason(
    interconnect, interconnect_config, listeners, operator_token
) -> None:
    web, silent = listeners.http(), listeners.silent()
    endpoints = {
        "HA_SMX": "http://exchange.nowhere.invalid:8080/health",
        "HA_PDS": f"tcp://127.0.0.1:{free_port()}",
        "HA_AY": silent.http_url,
        "HA_KF": f"grpc://127.0.0.1:{web.port}",
        "HA_LY": f"{web.http_url}no-such-page",
        "HA_ZZ": web.http_url,
    }
    import_network(interconnect, operator_token, network(f"tcp://127.0.0.1:{web.port}", **endpoints))

    def settled() -> dict[str, pb.Link] | None:
        found = links(interconnect, operator_token)
        return found if all(link.state in (UP, DOWN) for link in found.values()) else None

    found = eventually(settled, "every link up or down")

    assert {code: link.state for code, link in found.items()} == {
        "HA": UP,
        "HA-ZZ": UP,
        "HA-SMX": DOWN,
        "HA-PDS": DOWN,
        "HA-AY": DOWN,
        "HA-KF": DOWN,
        "HA-LY": DOWN,
    }
    assert found["HA-SMX"].last_error == "cannot resolve host exchange.nowhere.invalid"
    assert found["HA-PDS"].last_error.startswith("connection refused by 127.0.0.1:")
    assert found["HA-AY"].last_error == f"timed out after 0.5 s waiting for {silent.http_url}"
    assert "gRPC health" in found["HA-KF"].last_error
    assert found["HA-LY"].last_error == f"HTTP 404 from {web.http_url}no-such-page"
    with urllib.request.urlopen(f"http://{interconnect_config['WEB_SERVER_ADDRESS']}/healthz", timeout=5) as response:
        assert json.load(response)["status"] == "ok"


def test_link_states_are_on_metrics_by_city(interconnect, interconnect_config, listeners, operator_token) -> None:
    web = listeners.http()
    import_network(interconnect, operator_token, network(web.http_url, HA_ZZ=f"tcp://127.0.0.1:{free_port()}"))
    metrics = f"http://{interconnect_config['WEB_SERVER_ADDRESS']}/metrics"

    def scrape_once_down() -> str | None:
        text = metrics_text(metrics)
        return text if sample(text, LINK_STATE, city="HA-ZZ", state="down") == 1 else None

    text = eventually(scrape_once_down, "HA-ZZ down on /metrics")

    assert sample(text, LINK_STATE, city="HA", state="up") == 1
    assert sample(text, LINK_STATE, city="HA-ZZ", state="up") == 0
