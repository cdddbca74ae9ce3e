"""Fakes of the ports use cases talk to (unit tests only)."""

import dataclasses
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from services.common.auth import Principal
from services.common.errors import FailedPrecondition
from services.common.events import Event
from services.common.runtime.grpc_calls import CallContext, PendingCall
from services.common.unit_of_work import UnitOfWork
from services.migration.domain.events import MigrationEvent
from services.migration.domain.model import WORKING, MigrationRun, StepRecord, Wave, WaveState, WaveSystem
from services.migration.ports import MigrationUnitOfWork, SystemInfo


class FakeClock:
    """A monotonic clock that moves only when a test moves it (`clock.now += seconds`)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def call_context(*roles: str) -> CallContext:
    """What a gRPC entrypoint method is handed of a call whose caller has `roles` and still waits for the answer."""
    peer = "ipv4:127.0.0.1:40000"
    return CallContext(Principal(frozenset(roles)), peer, PendingCall(None, None, (), peer))  # type: ignore[arg-type]


class FakeOutbox:
    def __init__(self) -> None:
        self.pending: list[tuple[Event, str, str]] = []
        self.published: list[tuple[Event, str, str]] = []

    def publish(self, event: Event, *, topic: str, key: str) -> None:
        self.pending.append((event, topic, key))


class FakeInbox:
    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()

    def first_deliveries(self, deliveries: Iterable[tuple[Event, str]]) -> list[Event]:
        return [event for event, consumer in deliveries if self.first_delivery(event, consumer=consumer)]

    def first_delivery(self, event: Event, *, consumer: str) -> bool:
        if (event.id, consumer) in self.seen:
            return False
        self.seen.add((event.id, consumer))
        return True


class FakeUnitOfWork(UnitOfWork):
    """Keeps what a use case committed; drops what it did not."""

    def __init__(self) -> None:
        self.outbox = FakeOutbox()
        self.inbox = FakeInbox()
        self.commits = 0

    def commit(self) -> None:
        self.commits += 1
        self.outbox.published += self.outbox.pending
        self.outbox.pending = []

    def rollback(self) -> None:
        self.outbox.pending = []

    def read_snapshot(self) -> None:
        """In memory, with one test thread, every read sees one state."""


class FakeMigrations:
    """The migration service's repository in memory: its waves, their members, runs and step records, found and
    ordered as SqlMigrations finds and orders them. `for_update` locks nothing: one test thread writes."""

    def __init__(self) -> None:
        self.stored: dict[type, list[Any]] = {Wave: [], WaveSystem: [], MigrationRun: [], StepRecord: []}

    def add(self, entity: object) -> None:
        kept = self.stored[type(entity)]
        if not any(e is entity for e in kept):
            kept.append(entity)

    def wave(self, id_or_name: str) -> Wave | None:
        return next((w for w in self.stored[Wave] if id_or_name in (w.id, w.name)), None)

    def waves(self, state: WaveState | None = None) -> list[Wave]:
        found = [w for w in self.stored[Wave] if state is None or w.state is state]
        return sorted(found, key=lambda w: w.created_at)

    def members(self, wave_id: str) -> list[WaveSystem]:
        found = [m for m in self.stored[WaveSystem] if m.wave_id == wave_id]
        return sorted(found, key=lambda m: (m.layer, m.system_code))

    def waves_holding(self, system_code: str) -> list[Wave]:
        holding = {m.wave_id for m in self.stored[WaveSystem] if m.system_code == system_code}
        return [w for w in self.stored[Wave] if w.id in holding]

    def run(self, run_id: str, *, for_update: bool = False) -> MigrationRun | None:
        return next((r for r in self.stored[MigrationRun] if r.id == run_id), None)

    def latest_run(self, system_code: str, *, for_update: bool = False) -> MigrationRun | None:
        found = [r for r in self.stored[MigrationRun] if r.system_code == system_code]
        return max(reversed(found), key=lambda r: r.created_at, default=None)  # of equal times, the one added last

    def runs(
        self, *, wave_id: str | None = None, state: str | None = None, for_update: bool = False
    ) -> list[MigrationRun]:
        found = [
            r
            for r in self.stored[MigrationRun]
            if (not wave_id or r.wave_id == wave_id) and (not state or r.state == state)
        ]
        return sorted(found, key=lambda r: (r.system_code, r.created_at))

    def move_system(self, system_id: str, system_code: str, organisation_code: str) -> int:
        moving = [r for r in self.stored[MigrationRun] if r.system_id == system_id]
        moving += [m for m in self.stored[WaveSystem] if m.system_code == system_code]
        moved = [entity for entity in moving if entity.organisation_code != organisation_code]
        for entity in moved:
            entity.organisation_code = organisation_code
        return len(moved)

    def claimable(self, now: datetime, limit: int) -> list[str]:
        free = [
            r
            for r in self.stored[MigrationRun]
            if r.state in WORKING
            and (r.claimed_by is None or (r.claim_expires_at is not None and r.claim_expires_at < now))
            and (r.resume_at is None or r.resume_at <= now or r.cancel_requested)
        ]
        return [r.id for r in sorted(free, key=lambda r: r.updated_at)[:limit]]

    def claim(self, run_id: str, owner: str, until: datetime, now: datetime) -> bool:
        run = self.run(run_id)
        expired = run is not None and run.claim_expires_at is not None and run.claim_expires_at < now
        if run is None or not (run.claimed_by in (None, owner) or expired):
            return False
        run.claimed_by, run.claim_expires_at = owner, until
        return True

    def renew_claims(self, owner: str, run_ids: Collection[str], until: datetime) -> int:
        held = [r for r in self.stored[MigrationRun] if r.claimed_by == owner and r.id in run_ids]
        for run in held:
            run.claim_expires_at = until
        return len(held)

    def release(self, run_id: str, owner: str) -> None:
        run = self.run(run_id)
        if run is not None and run.claimed_by == owner:
            run.claimed_by, run.claim_expires_at = None, None

    def steps(self, run_id: str) -> list[StepRecord]:
        return self.steps_of([run_id])[run_id]

    def steps_of(self, run_ids: Collection[str]) -> dict[str, list[StepRecord]]:
        found: dict[str, list[StepRecord]] = {run_id: [] for run_id in run_ids}
        for record in sorted(self.stored[StepRecord], key=lambda r: (r.started_at, r.attempt)):
            if record.run_id in found:
                found[record.run_id].append(record)
        return found

    def step_record(self, record_id: str) -> StepRecord | None:
        return next((r for r in self.stored[StepRecord] if r.id == record_id), None)

    def copy(self) -> dict[type, list[Any]]:
        return {kind: [dataclasses.replace(entity) for entity in kept] for kind, kept in self.stored.items()}


class FakeMigrationUnitOfWork(FakeUnitOfWork, MigrationUnitOfWork):
    """The migration service's unit of work in memory. A commit keeps the repository's state and the domain events
    announced since; leaving the unit of work without one puts back what was committed last, as a database would.
    `announced` holds the committed events as they were when announced (the SQL unit of work reads them then)."""

    def __init__(self) -> None:
        super().__init__()
        self.migrations = FakeMigrations()
        self.pending: list[MigrationEvent] = []
        self.announced: list[MigrationEvent] = []
        self._committed = self.migrations.copy()

    def announce(self, event: MigrationEvent) -> None:
        copies = {name: dataclasses.replace(getattr(event, name)) for name in ("run", "record") if hasattr(event, name)}
        self.pending.append(dataclasses.replace(event, **copies))

    def commit(self) -> None:
        super().commit()
        self.announced += self.pending
        self.pending = []
        self._committed = self.migrations.copy()

    def rollback(self) -> None:
        super().rollback()
        self.pending = []
        self.migrations.stored = self._committed
        self._committed = self.migrations.copy()

    def seed(self, *entities: object) -> None:
        """Store `entities` as committed, announcing nothing."""
        for entity in entities:
            self.migrations.add(entity)
        self._committed = self.migrations.copy()


class FakeCatalogue:
    """The inventory as the migration use cases ask it: any system it is asked for, ready to migrate, in HA-WJW and
    province-level unless told otherwise, its dependencies in layers; remembers the codes it was asked for."""

    def __init__(
        self,
        *,
        organisation_of: dict[str, str] | None = None,
        depends_on: dict[str, list[str]] | None = None,
        retired: Collection[str] = (),
        migrated: Collection[str] = (),
        city: Collection[str] = (),
    ) -> None:
        self.organisation_of = organisation_of or {}
        self.depends_on = depends_on or {}
        self.retired, self.migrated, self.city = retired, migrated, city
        self.asked: list[str] = []

    def system(self, code: str) -> SystemInfo:
        self.asked.append(code)
        return SystemInfo(
            id=f"id-{code}",
            code=code,
            organisation_code=self.organisation_of.get(code, "HA-WJW"),
            status="retired" if code in self.retired else "migrated" if code in self.migrated else "ready",
            mlps_level=2,
            zone="ZY-A",
            zone_crypto=True,
            depends_on=self.depends_on.get(code, []),
            admin_level="city" if code in self.city else "province",
        )

    def dependency_order(self, codes: list[str]) -> list[list[str]]:
        """Layers of `codes`, each after the layers holding its dependencies among them; a cycle is refused."""
        layers: list[list[str]] = []
        left = set(codes)
        while left:
            layer = sorted(c for c in left if not left & set(self.depends_on.get(c, [])))
            if not layer:
                raise FailedPrecondition(f"dependency cycle among {', '.join(sorted(left))}")
            layers.append(layer)
            left -= set(layer)
        return layers
