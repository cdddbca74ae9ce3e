"""Monitoring's folds: every service's events into the read model, the audit trail's into the audit records; each
event at most once per consumer."""

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import NamedTuple

from services.common.events import (
    CALL_RECORDED,
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
from services.monitoring.adapters import messages
from services.monitoring.domain.progress import RETIRED_SYSTEM_STATUS, STEP_RESULTS, as_utc, city_of
from services.monitoring.ports import MonitoringUnitOfWork, Prefetching

SYSTEMS_CONSUMER = "monitoring.systems"
MIGRATIONS_CONSUMER = "monitoring.migrations"
INTERCONNECT_CONSUMER = "monitoring.interconnect"
AUDIT_CONSUMER = "monitoring.audit"
STEP_STATUS = {STEP_STARTED: "started", STEP_PROGRESS: "running", STEP_COMPLETED: "completed", STEP_FAILED: "failed"}


class RowKey(NamedTuple):
    """A read-model row a fold may touch: the table's repository and the row's key."""

    table: Prefetching
    key: Hashable


@dataclass(frozen=True)
class Fold:
    """How the read model takes in the events of one type."""

    consumer: str  # who the inbox records as having folded the event: once per consumer
    rows: Callable[[Event, MonitoringUnitOfWork], list[RowKey]]  # those it may touch: fetched for a whole batch first
    apply: Callable[[Event, MonitoringUnitOfWork], None]


def _system(event: Event, uow: MonitoringUnitOfWork) -> None:
    system = messages.system_of(event)
    uow.systems.upsert(
        system_id=system.id,
        code=system.code,
        name=system.name,
        organisation_code=system.organisation_code,
        status=RETIRED_SYSTEM_STATUS if event.type == SYSTEM_RETIRED else system.status,
        at=event.time,
        city=city_of(system.organisation_code, system.admin_level),
    )


def _system_rows(event: Event, uow: MonitoringUnitOfWork) -> list[RowKey]:
    return [RowKey(uow.systems, messages.system_of(event).id)]


def _data_resource(event: Event, uow: MonitoringUnitOfWork) -> None:
    resource = messages.data_resource_of(event)
    uow.data_resources.upsert(
        code=resource.code,
        at=event.time,
        name=resource.name,
        organisation_code=resource.organisation,
        planned_opening_date=resource.planned_opening_date,
        actual_opening_date=resource.actual_opening_date,
        retired=resource.retired or event.type == DATA_RESOURCE_RETIRED,
    )


def _data_resource_rows(event: Event, uow: MonitoringUnitOfWork) -> list[RowKey]:
    return [RowKey(uow.data_resources, messages.data_resource_of(event).code)]


def _run_state(event: Event, uow: MonitoringUnitOfWork) -> None:
    changed = messages.run_state_of(event)
    uow.runs.record_state(messages.run_of(changed), state=changed.state, reason=changed.reason, at=event.time)


def _run_state_rows(event: Event, uow: MonitoringUnitOfWork) -> list[RowKey]:
    return [RowKey(uow.runs, messages.run_state_of(event).system_id)]


def _step(event: Event, uow: MonitoringUnitOfWork) -> None:
    step = messages.step_of(event)
    run = messages.run_of(step)
    uow.runs.record_step(run, step=step.step, at=event.time)
    lag = messages.replication_lag_of(step, event.time) if event.type == STEP_COMPLETED else None
    downtime = messages.downtime_of(step) if event.type == STEP_COMPLETED else None
    if lag is not None:
        uow.runs.record_lag(run, lag)
    if downtime is not None:
        uow.runs.record_downtime(run, seconds=downtime, at=event.time)
    uow.steps.record(
        run_id=step.run_id,
        step=step.step,
        at=event.time,
        system_id=step.system_id,
        status=STEP_STATUS[event.type],
        percent=100 if event.type == STEP_COMPLETED else step.percent,
        attempt=step.attempt,
        message=step.message,
    )
    if event.type in STEP_RESULTS:
        uow.steps.add_outcome(
            event_id=event.id,
            step=step.step,
            result=STEP_RESULTS[event.type],
            duration_seconds=step.duration_seconds,
            organisation_code=step.organisation_code,
            at=event.time,
            downtime_seconds=downtime,
        )


def _step_rows(event: Event, uow: MonitoringUnitOfWork) -> list[RowKey]:
    step = messages.step_of(event)
    return [RowKey(uow.runs, step.system_id), RowKey(uow.steps, (step.run_id, step.step))]


def _link(event: Event, uow: MonitoringUnitOfWork) -> None:
    link = messages.link_of(event)
    uow.links.upsert(platform_code=link.platform_code, state=link.state, latency_ms=link.latency_ms, at=event.time)


def _link_rows(event: Event, uow: MonitoringUnitOfWork) -> list[RowKey]:
    return [RowKey(uow.links, messages.link_of(event).platform_code)]


def _exchange(event: Event, uow: MonitoringUnitOfWork) -> None:
    resource = messages.shared_resource_of(event)
    uow.exchanges.record(
        resource_code=resource.code,
        platform_code=resource.platform,
        last_exchange_at=moment_of(resource, "last_exchange_at"),
        # As interconnect found it when it recorded the event: an old run recorded late leaves the resource overdue
        overdue=event.type == EXCHANGE_OVERDUE or resource.overdue,
        at=event.time,
    )


def _exchange_rows(event: Event, uow: MonitoringUnitOfWork) -> list[RowKey]:
    return [RowKey(uow.exchanges, messages.shared_resource_of(event).code)]


_SYSTEM = Fold(SYSTEMS_CONSUMER, _system_rows, _system)
_DATA_RESOURCE = Fold(SYSTEMS_CONSUMER, _data_resource_rows, _data_resource)
_RUN_STATE = Fold(MIGRATIONS_CONSUMER, _run_state_rows, _run_state)
_STEP = Fold(MIGRATIONS_CONSUMER, _step_rows, _step)
_LINK = Fold(INTERCONNECT_CONSUMER, _link_rows, _link)
_EXCHANGE = Fold(INTERCONNECT_CONSUMER, _exchange_rows, _exchange)

FOLDS: dict[str, Fold] = {
    SYSTEM_REGISTERED: _SYSTEM,
    SYSTEM_UPDATED: _SYSTEM,
    SYSTEM_RETIRED: _SYSTEM,
    DATA_RESOURCE_SCHEDULED: _DATA_RESOURCE,
    DATA_RESOURCE_OPENED: _DATA_RESOURCE,
    DATA_RESOURCE_RETIRED: _DATA_RESOURCE,
    RUN_STATE_CHANGED: _RUN_STATE,
    **{step_type: _STEP for step_type in STEP_STATUS},
    LINK_STATE_CHANGED: _LINK,
    LINK_LATENCY_CHANGED: _LINK,
    RESOURCE_SHARED: _EXCHANGE,
    EXCHANGE_RECORDED: _EXCHANGE,
    EXCHANGE_OVERDUE: _EXCHANGE,
}


def _first_deliveries(events: list[Event], uow: MonitoringUnitOfWork) -> list[Event]:
    """The events of types the read model needs that their consumer has not folded before, now recorded as folded."""
    return uow.inbox.first_deliveries((event, FOLDS[event.type].consumer) for event in events if event.type in FOLDS)


def _prefetch(events: list[Event], uow: MonitoringUnitOfWork) -> None:
    """One query per table for the rows the batch touches, instead of one per event."""
    wanted: dict[Prefetching, set[Hashable]] = defaultdict(set)
    for event in events:
        for row in FOLDS[event.type].rows(event, uow):
            wanted[row.table].add(row.key)
    for table, keys in wanted.items():
        table.prefetch(keys)


def fold_events(events: list[Event], uow: MonitoringUnitOfWork) -> None:
    """Fold events of any topic into the read model in one transaction (all or none), each at most once."""
    with uow:
        new = _first_deliveries(events, uow)
        _prefetch(new, uow)
        for event in new:
            if event.time.tzinfo is None:  # a producer may have sent a time without an offset
                event = replace(event, time=as_utc(event.time))
            FOLDS[event.type].apply(event, uow)
        uow.commit()


def keep_audit_record(event: Event, uow: MonitoringUnitOfWork) -> None:
    """Keep the record an audit event carries, once however often the event is delivered."""
    if event.type != CALL_RECORDED:
        return
    with uow:
        if uow.inbox.first_delivery(event, consumer=AUDIT_CONSUMER):
            uow.audit.keep(messages.audit_record_of(event))
            uow.commit()
