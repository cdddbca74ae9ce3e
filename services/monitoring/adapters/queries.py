"""Questions the read model answers: one grouped query per metric, plus the rows pages and reports show."""

from collections.abc import Iterator
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.monitoring.adapters.orm import (
    DataResourceView,
    ExchangeView,
    LinkView,
    MigrationView,
    StepOutcome,
    StepView,
    SystemView,
)
from services.monitoring.domain.progress import (
    ACTIVE_STATES,
    DOWNTIME_BUCKETS,
    DURATION_BUCKETS,
    MIGRATED_STATE,
    MIGRATED_SYSTEM_STATUS,
    REPLICATING_STATE,
    RETIRED_SYSTEM_STATUS,
    RUNNING_STATES,
    WAVE_DONE_STATES,
    ReplicationLag,
)

_MIGRATED = sa.case(
    (sa.or_(SystemView.status == MIGRATED_SYSTEM_STATUS, MigrationView.state == MIGRATED_STATE), 1), else_=0
)
# Retired systems count nowhere. A run of a system the read model has not heard of yet (the inventory's events may
# come later than migration's) still counts: its row is missing, so its status is NULL.
NOT_RETIRED = sa.func.coalesce(SystemView.status, "") != RETIRED_SYSTEM_STATUS


# A run counts for the organisation its system belongs to now: a system that moved to another organisation takes its
# runs along, though a run that has ended sends no more events saying so. The run's own is used until the system's
# row arrives.
def _owner() -> sa.ColumnElement[str]:
    return sa.func.coalesce(SystemView.organisation_code, MigrationView.organisation_code)


def _runs_of_systems_not_retired(*columns: Any) -> sa.Select[Any]:
    """SELECT `columns` over the latest run of every system not retired."""
    joined = sa.select(*columns).outerjoin(SystemView, SystemView.system_id == MigrationView.system_id)
    return joined.where(NOT_RETIRED)


class SqlProgressQueries:
    def __init__(self, session: Session):
        self._session = session

    def _rows(self, query: Any) -> Iterator[Any]:
        return iter(self._session.execute(query).all())

    def migrations_by_state(self) -> Iterator[Any]:
        m = MigrationView
        query = _runs_of_systems_not_retired(_owner(), m.state, sa.func.count())
        return self._rows(query.group_by(_owner(), m.state))

    def steps_by_result(self) -> Iterator[Any]:
        o = StepOutcome
        return self._rows(sa.select(o.step, o.result, sa.func.count()).group_by(o.step, o.result))

    def step_durations(self) -> Iterator[Any]:
        """Per step: the cumulative count at each bucket bound, the count and the sum of durations."""
        d = StepOutcome.duration_seconds
        buckets = [sa.func.sum(sa.case((d <= bound, 1), else_=0)) for bound in DURATION_BUCKETS]
        query = sa.select(StepOutcome.step, *buckets, sa.func.count(), sa.func.sum(d)).group_by(StepOutcome.step)
        return self._rows(query)

    def wave_last_progress(self) -> Iterator[Any]:
        m = MigrationView
        query = _runs_of_systems_not_retired(m.wave_name, sa.func.max(m.last_progress_at))
        return self._rows(query.where(m.wave_name != "").group_by(m.wave_name))

    def wave_windows(self) -> Iterator[Any]:
        """Per wave with a planned window: its end and how many of its systems' runs it still waits for."""
        m = MigrationView
        unfinished = sa.func.sum(sa.case((m.state.not_in(WAVE_DONE_STATES), 1), else_=0))
        query = _runs_of_systems_not_retired(m.wave_name, sa.func.max(m.wave_window_end), unfinished)
        return self._rows(query.where(m.wave_window_end.is_not(None)).group_by(m.wave_name))

    def oldest_running_progress(self) -> Iterator[Any]:
        m = MigrationView
        query = _runs_of_systems_not_retired(_owner(), sa.func.min(m.last_progress_at))
        return self._rows(query.where(m.state.in_(RUNNING_STATES)).group_by(_owner()))

    def replication_lag(self) -> Iterator[Any]:
        """Per organisation: the worst lag its systems replicating now last measured (a run that has left
        replicating no longer lags)."""
        m = MigrationView
        query = _runs_of_systems_not_retired(_owner(), sa.func.max(m.lag_seconds))
        lagging = query.where(m.state == REPLICATING_STATE, m.lag_seconds.is_not(None))
        return self._rows(lagging.group_by(_owner()))

    def cutover_downtimes(self) -> Iterator[Any]:
        """Per organisation, over every completed cutover with a write freeze: the cumulative count at each bucket
        bound, the count and the sum of the downtimes."""
        o, d = StepOutcome, StepOutcome.downtime_seconds
        buckets = [sa.func.sum(sa.case((d <= bound, 1), else_=0)) for bound in DOWNTIME_BUCKETS]
        query = sa.select(o.organisation_code, *buckets, sa.func.count(), sa.func.sum(d)).where(d.is_not(None))
        return self._rows(query.group_by(o.organisation_code))

    def migrated_share(self, by: str) -> Iterator[Any]:
        """(department or city, systems, migrated) for every system not retired."""
        key = SystemView.organisation_code if by == "department" else SystemView.city
        query = (
            sa.select(key, sa.func.count(), sa.func.sum(_MIGRATED))
            .select_from(SystemView)
            .outerjoin(MigrationView, MigrationView.system_id == SystemView.system_id)
            .where(NOT_RETIRED, key != "")
            .group_by(key)
        )
        return self._rows(query)

    def links(self) -> Iterator[Any]:
        return self._rows(sa.select(LinkView.platform_code, LinkView.state, LinkView.latency_ms))

    def exchanges(self) -> Iterator[Any]:
        e = ExchangeView
        overdue = sa.func.sum(sa.case((e.overdue, 1), else_=0))
        query = sa.select(e.platform_code, overdue, sa.func.max(e.last_exchange_at)).group_by(e.platform_code)
        return self._rows(query)

    def overdue_data_resources(self, today: date) -> Iterator[Any]:
        r = DataResourceView
        late = sa.and_(
            r.actual_opening_date == "",
            r.planned_opening_date != "",
            r.planned_opening_date < str(today),
            r.retired.is_(False),
        )
        return self._rows(sa.select(r.organisation_code, sa.func.count()).where(late).group_by(r.organisation_code))

    def organisation_summaries(self, organisation_code: str = "") -> list[dict[str, Any]]:
        """Per organisation (every one, or the one given) its systems, migrated, active and blocked counts, newest
        change."""
        m = MigrationView
        query = (
            sa.select(
                SystemView.organisation_code,
                sa.func.count(),
                sa.func.sum(_MIGRATED),
                sa.func.sum(sa.case((m.state.in_(ACTIVE_STATES), 1), else_=0)),
                sa.func.sum(sa.case((m.state.in_(("failed", "rolled_back")), 1), else_=0)),
                sa.func.max(m.last_progress_at),
            )
            .select_from(SystemView)
            .outerjoin(m, m.system_id == SystemView.system_id)
            .where(NOT_RETIRED)
            .group_by(SystemView.organisation_code)
            .order_by(SystemView.organisation_code)
        )
        if organisation_code:
            query = query.where(SystemView.organisation_code == organisation_code)
        keys = ("organisation_code", "systems", "migrated", "active", "blocked", "last_progress_at")
        return [_with_zeros(dict(zip(keys, row, strict=True))) for row in self._session.execute(query)]

    def systems_of(self, *, organisation_code: str = "", wave_name: str = "") -> list[dict[str, Any]]:
        """Each system not retired, with its latest run and that run's steps (for an organisation, or the systems of
        a wave)."""
        query = (
            sa.select(SystemView, MigrationView)
            .outerjoin(MigrationView, MigrationView.system_id == SystemView.system_id)
            .where(NOT_RETIRED)
        )
        if organisation_code:
            query = query.where(SystemView.organisation_code == organisation_code)
        if wave_name:
            query = query.where(MigrationView.wave_name == wave_name)
        rows = self._session.execute(query.order_by(SystemView.code)).all()
        steps = self._steps_of([run.run_id for _, run in rows if run is not None])
        return [_system_row(system, run, steps.get(run.run_id, []) if run else []) for system, run in rows]

    def _steps_of(self, run_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        if not run_ids:
            return found
        for step in self._session.scalars(sa.select(StepView).where(StepView.run_id.in_(run_ids))):
            found.setdefault(step.run_id, []).append(
                {"step": step.step, "status": step.status, "percent": step.percent, "message": step.message}
            )
        return found

    def runs_of(self, organisation_code: str) -> list[dict[str, Any]]:
        m = MigrationView
        query = _runs_of_systems_not_retired(m).where(_owner() == organisation_code).order_by(m.system_code)
        return [_run_dict(run) for run in self._session.scalars(query)]

    def data_resources_of(self, organisation_code: str) -> list[dict[str, Any]]:
        r = DataResourceView
        query = sa.select(r.code, r.name, r.planned_opening_date, r.actual_opening_date)
        keys = ("code", "name", "planned_opening_date", "actual_opening_date")
        mine = query.where(r.organisation_code == organisation_code, r.retired.is_(False))
        rows = self._session.execute(mine.order_by(r.code))
        return [dict(zip(keys, row, strict=True)) for row in rows]


def _with_zeros(row: dict[str, Any]) -> dict[str, Any]:
    """SQL sums are NULL over no rows: give the page zeros."""
    return {**row, **{key: row[key] or 0 for key in ("migrated", "active", "blocked")}}


def _run_dict(run: MigrationView) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "system_code": run.system_code,
        "wave_name": run.wave_name,
        "wave_window_start": run.wave_window_start,
        "wave_window_end": run.wave_window_end,
        "state": run.state,
        "step": run.step,
        "reason": run.reason,
        "started_at": run.started_at,
        "last_progress_at": run.last_progress_at,
        "completed_at": run.completed_at,
        "lag": _lag_of(run),
        "downtime_seconds": run.downtime_seconds,
    }


def _lag_of(run: MigrationView) -> ReplicationLag | None:
    if run.lag_seconds is None or run.lag_measured_at is None:
        return None
    return ReplicationLag(run.lag_seconds, run.lag_transactions, run.lag_bytes, run.lag_measured_at)


def _system_row(system: SystemView, run: MigrationView | None, steps: list[dict[str, Any]]) -> dict[str, Any]:
    row: dict[str, Any] = {"code": system.code, "name": system.name, "organisation_code": system.organisation_code}
    row["status"] = system.status
    row["run"] = _run_dict(run) if run else None
    row["steps"] = steps
    return row
