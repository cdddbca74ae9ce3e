"""What an audit record keeps of a call: the request's key fields and a redacted, capped JSON of it."""

import json
from datetime import UTC, datetime

from services.common.audit import (
    MAX_ERROR_CHARS,
    MAX_REQUEST_CHARS,
    REDACTED,
    AnonymousRefusals,
    audit_record,
    failed,
    host_of,
    request_json,
    with_left_out,
)
from services.common.auth import Principal
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv
from services.pb.zhongyuan.migration.v1 import migration_pb2 as mig
from tests.unit.fakes import FakeClock

TOKEN_LIKE = "zy_" + "a1B2" * 11
AT = datetime(2016, 6, 30, 8, 0, tzinfo=UTC)


def record_of(request, principal=None):  # type: ignore[no-untyped-def]
    return audit_record(service="inventory", method="M", principal=principal, request=request, at=AT, peer="ipv4:x")


def test_secret_looking_fields_and_token_like_values_are_redacted() -> None:
    request = inv.ListSystemsRequest(organisation_code="HA-WJW", page_token="abc", strategy=f"Bearer {TOKEN_LIKE}")

    recorded = json.loads(request_json(request))

    assert recorded == {"organisation_code": "HA-WJW", "page_token": REDACTED, "strategy": REDACTED}
    assert TOKEN_LIKE not in request_json(inv.Host(name="h", root=TOKEN_LIKE))


def test_bytes_are_kept_as_their_size_and_digest_never_their_content() -> None:
    recorded = json.loads(request_json(inv.ImportCatalogRequest(content=b"organisations: []\n", dry_run=True)))

    assert recorded["content"].startswith("<18 bytes sha256:") and recorded["dry_run"] is True


def test_enums_and_timestamps_read_as_names_and_times() -> None:
    wave = mig.CreateWaveRequest(name="第一批")
    wave.window_start.FromDatetime(AT)

    assert json.loads(request_json(wave)) == {"name": "第一批", "window_start": "2016-06-30T08:00:00Z"}
    assert json.loads(request_json(inv.Organisation(code="HA", admin_level=inv.ADMIN_LEVEL_CITY)))["admin_level"] == (
        "ADMIN_LEVEL_CITY"
    )


def test_a_large_request_is_cut_at_the_cap() -> None:
    text = request_json(inv.DependencyOrderRequest(systems=[f"HA-SYS-{n}" for n in range(2000)]))

    assert len(text) == MAX_REQUEST_CHARS and text.endswith("…")


def test_the_target_names_what_the_call_acts_on() -> None:
    system = inv.RegisterSystemRequest(code="HA-WJW-JKK", name="居民健康卡", organisation_code="HA-WJW")

    assert record_of(system).target == "code=HA-WJW-JKK organisation_code=HA-WJW"
    assert record_of(inv.Host(name="jkk-src", system="HA-WJW-JKK")).target == "name=jkk-src system=HA-WJW-JKK"
    assert record_of(mig.CreateWaveRequest(name="第一批", systems=["A"])).target == "name=第一批"


def test_the_actor_is_the_tokens_name_and_id_and_a_refusal_keeps_its_error() -> None:
    principal = Principal(roles=frozenset({"operator"}), name="王主任", token_id="0123456789ab")

    record = failed(record_of(inv.GetByCodeRequest(code="HA"), principal), "NOT_FOUND", "x" * (MAX_ERROR_CHARS + 5))

    actor = record.actor
    assert (actor.name, actor.token_id, list(actor.roles)) == ("王主任", "0123456789ab", ["operator"])
    assert record.outcome == "NOT_FOUND" and len(record.error) == MAX_ERROR_CHARS
    assert record.at.ToDatetime(UTC) == AT
    assert not record_of(inv.GetByCodeRequest(code="HA")).actor.token_id


def test_each_host_gets_its_share_of_recorded_refusals_a_window_and_the_next_record_counts_the_rest() -> None:
    clock = FakeClock()
    refusals = AnonymousRefusals(per_window=3, window_seconds=60, clock=clock)

    first = [refusals.admit(f"ipv4:10.0.0.9:{port}") for port in range(40000, 40010)]
    other_host = refusals.admit("ipv4:10.0.0.7:40000")
    clock.now += 59.9
    still_full = refusals.admit("ipv4:10.0.0.9:1")
    clock.now += 0.1
    next_window = [refusals.admit("ipv4:10.0.0.9:2") for _ in range(2)]

    assert first == [0, 0, 0] + [None] * 7
    assert other_host == 0
    assert still_full is None
    assert next_window == [8, 0]  # the 7 + 1 left out, reported once


def test_the_hosts_remembered_are_bounded_and_the_oldest_window_goes_first() -> None:
    clock = FakeClock()
    refusals = AnonymousRefusals(per_window=1, window_seconds=60, max_hosts=2, clock=clock)
    assert [refusals.admit("ipv4:10.0.0.1:1"), refusals.admit("ipv4:10.0.0.1:2")] == [0, None]

    refusals.admit("ipv4:10.0.0.2:1")
    refusals.admit("ipv4:10.0.0.3:1")  # a third host: 10.0.0.1's window is forgotten

    assert refusals.admit("ipv4:10.0.0.1:3") == 0
    assert refusals.admit("ipv4:10.0.0.3:2") is None


def test_a_peer_is_counted_by_its_address_without_the_port() -> None:
    assert host_of("ipv4:10.1.2.3:51234") == "ipv4:10.1.2.3"
    assert host_of("ipv6:[::1]:5") == "ipv6:[::1]"
    assert host_of("unix:/run/zy.sock") == "unix:/run/zy.sock"
    assert host_of("ipv4:10.1.2.3") == "ipv4:10.1.2.3"


def test_a_record_after_left_out_refusals_says_how_many_within_the_error_limit() -> None:
    refused = failed(record_of(inv.Host(name="h")), "UNAUTHENTICATED", "x" * MAX_ERROR_CHARS)

    noted = with_left_out(refused, 12)

    assert noted.error.endswith("[12 earlier refused call(s) from ipv4:x were not recorded]")
    assert len(noted.error) == MAX_ERROR_CHARS and noted.outcome == "UNAUTHENTICATED"
    assert with_left_out(refused, 0) == refused
