"""Event envelope: CloudEvents attributes in Kafka headers (binary mode), a protobuf payload in the value.

Every event type is listed in EVENT_TYPES with its version in the name; payloads evolve the protobuf way.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.protobuf.message import DecodeError, Message

from services.common.ids import new_id
from services.pb.zhongyuan.audit.v1 import events_pb2 as audit_events
from services.pb.zhongyuan.interconnect.v1 import events_pb2 as interconnect_events
from services.pb.zhongyuan.inventory.v1 import events_pb2 as inventory_events
from services.pb.zhongyuan.migration.v1 import events_pb2 as migration_events

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/protobuf"

INVENTORY_EVENTS = "zhongyuan.inventory.events.v1"
MIGRATION_EVENTS = "zhongyuan.migration.events.v1"
INTERCONNECT_EVENTS = "zhongyuan.interconnect.events.v1"
AUDIT_EVENTS = "zhongyuan.audit.events.v1"
DEADLETTER = "zhongyuan.deadletter.v1"
# Every topic of the suite: created up front wherever the suite provides its own broker (tools/stack.py); in
# production the Kafka cluster's operators create them (docs/deploy.md).
SUITE_TOPICS = (INVENTORY_EVENTS, MIGRATION_EVENTS, INTERCONNECT_EVENTS, AUDIT_EVENTS, DEADLETTER)

SYSTEM_REGISTERED = "zhongyuan.inventory.system.registered.v1"
SYSTEM_UPDATED = "zhongyuan.inventory.system.updated.v1"
SYSTEM_RETIRED = "zhongyuan.inventory.system.retired.v1"
HOST_CHANGED = "zhongyuan.inventory.host.changed.v1"
DEPENDENCY_CHANGED = "zhongyuan.inventory.dependency.changed.v1"
DATA_RESOURCE_SCHEDULED = "zhongyuan.inventory.data_resource.scheduled.v1"
DATA_RESOURCE_OPENED = "zhongyuan.inventory.data_resource.opened.v1"
DATA_RESOURCE_RETIRED = "zhongyuan.inventory.data_resource.retired.v1"

PLATFORM_REGISTERED = "zhongyuan.interconnect.platform.registered.v1"
PLATFORM_UPDATED = "zhongyuan.interconnect.platform.updated.v1"
LINK_STATE_CHANGED = "zhongyuan.interconnect.link.state_changed.v1"
LINK_LATENCY_CHANGED = "zhongyuan.interconnect.link.latency_changed.v1"
RESOURCE_SHARED = "zhongyuan.interconnect.resource.shared.v1"
EXCHANGE_RECORDED = "zhongyuan.interconnect.exchange.recorded.v1"
EXCHANGE_OVERDUE = "zhongyuan.interconnect.exchange.overdue.v1"

STEP_STARTED = "zhongyuan.migration.step.started.v1"
STEP_PROGRESS = "zhongyuan.migration.step.progress.v1"
STEP_COMPLETED = "zhongyuan.migration.step.completed.v1"
STEP_FAILED = "zhongyuan.migration.step.failed.v1"
# The steps a step event names, in the order a migration runs them; "rollback" undoes them.
MIGRATION_STEPS = ("precheck", "sync", "deploy", "cutover", "verify")
RUN_STATE_CHANGED = "zhongyuan.migration.run.state_changed.v1"

CALL_RECORDED = "zhongyuan.audit.call.recorded.v1"

EVENT_TYPES: dict[str, type[Message]] = {
    STEP_STARTED: migration_events.StepEvent,
    STEP_PROGRESS: migration_events.StepEvent,
    STEP_COMPLETED: migration_events.StepEvent,
    STEP_FAILED: migration_events.StepEvent,
    RUN_STATE_CHANGED: migration_events.RunStateChanged,
    SYSTEM_REGISTERED: inventory_events.SystemRegistered,
    SYSTEM_UPDATED: inventory_events.SystemUpdated,
    SYSTEM_RETIRED: inventory_events.SystemRetired,
    HOST_CHANGED: inventory_events.HostChanged,
    DEPENDENCY_CHANGED: inventory_events.DependencyChanged,
    DATA_RESOURCE_SCHEDULED: inventory_events.DataResourceScheduled,
    DATA_RESOURCE_OPENED: inventory_events.DataResourceOpened,
    DATA_RESOURCE_RETIRED: inventory_events.DataResourceRetired,
    PLATFORM_REGISTERED: interconnect_events.PlatformRegistered,
    PLATFORM_UPDATED: interconnect_events.PlatformUpdated,
    LINK_STATE_CHANGED: interconnect_events.LinkStateChanged,
    LINK_LATENCY_CHANGED: interconnect_events.LinkLatencyChanged,
    RESOURCE_SHARED: interconnect_events.ResourceShared,
    EXCHANGE_RECORDED: interconnect_events.ExchangeRecorded,
    EXCHANGE_OVERDUE: interconnect_events.ExchangeOverdue,
    CALL_RECORDED: audit_events.CallRecorded,
}

Headers = Sequence[tuple[str, bytes]]


class MalformedEvent(Exception):
    """A record that can never be handled: retrying will not help, it goes to the dead-letter topic."""


@dataclass(frozen=True)
class Event:
    type: str
    source: str
    subject: str
    payload: Message
    id: str = field(default_factory=new_id)
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    def headers(self) -> list[tuple[str, bytes]]:
        return cloudevent_headers(self.id, self.type, self.source, self.time, self.subject)


def cloudevent_headers(id_: str, type_: str, source: str, time: datetime, subject: str) -> list[tuple[str, bytes]]:
    """CloudEvents binary-mode Kafka headers."""
    return [
        ("ce_specversion", SPEC_VERSION.encode()),
        ("ce_id", id_.encode()),
        ("ce_source", source.encode()),
        ("ce_type", type_.encode()),
        ("ce_time", time.isoformat().encode()),
        ("ce_subject", subject.encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]


def new_event(type_: str, source: str, subject: str, payload: Message) -> Event:
    """An event of a registered type; refuses a payload of the wrong message type."""
    expected = EVENT_TYPES.get(type_)
    if expected is None:
        raise ValueError(f"unknown event type {type_!r}")
    if not isinstance(payload, expected):
        raise TypeError(f"{type_} carries {expected.__name__}, not {type(payload).__name__}")
    return Event(type=type_, source=source, subject=subject, payload=payload)


def decode_event(value: bytes | None, headers: Headers) -> Event:
    """Turn a record back into an Event, naming the first thing that is wrong with it."""
    attributes = _header_dict(headers)
    for name in ("ce_id", "ce_type", "ce_source", "ce_time"):
        if not attributes.get(name):
            raise MalformedEvent(f"missing CloudEvents header {name}")
    type_ = attributes["ce_type"]
    message_class = EVENT_TYPES.get(type_)
    if message_class is None:
        raise MalformedEvent(f"unknown event type {type_!r}")
    return Event(
        type=type_,
        source=attributes["ce_source"],
        subject=attributes.get("ce_subject", ""),
        payload=_parse_payload(message_class, value, type_),
        id=attributes["ce_id"],
        time=_parse_time(attributes["ce_time"]),
    )


def _header_dict(headers: Headers) -> dict[str, str]:
    try:
        return {name: raw.decode("utf-8") for name, raw in headers or () if raw is not None}
    except UnicodeDecodeError as exc:
        raise MalformedEvent(f"header is not UTF-8: {exc}") from exc


def _parse_payload(message_class: type[Message], value: bytes | None, type_: str) -> Message:
    message = message_class()
    try:
        message.ParseFromString(value or b"")
    except DecodeError as exc:
        raise MalformedEvent(f"payload is not a valid {message_class.__name__} for {type_}: {exc}") from exc
    return message


def _parse_time(raw: str) -> datetime:
    try:
        return datetime.fromisoformat(raw)
    except ValueError as exc:
        raise MalformedEvent(f"ce_time {raw!r} is not an RFC 3339 time") from exc
