"""Writing the migration, link, exchange and data-resource parts of the read model. Older events never win."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.common.rows import Row, RowsByKey
from services.monitoring.adapters.orm import (
    DataResourceView,
    ExchangeView,
    LinkView,
    MigrationView,
    StepOutcome,
    StepView,
)


class SqlMigrationViews:
    def __init__(self, session: Session):
        self._rows = RowsByKey(session, MigrationView)

    def prefetch(self, keys: Iterable[Any]) -> None:
        self._rows.load(keys)

    def _current(self, system_id: str, run_id: str, at: datetime, **identity: Any) -> Row | None:
        """The system's row for this run, started afresh for a newer run; None when the event is of an older run."""
        row = self._rows.get(system_id)
        if row is not None and row.run_id != run_id and row.started_at > at:
            return None
        if row is None:
            row = self._rows.add(system_id=system_id)
        if row.run_id != run_id:
            row.run_id, row.state, row.step, row.reason = run_id, "pending", "", ""
            row.started_at = row.last_progress_at = at
            row.completed_at = None
        row.system_code, row.organisation_code, row.wave_name = (
            identity["system_code"],
            identity["organisation_code"],
            identity["wave_name"],
        )
        row.wave_window_start, row.wave_window_end = identity["wave_window_start"], identity["wave_window_end"]
        return row

    def record_state(
        self, *, system_id: str, run_id: str, state: str, reason: str, at: datetime, **identity: Any
    ) -> None:
        row = self._current(system_id, run_id, at, **identity)
        if row is None or row.last_progress_at > at:
            return
        row.state, row.reason, row.last_progress_at = state, reason, at
        row.completed_at = at if state == "completed" else None

    def record_step(self, *, system_id: str, run_id: str, step: str, at: datetime, **identity: Any) -> None:
        row = self._current(system_id, run_id, at, **identity)
        if row is not None and row.last_progress_at <= at:
            row.step, row.last_progress_at = step, at
            if row.state == "pending":
                row.state = step


class SqlStepViews:
    def __init__(self, session: Session):
        self._rows = RowsByKey(session, StepView)
        self._outcomes = RowsByKey(session, StepOutcome)

    def prefetch(self, keys: Iterable[Any]) -> None:
        self._rows.load(keys)

    def record(self, *, run_id: str, step: str, at: datetime, **state: object) -> None:
        row = self._rows.get((run_id, step))
        if row is None:
            self._rows.add(run_id=run_id, step=step, updated_at=at, **state)
        elif row.updated_at <= at:
            for name, value in state.items():
                setattr(row, name, value)
            row.updated_at = at

    def add_outcome(self, **outcome: object) -> None:
        self._outcomes.add(**outcome)


class SqlLinkViews:
    def __init__(self, session: Session):
        self._rows = RowsByKey(session, LinkView)

    def prefetch(self, keys: Iterable[Any]) -> None:
        self._rows.load(keys)

    def upsert(self, *, platform_code: str, state: int, latency_ms: float, at: datetime) -> None:
        row = self._rows.get(platform_code)
        if row is None:
            self._rows.add(platform_code=platform_code, state=state, latency_ms=latency_ms, updated_at=at)
        elif row.updated_at <= at:
            row.state, row.latency_ms, row.updated_at = state, latency_ms, at


class SqlExchangeViews:
    def __init__(self, session: Session):
        self._rows = RowsByKey(session, ExchangeView)

    def prefetch(self, keys: Iterable[Any]) -> None:
        self._rows.load(keys)

    def record(
        self, *, resource_code: str, platform_code: str, last_exchange_at: datetime | None, overdue: bool, at: datetime
    ) -> None:
        row = self._rows.get(resource_code)
        if row is None:
            row = self._rows.add(resource_code=resource_code, updated_at=at)
        elif row.updated_at > at:
            return
        row.platform_code, row.overdue, row.updated_at = platform_code, overdue, at
        row.last_exchange_at = last_exchange_at or row.last_exchange_at


class SqlDataResourceViews:
    def __init__(self, session: Session):
        self._rows = RowsByKey(session, DataResourceView)

    def prefetch(self, keys: Iterable[Any]) -> None:
        self._rows.load(keys)

    def upsert(self, *, code: str, at: datetime, **fields: str | bool) -> None:
        row = self._rows.get(code)
        if row is None:
            self._rows.add(code=code, updated_at=at, **fields)
        elif row.updated_at <= at:
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_at = at
