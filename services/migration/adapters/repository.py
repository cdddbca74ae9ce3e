"""Waves, runs and step checkpoints in the migration database."""

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.migration.adapters.orm import runs, step_records, wave_systems, waves
from services.migration.domain.model import WORKING, MigrationRun, StepRecord, Wave, WaveState, WaveSystem


class SqlMigrations:
    def __init__(self, session: Session):
        self._session = session

    def add(self, entity: object) -> None:
        self._session.add(entity)

    def wave(self, id_or_name: str) -> Wave | None:
        query = sa.select(Wave).where(sa.or_(waves.c.id == id_or_name, waves.c.name == id_or_name))
        return self._session.scalars(query).one_or_none()

    def waves(self, state: WaveState | None = None) -> list[Wave]:
        query = sa.select(Wave).order_by(waves.c.created_at)
        if state is not None:
            query = query.where(waves.c.state == state)
        return list(self._session.scalars(query))

    def members(self, wave_id: str) -> list[WaveSystem]:
        query = sa.select(WaveSystem).where(wave_systems.c.wave_id == wave_id)
        return list(self._session.scalars(query.order_by(wave_systems.c.layer, wave_systems.c.system_code)))

    def waves_holding(self, system_code: str) -> list[Wave]:
        query = sa.select(Wave).join(wave_systems, wave_systems.c.wave_id == waves.c.id)
        return list(self._session.scalars(query.where(wave_systems.c.system_code == system_code)))

    def run(self, run_id: str, *, for_update: bool = False) -> MigrationRun | None:
        return self._session.get(MigrationRun, run_id, with_for_update=for_update or None)

    def latest_run(self, system_code: str, *, for_update: bool = False) -> MigrationRun | None:
        query = sa.select(MigrationRun).where(runs.c.system_code == system_code).order_by(runs.c.created_at.desc())
        return self._session.scalars(_locked(query.limit(1), for_update)).first()

    def runs(
        self, *, wave_id: str | None = None, state: str | None = None, for_update: bool = False
    ) -> list[MigrationRun]:
        query = _locked(sa.select(MigrationRun).order_by(runs.c.system_code, runs.c.created_at), for_update)
        if wave_id:
            query = query.where(runs.c.wave_id == wave_id)
        if state:
            query = query.where(runs.c.state == state)
        return list(self._session.scalars(query))

    def claimable(self, now: datetime, limit: int) -> list[str]:
        """Runs with a step to perform that nobody holds (or whose holder's lease ran out)."""
        query = (
            sa.select(runs.c.id)
            .where(runs.c.state.in_([s.value for s in WORKING]))
            .where(sa.or_(runs.c.claimed_by.is_(None), runs.c.claim_expires_at < now))
            # a replicating run waits for its next precopy, unless an operator asked to cancel it
            .where(sa.or_(runs.c.resume_at.is_(None), runs.c.resume_at <= now, runs.c.cancel_requested))
            .order_by(runs.c.updated_at)
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def claim(self, run_id: str, owner: str, until: datetime, now: datetime) -> bool:
        """Take the run for `owner` unless another holder's lease is still valid: one replica drives a run."""
        free = sa.or_(runs.c.claimed_by.is_(None), runs.c.claimed_by == owner, runs.c.claim_expires_at < now)
        statement = sa.update(runs).where(runs.c.id == run_id, free).values(claimed_by=owner, claim_expires_at=until)
        return _rows_changed(self._session.execute(statement)) == 1

    def renew_claims(self, owner: str, run_ids: Collection[str], until: datetime) -> int:
        """Extend `owner`'s leases on the runs it still drives; a run it dropped without releasing it (the database
        was away) is left to expire and be claimed again."""
        statement = (
            sa.update(runs).where(runs.c.claimed_by == owner, runs.c.id.in_(run_ids)).values(claim_expires_at=until)
        )
        return _rows_changed(self._session.execute(statement))

    def release(self, run_id: str, owner: str) -> None:
        statement = sa.update(runs).where(runs.c.id == run_id, runs.c.claimed_by == owner)
        self._session.execute(statement.values(claimed_by=None, claim_expires_at=None))

    def move_system(self, system_id: str, system_code: str, organisation_code: str) -> int:
        """The system's runs (by its id) and wave places (by its code, all they keep) now belong to
        `organisation_code`; how many rows changed."""
        moved = 0
        for table, match in (
            (runs, runs.c.system_id == system_id),
            (wave_systems, wave_systems.c.system_code == system_code),
        ):
            statement = sa.update(table).where(match, table.c.organisation_code != organisation_code)
            moved += _rows_changed(self._session.execute(statement.values(organisation_code=organisation_code)))
        return moved

    def steps(self, run_id: str) -> list[StepRecord]:
        return self.steps_of([run_id])[run_id]

    def steps_of(self, run_ids: Collection[str]) -> dict[str, list[StepRecord]]:
        """Each run's step records in the order they began, for many runs in one query."""
        found: dict[str, list[StepRecord]] = {run_id: [] for run_id in run_ids}
        if not found:
            return found
        query = sa.select(StepRecord).where(step_records.c.run_id.in_(found))
        for record in self._session.scalars(query.order_by(step_records.c.started_at, step_records.c.attempt)):
            found[record.run_id].append(record)
        return found

    def step_record(self, record_id: str) -> StepRecord | None:
        return self._session.get(StepRecord, record_id)


def _locked(query: sa.Select[Any], for_update: bool) -> sa.Select[Any]:
    # A run read to be changed: an operator's command and the orchestrator recording a step's outcome would
    # otherwise each write over the other's change (PostgreSQL reads committed rows; SQLite has one writer anyway).
    return query.with_for_update() if for_update else query


def _rows_changed(result: Any) -> int:
    return int(result.rowcount)
