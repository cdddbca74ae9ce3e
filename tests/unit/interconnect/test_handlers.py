"""Interconnect use cases on the real unit of work (in-memory SQLite): what they store and what they announce."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.common.auth import OPERATOR, Principal
from services.common.errors import AlreadyExists, InvalidArgument, NotFound
from services.common.events import (
    EXCHANGE_OVERDUE,
    EXCHANGE_RECORDED,
    INTERCONNECT_EVENTS,
    LINK_LATENCY_CHANGED,
    LINK_STATE_CHANGED,
    PLATFORM_REGISTERED,
    PLATFORM_UPDATED,
    RESOURCE_SHARED,
)
from services.common.writes import Mode
from services.interconnect import handlers, queries
from services.interconnect.domain.gate import GatePolicy
from services.interconnect.domain.links import LinkState, ProbeResult, Thresholds
from services.interconnect.handlers import RecordExchange
from services.pb.zhongyuan.interconnect.v1 import events_pb2 as interconnect_events
from services.pb.zhongyuan.inventory.v1 import inventory_pb2
from tests.fixtures.inventory_events import system_event
from tests.unit.interconnect.conftest import NOON

OPERATOR_PRINCIPAL = Principal(frozenset([OPERATOR]))
THRESHOLDS = Thresholds(failures_to_down=2, successes_to_up=1)
WINDOW = timedelta(minutes=5)
POLICY = GatePolicy(window=WINDOW, probe_stale_after=timedelta(hours=1))
PROBE_INTERVAL = timedelta(seconds=10)
NETWORK = """
platforms:
  - {code: HA, name: 河南省政务云, admin_level: province, endpoint: "tcp://127.0.0.1:1"}
  - {code: HA-ZZ, name: ZZ, admin_level: city, parent: HA, endpoint: "tcp://127.0.0.1:2"}
shared_resources:
  - {code: HA-ZZ-RK, name: RK, platform: HA-ZZ, direction: to_province, schedule: 1h}
""".encode()


def outbox_types(uow) -> list[str]:  # type: ignore[no-untyped-def]
    with uow:
        return list(uow.session.scalars(sa.text("SELECT ce_type FROM outbox ORDER BY id")))


def probe_round(uow, result: ProbeResult, at) -> list:  # type: ignore[no-untyped-def]
    return handlers.record_probes({"HA-ZZ": result}, THRESHOLDS, PROBE_INTERVAL, uow, at)


def test_importing_the_demo_network_announces_every_platform_and_resource(uow, demo_platforms) -> None:  # type: ignore[no-untyped-def]
    imported = handlers.import_platforms(demo_platforms, False, uow, NOON)

    assert imported.platforms.created == 29 and imported.shared_resources.created == 6
    assert outbox_types(uow).count(PLATFORM_REGISTERED) == 29
    assert outbox_types(uow).count(RESOURCE_SHARED) == 6
    again = handlers.import_platforms(demo_platforms, False, uow, NOON)
    assert (again.platforms.unchanged, again.platforms.created) == (29, 0)


def test_a_dry_run_counts_but_keeps_nothing(uow) -> None:  # type: ignore[no-untyped-def]
    imported = handlers.import_platforms(NETWORK, True, uow, NOON)

    assert imported.platforms.created == 2
    assert handlers.probe_targets(uow) == {} and outbox_types(uow) == []


def test_registering_twice_is_already_exists_and_updating_the_unknown_is_not_found(uow) -> None:  # type: ignore[no-untyped-def]
    handlers.import_platforms(NETWORK, False, uow, NOON)
    values = {"code": "HA-ZZ", "name": "ZZ", "admin_level": "city", "parent": "HA", "endpoint": "tcp://a:1"}

    with pytest.raises(AlreadyExists):
        handlers.save_platform(values, uow, Mode.CREATE)
    with pytest.raises(NotFound):
        handlers.save_platform({**values, "code": "HA-LY"}, uow, Mode.UPDATE)


def test_a_state_change_is_kept_in_the_history_and_announced(uow) -> None:  # type: ignore[no-untyped-def]
    handlers.import_platforms(NETWORK, False, uow, NOON)

    assert probe_round(uow, ProbeResult.failure("connection refused"), NOON) == []
    [change] = probe_round(uow, ProbeResult.failure("connection refused"), NOON + timedelta(seconds=10))

    assert (change.previous_state, change.state) == (LinkState.UNKNOWN, LinkState.DOWN)
    [kept] = queries.link_history("HA-ZZ", 0, uow, OPERATOR_PRINCIPAL)
    assert kept == change and kept.error == "connection refused"
    assert outbox_types(uow)[-1] == LINK_STATE_CHANGED


def test_a_round_another_replica_counted_already_is_not_counted_again(uow) -> None:  # type: ignore[no-untyped-def]
    handlers.import_platforms(NETWORK, False, uow, NOON)

    probe_round(uow, ProbeResult.failure("connection refused"), NOON)
    second_replica = probe_round(uow, ProbeResult.failure("connection refused"), NOON + timedelta(seconds=1))
    next_round = probe_round(uow, ProbeResult.failure("connection refused"), NOON + timedelta(seconds=10))

    assert second_replica == []
    assert [(c.previous_state, c.state) for c in next_round] == [(LinkState.UNKNOWN, LinkState.DOWN)]


def test_a_link_that_stays_up_announces_its_latency_once_it_moved_noticeably(uow) -> None:  # type: ignore[no-untyped-def]
    handlers.import_platforms(NETWORK, False, uow, NOON)
    latencies = [20, 60, 65, 300, 280]  # up at 20 ms; 60 and 65 are jitter (< 50 ms off); 300 is news, 280 is not

    for seconds, latency in enumerate(latencies):
        probe_round(uow, ProbeResult.answer(latency), NOON + timedelta(seconds=10 * seconds))

    with uow:
        announced = uow.session.execute(sa.text("SELECT ce_type, payload FROM outbox ORDER BY id")).all()
    link_events = [
        (ce_type, interconnect_events.LinkLatencyChanged.FromString(payload).link.latency_ms)  # the link is field 1
        for ce_type, payload in announced
        if ce_type in (LINK_STATE_CHANGED, LINK_LATENCY_CHANGED)
    ]
    assert link_events == [(LINK_STATE_CHANGED, 20), (LINK_LATENCY_CHANGED, 300)]


def test_changing_an_endpoint_starts_the_link_afresh(uow) -> None:  # type: ignore[no-untyped-def]
    handlers.import_platforms(NETWORK, False, uow, NOON)
    probe_round(uow, ProbeResult.answer(5), NOON)
    values = {"code": "HA-ZZ", "name": "ZZ", "admin_level": "city", "parent": "HA", "endpoint": "tcp://10.41.1.1:443"}

    handlers.save_platform(values, uow, Mode.UPDATE, NOON + timedelta(minutes=1))

    platform, link = queries.get_platform("HA-ZZ", uow, OPERATOR_PRINCIPAL)
    assert platform.endpoint == "tcp://10.41.1.1:443" and link.state is LinkState.UNKNOWN
    assert outbox_types(uow)[-2:] == [PLATFORM_UPDATED, LINK_STATE_CHANGED]


def test_an_overdue_exchange_is_announced_once_and_a_run_makes_it_fresh(uow) -> None:  # type: ignore[no-untyped-def]
    handlers.import_platforms(NETWORK, False, uow, NOON)
    late = NOON + timedelta(hours=3)

    assert [r.code for r in handlers.flag_overdue_exchanges(uow, late)] == ["HA-ZZ-RK"]
    assert handlers.flag_overdue_exchanges(uow, late + timedelta(minutes=1)) == []
    handlers.record_exchange(RecordExchange("HA-ZZ-RK", 1200, "sha256:9f2c"), uow, late)

    assert outbox_types(uow)[-2:] == [EXCHANGE_OVERDUE, EXCHANGE_RECORDED]
    [fresh] = queries.list_resources("HA-ZZ", False, uow, OPERATOR_PRINCIPAL, late)
    assert (fresh.last_rows, fresh.last_checksum, fresh.overdue(late)) == (1200, "sha256:9f2c", False)


def test_each_event_goes_to_the_interconnect_topic_keyed_by_its_platform(uow) -> None:  # type: ignore[no-untyped-def]
    handlers.import_platforms(NETWORK, False, uow, NOON)
    for seconds, latency in enumerate([20, 300]):
        probe_round(uow, ProbeResult.answer(latency), NOON + timedelta(seconds=10 * seconds))
    values = {"code": "HA-ZZ", "name": "ZZ", "admin_level": "city", "parent": "HA", "endpoint": "tcp://10.41.1.1:443"}
    handlers.save_platform(values, uow, Mode.UPDATE, NOON + timedelta(minutes=1))
    handlers.flag_overdue_exchanges(uow, NOON + timedelta(hours=3))
    handlers.record_exchange(RecordExchange("HA-ZZ-RK", 1200, "sha256:9f2c"), uow, NOON + timedelta(hours=3))

    province, city = (queries.get_platform(code, uow, OPERATOR_PRINCIPAL)[0].id for code in ("HA", "HA-ZZ"))
    with uow:
        rows = uow.session.execute(sa.text("SELECT topic, key, ce_subject, ce_type FROM outbox ORDER BY id")).all()
    assert all(topic == INTERCONNECT_EVENTS and key == subject for topic, key, subject, _ in rows)
    assert [(ce_type, key) for _, key, _, ce_type in rows] == [
        (PLATFORM_REGISTERED, province),
        (PLATFORM_REGISTERED, city),
        (RESOURCE_SHARED, city),
        (LINK_STATE_CHANGED, city),
        (LINK_LATENCY_CHANGED, city),
        (PLATFORM_UPDATED, city),
        (LINK_STATE_CHANGED, city),
        (EXCHANGE_OVERDUE, city),
        (EXCHANGE_RECORDED, city),
    ]


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (RecordExchange(" ", 1, "sha256:1"), "resource"),
        (RecordExchange("HA-ZZ-RK", -1, "sha256:1"), "rows"),
        (RecordExchange("HA-ZZ-RK", 1, " "), "checksum"),
        (RecordExchange("HA-ZZ-RK", 1, "sha256:\x00"), "checksum"),
        (RecordExchange("HA-ZZ-RK", 1, "sha256:1", NOON + timedelta(hours=1)), "exchanged_at"),
    ],
)
def test_a_bad_exchange_run_is_refused_and_names_the_field(uow, command: RecordExchange, field: str) -> None:  # type: ignore[no-untyped-def]
    handlers.import_platforms(NETWORK, False, uow, NOON)

    with pytest.raises(InvalidArgument) as raised:
        handlers.record_exchange(command, uow, NOON)

    assert [v.field for v in raised.value.violations] == [field]


def test_the_gate_finds_a_systems_platform_from_the_inventorys_events(uow) -> None:  # type: ignore[no-untyped-def]
    handlers.import_platforms(NETWORK, False, uow, NOON)
    city = system_event("HA-ZZ-ZHYL", "HA-ZZ", level=inventory_pb2.ADMIN_LEVEL_CITY)
    province = system_event("HA-WJW-JKK", "HA-WJW", level=inventory_pb2.ADMIN_LEVEL_PROVINCE)
    handlers.follow_inventory([city, province, city], uow)  # the second `city` is a redelivery
    handlers.follow_inventory([city], uow)  # and so is this one
    probe_round(uow, ProbeResult.answer(5), NOON)

    by_code = queries.check_cutover_readiness("HA-ZZ-ZHYL", "", POLICY, uow, OPERATOR_PRINCIPAL, NOON)
    by_id = queries.check_cutover_readiness("", city.subject, POLICY, uow, OPERATOR_PRINCIPAL, NOON)
    later = queries.check_cutover_readiness("HA-ZZ-ZHYL", "", POLICY, uow, OPERATOR_PRINCIPAL, NOON + WINDOW)
    trivially = queries.check_cutover_readiness("HA-WJW-JKK", "", POLICY, uow, OPERATOR_PRINCIPAL, NOON)

    assert by_code == by_id and by_code.platform_code == "HA-ZZ" and not by_code.ready
    assert later.ready
    assert trivially.ready and "province-level" in trivially.reasons[0]
    with pytest.raises(NotFound):
        queries.check_cutover_readiness("HA-NOPE-1", "", POLICY, uow, OPERATOR_PRINCIPAL, NOON)


def test_a_system_code_registered_again_under_a_new_id_is_followed(uow) -> None:  # type: ignore[no-untyped-def]
    handlers.import_platforms(NETWORK, False, uow, NOON)
    first = system_event("HA-ZZ-ZHYL", "HA-PDS", level=inventory_pb2.ADMIN_LEVEL_CITY)
    again = system_event("HA-ZZ-ZHYL", "HA-ZZ-WJW", level=inventory_pb2.ADMIN_LEVEL_CITY)

    handlers.follow_inventory([first, again], uow)

    decision = queries.check_cutover_readiness("", again.subject, POLICY, uow, OPERATOR_PRINCIPAL, NOON)
    assert decision.platform_code == "HA-ZZ", "a city bureau's system belongs to its city's platform"
    with pytest.raises(NotFound):
        queries.check_cutover_readiness("", first.subject, POLICY, uow, OPERATOR_PRINCIPAL, NOON)
