"""Writing the read model's tables as the folds tell them (ports.Systems, LatestRuns, Steps, Links, Exchanges and
DataResources). Older events never win."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.rows import Row, RowsByKey
from services.monitoring.adapters import orm
from services.monitoring.adapters.queries import NOT_RETIRED
from services.monitoring.domain.progress import STATE_OF_STEP, ReplicationLag, RunIdentity


class SqlSystems:
    def __init__(self, session: Session):
        self._session = session
        self._rows = RowsByKey(session, orm.SystemView)

    def prefetch(self, keys: Iterable[Any]) -> None:
        self._rows.load(keys)

    def upsert(
        self, *, system_id: str, code: str, name: str, organisation_code: str, status: str, at: datetime, city: str = ""
    ) -> None:
        """Keep the newest state: an older event arriving late changes nothing."""
        row = self._rows.get(system_id)
        if row is None:
            self._rows.add(
                system_id=system_id,
                code=code,
                name=name,
                organisation_code=organisation_code,
                status=status,
                updated_at=at,
                city=city,
            )
        elif row.updated_at <= at:
            row.code, row.name, row.organisation_code, row.status, row.updated_at, row.city = (
                code,
                name,
                organisation_code,
                status,
                at,
                city,
            )

    def count_by_organisation(self, organisation_code: str | None = None) -> dict[str, int]:
        query = sa.select(orm.SystemView.organisation_code, sa.func.count()).where(NOT_RETIRED)
        query = query.group_by(orm.SystemView.organisation_code)
        if organisation_code:
            query = query.where(orm.SystemView.organisation_code == organisation_code)
        return {org: count for org, count in self._session.execute(query)}


class SqlLatestRuns:
    def __init__(self, session: Session):
        self._rows = RowsByKey(session, orm.MigrationView)

    def prefetch(self, keys: Iterable[Any]) -> None:
        self._rows.load(keys)

    def _current(self, run: RunIdentity, at: datetime) -> Row | None:
        """The system's row for this run, started afresh for a newer run; None when the event is of an older run."""
        row = self._rows.get(run.system_id)
        if row is not None and row.run_id != run.run_id and row.started_at > at:
            return None
        if row is None:
            row = self._rows.add(system_id=run.system_id)
        if row.run_id != run.run_id:
            row.run_id, row.state, row.step, row.reason = run.run_id, "pending", "", ""
            row.started_at = row.last_progress_at = at
            row.completed_at = None
            row.lag_seconds = row.lag_transactions = row.lag_bytes = row.lag_measured_at = None
            row.downtime_seconds = None
        row.system_code, row.organisation_code, row.wave_name = run.system_code, run.organisation_code, run.wave_name
        row.wave_window_start, row.wave_window_end = run.wave_window_start, run.wave_window_end
        return row

    def record_state(self, run: RunIdentity, *, state: str, reason: str, at: datetime) -> None:
        row = self._current(run, at)
        if row is None or row.last_progress_at > at:
            return
        row.state, row.reason, row.last_progress_at = state, reason, at
        row.completed_at = at if state == "completed" else None

    def record_step(self, run: RunIdentity, *, step: str, at: datetime) -> None:
        row = self._current(run, at)
        if row is not None and row.last_progress_at <= at:
            row.step, row.last_progress_at = step, at
            if row.state == "pending":
                row.state = STATE_OF_STEP.get(step, step)

    def record_lag(self, run: RunIdentity, lag: ReplicationLag) -> None:
        row = self._current(run, lag.measured_at)
        if row is None or (row.lag_measured_at is not None and row.lag_measured_at > lag.measured_at):
            return
        row.lag_seconds, row.lag_transactions, row.lag_bytes = lag.seconds, lag.transactions, lag.bytes
        row.lag_measured_at = lag.measured_at

    def record_downtime(self, run: RunIdentity, *, seconds: float, at: datetime) -> None:
        row = self._current(run, at)
        if row is not None:
            row.downtime_seconds = seconds


class SqlSteps:
    def __init__(self, session: Session):
        self._rows = RowsByKey(session, orm.StepView)
        self._outcomes = RowsByKey(session, orm.StepOutcome)

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


class SqlLinks:
    def __init__(self, session: Session):
        self._rows = RowsByKey(session, orm.LinkView)

    def prefetch(self, keys: Iterable[Any]) -> None:
        self._rows.load(keys)

    def upsert(self, *, platform_code: str, state: int, latency_ms: float, at: datetime) -> None:
        row = self._rows.get(platform_code)
        if row is None:
            self._rows.add(platform_code=platform_code, state=state, latency_ms=latency_ms, updated_at=at)
        elif row.updated_at <= at:
            row.state, row.latency_ms, row.updated_at = state, latency_ms, at


class SqlExchanges:
    def __init__(self, session: Session):
        self._rows = RowsByKey(session, orm.ExchangeView)

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


class SqlDataResources:
    def __init__(self, session: Session):
        self._rows = RowsByKey(session, orm.DataResourceView)

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
