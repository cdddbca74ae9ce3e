"""Interconnect use cases that change state: the platform registry, shared resources and their exchange runs, the
probes' verdicts on links, overdue exchanges, and where the inventory's systems live."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from services.common.errors import AlreadyExists, InvalidArgument, NotFound, required
from services.common.events import SYSTEM_REGISTERED, SYSTEM_RETIRED, SYSTEM_UPDATED, Event
from services.common.fields import CONTROL_CHARACTER
from services.common.writes import Mode, Tally
from services.interconnect.adapters import messages
from services.interconnect.domain import registry
from services.interconnect.domain.events import (
    ExchangeOverdue,
    ExchangeRecorded,
    LinkLatencyChanged,
    LinkStateChanged,
    PlatformRegistered,
    PlatformUpdated,
    ResourceShared,
)
from services.interconnect.domain.links import Link, LinkChange, ProbeResult, Thresholds
from services.interconnect.domain.model import ExchangeRun, Platform, SharedResource, SystemHome
from services.interconnect.domain.registry import Entry
from services.interconnect.ports import NetworkUnitOfWork

INVENTORY_CONSUMER = "interconnect.inventory"
SYSTEM_EVENTS = (SYSTEM_REGISTERED, SYSTEM_UPDATED, SYSTEM_RETIRED)
CLOCK_SKEW = timedelta(minutes=5)  # an exchange run may say it ran this far ahead of our clock


@dataclass
class Imported:
    platforms: Tally = field(default_factory=Tally)
    shared_resources: Tally = field(default_factory=Tally)


@dataclass(frozen=True)
class RecordExchange:
    resource_code: str
    rows: int
    checksum: str
    exchanged_at: datetime | None = None  # None: now


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def import_platforms(content: bytes, dry_run: bool, uow: NetworkUnitOfWork, now: datetime | None = None) -> Imported:
    """All or nothing; a dry run validates and counts but keeps nothing."""
    platform_entries, resource_entries = registry.entries_from_yaml(content)
    imported = Imported()
    with uow:
        _apply_platforms(platform_entries, uow, Mode.UPSERT, _now(now), imported.platforms)
        _apply_resources(resource_entries, uow, Mode.UPSERT, _now(now), imported.shared_resources)
        if not dry_run:
            uow.commit()
    return imported


def save_platform(values: dict[str, Any], uow: NetworkUnitOfWork, mode: Mode, now: datetime | None = None) -> Platform:
    """Register (CREATE) or change (UPDATE) one platform."""
    with uow:
        [platform] = _apply_platforms([Entry("", values)], uow, mode, _now(now), Tally())
        uow.commit()
    return platform


def share_resource(values: dict[str, Any], uow: NetworkUnitOfWork, now: datetime | None = None) -> SharedResource:
    with uow:
        [resource] = _apply_resources([Entry("", values)], uow, Mode.CREATE, _now(now), Tally())
        uow.commit()
    return resource


def _apply_platforms(
    entries: list[Entry], uow: NetworkUnitOfWork, mode: Mode, now: datetime, tally: Tally
) -> list[Platform]:
    existing = {p.code: p for p in uow.network.platforms()}
    checked = registry.check_platforms(entries, set(existing))
    return [
        _apply_platform(attributes, existing.get(attributes["code"]), uow, mode, now, tally) for attributes in checked
    ]


def _apply_platform(
    attributes: dict[str, Any],
    existing: Platform | None,
    uow: NetworkUnitOfWork,
    mode: Mode,
    now: datetime,
    tally: Tally,
) -> Platform:
    code = attributes["code"]
    if existing is None:
        if mode is Mode.UPDATE:
            raise NotFound(f"no platform {code}")
        return _create_platform(Platform(**attributes), uow, now, tally)
    if mode is Mode.CREATE:
        raise AlreadyExists(f"platform {code} already exists")
    return _update_platform(existing, attributes, uow, now, tally)


def _create_platform(platform: Platform, uow: NetworkUnitOfWork, now: datetime, tally: Tally) -> Platform:
    uow.network.add(platform)
    uow.network.add(Link(platform.code, since=now))
    uow.announce(PlatformRegistered(platform))
    tally.created += 1
    return platform


def _update_platform(
    platform: Platform, attributes: dict[str, Any], uow: NetworkUnitOfWork, now: datetime, tally: Tally
) -> Platform:
    changed = [name for name, value in attributes.items() if getattr(platform, name) != value]
    if not changed:
        tally.unchanged += 1
        return platform
    for name in changed:
        setattr(platform, name, attributes[name])
    uow.announce(PlatformUpdated(platform, tuple(changed)))
    link = uow.network.link(platform.code)
    if "endpoint" in changed and link is not None:
        _announce(link.restart(now), platform, link, uow)
    tally.updated += 1
    return platform


def _apply_resources(
    entries: list[Entry], uow: NetworkUnitOfWork, mode: Mode, now: datetime, tally: Tally
) -> list[SharedResource]:
    platforms = {p.code: p for p in uow.network.platforms()}
    return [
        _apply_resource(attributes, platforms[attributes["platform_code"]], uow, mode, now, tally)
        for attributes in registry.check_resources(entries, set(platforms))
    ]


def _apply_resource(
    attributes: dict[str, Any], platform: Platform, uow: NetworkUnitOfWork, mode: Mode, now: datetime, tally: Tally
) -> SharedResource:
    resource = uow.network.resource(attributes["code"])
    if resource is not None and mode is Mode.CREATE:
        raise AlreadyExists(f"shared resource {resource.code} already exists")
    if resource is None:
        resource = SharedResource(**attributes, registered_at=now)
        uow.network.add(resource)
        tally.created += 1
    elif any(getattr(resource, name) != value for name, value in attributes.items()):
        resource.change(attributes, now)
        tally.updated += 1
    else:
        tally.unchanged += 1
        return resource
    uow.announce(ResourceShared(platform, resource, now))
    return resource


def record_exchange(command: RecordExchange, uow: NetworkUnitOfWork, now: datetime | None = None) -> ExchangeRun:
    """One exchange run of a shared resource: when, how many rows, their checksum."""
    now = _now(now)
    run = ExchangeRun(command.resource_code, command.exchanged_at or now, command.rows, command.checksum, now)
    _check_run(run, now)
    with uow:
        resource = uow.network.resource(run.resource_code)
        platform = uow.network.platform(resource.platform_code) if resource else None
        if resource is None or platform is None:
            raise NotFound(f"no shared resource {run.resource_code}")
        resource.record(run)
        uow.network.add(run)
        uow.announce(ExchangeRecorded(platform, resource, run))
        uow.commit()
    return run


def _check_run(run: ExchangeRun, now: datetime) -> None:
    required("resource", run.resource_code, "the code of the shared resource exchanged")
    if run.rows < 0:
        raise InvalidArgument.field("rows", f"must not be negative, got {run.rows}")
    if not run.checksum.strip() or len(run.checksum) > 200 or CONTROL_CHARACTER.search(run.checksum):
        raise InvalidArgument.field(
            "checksum", "give the checksum of the exchanged rows (at most 200 characters, no control characters)"
        )
    if run.exchanged_at > now + CLOCK_SKEW:
        raise InvalidArgument.field("exchanged_at", f"{run.exchanged_at.isoformat()} is in the future")


def probe_targets(uow: NetworkUnitOfWork) -> dict[str, str]:
    """Every platform's code and the endpoint to probe."""
    with uow:
        return {platform.code: platform.endpoint for platform in uow.network.platforms()}


def record_probes(
    results: dict[str, ProbeResult],
    thresholds: Thresholds,
    probe_interval: timedelta,
    uow: NetworkUnitOfWork,
    now: datetime | None = None,
) -> list[LinkChange]:
    """Count one round of probes in every link; each change of state goes into the history and out as an event, and
    so does a latency that moved noticeably while the state stayed. Every replica probes: a link probed less than
    half an interval ago had this round counted already, by another one, and is left as it is."""
    now = _now(now)
    with uow:
        platforms = {p.code: p for p in uow.network.platforms()}
        changes = []
        for link in uow.network.links(list(results), for_update=True):
            if link.last_probe_at is not None and now - link.last_probe_at < probe_interval / 2:
                continue
            platform = platforms[link.platform_code]
            change = link.observe(results[link.platform_code], thresholds, now)
            changes += _announce(change, platform, link, uow)
            if change is None and link.latency_moved_since_announced():
                link.latency_announced()
                uow.announce(LinkLatencyChanged(platform, link))
        uow.commit()
    return changes


def _announce(change: LinkChange | None, platform: Platform, link: Link, uow: NetworkUnitOfWork) -> list[LinkChange]:
    if change is None:
        return []
    uow.network.record_change(change)
    uow.announce(LinkStateChanged(platform, link, change))
    return [change]


def flag_overdue_exchanges(uow: NetworkUnitOfWork, now: datetime | None = None) -> list[SharedResource]:
    """Announce each shared resource that has become overdue, once per lateness."""
    now = _now(now)
    with uow:
        late = [r for r in uow.network.resources() if r.needs_overdue_announcement(now)]
        platforms = {p.code: p for p in uow.network.platforms()}
        for resource in late:
            resource.overdue_announced = True
            platform = platforms[resource.platform_code]
            uow.announce(ExchangeOverdue(platform, resource, now))
        uow.commit()
    return late


def follow_inventory(events: list[Event], uow: NetworkUnitOfWork) -> None:
    """Remember where each system lives (its organisation and level), so the cutover gate can find its platform.
    One transaction for the whole batch, each event at most once."""
    with uow:
        for event in uow.inbox.first_deliveries((event, INVENTORY_CONSUMER) for event in events):
            if event.type not in SYSTEM_EVENTS:
                continue
            home = messages.system_home(event.payload.system)  # type: ignore[attr-defined]
            if home is not None:
                _remember(home, uow)
        uow.commit()


def _remember(home: SystemHome, uow: NetworkUnitOfWork) -> None:
    # By id, else by code: a code registered again under a new id is the same system for the gate.
    existing = uow.network.system(system_id=home.system_id) or uow.network.system(code=home.code)
    if existing is None:
        uow.network.add(home)
        return
    existing.system_id, existing.code = home.system_id, home.code
    existing.organisation_code, existing.admin_level = home.organisation_code, home.admin_level
