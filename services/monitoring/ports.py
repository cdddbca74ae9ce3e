"""What monitoring's use cases need from storage: the read model's tables the folds write, the questions the pages,
answers and reports ask of it, and the audit records kept; adapters provide them, unit tests may fake them."""

import abc
from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import Any, Protocol

from services.common.unit_of_work import UnitOfWork
from services.monitoring.domain.audit import AuditFilter, AuditKey
from services.monitoring.domain.progress import ReplicationLag, RunIdentity
from services.pb.zhongyuan.audit.v1 import audit_pb2


class Prefetching(Protocol):
    def prefetch(self, keys: Iterable[Hashable]) -> None:
        """Read the rows of these keys in one query: the folds of a batch then find them without a query each."""


# The read model's tables as the folds write them. Each keeps the newest state it was told of: an older event arriving
# late changes nothing.
class Systems(Prefetching, Protocol):
    def upsert(
        self, *, system_id: str, code: str, name: str, organisation_code: str, status: str, at: datetime, city: str = ""
    ) -> None: ...

    def count_by_organisation(self, organisation_code: str | None = None) -> dict[str, int]:
        """Systems not retired, by organisation (every one, or the one given)."""


class LatestRuns(Prefetching, Protocol):
    """The latest migration run of each system (keyed by system id)."""

    def record_state(self, run: RunIdentity, *, state: str, reason: str, at: datetime) -> None: ...

    def record_step(self, run: RunIdentity, *, step: str, at: datetime) -> None: ...

    def record_lag(self, run: RunIdentity, lag: ReplicationLag) -> None:
        """What the run's replicate step measured: the newest measurement is kept."""

    def record_downtime(self, run: RunIdentity, *, seconds: float, at: datetime) -> None:
        """The write freeze of the run's completed cutover."""


class Steps(Prefetching, Protocol):
    """Each run's steps (keyed by run id and step), and an outcome per finished step attempt."""

    def record(
        self,
        *,
        run_id: str,
        step: str,
        at: datetime,
        system_id: str,
        status: str,
        percent: int,
        attempt: int,
        message: str,
    ) -> None: ...

    def add_outcome(
        self,
        *,
        event_id: str,
        step: str,
        result: str,
        duration_seconds: float,
        organisation_code: str,
        at: datetime,
        downtime_seconds: float | None = None,
    ) -> None:
        """One finished step attempt, once (the event's id): with the write freeze of a completed warm cutover."""


class Links(Prefetching, Protocol):
    def upsert(self, *, platform_code: str, state: int, latency_ms: float, at: datetime) -> None: ...


class Exchanges(Prefetching, Protocol):
    def record(
        self, *, resource_code: str, platform_code: str, last_exchange_at: datetime | None, overdue: bool, at: datetime
    ) -> None: ...


class DataResources(Prefetching, Protocol):
    def upsert(
        self,
        *,
        code: str,
        at: datetime,
        name: str,
        organisation_code: str,
        planned_opening_date: str,
        actual_opening_date: str,
        retired: bool,
    ) -> None: ...


class ProgressQueries(Protocol):
    """The rows the pages, the gRPC answers and the quarterly report are built from (shaped by domain.status_page and
    domain.report). Systems the inventory retired are in none of them."""

    def organisation_summaries(self, organisation_code: str = "") -> list[dict[str, Any]]:
        """Per organisation (every one, or the one given): its systems, migrated, active and blocked counts, and its
        newest progress."""

    def systems_of(self, *, organisation_code: str = "", wave_name: str = "") -> list[dict[str, Any]]:
        """Each system of the organisation, or of the wave, with its latest run and that run's steps."""

    def runs_of(self, organisation_code: str) -> list[dict[str, Any]]:
        """The latest run of each of the organisation's systems."""

    def data_resources_of(self, organisation_code: str) -> list[dict[str, Any]]:
        """The organisation's data resources not retired."""


class AuditRecords(Protocol):
    """The audit records every service announced, as monitoring keeps them."""

    def keep(self, record: audit_pb2.AuditRecord) -> None:
        """Keep the record, unless it is kept already."""

    def page(self, where: AuditFilter, after: AuditKey | None, limit: int) -> list[audit_pb2.AuditRecord]:
        """At most `limit` records matching `where`, newest first, from just past `after`."""


class MonitoringUnitOfWork(UnitOfWork, abc.ABC):
    systems: Systems
    runs: LatestRuns
    steps: Steps
    links: Links
    exchanges: Exchanges
    data_resources: DataResources
    progress: ProgressQueries
    audit: AuditRecords
