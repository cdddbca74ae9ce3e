"""The cutover gate: ready only with a link up for the whole window and every exchange fresh; reasons otherwise."""

from datetime import timedelta

from services.interconnect.domain import gate
from services.interconnect.domain.links import Link, LinkState
from services.interconnect.domain.model import AdminLevel, Direction, Platform, SharedResource, home_platform_code
from tests.unit.interconnect.conftest import NOON

POLICY = gate.GatePolicy(window=timedelta(minutes=5), probe_stale_after=timedelta(seconds=45))
ZHENGZHOU = Platform("HA-ZZ", "郑州市政务云平台", AdminLevel.CITY, "tcp://10.41.1.1:443", parent_code="HA")


def link(state: LinkState, since_minutes_ago: float, error: str = "", probed_seconds_ago: float = 10) -> Link:
    since, probed = NOON - timedelta(minutes=since_minutes_ago), NOON - timedelta(seconds=probed_seconds_ago)
    return Link("HA-ZZ", since=since, state=state, last_error=error, last_probe_at=probed)


def population(last_exchange_hours_ago: float) -> SharedResource:
    return SharedResource(
        "HA-ZZ-RK",
        "郑州市人口基础信息",
        "HA-ZZ",
        Direction.TO_PROVINCE,
        schedule_seconds=3600,
        registered_at=NOON - timedelta(days=10),
        last_exchange_at=NOON - timedelta(hours=last_exchange_hours_ago),
    )


def test_a_link_up_for_the_window_with_fresh_exchanges_is_ready() -> None:
    decision = gate.decide(ZHENGZHOU, link(LinkState.UP, 6), [population(1)], POLICY, NOON)

    assert decision.ready and decision.platform_code == "HA-ZZ"
    assert decision.reasons == ("link HA-ZZ up for 360 s and its 1 shared resource(s) exchanged on time",)


def test_a_down_link_is_not_ready_and_says_since_when_and_why() -> None:
    decision = gate.decide(ZHENGZHOU, link(LinkState.DOWN, 2, "connection refused"), [], POLICY, NOON)

    assert not decision.ready and decision.link_state is LinkState.DOWN
    assert decision.reasons == ("link HA-ZZ is down since 2024-03-01 11:58:00 UTC (connection refused)",)


def test_a_link_up_for_less_than_the_window_is_not_ready_yet() -> None:
    decision = gate.decide(ZHENGZHOU, link(LinkState.UP, 2), [], POLICY, NOON)

    assert not decision.ready
    assert decision.reasons == ("link HA-ZZ has been up for 120 s of the 300 s window",)


def test_every_reason_is_given_at_once() -> None:
    decision = gate.decide(ZHENGZHOU, link(LinkState.DEGRADED, 30), [population(1), population(3)], POLICY, NOON)

    assert not decision.ready
    assert decision.reasons[0].startswith("link HA-ZZ is degraded since")
    assert decision.reasons[1] == (
        "exchange HA-ZZ-RK (郑州市人口基础信息) is overdue: last exchanged 2024-03-01 09:00:00 UTC, "
        "due by 2024-03-01 11:00:00 UTC"
    )
    assert len(decision.reasons) == 2


def test_a_link_not_yet_probed_enough_is_not_ready() -> None:
    decision = gate.decide(ZHENGZHOU, link(LinkState.UNKNOWN, 60), [], POLICY, NOON)

    assert not decision.ready and "not been probed enough" in decision.reasons[0]


def test_a_province_level_system_passes_and_says_so() -> None:
    decision = gate.province_level("HA-WJW-JKK")

    assert decision.ready and decision.platform_code == ""
    assert decision.reasons == ("HA-WJW-JKK is a province-level system: no city or county link is involved",)


def test_a_system_belongs_to_its_organisations_platform_or_the_nearest_enclosing_one() -> None:
    local = {"HA-ZZ", "HA-LY", "HA-GY"}

    assert home_platform_code("HA-ZZ", local) == "HA-ZZ"
    assert home_platform_code("HA-ZZ-WJW", local) == "HA-ZZ"
    assert home_platform_code("HA-PDS", local) is None


def test_a_link_up_long_enough_whose_probes_stopped_is_not_trusted() -> None:
    decision = gate.decide(ZHENGZHOU, link(LinkState.UP, 60 * 48, probed_seconds_ago=3600), [], POLICY, NOON)

    assert not decision.ready
    assert decision.reasons == (
        "link HA-ZZ was last probed 2024-03-01 11:00:00 UTC: its state now is not known (are the probes running?)",
    )
