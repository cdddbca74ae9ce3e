import re
import urllib.request
import uuid

from kafka import KafkaProducer

from services.common.events import INVENTORY_EVENTS, SYSTEM_REGISTERED, Event, new_event
from services.pb.zhongyuan.inventory.v1 import events_pb2, inventory_pb2


def registrations(organisation_code: str, count: int) -> list[Event]:
    events = []
    for i in range(count):
        system = inventory_pb2.System(
            id=str(uuid.uuid4()),
            code=f"{organisation_code}-S{i:04d}",
            name=f"系统{i}",
            organisation_code=organisation_code,
            status="registered",
        )
        payload = events_pb2.SystemRegistered(system=system)
        events.append(new_event(SYSTEM_REGISTERED, "/zhongyuan/inventory", system.id, payload))
    return events


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
