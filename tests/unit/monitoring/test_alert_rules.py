"""The alert rules: valid for promtool, their unit tests pass, and the PrometheusRule in deploy/k8s carries them."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
RULES = REPO / "services" / "monitoring" / "alerts" / "rules.yml"
RULE_TESTS = Path(__file__).with_name("alerts_test.yml")
PROMETHEUS_RULE = REPO / "deploy" / "k8s" / "base" / "prometheus-rules.yaml"
EXPORTERS = [REPO / "services" / "monitoring" / path for path in ("adapters/collectors.py", "dependencies.py")]
REQUIRED = {
    "ZhongyuanServiceDown",
    "ZhongyuanMigrationStepFailed",
    "ZhongyuanMigrationStuck",
    "ZhongyuanStatusStale",
    "ZhongyuanCityLinkDown",
    "ZhongyuanExchangeOverdue",
    "ZhongyuanDataOpeningOverdue",
    "ZhongyuanWaveBehindWindow",
    "ZhongyuanReplicationLagGrowing",
}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run promtool (Debian package `prometheus`); a missing promtool fails the test."""
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is not installed: `apt-get install -y prometheus` (.ci/run does it)", pytrace=False)
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120)


def alerts() -> dict[str, str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"] if "alert" in rule}


def test_the_rules_file_is_valid_for_promtool() -> None:
    checked = promtool("check", "rules", str(RULES))

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {sum(1 for _ in alerts())} rules found" in checked.stdout


def test_the_promtool_unit_tests_of_every_alert_pass() -> None:
    tested = promtool("test", "rules", str(RULE_TESTS))

    assert tested.returncode == 0, tested.stdout + tested.stderr
    named = set(re.findall(r"alertname: (\w+)", RULE_TESTS.read_text()))
    assert named == set(alerts()) - {"ZhongyuanOutboxBacklog"} | REQUIRED


def test_the_prometheus_rule_in_deploy_carries_exactly_the_rules_file() -> None:
    deployed = yaml.safe_load(PROMETHEUS_RULE.read_text())

    assert deployed["kind"] == "PrometheusRule"
    assert deployed["spec"]["groups"] == yaml.safe_load(RULES.read_text())["groups"]


def test_monitoring_alerts_watch_series_monitoring_exports() -> None:
    sources = [path.read_text() for path in EXPORTERS]
    exported = {name for source in sources for name in re.findall(r'"(zhongyuan_\w+)"', source)}
    # a counter family is exposed with the _total suffix
    exported |= {f"{name}_total" for s in sources for name in re.findall(r'CounterMetricFamily\(\s*"(\w+)"', s)}
    groups = yaml.safe_load(RULES.read_text())["groups"]
    (monitoring,) = [group for group in groups if group["name"] == "zhongyuan.monitoring"]
    for rule in monitoring["rules"]:
        series = set(re.findall(r"\b(zhongyuan_\w+)\s*\{", rule["expr"]))
        assert series and series <= exported, rule["alert"]
        assert 'suite="zhongyuan"' in rule["expr"], rule["alert"]
