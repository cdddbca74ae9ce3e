"""Monitoring's read model can be rebuilt from the topics: a replica with an empty database and consumer groups of its
own folds the same events, redeliveries included, into the same rows (docs/deploy.md, section 7)."""

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from kafka import KafkaProducer

from services.common.engines import create_engine
from services.common.events import STEP_COMPLETED, STEP_FAILED, STEP_PROGRESS, STEP_STARTED, Event
from services.monitoring.service import MonitoringService
from tests.fixtures.interconnect_events import link_changed
from tests.fixtures.inventory_events import data_resource
from tests.fixtures.migration_events import Run, hours_ago, system_registered
from tests.fixtures.services import CATCH_UP_SECONDS, eventually, produce

READ_MODEL = (
    "system_view",
    "migration_view",
    "step_view",
    "step_outcome",
    "link_view",
    "exchange_view",
    "data_resource_view",
)


def history() -> list[Event]:
    """A department's systems, runs and steps, a city link and data resources, as the other services publish them."""
    done, failed, retried = Run("HA-WJW", "HA-WJW-JKK"), Run("HA-WJW", "HA-WJW-SBK"), Run("HA-WJW", "HA-WJW-YB")
    again = Run("HA-WJW", "HA-WJW-YB", system_id=retried.system_id)  # a second run of the same system
    return [
        *(system_registered(run) for run in (done, failed, retried)),
        done.state("pending", "precheck", at=hours_ago(3)),
        done.step(STEP_STARTED, "precheck"),
        done.step(STEP_COMPLETED, "precheck", seconds=4.5),
        done.state("verify", "completed"),
        failed.step(STEP_PROGRESS, "sync", percent=60, message="rsync 数据"),
        failed.step(STEP_FAILED, "sync", seconds=30.0, message="rsync: connection refused"),
        failed.state("sync", "failed", "数据同步失败"),
        retried.state("pending", "cancelled", at=hours_ago(2)),
        again.state("pending", "deploy"),
        link_changed("HA-LY", state=2, latency_ms=850.0),
        data_resource("HA-WJW", "HA-WJW-RK", planned="2016-06-30"),
        data_resource("HA-WJW", "HA-WJW-FR", planned="2016-03-31", actual="2016-03-30"),
    ]


# Rows of each table once history() is folded: three systems, of which one ran twice; two finished step attempts.
FOLDED = {
    "system_view": 3,
    "migration_view": 3,
    "step_view": 2,
    "step_outcome": 2,
    "link_view": 1,
    "exchange_view": 0,
    "data_resource_view": 2,
}


def sizes(model: dict[str, list[tuple[Any, ...]]]) -> dict[str, int]:
    return {table: len(rows) for table, rows in model.items()}


def read_model(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    with create_engine(database_url).connect() as connection:
        return {
            table: sorted(tuple(row) for row in connection.execute(sa.text(f"SELECT * FROM {table}")))
            for table in READ_MODEL
        }


def an_empty_database_like(database_url: str, postgres_database: Any, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rebuilt.db'}" if database_url.startswith("sqlite") else postgres_database()


def test_a_new_replica_on_an_empty_database_rebuilds_the_same_read_model_from_the_topics(
    own_broker, database_url, postgres_database, tmp_path, container_factory, service_config
) -> None:  # type: ignore[no-untyped-def]
    events = history()
    producer = KafkaProducer(bootstrap_servers=own_broker.bootstrap, acks="all")
    produce(producer, *events, *events[3:6])  # with a redelivery of a run's first events
    producer.close(timeout=5)
    container_factory(MonitoringService, service_config(database_url, KAFKA_BOOTSTRAP=own_broker.bootstrap)).start()
    eventually(
        lambda: sizes(read_model(database_url)) == FOLDED, "the first replica's read model", timeout=CATCH_UP_SECONDS
    )

    rebuilt_url = an_empty_database_like(database_url, postgres_database, tmp_path)
    container_factory(MonitoringService, service_config(rebuilt_url, KAFKA_BOOTSTRAP=own_broker.bootstrap)).start()
    eventually(lambda: sizes(read_model(rebuilt_url)) == FOLDED, "the rebuilt read model", timeout=CATCH_UP_SECONDS)

    assert read_model(rebuilt_url) == read_model(database_url)
