"""Checking platforms and shared resources: every bad field named, the demo network complete."""

import pytest

from services.common.errors import InvalidArgument
from services.interconnect.domain import registry
from services.interconnect.domain.endpoints import Scheme, parse_endpoint
from services.interconnect.domain.model import AdminLevel
from services.interconnect.domain.registry import Entry


def violations(error: pytest.ExceptionInfo[InvalidArgument]) -> dict[str, str]:
    return {v.field: v.reason for v in error.value.violations}


def test_the_demo_network_is_the_province_its_18_cities_and_10_counties(demo_platforms: bytes) -> None:
    platforms, resources = registry.entries_from_yaml(demo_platforms)

    checked = registry.check_platforms(platforms, set())

    levels = [p["admin_level"] for p in checked]
    assert (levels.count(AdminLevel.PROVINCE), levels.count(AdminLevel.CITY), levels.count(AdminLevel.COUNTY)) == (
        1,
        18,
        10,
    )
    assert {"HA-ZZ", "HA-JY", "HA-GY", "HA-LK", "HA-RZ", "HA-YC"} <= {p["code"] for p in checked}
    assert registry.check_resources(resources, {p["code"] for p in checked})


def test_every_bad_field_of_every_entry_is_named() -> None:
    entries = [
        Entry("platforms[0]", {"code": "ha-zz", "name": "郑州", "admin_level": "city", "endpoint": "ftp://x:1"}),
        Entry(
            "platforms[1]",
            {"code": "HA-LY", "name": "", "admin_level": "town", "parent": "HA-NOPE", "endpoint": "tcp://host"},
        ),
        Entry(
            "platforms[2]",
            {
                "code": "HA-KF",
                "name": "开封",
                "admin_level": "city",
                "parent": "HA",
                "endpoint": "http://10.0.0.1/h",
                "network_segment": "10.0.0.300/8",
                "colour": "red",
            },
        ),
    ]

    with pytest.raises(InvalidArgument) as raised:
        registry.check_platforms(entries, {"HA"})

    found = violations(raised)
    assert "is not a code" in found["platforms[0].code"]
    assert "does not start with tcp://" in found["platforms[0].endpoint"]
    assert found["platforms[0].parent"] == "a city platform needs its parent platform"
    assert found["platforms[1].name"] == "is required"
    assert "is not one of province, city, county" in found["platforms[1].admin_level"]
    assert "needs a port" in found["platforms[1].endpoint"]
    assert "CIDR" in found["platforms[2].network_segment"]
    assert found["platforms[2].colour"] == "is not a field"


def test_a_parent_may_come_from_the_same_import_but_must_exist() -> None:
    province = Entry("p[0]", {"code": "HA", "name": "省", "admin_level": "province", "endpoint": "tcp://a:1"})
    city = Entry(
        "p[1]", {"code": "HA-ZZ", "name": "郑州", "admin_level": "city", "parent": "HA", "endpoint": "tcp://a:1"}
    )

    assert len(registry.check_platforms([province, city], set())) == 2
    with pytest.raises(InvalidArgument) as raised:
        registry.check_platforms([city], set())
    assert violations(raised) == {"p[1].parent": "no platform HA"}


def test_a_code_given_twice_is_refused() -> None:
    entry = Entry("p", {"code": "HA", "name": "省", "admin_level": "province", "endpoint": "tcp://a:1"})

    with pytest.raises(InvalidArgument, match="HA appears more than once"):
        registry.check_platforms([entry, entry], set())


@pytest.mark.parametrize(("given", "seconds"), [(90, 90), ("30m", 1800), ("6h", 21600), ("1d", 86400), ("2w", 1209600)])
def test_schedules_are_seconds_or_durations(given: object, seconds: int) -> None:
    assert registry.schedule_seconds(given) == seconds


@pytest.mark.parametrize("given", [0, "-5", "soon", "1y"])
def test_a_schedule_must_be_a_positive_duration(given: object) -> None:
    with pytest.raises(ValueError, match="not a positive duration"):
        registry.schedule_seconds(given)


def test_a_schedule_longer_than_a_year_is_refused_before_its_due_date_overflows() -> None:
    assert registry.schedule_seconds("52w") == 52 * 604800
    with pytest.raises(ValueError, match="'300000w' is longer than a year"):
        registry.schedule_seconds("300000w")


def test_an_endpoint_too_long_to_quote_in_a_probe_error_is_refused() -> None:
    long_url = "https://gw.zz.gov/" + "q" * 400
    entry = Entry("p", {"code": "HA", "name": "省", "admin_level": "province", "endpoint": long_url})

    with pytest.raises(InvalidArgument) as raised:
        registry.check_platforms([entry], set())

    assert violations(raised) == {"p.endpoint": "is longer than 400 characters"}


def test_a_resource_needs_a_known_platform_and_a_direction() -> None:
    entry = Entry("r", {"code": "HA-ZZ-RK", "name": "人口", "platform": "HA-ZZ", "direction": "up", "schedule": "1d"})

    with pytest.raises(InvalidArgument) as raised:
        registry.check_resources([entry], {"HA"})

    assert violations(raised).keys() == {"r.platform", "r.direction"}


@pytest.mark.parametrize(
    ("text", "scheme", "target"),
    [
        ("tcp://10.41.1.1:9000", Scheme.TCP, "10.41.1.1:9000"),
        ("http://gw.zz.gov/health", Scheme.HTTP, "gw.zz.gov:80"),
        ("https://gw.zz.gov/health", Scheme.HTTPS, "gw.zz.gov:443"),
        ("grpc://127.0.0.1:50053", Scheme.GRPC, "127.0.0.1:50053"),
        ("grpc://[::1]:50053", Scheme.GRPC, "[::1]:50053"),
    ],
)
def test_endpoints_name_a_scheme_a_host_and_a_port(text: str, scheme: Scheme, target: str) -> None:
    endpoint = parse_endpoint(text)

    assert (endpoint.scheme, endpoint.target) == (scheme, target)


def test_an_import_file_must_hold_only_the_two_sections() -> None:
    with pytest.raises(InvalidArgument, match="sections platforms and shared_resources"):
        registry.entries_from_yaml(b"systems: []")
    with pytest.raises(InvalidArgument, match="is not YAML"):
        registry.entries_from_yaml(b"platforms: [")
