"""Warm migrations over the real broker: the replication lag of the systems replicating now and the downtime of every
warm cutover, on monitoring's /metrics (bounded by organisation) and its status page."""

import urllib.request
from typing import Any

import pytest

from services.common.events import STEP_COMPLETED, Event
from services.monitoring.service import MonitoringService
from services.pb.zhongyuan.migration.v1 import events_pb2
from tests.fixtures.inventory_events import unique_department
from tests.fixtures.metrics_page import metrics_text, sample, scraped
from tests.fixtures.migration_events import Run, system_registered
from tests.fixtures.services import CATCH_UP_SECONDS, eventually, produce

LAG = "zhongyuan_migration_replication_lag_seconds"
DOWNTIME = "zhongyuan_migration_cutover_downtime_seconds"


@pytest.fixture
def monitoring(database_url, container_factory, service_config) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    config = service_config(database_url)
    container_factory(MonitoringService, config).start()
    return config


def completed(run: Run, step: str, **measured: Any) -> Event:
    """The run's `step` completed, with what it measured: replication_lag (replicate), downtime_seconds (cutover)."""
    event = run.step(STEP_COMPLETED, step, seconds=30.0)
    event.payload.MergeFrom(events_pb2.StepEvent(**measured))
    return event


def test_the_lag_of_replicating_systems_and_each_warm_cutovers_downtime_reach_metrics_once(
    monitoring, producer, operator_token
) -> None:  # type: ignore[no-untyped-def]
    metrics_url = f"http://{monitoring['WEB_SERVER_ADDRESS']}/metrics"
    org = unique_department()
    warm, done = Run(org, f"{org}-JKK"), Run(org, f"{org}-SBK")
    cutover = completed(done, "cutover", downtime_seconds=3.5)
    produce(
        producer,
        system_registered(warm),
        system_registered(done),
        warm.state("deploy", "replicating"),
        completed(warm, "replicate", replication_lag=events_pb2.ReplicationLag(seconds=42.5, transactions=7)),
        done.state("replicating", "cutover"),
        cutover,
        done.state("cutover", "verify"),
    )
    eventually(lambda: scraped(metrics_url, LAG, organisation=org) == 42.5, "the lag", timeout=CATCH_UP_SECONDS)
    eventually(lambda: scraped(metrics_url, f"{DOWNTIME}_count", organisation=org) == 1, "the downtime")

    newer = completed(warm, "replicate", replication_lag=events_pb2.ReplicationLag(seconds=51.0, transactions=9))
    produce(producer, cutover, newer)  # the cutover again, as a redelivery brings it, then the next precopy
    eventually(lambda: scraped(metrics_url, LAG, organisation=org) == 51.0, "the next precopy's lag")

    text = metrics_text(metrics_url)
    assert sample(text, f"{DOWNTIME}_count", organisation=org) == 1
    assert sample(text, f"{DOWNTIME}_sum", organisation=org) == 3.5
    assert sample(text, f"{DOWNTIME}_bucket", organisation=org, le="2.0") == 0
    assert sample(text, f"{DOWNTIME}_bucket", organisation=org, le="5.0") == 1
    for run in (warm, done):
        assert run.system_id not in text and run.run_id not in text and run.system_code not in text
    page = f"http://{monitoring['WEB_SERVER_ADDRESS']}/status/org/{org}?token={operator_token}"
    with urllib.request.urlopen(page, timeout=5) as response:
        html = response.read().decode()
    assert "复制延迟 / replication lag: 51.0 s (9 transactions)" in html
    assert "停写时长 / cutover downtime: 3.5 s" in html

    produce(producer, warm.state("replicating", "cutover", "cutover approved"))
    eventually(lambda: scraped(metrics_url, LAG, organisation=org) is None, "no lag once the cutover began")
