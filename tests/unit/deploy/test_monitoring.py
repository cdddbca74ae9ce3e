"""The Prometheus Operator objects (no Kubernetes schema offline): checked for the shape the operator accepts."""

import re

import pytest

from tests.unit.deploy.manifests import OVERLAYS, SERVICES, Manifest, of_kind

DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
SEVERITIES = {"critical", "warning", "info"}
# Series the kernel exports (services/common/runtime) and Prometheus's own `up`.
KNOWN_SERIES = {
    "up",
    "zhongyuan_kafka_records_consumed_total",
    "zhongyuan_outbox_events_waiting",
    "zhongyuan_outbox_events_published_total",
}
KERNEL_ALERTS = {"ZhongyuanServiceDown", "ZhongyuanRecordsDeadLettered", "ZhongyuanOutboxBacklog"}
SUITE_LABEL = ("suite", "zhongyuan")

pytestmark = pytest.mark.parametrize("overlay", OVERLAYS)


def only(objects: list[Manifest], kind: str) -> Manifest:
    (obj,) = of_kind(objects, kind).values()
    assert obj["apiVersion"] == "monitoring.coreos.com/v1"
    return obj


def rules(objects: list[Manifest]) -> list[dict]:
    groups = only(objects, "PrometheusRule")["spec"]["groups"]
    assert len({group["name"] for group in groups}) == len(groups), "group names are unique"
    return [rule for group in groups for rule in group["rules"]]


def test_service_monitor_scrapes_metrics_on_the_http_port_of_every_service(rendered, overlay: str) -> None:
    monitor = only(rendered[overlay], "ServiceMonitor")["spec"]
    wanted = monitor["selector"]["matchLabels"].items()
    selected = {
        name: {port["name"] for port in service["spec"]["ports"]}
        for name, service in of_kind(rendered[overlay], "Service").items()
        if wanted <= service["metadata"].get("labels", {}).items()
    }
    assert set(selected) == set(SERVICES)
    (endpoint,) = monitor["endpoints"]
    assert endpoint["path"] == "/metrics"
    assert all(endpoint["port"] in ports for ports in selected.values())
    assert {"targetLabel": SUITE_LABEL[0], "replacement": SUITE_LABEL[1]} in endpoint["relabelings"]


def test_alert_rules_are_well_formed(rendered, overlay: str) -> None:
    for rule in rules(rendered[overlay]):
        assert ("alert" in rule) != ("record" in rule), rule
        assert isinstance(rule["expr"], str) and rule["expr"].strip(), rule
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["expr"]
        assert DURATION.match(rule.get("for", "0s")), rule
        if "alert" in rule:
            assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
            assert rule["annotations"]["summary"], rule["alert"]


def test_kernel_alerts_watch_the_suite_series_the_kernel_exports(rendered, overlay: str) -> None:
    alerts = {rule["alert"]: rule["expr"] for rule in rules(rendered[overlay]) if "alert" in rule}
    assert set(alerts) >= KERNEL_ALERTS
    for name in KERNEL_ALERTS:  # monitoring's alerts are checked by tests/unit/monitoring/test_alert_rules.py
        expr = alerts[name]
        series = set(re.findall(r"\b(up|zhongyuan_\w+)\s*\{", expr))
        assert series and series <= KNOWN_SERIES, name
        assert f'{SUITE_LABEL[0]}="{SUITE_LABEL[1]}"' in expr, f"{name} selects the suite's series only"
