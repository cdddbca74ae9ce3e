"""Monitoring use cases: fold every service's events into the read model (once per event id), answer questions."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC
from typing import Any

from services.common.auth import Principal
from services.common.errors import PermissionDenied
from services.common.events import (
    DATA_RESOURCE_OPENED,
    DATA_RESOURCE_SCHEDULED,
    EXCHANGE_OVERDUE,
    EXCHANGE_RECORDED,
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
from services.common.unit_of_work import UnitOfWork
from services.monitoring.domain.progress import STEP_RESULTS, as_utc, city_of

SYSTEMS_CONSUMER = "monitoring.systems"
MIGRATIONS_CONSUMER = "monitoring.migrations"
INTERCONNECT_CONSUMER = "monitoring.interconnect"
STEP_STATUS = {STEP_STARTED: "started", STEP_PROGRESS: "running", STEP_COMPLETED: "completed", STEP_FAILED: "failed"}

Fold = Callable[[Event, Any], None]


def _fold_once(event: Event, uow: UnitOfWork, consumer: str, fold: Fold) -> None:
    event = replace(event, time=as_utc(event.time))  # a producer may have sent a time without an offset
    with uow:
        if not uow.inbox.first_delivery(event, consumer=consumer):
            return
        fold(event, uow)
        uow.commit()


def _system(event: Event, uow: Any) -> None:
    system = event.payload.system  # type: ignore[attr-defined]
    uow.systems.upsert(
        system_id=system.id,
        code=system.code,
        name=system.name,
        organisation_code=system.organisation_code,
        status="retired" if event.type == SYSTEM_RETIRED else system.status,
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
    )


def _identity(payload: Any) -> dict[str, str]:
    return {
        "system_id": payload.system_id,
        "run_id": payload.run_id,
        "system_code": payload.system_code,
        "organisation_code": payload.organisation_code,
        "wave_name": payload.wave_name,
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
        message=payload.message[:500],
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
    last = resource.last_exchange_at.ToDatetime(UTC) if resource.HasField("last_exchange_at") else None
    uow.links.record_exchange(
        resource_code=resource.code,
        platform_code=resource.platform,
        last_exchange_at=last,
        overdue=event.type == EXCHANGE_OVERDUE or (resource.overdue and event.type != EXCHANGE_RECORDED),
        at=event.time,
    )


FOLDS: dict[str, tuple[str, Fold]] = {
    SYSTEM_REGISTERED: (SYSTEMS_CONSUMER, _system),
    SYSTEM_UPDATED: (SYSTEMS_CONSUMER, _system),
    SYSTEM_RETIRED: (SYSTEMS_CONSUMER, _system),
    DATA_RESOURCE_SCHEDULED: (SYSTEMS_CONSUMER, _data_resource),
    DATA_RESOURCE_OPENED: (SYSTEMS_CONSUMER, _data_resource),
    RUN_STATE_CHANGED: (MIGRATIONS_CONSUMER, _run_state),
    **{step_type: (MIGRATIONS_CONSUMER, _step) for step_type in STEP_STATUS},
    LINK_STATE_CHANGED: (INTERCONNECT_CONSUMER, _link),
    RESOURCE_SHARED: (INTERCONNECT_CONSUMER, _exchange),
    EXCHANGE_RECORDED: (INTERCONNECT_CONSUMER, _exchange),
    EXCHANGE_OVERDUE: (INTERCONNECT_CONSUMER, _exchange),
}


def fold_event(event: Event, uow: UnitOfWork) -> None:
    """Fold one event of any topic into the read model; types the read model does not need are ignored."""
    if event.type in FOLDS:
        consumer, fold = FOLDS[event.type]
        _fold_once(event, uow, consumer, fold)


def count_systems(organisation_code: str, uow: UnitOfWork, principal: Principal) -> dict[str, int]:
    own = principal.department
    if own is not None and organisation_code and organisation_code != own:
        raise PermissionDenied(f"department {own} may not see the counts of {organisation_code}")
    with uow:
        return uow.systems.count_by_organisation(own or organisation_code or None)  # type: ignore[attr-defined]
