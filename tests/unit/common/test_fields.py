"""The parsers of a host's fields: what a machine is reached by, logged in as and keeps its files in."""

import pytest

from services.common import fields as f


@pytest.mark.parametrize(
    "address", ["fe80::1%eth0", "fe80::1%{{ lookup('pipe', 'id') }}", "fe80::1% x y", "fe80::1%\x00"]
)
def test_an_ipv6_address_with_an_interface_zone_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="interface zone"):
        f.network_address(address)


@pytest.mark.parametrize("address", ["10.1.0.11", "::1", "fd00::5", "jkk-app-01", "jkk-app.henan.gov.cn"])
def test_a_dns_name_or_an_ip_address_is_an_address(address: str) -> None:
    assert f.network_address(f" {address} ") == address


@pytest.mark.parametrize(
    "address", ["10.1.0.11; id", "{{ lookup('pipe', 'id') }}", "-oProxyCommand=id", "a..b", "x" * 254, "主机"]
)
def test_anything_else_is_refused_as_an_address(address: str) -> None:
    with pytest.raises(ValueError, match="DNS name or an IP address|longer than 253"):
        f.network_address(address)


@pytest.mark.parametrize("user", ["root", "deploy", "zy_ops", "_svc"])
def test_a_login_name_is_accepted(user: str) -> None:
    assert f.login_name(user) == user


@pytest.mark.parametrize("user", ["Root", "de ploy", "$(id)", "{{ x }}", "-l", "u" * 33])
def test_anything_else_is_refused_as_a_login_name(user: str) -> None:
    with pytest.raises(ValueError, match="not a login name"):
        f.login_name(user)


@pytest.mark.parametrize("path", ["/srv/zhongyuan", "var/hosts/HA-WJW-JKK/source", "/usr/bin/python3.11"])
def test_a_path_of_portable_characters_is_accepted(path: str) -> None:
    assert f.file_path(500)(path) == path


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/srv/{{ lookup('pipe', 'id') }}", "not a path of"),
        ("/srv/$(id)", "not a path of"),
        ("/srv/a b", "not a path of"),
        ("/srv/../etc", "climbs out"),
        ("/" + "d" * 500, "longer than 500"),
    ],
)
def test_a_path_that_could_run_or_reach_elsewhere_is_refused(path: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        f.file_path(500)(path)


@pytest.mark.parametrize("value", ["-1", "inf", "nan", float("inf")])  # YAML reads .inf as a float
def test_a_quantity_below_zero_or_not_finite_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="must be a finite number not below 0"):
        f.non_negative(value)


def test_a_quantity_of_zero_or_more_is_a_number() -> None:
    assert (f.non_negative(" 120.5 "), f.non_negative(0)) == (120.5, 0.0)
