import re
import urllib.request
import uuid

from kafka import KafkaProducer

from services.common.events import INVENTORY_EVENTS, Event
from tests.fixtures.inventory_events import system_event


def registrations(organisation_code: str, count: int) -> list[Event]:
    return [
        system_event(f"{organisation_code}-S{i:04d}", organisation_code, name=f"系统{i}", status="registered")
        for i in range(count)
    ]


def publish(producer: KafkaProducer, events: list[Event]) -> None:
    for event in events:
        producer.send(
            INVENTORY_EVENTS,
            key=event.subject.encode(),
            value=event.payload.SerializeToString(),
            headers=event.headers(),
        )
    producer.flush()


def systems_gauge(metrics_url: str, department: str) -> float | None:
    """The value of zhongyuan_inventory_systems for `department` on a /metrics page, None if absent."""
    with urllib.request.urlopen(metrics_url, timeout=5) as response:
        text = response.read().decode()
    match = re.search(rf'^zhongyuan_inventory_systems\{{department="{re.escape(department)}"\}} (\S+)$', text, re.M)
    return float(match.group(1)) if match else None


def unique_department() -> str:
    return f"HA-T{uuid.uuid4().hex[:6].upper()}"
