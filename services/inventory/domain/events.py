"""What happened to the catalogue, as the use cases record it. The unit of work turns each into its protobuf event on
zhongyuan.inventory.events.v1 (adapters/messages.py) as it is announced, so the entity is read then: an event
recorded before a later change in the same unit of work says what the entity was when it was recorded."""

from dataclasses import dataclass, field

from services.inventory.domain.model import Database, DataResource, Dependency, Host, System


@dataclass(frozen=True)
class _OfASystem:
    """`databases`: the system's databases as they are when the event is recorded (the event carries them)."""

    system: System
    databases: tuple[Database, ...] = field(default=(), kw_only=True)


class SystemRegistered(_OfASystem):
    pass


@dataclass(frozen=True)
class SystemUpdated(_OfASystem):
    changed: tuple[str, ...]  # the attributes that changed, in the order they were given; "databases" for those


class SystemRetired(_OfASystem):
    pass


@dataclass(frozen=True)
class HostChanged:
    """A host added or changed, or `removed`; events about a system's hosts are the system's (`system_id`)."""

    system_id: str
    host: Host
    removed: bool = False


@dataclass(frozen=True)
class DependencyChanged:
    """A dependency added or `removed`; the dependent system's (`system_id`)."""

    system_id: str
    dependency: Dependency
    removed: bool = False


@dataclass(frozen=True)
class _OfADataResource:
    resource: DataResource


class DataResourceScheduled(_OfADataResource):
    """A data resource registered, or changed in any way other than being opened or retired (its whole state)."""


class DataResourceOpened(_OfADataResource):
    pass


class DataResourceRetired(_OfADataResource):
    pass


InventoryEvent = (
    SystemRegistered
    | SystemUpdated
    | SystemRetired
    | HostChanged
    | DependencyChanged
    | DataResourceScheduled
    | DataResourceOpened
    | DataResourceRetired
)
