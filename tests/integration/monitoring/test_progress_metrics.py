"""Monitoring folds migration, interconnect and data-resource events into its read model and shows them on /metrics."""

import time

import pytest

from services.common.events import (
    INTERCONNECT_EVENTS,
    INVENTORY_EVENTS,
    MIGRATION_EVENTS,
    STEP_COMPLETED,
    STEP_FAILED,
    STEP_STARTED,
)
from services.monitoring.service import MonitoringService
from tests.fixtures.interconnect_events import link_changed, link_latency_changed
from tests.fixtures.inventory_events import data_resource, unique_department
from tests.fixtures.metrics_page import metrics_text, sample
from tests.fixtures.migration_events import Run, system_registered
from tests.fixtures.services import CATCH_UP_SECONDS, eventually, produce


@pytest.fixture
def metrics_url(database_url, container_factory, service_config) -> str:  # type: ignore[no-untyped-def]
    config = service_config(database_url)
    container_factory(MonitoringService, config).start()
    return f"http://{config['WEB_SERVER_ADDRESS']}/metrics"


def test_steps_are_counted_once_with_their_durations_and_no_run_id_label(metrics_url, producer) -> None:
    # The broker is shared with other tests: steps and wave named uniquely keep this test's counts apart.
    suffix = unique_department()
    precheck, sync = f"precheck-{suffix}", f"sync-{suffix}"
    run = Run(unique_department(), "HA-T-JKK", wave_name=f"第一批-{suffix}")
    events = [
        system_registered(run),
        run.step(STEP_STARTED, precheck),
        run.step(STEP_COMPLETED, precheck, seconds=12.5),
        run.step(STEP_FAILED, sync, seconds=3.0, message="rsync: connection refused"),
        run.state("sync", "failed", "sync failed: rsync: connection refused"),
    ]
    produce(producer, *events)
    failed = {"department": run.organisation_code, "state": "failed"}
    eventually(
        lambda: sample(metrics_text(metrics_url), "zhongyuan_migrations", **failed) == 1,
        "the failed run",
        timeout=CATCH_UP_SECONDS,
    )

    marker = Run(run.organisation_code, "HA-T-MARK")
    produce(producer, *events, marker.state("pending", "precheck"))  # a redelivery, then something new
    running = {"department": run.organisation_code, "state": "precheck"}
    eventually(lambda: sample(metrics_text(metrics_url), "zhongyuan_migrations", **running) == 1, "the marker run")

    text = metrics_text(metrics_url)
    assert sample(text, "zhongyuan_migration_steps_total", step=precheck, result="completed") == 1
    assert sample(text, "zhongyuan_migration_steps_total", step=sync, result="failed") == 1
    assert sample(text, "zhongyuan_migration_step_duration_seconds_bucket", step=precheck, le="10.0") == 0
    assert sample(text, "zhongyuan_migration_step_duration_seconds_bucket", step=precheck, le="60.0") == 1
    assert sample(text, "zhongyuan_migration_step_duration_seconds_bucket", step=precheck, le="172800.0") == 1
    assert sample(text, "zhongyuan_migration_step_duration_seconds_sum", step=precheck) == 12.5
    assert sample(text, "zhongyuan_wave_last_progress_timestamp_seconds", wave=run.wave_name) is not None
    assert sample(text, "zhongyuan_migration_oldest_progress_timestamp_seconds", department=run.organisation_code)
    assert run.system_id not in text and run.run_id not in text


def test_city_share_links_and_overdue_data_resources_appear_per_city_and_department(metrics_url, producer) -> None:
    city = unique_department()
    done, pending = Run(city, f"{city}-ZWFW"), Run(city, f"{city}-GJJ")
    produce(
        producer,
        system_registered(done, admin_level=2),
        system_registered(pending, admin_level=2),
        done.state("verify", "completed"),
        link_changed(city, state=1, latency_ms=12.0),
        data_resource(city, f"{city}-RK", planned="2016-03-31"),
        data_resource(city, f"{city}-FR", planned="2016-03-31", actual="2016-03-30"),
    )

    expected = {
        ("zhongyuan_data_resources_overdue", "department"): 1,
        ("zhongyuan_city_migrated_ratio", "city"): 0.5,  # 上云率: one of the city's two systems
        ("zhongyuan_migrated_ratio", "department"): 0.5,  # the city's own organisation owns both
        ("zhongyuan_city_link_up", "city"): 1,
        ("zhongyuan_city_link_probe_latency_seconds", "city"): 0.012,
    }

    def folded() -> bool:
        text = metrics_text(metrics_url)
        return all(sample(text, name, **{label: city}) == value for (name, label), value in expected.items())

    eventually(folded, "the city's data resources, systems and link on /metrics", timeout=CATCH_UP_SECONDS)
    lag = sample(metrics_text(metrics_url), "zhongyuan_monitoring_event_lag_seconds", topic=INVENTORY_EVENTS)
    assert lag is not None and lag >= 0

    produce(producer, link_latency_changed(city, latency_ms=300.0))  # still up, noticeably slower
    slower = lambda: sample(metrics_text(metrics_url), "zhongyuan_city_link_probe_latency_seconds", city=city) == 0.3  # noqa: E731
    eventually(slower, "the link's new latency")

    produce(producer, link_changed(city, state=2, latency_ms=850.0))  # degraded: answers, slowly
    slow = lambda: sample(metrics_text(metrics_url), "zhongyuan_city_link_probe_latency_seconds", city=city) == 0.85  # noqa: E731
    eventually(slow, "the slow probe")
    assert sample(metrics_text(metrics_url), "zhongyuan_city_link_up", city=city) == 1

    produce(producer, data_resource(city, f"{city}-RK", planned="2016-03-31", retired=True))
    retired = lambda: sample(metrics_text(metrics_url), "zhongyuan_data_resources_overdue", department=city) is None  # noqa: E731
    eventually(retired, "the retired data resource no longer overdue")

    produce(producer, link_changed(city, state=3, latency_ms=0.0))
    eventually(lambda: sample(metrics_text(metrics_url), "zhongyuan_city_link_up", city=city) == 0, "the link down")


def test_a_replica_that_hears_nothing_shows_its_start_as_the_last_event(
    own_broker, database_url, container_factory, service_config
) -> None:
    config = service_config(database_url, KAFKA_BOOTSTRAP=own_broker.bootstrap)  # topics with no events at all
    before = time.time()
    container_factory(MonitoringService, config).start()

    text = metrics_text(f"http://{config['WEB_SERVER_ADDRESS']}/metrics")

    for topic in (INVENTORY_EVENTS, MIGRATION_EVENTS, INTERCONNECT_EVENTS):
        shown = sample(text, "zhongyuan_monitoring_last_event_timestamp_seconds", topic=topic)
        assert shown is not None and before <= shown <= time.time(), topic
