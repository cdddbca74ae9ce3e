"""tests/docker-compose.yml: the same stack as deploy/k8s (image, commands, ports, settings), and the backing services
pytest-docker brings up for the tests."""

import re
from typing import Any

import pytest
import yaml

from tests.unit.deploy.manifests import (
    IMAGE,
    REPO,
    SERVICES,
    config_variables,
    container_ports,
    of_kind,
    server,
    service_command,
)

COMPOSE = REPO / "tests" / "docker-compose.yml"
BACKING = ("broker", "postgres")
# A token exists only once the stack's auth-init has run: the compose stack makes no service-to-service calls with it.
NOT_IN_COMPOSE = {"SERVICE_TOKEN"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def published(service: dict[str, Any]) -> dict[int, int]:
    """container port -> host port."""
    pairs = (str(mapping).rsplit(":", 2)[-2:] for mapping in service.get("ports", []))
    return {int(container): int(host) for host, container in pairs}


def test_the_stack_has_the_backing_services_the_suite_and_prometheus(compose) -> None:
    assert set(compose["services"]) >= {*BACKING, *SERVICES, "prometheus"}


def test_pytest_docker_starts_the_backing_services_on_the_ports_the_fixture_waits_for(compose) -> None:
    fixture = (REPO / "tests" / "fixtures" / "backing.py").read_text(encoding="utf-8")
    waited_for = {int(port) for port in re.findall(r"127\.0\.0\.1:(\d+)", fixture)}
    host_ports = set()
    for name in BACKING:
        assert "profiles" not in compose["services"][name], f"{name} comes up without a profile"
        host_ports |= set(published(compose["services"][name]).values())
    assert waited_for and waited_for <= host_ports
    suite = [name for name, service in compose["services"].items() if name not in BACKING]
    assert all("stack" in compose["services"][name].get("profiles", []) for name in suite), "the tests run their own"


def test_the_four_services_run_the_one_image_as_in_kubernetes(compose, base) -> None:
    (k8s_image,) = {server(deployment)["image"] for deployment in of_kind(base, "Deployment").values()}
    assert k8s_image == IMAGE
    for name in SERVICES:
        service = compose["services"][name]
        assert service["image"].rsplit(":", 1)[0] == k8s_image, name
        assert service["command"] == server(of_kind(base, "Deployment")[name])["command"] == service_command(name)
        assert (
            COMPOSE.parent / service["build"]["context"] / service["build"].get("dockerfile", "Dockerfile")
        ).is_file()
        assert service.get("read_only") is True and "/tmp" in service.get("tmpfs", []), name


def test_the_services_publish_and_bind_the_ports_of_their_kubernetes_containers(compose, base) -> None:
    for name, deployment in of_kind(base, "Deployment").items():
        ports, service = container_ports(deployment), compose["services"][name]
        assert published(service) == {port: port for port in ports.values()}, name
        for protocol in ("grpc", "http"):
            assert service["environment"][f"{name.upper()}_{protocol.upper()}_ADDRESS"] == f"0.0.0.0:{ports[protocol]}"


def test_every_variable_a_service_reads_is_set(compose) -> None:
    for name in SERVICES:
        assert config_variables(name) - NOT_IN_COMPOSE - set(compose["services"][name]["environment"]) == set(), name


def test_the_services_reach_the_broker_and_postgres_on_the_compose_network(compose) -> None:
    listener = " ".join(compose["services"]["broker"]["command"])
    (broker_port,) = re.findall(r"--listener-url tcp://0\.0\.0\.0:(\d+)", listener)
    for name in SERVICES:
        environment = compose["services"][name]["environment"]
        assert environment["KAFKA_BOOTSTRAP"] == f"broker:{broker_port}"
        for variable, value in environment.items():
            if variable.endswith("DATABASE_URL"):
                assert value.startswith("postgresql+psycopg2://") and "@postgres:5432/" in value, variable


def test_prometheus_scrapes_each_service_http_port_with_the_suite_label(compose, base) -> None:
    (source,) = (c["source"] for c in compose["services"]["prometheus"]["configs"])
    config = yaml.safe_load(compose["configs"][source]["content"])
    (static,) = [target for job in config["scrape_configs"] for target in job["static_configs"]]
    wanted = {f"{name}:{container_ports(d)['http']}" for name, d in of_kind(base, "Deployment").items()}
    assert set(static["targets"]) == wanted
    assert static["labels"] == {"suite": "zhongyuan"}, "the alert rules select suite=zhongyuan"
