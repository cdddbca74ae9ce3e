"""A consuming service killed with SIGKILL mid-stream and started again loses nothing and counts nothing twice."""

import sqlalchemy as sa
from kafka import KafkaProducer

from services.common.engines import create_engine
from tests.fixtures.inventory_events import registrations, unique_department
from tests.fixtures.metrics_page import scraped
from tests.fixtures.services import eventually, produce
from tools.stack import Stack

EVENTS = 10_000  # monitoring folds a poll in one transaction: enough polls that a kill lands mid-stream


def test_monitoring_killed_mid_stream_resumes_without_loss_or_double_counting(tmp_path, database_url) -> None:
    stack = Stack.on_free_ports(tmp_path, database_urls={"monitoring": database_url})
    stack.broker.start()
    try:
        monitoring = stack.start_service("monitoring")
        monitoring.wait_healthy()
        department = unique_department()
        producer = KafkaProducer(bootstrap_servers=stack.broker.bootstrap, acks="all")
        produce(producer, *registrations(department, EVENTS))
        producer.close()
        engine = create_engine(database_url)

        def handled() -> int:
            with engine.connect() as connection:
                return connection.scalar(sa.text("SELECT count(*) FROM processed_event"))

        eventually(lambda: handled() >= 20, "monitoring to be part-way through", timeout=60)
        monitoring.kill()
        assert handled() < EVENTS, "monitoring finished before it was killed: the test proves nothing"

        restarted = stack.start_service("monitoring")
        restarted.wait_healthy()
        metrics = f"{restarted.http_url}/metrics"
        eventually(
            lambda: scraped(metrics, "zhongyuan_inventory_systems", department=department) == EVENTS,
            f"all {EVENTS} systems",
            timeout=90,
        )
        assert handled() == EVENTS
    finally:
        stack.stop()
