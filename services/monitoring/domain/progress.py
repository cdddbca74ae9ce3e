"""Pure rules of the progress read model: which states count as what, cities, buckets, quarters. No I/O."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from services.common.events import MIGRATION_STEPS
from services.common.timestamps import PROVINCE_TIME

# States whose run performs its steps one after another: silent for long, such a run is stale. A replicating run (a
# warm migration's target following its source until the cutover) performs its replicate step once per precopy
# interval, an hour by default, and waits for the cutover approval between them: like a run awaiting the approval it
# is not stale when quiet; its replication lag is watched instead (ZhongyuanReplicationLagGrowing).
RUNNING_STATES = ("precheck", "sync", "deploy", "cutover", "verify", "rolling_back")
REPLICATING_STATE = "replicating"
ACTIVE_STATES = (
    "precheck",
    "sync",
    "deploy",
    REPLICATING_STATE,
    "awaiting_approval",
    "cutover",
    "verify",
    "rolling_back",
)
BLOCKED_STATES = ("failed", "rolled_back")
MIGRATED_STATE = "completed"
# Runs their wave no longer waits for: migrated, or cancelled or rolled back (the system is planned again in a new
# wave). A failed run still holds its wave: it may be retried.
WAVE_DONE_STATES = (MIGRATED_STATE, "cancelled", "rolled_back")
MIGRATED_SYSTEM_STATUS = "migrated"
RETIRED_SYSTEM_STATUS = "retired"  # the inventory retired it: no page, report or metric counts it any more
# Every step and result the steps counter reports, zero until it happens: Prometheus sees a series' first increase
# only if the series existed before it (a first-ever failed cutover must still fire the step-failed alert).
COUNTED_STEPS = (*MIGRATION_STEPS, "replicate", "rollback")
# The state a run is in while it performs a step, for a step heard of before any change of state.
STATE_OF_STEP = {"replicate": REPLICATING_STATE, "rollback": "rolling_back"}
STEP_RESULTS = {"zhongyuan.migration.step.completed.v1": "completed", "zhongyuan.migration.step.failed.v1": "failed"}
# Step duration histogram: one second up to 48 hours (a large data sync may run for days).
DURATION_BUCKETS = (1.0, 10.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 43200.0, 86400.0, 172800.0)
# Cutover downtime histogram (the write freeze of a warm migration): half a second up to ten minutes.
DOWNTIME_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
CITY_LEVELS = (2, 3)  # AdminLevel CITY, COUNTY: their organisation code is the city label
STALE_AFTER_SECONDS = 900
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
# Years a quarterly report may be asked for: the plan began in 2016, and outside 1..9999 dates cannot even be built.
REPORT_YEARS = range(2000, 2101)


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next_first_day(self) -> date:
        return date(self.year + 1, 1, 1) if self.number == 4 else date(self.year, 3 * self.number + 1, 1)

    def starts(self) -> datetime:
        """Midnight of its first day in Henan: the province files its quarters by its own calendar."""
        return datetime.combine(self.first_day, datetime.min.time(), PROVINCE_TIME)

    def ends(self) -> datetime:
        return datetime.combine(self.next_first_day, datetime.min.time(), PROVINCE_TIME)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


@dataclass(frozen=True)
class RunIdentity:
    """The run an event of migration speaks of: what the read model keeps of it from each of its events."""

    system_id: str
    run_id: str
    system_code: str
    organisation_code: str
    wave_name: str
    wave_window_start: datetime | None
    wave_window_end: datetime | None


@dataclass(frozen=True)
class ReplicationLag:
    """How far a replicating system's databases were behind their sources (the worst of them) when last measured."""

    seconds: float
    transactions: int | None  # MariaDB/MySQL: GTID transactions the target has not applied yet
    bytes: int | None  # PostgreSQL: WAL bytes the subscription has not confirmed yet
    measured_at: datetime


# The progress of the province, an organisation and a wave, as the status pages and the gRPC answers show it: rows
# shaped by domain.status_page from what the read model holds.
@dataclass(frozen=True)
class ProvinceProgress:
    totals: dict[str, Any]
    organisations: list[dict[str, Any]]


@dataclass(frozen=True)
class OrganisationProgress:
    organisation_code: str
    summary: dict[str, Any] | None  # None while the read model knows no system of the organisation
    systems: list[dict[str, Any]]
    resources: list[dict[str, Any]]


@dataclass(frozen=True)
class WaveProgress:
    summary: dict[str, Any]
    systems: list[dict[str, Any]]


def as_utc(moment: datetime) -> datetime:
    """A naive time (a producer may send one) is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_quarter(text: str) -> Quarter:
    """'2016Q2' → Quarter(2016, 2); ValueError for anything else, a year outside REPORT_YEARS included."""
    match = _QUARTER.match(text.strip().upper())
    if match is None:
        raise ValueError(f"{text!r} is not a quarter like 2016Q2")
    year = int(match.group(1))
    if year not in REPORT_YEARS:
        raise ValueError(f"{text!r} is not a quarter of {REPORT_YEARS.start}..{REPORT_YEARS.stop - 1}")
    return Quarter(year, int(match.group(2)))


def city_of(organisation_code: str, admin_level: int) -> str:
    """The city label of a city or county system, empty for provincial units: the city (or directly administered
    county) its organisation is part of, named by the first two parts of the code (a city bureau HA-ZZ-WJW is of
    HA-ZZ), as the city platforms are."""
    return "-".join(organisation_code.split("-")[:2]) if admin_level in CITY_LEVELS else ""


def migrated_share(migrated: int, total: int) -> float:
    """上云率: the share of systems migrated, 0 for an organisation with no systems."""
    return migrated / total if total else 0.0


def is_stale(last_update: datetime | None, state: str, now: datetime, after: float = STALE_AFTER_SECONDS) -> bool:
    """A running migration is stale when nothing was heard of it for `after` seconds (one awaiting the cutover
    approval waits on people, not on the orchestrator)."""
    if last_update is None or state not in RUNNING_STATES:
        return False
    return (now - last_update).total_seconds() > after
