"""Writing the migration, link, exchange and data-resource parts of the read model. Older events never win."""

from datetime import datetime

from sqlalchemy.orm import Session

from services.monitoring.adapters.orm import (
    DataResourceView,
    ExchangeView,
    LinkView,
    MigrationView,
    StepOutcome,
    StepView,
)
from services.monitoring.domain.progress import as_utc


class SqlMigrationViews:
    def __init__(self, session: Session):
        self._session = session

    def _current(self, system_id: str, run_id: str, at: datetime, **identity: str) -> MigrationView | None:
        """The system's row for this run, started afresh for a newer run; None when the event is of an older run."""
        row = self._session.get(MigrationView, system_id)
        if row is not None and row.run_id != run_id and as_utc(row.started_at) > at:
            return None
        if row is None:
            row = MigrationView(system_id=system_id)
            self._session.add(row)
        if row.run_id != run_id:
            row.run_id, row.state, row.step, row.reason = run_id, "pending", "", ""
            row.started_at = row.last_progress_at = at
            row.completed_at = None
        row.system_code, row.organisation_code, row.wave_name = (
            identity["system_code"],
            identity["organisation_code"],
            identity["wave_name"],
        )
        return row

    def record_state(
        self, *, system_id: str, run_id: str, state: str, reason: str, at: datetime, **identity: str
    ) -> None:
        row = self._current(system_id, run_id, at, **identity)
        if row is None or as_utc(row.last_progress_at) > at:
            return
        row.state, row.reason, row.last_progress_at = state, reason, at
        row.completed_at = at if state == "completed" else None

    def record_step(self, *, system_id: str, run_id: str, step: str, at: datetime, **identity: str) -> None:
        row = self._current(system_id, run_id, at, **identity)
        if row is not None and as_utc(row.last_progress_at) <= at:
            row.step, row.last_progress_at = step, at
            if row.state == "pending":
                row.state = step


class SqlStepViews:
    def __init__(self, session: Session):
        self._session = session

    def record(self, *, run_id: str, step: str, at: datetime, **state: object) -> None:
        row = self._session.get(StepView, (run_id, step))
        if row is None:
            self._session.add(StepView(run_id=run_id, step=step, updated_at=at, **state))
        elif as_utc(row.updated_at) <= at:
            for name, value in state.items():
                setattr(row, name, value)
            row.updated_at = at

    def add_outcome(self, **outcome: object) -> None:
        self._session.add(StepOutcome(**outcome))


class SqlLinkViews:
    def __init__(self, session: Session):
        self._session = session

    def upsert(self, *, platform_code: str, state: int, latency_ms: float, at: datetime) -> None:
        row = self._session.get(LinkView, platform_code)
        if row is None:
            self._session.add(LinkView(platform_code=platform_code, state=state, latency_ms=latency_ms, updated_at=at))
        elif as_utc(row.updated_at) <= at:
            row.state, row.latency_ms, row.updated_at = state, latency_ms, at

    def record_exchange(
        self, *, resource_code: str, platform_code: str, last_exchange_at: datetime | None, overdue: bool, at: datetime
    ) -> None:
        row = self._session.get(ExchangeView, resource_code)
        if row is None:
            row = ExchangeView(resource_code=resource_code, updated_at=at)
            self._session.add(row)
        elif as_utc(row.updated_at) > at:
            return
        row.platform_code, row.overdue, row.updated_at = platform_code, overdue, at
        row.last_exchange_at = last_exchange_at or row.last_exchange_at


class SqlDataResourceViews:
    def __init__(self, session: Session):
        self._session = session

    def upsert(self, *, code: str, at: datetime, **fields: str) -> None:
        row = self._session.get(DataResourceView, code)
        if row is None:
            self._session.add(DataResourceView(code=code, updated_at=at, **fields))
        elif as_utc(row.updated_at) <= at:
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_at = at
