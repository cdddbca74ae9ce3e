"""The whole spine as a user meets it: broker and four services as real processes, driven by zyctl."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.common.events import INVENTORY_EVENTS
from tests.fixtures.inventory_events import unique_department
from tests.fixtures.metrics_page import scraped
from tests.fixtures.services import eventually
from tools.devstack import create_operator_token
from tools.stack import Stack

ZYCTL = str(Path(sys.executable).parent / "zyctl")


@pytest.fixture
def stack(tmp_path):  # type: ignore[no-untyped-def]
    running = Stack.on_free_ports(tmp_path)
    token = create_operator_token(running.auth_database_url)
    (tmp_path / "zyctl.json").write_text(json.dumps(running.cli_config(token)))
    try:
        yield running.start()
    finally:
        running.stop()


def zyctl(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ZYCTL_CONFIG=str(tmp_path / "zyctl.json"), COLUMNS="200")
    return subprocess.run([ZYCTL, *args], env=env, capture_output=True, text=True, timeout=60)


def test_a_system_registered_with_zyctl_shows_up_on_monitorings_metrics(stack, tmp_path) -> None:
    department = unique_department()
    catalogue = tmp_path / "organisations.yaml"
    catalogue.write_text(f"organisations: [{{code: {department}, name: 测试委员会, admin_level: province}}]\n")
    imported = zyctl(tmp_path, "catalog", "import", str(catalogue))
    assert imported.returncode == 0, imported.stdout + imported.stderr

    registered = zyctl(
        tmp_path,
        "systems",
        "register",
        "--code",
        f"{department}-JKK",
        "--name",
        "居民健康卡",
        "--org",
        department,
        "--mlps",
        "3",
        "--output",
        "json",
    )

    assert registered.returncode == 0, registered.stderr + registered.stdout
    [system] = json.loads(registered.stdout)
    metrics = f"{stack.services['monitoring'].http_url}/metrics"
    systems = lambda: scraped(metrics, "zhongyuan_inventory_systems", department=department)  # noqa: E731
    eventually(lambda: systems() == 1, f"{department} on monitoring's /metrics", timeout=60)
    shown = zyctl(tmp_path, "systems", "show", system["id"], "--output", "json")
    assert json.loads(shown.stdout)["code"] == f"{department}-JKK"
    follower = f"{stack.services['interconnect'].http_url}/metrics"  # it learns each system's home city
    eventually(lambda: handled_inventory_events(follower) >= 1, "interconnect to follow the event", timeout=60)


def handled_inventory_events(metrics_url: str) -> float:
    handled = scraped(metrics_url, "zhongyuan_kafka_records_consumed_total", outcome="handled", topic=INVENTORY_EVENTS)
    return handled or 0.0


def test_zyctl_status_reports_all_four_services_serving(stack, tmp_path) -> None:
    status = zyctl(tmp_path, "status", "--output", "json")

    assert status.returncode == 0, status.stdout
    assert {(row["service"], row["grpc"], row["http"]) for row in json.loads(status.stdout)} == {
        (name, "SERVING", "ok") for name in ("inventory", "migration", "interconnect", "monitoring")
    }


def test_zyctl_reports_invalid_fields_and_a_wrong_token(stack, tmp_path) -> None:
    invalid = zyctl(
        tmp_path, "systems", "register", "--code", "bad code", "--name", "x", "--org", "HA-WJW", "--mlps", "9"
    )
    assert invalid.returncode == 1
    assert "INVALID_ARGUMENT" in invalid.stderr and "mlps_level" in invalid.stderr and "code:" in invalid.stderr

    env = dict(os.environ, ZYCTL_CONFIG=str(tmp_path / "zyctl.json"), ZYCTL_TOKEN="zy_forged")
    forged = subprocess.run([ZYCTL, "systems", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert forged.returncode == 1 and "UNAUTHENTICATED" in forged.stderr
