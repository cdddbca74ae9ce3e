"""Between protobuf messages (gRPC and events) and the interconnect's domain objects and events."""

from datetime import datetime
from typing import Any, assert_never

from google.protobuf.message import Message

from services.common import events as ev
from services.common.events import Event, new_event
from services.common.request_values import request_values
from services.common.timestamps import timestamp
from services.interconnect.domain.events import (
    ExchangeOverdue,
    ExchangeRecorded,
    InterconnectEvent,
    LinkLatencyChanged,
    LinkStateChanged,
    PlatformRegistered,
    PlatformUpdated,
    ResourceShared,
)
from services.interconnect.domain.gate import GateDecision
from services.interconnect.domain.links import Link, LinkChange, LinkState
from services.interconnect.domain.model import AdminLevel, ExchangeRun, Platform, SharedResource, SystemHome
from services.pb.zhongyuan.interconnect.v1 import events_pb2
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2 as pb
from services.pb.zhongyuan.inventory.v1 import inventory_pb2

SOURCE = "/zhongyuan/interconnect"

LEVEL_TO_PROTO = {
    AdminLevel.PROVINCE: pb.ADMIN_LEVEL_PROVINCE,
    AdminLevel.CITY: pb.ADMIN_LEVEL_CITY,
    AdminLevel.COUNTY: pb.ADMIN_LEVEL_COUNTY,
}
LEVEL_FROM_PROTO = {proto: level.value for level, proto in LEVEL_TO_PROTO.items()}
LEVEL_FROM_INVENTORY = {
    inventory_pb2.ADMIN_LEVEL_PROVINCE: AdminLevel.PROVINCE,
    inventory_pb2.ADMIN_LEVEL_CITY: AdminLevel.CITY,
    inventory_pb2.ADMIN_LEVEL_COUNTY: AdminLevel.COUNTY,
}
STATE_TO_PROTO = {
    LinkState.UNKNOWN: pb.LINK_STATE_UNKNOWN,
    LinkState.UP: pb.LINK_STATE_UP,
    LinkState.DEGRADED: pb.LINK_STATE_DEGRADED,
    LinkState.DOWN: pb.LINK_STATE_DOWN,
}


# Import entries' names of the request fields named differently (`schedule: 1d` in a file).
REQUEST_FIELDS = {"schedule": "schedule_seconds"}


def values_of(message: Message, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """A request's fields as entry values; unset fields (empty, 0, false) are absent, as in an import file."""
    return request_values(message, enums={"admin_level": LEVEL_FROM_PROTO}, entry_names=REQUEST_FIELDS, drop=drop)


def system_home(system: inventory_pb2.System) -> SystemHome | None:
    """Where an inventory event's system lives; None when the event does not say its level."""
    level = LEVEL_FROM_INVENTORY.get(system.admin_level)
    return SystemHome(system.id, system.code, system.organisation_code, level) if level else None


def platform_to_proto(platform: Platform, link: Link | None = None) -> pb.Platform:
    return pb.Platform(
        code=platform.code,
        name=platform.name,
        admin_level=LEVEL_TO_PROTO[platform.admin_level],
        parent=platform.parent_code or "",
        endpoint=platform.endpoint,
        network_segment=platform.network_segment,
        contact=platform.contact,
        id=platform.id,
        link=link_to_proto(platform, link) if link else None,
    )


def link_to_proto(platform: Platform, link: Link) -> pb.Link:
    return pb.Link(
        platform_code=platform.code,
        platform_name=platform.name,
        admin_level=LEVEL_TO_PROTO[platform.admin_level],
        endpoint=platform.endpoint,
        state=STATE_TO_PROTO[link.state],
        since=timestamp(link.since),
        last_probe_at=timestamp(link.last_probe_at),
        latency_ms=link.latency_ms,
        last_error=link.last_error,
        consecutive_failures=link.failures,
    )


def change_to_proto(change: LinkChange) -> pb.LinkChange:
    return pb.LinkChange(
        platform_code=change.platform_code,
        previous_state=STATE_TO_PROTO[change.previous_state],
        state=STATE_TO_PROTO[change.state],
        at=timestamp(change.at),
        latency_ms=change.latency_ms,
        error=change.error,
        reason=change.reason,
    )


def resource_to_proto(resource: SharedResource, now: datetime) -> pb.SharedResource:
    return pb.SharedResource(
        code=resource.code,
        name=resource.name,
        platform=resource.platform_code,
        direction=resource.direction.value,
        schedule_seconds=resource.schedule_seconds,
        registered_at=timestamp(resource.registered_at),
        last_exchange_at=timestamp(resource.last_exchange_at),
        due_by=timestamp(resource.due_by),
        overdue=resource.overdue(now),
        last_rows=resource.last_rows,
        last_checksum=resource.last_checksum,
    )


def run_to_proto(run: ExchangeRun) -> pb.ExchangeRun:
    return pb.ExchangeRun(
        resource=run.resource_code,
        exchanged_at=timestamp(run.exchanged_at),
        rows=run.rows,
        checksum=run.checksum,
        id=run.id,
    )


def readiness_to_proto(decision: GateDecision) -> pb.CutoverReadiness:
    return pb.CutoverReadiness(
        ready=decision.ready,
        platform_code=decision.platform_code,
        reasons=decision.reasons,
        link_state=STATE_TO_PROTO[decision.link_state],
        link_since=timestamp(decision.link_since),
    )


def to_message(event: InterconnectEvent) -> Event:
    """The protobuf event on zhongyuan.interconnect.events.v1 for what the domain recorded."""
    match event:
        case PlatformRegistered(platform):
            return _platform_registered(platform)
        case PlatformUpdated(platform, changed):
            return _platform_updated(platform, list(changed))
        case LinkStateChanged(platform, link, change):
            return _link_state_changed(platform, link, change)
        case LinkLatencyChanged(platform, link):
            return _link_latency_changed(platform, link)
        case ResourceShared(platform, resource, at):
            return _resource_shared(platform, resource, at)
        case ExchangeRecorded(platform, resource, run):
            return _exchange_recorded(platform, resource, run)
        case ExchangeOverdue(platform, resource, detected_at):
            return _exchange_overdue(platform, resource, detected_at)
    assert_never(event)


def _platform_registered(platform: Platform) -> Event:
    payload = events_pb2.PlatformRegistered(platform=platform_to_proto(platform))
    return new_event(ev.PLATFORM_REGISTERED, SOURCE, platform.id, payload)


def _platform_updated(platform: Platform, changed: list[str]) -> Event:
    payload = events_pb2.PlatformUpdated(platform=platform_to_proto(platform), changed_fields=changed)
    return new_event(ev.PLATFORM_UPDATED, SOURCE, platform.id, payload)


def _link_state_changed(platform: Platform, link: Link, change: LinkChange) -> Event:
    payload = events_pb2.LinkStateChanged(link=link_to_proto(platform, link), change=change_to_proto(change))
    return new_event(ev.LINK_STATE_CHANGED, SOURCE, platform.id, payload)


def _link_latency_changed(platform: Platform, link: Link) -> Event:
    payload = events_pb2.LinkLatencyChanged(link=link_to_proto(platform, link))
    return new_event(ev.LINK_LATENCY_CHANGED, SOURCE, platform.id, payload)


def _resource_shared(platform: Platform, resource: SharedResource, now: datetime) -> Event:
    payload = events_pb2.ResourceShared(resource=resource_to_proto(resource, now))
    return new_event(ev.RESOURCE_SHARED, SOURCE, platform.id, payload)


def _exchange_recorded(platform: Platform, resource: SharedResource, run: ExchangeRun) -> Event:
    payload = events_pb2.ExchangeRecorded(resource=resource_to_proto(resource, run.recorded_at), run=run_to_proto(run))
    return new_event(ev.EXCHANGE_RECORDED, SOURCE, platform.id, payload)


def _exchange_overdue(platform: Platform, resource: SharedResource, now: datetime) -> Event:
    payload = events_pb2.ExchangeOverdue(resource=resource_to_proto(resource, now), detected_at=timestamp(now))
    return new_event(ev.EXCHANGE_OVERDUE, SOURCE, platform.id, payload)
