"""A real Prometheus scrapes the four running services with the suite's alert rules: a migration whose precheck
playbook fails fires ZhongyuanMigrationStepFailed for its department, and no service is reported down."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inv_grpc
from services.pb.zhongyuan.migration.v1 import migration_pb2 as mig
from services.pb.zhongyuan.migration.v1 import migration_pb2_grpc as mig_grpc
from tests.e2e.conftest import RunningStack
from tests.e2e.prometheus import RULES, PrometheusServer
from tests.fixtures.services import eventually, unary
from tools.stack import SERVICES

DEPARTMENT = "HA-WJW"
SYSTEM = "HA-WJW-DZBL"
STEP_FAILED = "ZhongyuanMigrationStepFailed"


@pytest.fixture(scope="module")
def prometheus(module_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    server = PrometheusServer(tmp_path_factory.mktemp("prometheus"))
    try:
        server.start(module_stack.stack)
        eventually(lambda: services_up(server) == set(SERVICES), "prometheus to scrape every service", timeout=30)
        yield server
    finally:
        server.stop()


def services_up(prometheus: PrometheusServer) -> set[str]:
    return {t["labels"]["service"] for t in prometheus.targets() if t["health"] == "up"}


def firing(prometheus: PrometheusServer, alert: str, **labels: str) -> list[dict]:
    return [
        a
        for a in prometheus.alerts(alert)
        if a["state"] == "firing" and all(a["labels"].get(k) == v for k, v in labels.items())
    ]


def test_prometheus_scrapes_every_service_and_loads_the_suites_rules_file(module_stack, prometheus) -> None:
    targets = {t["labels"]["service"]: t for t in prometheus.targets()}

    assert set(targets) == set(SERVICES)
    for name, target in targets.items():
        assert target["labels"]["suite"] == "zhongyuan"
        assert target["scrapeUrl"] == f"{module_stack.stack.services[name].http_url}/metrics"
    groups = prometheus.api("rules")["groups"]
    assert {group["file"] for group in groups} == {str(RULES)}
    assert STEP_FAILED in {rule["name"] for group in groups for rule in group["rules"]}


def catalogue(hosts_root: Path) -> bytes:
    """HA-WJW with a 等保 level 3 system whose target zone has no cryptography: its precheck playbook fails."""
    (hosts_root / "source" / "data").mkdir(parents=True)
    (hosts_root / "source" / "data" / "records.csv").write_text("id\n1\n", encoding="utf-8")
    (hosts_root / "target").mkdir()
    hosts = ", ".join(
        f"{{name: dzbl-{role[:3]}, address: 127.0.0.1, role: {role}, connection: local, root: '{hosts_root / role}'}}"
        for role in ("source", "target")
    )
    return (
        f"organisations: [{{code: {DEPARTMENT}, name: 河南省卫生和计划生育委员会, admin_level: province}}]\n"
        "zones: [{code: ZY-HLW, name: 互联网区}]\n"
        f"systems: [{{code: {SYSTEM}, name: 电子病历共享, organisation: {DEPARTMENT}, admin_level: province, "
        f"mlps_level: 3, target_zone: ZY-HLW, rollback_contact: 张伟, hosts: [{hosts}]}}]\n"
    ).encode()


def test_a_failed_precheck_fires_the_step_failed_alert_for_its_department(module_stack, prometheus, tmp_path) -> None:
    operator = module_stack.token("operator")
    inventory = module_stack.stub("inventory", inv_grpc.InventoryServiceStub)
    unary(inventory.ImportCatalog, inv.ImportCatalogRequest(content=catalogue(tmp_path / "hosts")), operator)
    registered = f'zhongyuan_inventory_systems{{suite="zhongyuan", department="{DEPARTMENT}"}}'
    eventually(lambda: prometheus.query(registered), f"prometheus to scrape {DEPARTMENT}'s system")
    assert not prometheus.alerts(STEP_FAILED), "the alert fired before any migration failed"

    migration = module_stack.stub("migration", mig_grpc.MigrationServiceStub)
    unary(migration.StartMigration, mig.StartMigrationRequest(system_code=SYSTEM, auto_approve=True), operator)

    [alert] = eventually(
        lambda: firing(prometheus, STEP_FAILED, department=DEPARTMENT), f"{STEP_FAILED} firing for {DEPARTMENT}", 60
    )
    assert DEPARTMENT in alert["annotations"]["summary"]
    assert alert["labels"]["severity"] == "warning"
    run = unary(migration.GetMigration, mig.GetMigrationRequest(id=SYSTEM), operator)
    assert (run.state, run.failed_step) == ("failed", "precheck")
    assert not firing(prometheus, "ZhongyuanServiceDown")
    assert services_up(prometheus) == set(SERVICES)
