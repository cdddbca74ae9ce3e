"""What happened to the platforms, their links and shared resources, as the use cases record it. The unit of work
turns each into its protobuf event on zhongyuan.interconnect.events.v1 (adapters/messages.py) as it is announced, so
the objects are read then. Every event is its platform's: one platform's events keep their order."""

from dataclasses import dataclass
from datetime import datetime

from services.interconnect.domain.links import Link, LinkChange
from services.interconnect.domain.model import ExchangeRun, Platform, SharedResource


@dataclass(frozen=True)
class _OfAPlatform:
    platform: Platform


class PlatformRegistered(_OfAPlatform):
    pass


@dataclass(frozen=True)
class PlatformUpdated(_OfAPlatform):
    changed: tuple[str, ...]  # the attributes that changed, in the order they were given


@dataclass(frozen=True)
class LinkStateChanged(_OfAPlatform):
    link: Link
    change: LinkChange


@dataclass(frozen=True)
class LinkLatencyChanged(_OfAPlatform):
    """The link's latency moved noticeably while its state stayed."""

    link: Link


@dataclass(frozen=True)
class _OfASharedResource(_OfAPlatform):
    resource: SharedResource


@dataclass(frozen=True)
class ResourceShared(_OfASharedResource):
    """A shared resource registered or changed; `at` is when, which says whether it is overdue."""

    at: datetime


@dataclass(frozen=True)
class ExchangeRecorded(_OfASharedResource):
    run: ExchangeRun


@dataclass(frozen=True)
class ExchangeOverdue(_OfASharedResource):
    detected_at: datetime


InterconnectEvent = (
    PlatformRegistered
    | PlatformUpdated
    | LinkStateChanged
    | LinkLatencyChanged
    | ResourceShared
    | ExchangeRecorded
    | ExchangeOverdue
)
