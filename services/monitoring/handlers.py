"""Monitoring use cases: fold every service's events into the read model (once per event id), answer questions."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from services.common.auth import Principal
from services.common.errors import PermissionDenied
from services.common.events import (
    DATA_RESOURCE_OPENED,
    DATA_RESOURCE_RETIRED,
    DATA_RESOURCE_SCHEDULED,
    EXCHANGE_OVERDUE,
    EXCHANGE_RECORDED,
    LINK_LATENCY_CHANGED,
    LINK_STATE_CHANGED,
    RESOURCE_SHARED,
    RUN_STATE_CHANGED,
    STEP_COMPLETED,
    STEP_FAILED,
    STEP_PROGRESS,
    STEP_STARTED,
    SYSTEM_REGISTERED,
    SYSTEM_RETIRED,
    SYSTEM_UPDATED,
    Event,
)
from services.common.timestamps import moment_of
from services.common.unit_of_work import UnitOfWork
from services.monitoring.domain.progress import RETIRED_SYSTEM_STATUS, STEP_RESULTS, as_utc, city_of

SYSTEMS_CONSUMER = "monitoring.systems"
MIGRATIONS_CONSUMER = "monitoring.migrations"
INTERCONNECT_CONSUMER = "monitoring.interconnect"
STEP_STATUS = {STEP_STARTED: "started", STEP_PROGRESS: "running", STEP_COMPLETED: "completed", STEP_FAILED: "failed"}

Fold = Callable[[Event, Any], None]


def _fold(event: Event, uow: UnitOfWork) -> None:
    if event.time.tzinfo is None:  # a producer may have sent a time without an offset
        event = replace(event, time=as_utc(event.time))
    FOLDS[event.type][1](event, uow)


def _system(event: Event, uow: Any) -> None:
    system = event.payload.system  # type: ignore[attr-defined]
    uow.systems.upsert(
        system_id=system.id,
        code=system.code,
        name=system.name,
        organisation_code=system.organisation_code,
        status=RETIRED_SYSTEM_STATUS if event.type == SYSTEM_RETIRED else system.status,
        at=event.time,
        city=city_of(system.organisation_code, system.admin_level),
    )


def _data_resource(event: Event, uow: Any) -> None:
    resource = event.payload.data_resource  # type: ignore[attr-defined]
    uow.data_resources.upsert(
        code=resource.code,
        at=event.time,
        name=resource.name,
        organisation_code=resource.organisation,
        planned_opening_date=resource.planned_opening_date,
        actual_opening_date=resource.actual_opening_date,
        retired=resource.retired or event.type == DATA_RESOURCE_RETIRED,
    )


def _identity(payload: Any) -> dict[str, Any]:
    return {
        "system_id": payload.system_id,
        "run_id": payload.run_id,
        "system_code": payload.system_code,
        "organisation_code": payload.organisation_code,
        "wave_name": payload.wave_name,
        "wave_window_start": moment_of(payload, "wave_window_start"),
        "wave_window_end": moment_of(payload, "wave_window_end"),
    }


def _run_state(event: Event, uow: Any) -> None:
    payload: Any = event.payload
    uow.migrations.record_state(state=payload.state, reason=payload.reason, at=event.time, **_identity(payload))


def _step(event: Event, uow: Any) -> None:
    payload: Any = event.payload
    uow.migrations.record_step(step=payload.step, at=event.time, **_identity(payload))
    uow.steps.record(
        run_id=payload.run_id,
        step=payload.step,
        at=event.time,
        system_id=payload.system_id,
        status=STEP_STATUS[event.type],
        percent=100 if event.type == STEP_COMPLETED else payload.percent,
        attempt=payload.attempt,
        message=payload.message,
    )
    if event.type in STEP_RESULTS:
        uow.steps.add_outcome(
            event_id=event.id,
            step=payload.step,
            result=STEP_RESULTS[event.type],
            duration_seconds=payload.duration_seconds,
            organisation_code=payload.organisation_code,
            at=event.time,
        )


def _link(event: Event, uow: Any) -> None:
    link = event.payload.link  # type: ignore[attr-defined]
    uow.links.upsert(platform_code=link.platform_code, state=link.state, latency_ms=link.latency_ms, at=event.time)


def _exchange(event: Event, uow: Any) -> None:
    resource = event.payload.resource  # type: ignore[attr-defined]
    last = moment_of(resource, "last_exchange_at")
    uow.exchanges.record(
        resource_code=resource.code,
        platform_code=resource.platform,
        last_exchange_at=last,
        # As interconnect found it when it recorded the event: an old run recorded late leaves the resource overdue
        overdue=event.type == EXCHANGE_OVERDUE or resource.overdue,
        at=event.time,
    )


# The read-model rows each fold may touch, as (repository, key): fetched for a whole batch ahead of folding it.
def _system_row(event: Event) -> list[tuple[str, Any]]:
    return [("systems", event.payload.system.id)]  # type: ignore[attr-defined]


def _data_resource_row(event: Event) -> list[tuple[str, Any]]:
    return [("data_resources", event.payload.data_resource.code)]  # type: ignore[attr-defined]


def _run_rows(event: Event) -> list[tuple[str, Any]]:
    payload: Any = event.payload
    rows: list[tuple[str, Any]] = [("migrations", payload.system_id)]
    return rows + [("steps", (payload.run_id, payload.step))] if event.type in STEP_STATUS else rows


def _link_row(event: Event) -> list[tuple[str, Any]]:
    return [("links", event.payload.link.platform_code)]  # type: ignore[attr-defined]


def _exchange_row(event: Event) -> list[tuple[str, Any]]:
    return [("exchanges", event.payload.resource.code)]  # type: ignore[attr-defined]


TOUCHES: dict[Fold, Callable[[Event], list[tuple[str, Any]]]] = {
    _system: _system_row,
    _data_resource: _data_resource_row,
    _run_state: _run_rows,
    _step: _run_rows,
    _link: _link_row,
    _exchange: _exchange_row,
}

FOLDS: dict[str, tuple[str, Fold]] = {
    SYSTEM_REGISTERED: (SYSTEMS_CONSUMER, _system),
    SYSTEM_UPDATED: (SYSTEMS_CONSUMER, _system),
    SYSTEM_RETIRED: (SYSTEMS_CONSUMER, _system),
    DATA_RESOURCE_SCHEDULED: (SYSTEMS_CONSUMER, _data_resource),
    DATA_RESOURCE_OPENED: (SYSTEMS_CONSUMER, _data_resource),
    DATA_RESOURCE_RETIRED: (SYSTEMS_CONSUMER, _data_resource),
    RUN_STATE_CHANGED: (MIGRATIONS_CONSUMER, _run_state),
    **{step_type: (MIGRATIONS_CONSUMER, _step) for step_type in STEP_STATUS},
    LINK_STATE_CHANGED: (INTERCONNECT_CONSUMER, _link),
    LINK_LATENCY_CHANGED: (INTERCONNECT_CONSUMER, _link),
    RESOURCE_SHARED: (INTERCONNECT_CONSUMER, _exchange),
    EXCHANGE_RECORDED: (INTERCONNECT_CONSUMER, _exchange),
    EXCHANGE_OVERDUE: (INTERCONNECT_CONSUMER, _exchange),
}


def _first_deliveries(events: list[Event], uow: UnitOfWork) -> list[Event]:
    """The events of types the read model needs that their consumer has not folded before, now recorded as folded."""
    return uow.inbox.first_deliveries((event, FOLDS[event.type][0]) for event in events if event.type in FOLDS)


def _prefetch(events: list[Event], uow: Any) -> None:
    """One query per table for the rows the batch touches, instead of one per event."""
    wanted: dict[str, set[Any]] = defaultdict(set)
    for event in events:
        for repository, key in TOUCHES[FOLDS[event.type][1]](event):
            wanted[repository].add(key)
    for repository, keys in wanted.items():
        getattr(uow, repository).prefetch(keys)


def fold_events(events: list[Event], uow: UnitOfWork) -> None:
    """Fold events of any topic into the read model in one transaction (all or none), each at most once."""
    with uow:
        new = _first_deliveries(events, uow)
        _prefetch(new, uow)
        for event in new:
            _fold(event, uow)
        uow.commit()


def count_systems(organisation_code: str, uow: UnitOfWork, principal: Principal) -> dict[str, int]:
    own = principal.department
    if own is not None and organisation_code and organisation_code != own:
        raise PermissionDenied(f"department {own} may not see the counts of {organisation_code}")
    with uow:
        return uow.systems.count_by_organisation(own or organisation_code or None)  # type: ignore[attr-defined]
