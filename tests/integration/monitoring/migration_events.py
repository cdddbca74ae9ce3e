"""Builders and a publisher for migration, interconnect and data-resource events, as the other services emit them."""

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from kafka import KafkaProducer

from services.common.events import (
    DATA_RESOURCE_RETIRED,
    DATA_RESOURCE_SCHEDULED,
    INTERCONNECT_EVENTS,
    INVENTORY_EVENTS,
    LINK_LATENCY_CHANGED,
    LINK_STATE_CHANGED,
    MIGRATION_EVENTS,
    RUN_STATE_CHANGED,
    Event,
    new_event,
)
from services.pb.zhongyuan.interconnect.v1 import events_pb2 as interconnect_events
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2
from services.pb.zhongyuan.inventory.v1 import events_pb2 as inventory_events
from services.pb.zhongyuan.inventory.v1 import inventory_pb2
from services.pb.zhongyuan.migration.v1 import events_pb2 as migration_events
from tests.fixtures.inventory_events import system_event

# A fresh consumer group folds the shared test broker's whole backlog (thousands of other tests' events) first.
CATCH_UP = 90.0


@dataclass(frozen=True)
class Run:
    """One system's migration run; builds the events the orchestrator would publish for it."""

    organisation_code: str
    system_code: str
    wave_name: str = "第一批"
    window_end: datetime | None = None  # the wave's planned window ends then (it started a week before)
    system_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def step(self, type_: str, step: str, *, percent: int = 0, seconds: float = 0.0, message: str = "") -> Event:
        payload = migration_events.StepEvent(
            run_id=self.run_id,
            system_id=self.system_id,
            system_code=self.system_code,
            organisation_code=self.organisation_code,
            wave_id="w-1",
            wave_name=self.wave_name,
            step=step,
            attempt=1,
            percent=percent,
            message=message,
            duration_seconds=seconds,
            **self._window(),
        )
        return new_event(type_, "/zhongyuan/migration", self.system_id, payload)

    def state(self, previous: str, state: str, reason: str = "", at: datetime | None = None) -> Event:
        payload = migration_events.RunStateChanged(
            run_id=self.run_id,
            system_id=self.system_id,
            system_code=self.system_code,
            organisation_code=self.organisation_code,
            wave_id="w-1",
            wave_name=self.wave_name,
            previous_state=previous,
            state=state,
            reason=reason,
            **self._window(),
        )
        event = new_event(RUN_STATE_CHANGED, "/zhongyuan/migration", self.system_id, payload)
        return replace(event, time=at) if at else event

    def _window(self) -> dict[str, Timestamp]:
        if self.window_end is None:
            return {}
        start, end = Timestamp(), Timestamp()
        start.FromDatetime(self.window_end - timedelta(days=7))
        end.FromDatetime(self.window_end)
        return {"wave_window_start": start, "wave_window_end": end}


def system_registered(run: Run, name: str = "居民健康卡", admin_level: int = 1) -> Event:
    return system_event(
        run.system_code,
        run.organisation_code,
        system_id=run.system_id,
        name=name,
        level=admin_level,
        status="registered",
    )


def data_resource(organisation: str, code: str, planned: str, actual: str = "", *, retired: bool = False) -> Event:
    """A data resource scheduled, or with `retired` the inventory's news that it was retired."""
    resource = inventory_pb2.DataResource(
        code=code,
        name="人口基础信息",
        organisation=organisation,
        planned_opening_date=planned,
        actual_opening_date=actual,
        retired=retired,
    )
    if retired:
        payload: Any = inventory_events.DataResourceRetired(data_resource=resource)
        return new_event(DATA_RESOURCE_RETIRED, "/zhongyuan/inventory", code, payload)
    payload = inventory_events.DataResourceScheduled(data_resource=resource)
    return new_event(DATA_RESOURCE_SCHEDULED, "/zhongyuan/inventory", code, payload)


def link_changed(city: str, state: int, latency_ms: float) -> Event:
    link = interconnect_pb2.Link(platform_code=city, state=state, latency_ms=latency_ms)  # type: ignore[arg-type]
    payload = interconnect_events.LinkStateChanged(link=link)
    return new_event(LINK_STATE_CHANGED, "/zhongyuan/interconnect", city, payload)


def link_latency_changed(city: str, latency_ms: float) -> Event:
    link = interconnect_pb2.Link(platform_code=city, state=interconnect_pb2.LINK_STATE_UP, latency_ms=latency_ms)
    return new_event(
        LINK_LATENCY_CHANGED, "/zhongyuan/interconnect", city, interconnect_events.LinkLatencyChanged(link=link)
    )


def topic_of(event: Event) -> str:
    area = event.type.split(".")[1]
    return {"inventory": INVENTORY_EVENTS, "migration": MIGRATION_EVENTS}.get(area, INTERCONNECT_EVENTS)


def send(producer: KafkaProducer, *events: Event) -> None:
    for event in events:
        producer.send(
            topic_of(event),
            key=event.subject.encode(),
            value=event.payload.SerializeToString(),
            headers=event.headers(),
        )
    producer.flush()


def hours_ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)
