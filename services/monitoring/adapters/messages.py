"""Between monitoring and protobuf: the services' events as the folds read them, MonitoringService's requests, and
the answers of its progress, report and count calls."""

from datetime import datetime
from typing import Any, TypeVar, overload

from google.protobuf.message import Message

from services.common.events import Event
from services.common.timestamps import moment_of, timestamp
from services.monitoring.domain.audit import AuditFilter
from services.monitoring.domain.progress import (
    OrganisationProgress,
    ProvinceProgress,
    ReplicationLag,
    RunIdentity,
    WaveProgress,
)
from services.monitoring.domain.report import QuarterlyReport, as_csv, as_markdown
from services.pb.zhongyuan.audit.v1 import audit_pb2
from services.pb.zhongyuan.audit.v1 import events_pb2 as audit
from services.pb.zhongyuan.interconnect.v1 import events_pb2 as interconnect
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2
from services.pb.zhongyuan.inventory.v1 import events_pb2 as inventory
from services.pb.zhongyuan.inventory.v1 import inventory_pb2
from services.pb.zhongyuan.migration.v1 import events_pb2 as migration
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb

# The services' events, as the folds read them
A = TypeVar("A", bound=Message)
B = TypeVar("B", bound=Message)
C = TypeVar("C", bound=Message)


@overload
def payload_as(event: Event, kind: type[A], /) -> A: ...
@overload
def payload_as(event: Event, kind: type[A], or_kind: type[B], /) -> A | B: ...
@overload
def payload_as(event: Event, kind: type[A], or_kind: type[B], or_else: type[C], /) -> A | B | C: ...
def payload_as(event: Event, *kinds: type[Message]) -> Message:
    """The event's payload, of one of `kinds` (decode_event made it the class EVENT_TYPES names for the event's type);
    TypeError for a payload of none of them."""
    if isinstance(event.payload, kinds):
        return event.payload
    names = " or ".join(kind.__name__ for kind in kinds)
    raise TypeError(f"{event.type} carries {type(event.payload).__name__}, not {names}")


def system_of(event: Event) -> inventory_pb2.System:
    return payload_as(event, inventory.SystemRegistered, inventory.SystemUpdated, inventory.SystemRetired).system


def data_resource_of(event: Event) -> inventory_pb2.DataResource:
    kinds = inventory.DataResourceScheduled, inventory.DataResourceOpened, inventory.DataResourceRetired
    return payload_as(event, *kinds).data_resource


def link_of(event: Event) -> interconnect_pb2.Link:
    return payload_as(event, interconnect.LinkStateChanged, interconnect.LinkLatencyChanged).link


def shared_resource_of(event: Event) -> interconnect_pb2.SharedResource:
    kinds = interconnect.ResourceShared, interconnect.ExchangeRecorded, interconnect.ExchangeOverdue
    return payload_as(event, *kinds).resource


def run_state_of(event: Event) -> migration.RunStateChanged:
    return payload_as(event, migration.RunStateChanged)


def step_of(event: Event) -> migration.StepEvent:
    return payload_as(event, migration.StepEvent)


def replication_lag_of(step: migration.StepEvent, at: datetime) -> ReplicationLag | None:
    """The lag a replicate step measured, as of `at`; None when it measured none."""
    if not step.HasField("replication_lag"):
        return None
    lag = step.replication_lag
    return ReplicationLag(
        seconds=lag.seconds,
        transactions=lag.transactions if lag.HasField("transactions") else None,
        bytes=lag.bytes if lag.HasField("bytes") else None,
        measured_at=at,
    )


def downtime_of(step: migration.StepEvent) -> float | None:
    """A completed cutover's write freeze in seconds; None for a system without databases and any other step."""
    return step.downtime_seconds if step.HasField("downtime_seconds") else None


def audit_record_of(event: Event) -> audit_pb2.AuditRecord:
    return payload_as(event, audit.CallRecorded).record


def run_of(message: migration.RunStateChanged | migration.StepEvent) -> RunIdentity:
    window = moment_of(message, "wave_window_start"), moment_of(message, "wave_window_end")
    return RunIdentity(
        system_id=message.system_id,
        run_id=message.run_id,
        system_code=message.system_code,
        organisation_code=message.organisation_code,
        wave_window_start=window[0],
        wave_window_end=window[1],
        wave_name=message.wave_name,
    )


# MonitoringService's requests and answers


def organisation_summary(row: dict[str, Any]) -> pb.OrganisationSummary:
    return pb.OrganisationSummary(
        organisation_code=row["organisation_code"],
        systems=row["systems"],
        migrated=row["migrated"],
        active=row["active"],
        blocked=row["blocked"],
        migrated_ratio=row["ratio"],
        last_progress_at=timestamp(row["last_progress_at"]),
    )


def system_progress(row: dict[str, Any]) -> pb.SystemProgress:
    return pb.SystemProgress(
        system_code=row["code"],
        name=row["name"],
        organisation_code=row["organisation_code"],
        state=row["state"],
        wave_name=row["wave"],
        steps=[pb.StepProgress(step=bar["name"], status=bar["status"], percent=bar["percent"]) for bar in row["bars"]],
        blocker=row["blocker"],
        last_progress_at=timestamp(row["last_progress_at"]),
        stale=row["stale"],
    )


def province_progress(province: ProvinceProgress) -> pb.ProvinceProgress:
    return pb.ProvinceProgress(
        systems=province.totals["systems"],
        migrated=province.totals["migrated"],
        migrated_ratio=province.totals["ratio"],
        organisations=[organisation_summary(row) for row in province.organisations],
    )


def organisation_progress(organisation: OrganisationProgress) -> pb.OrganisationProgress:
    summary = organisation.summary or {
        "organisation_code": organisation.organisation_code,
        "systems": 0,
        "migrated": 0,
        "active": 0,
        "blocked": 0,
        "ratio": 0.0,
        "last_progress_at": None,
    }
    return pb.OrganisationProgress(
        summary=organisation_summary(summary), systems=[system_progress(row) for row in organisation.systems]
    )


def wave_progress(wave: WaveProgress) -> pb.WaveProgress:
    summary = wave.summary
    return pb.WaveProgress(
        wave_name=summary["name"],
        window_start=timestamp(summary["window_start"]),
        window_end=timestamp(summary["window_end"]),
        systems=summary["systems"],
        migrated=summary["migrated"],
        behind_window=summary["behind_window"],
        systems_progress=[system_progress(row) for row in wave.systems],
    )


def quarterly_report(report: QuarterlyReport) -> pb.QuarterlyReport:
    return pb.QuarterlyReport(
        organisation_code=report.organisation_code,
        quarter=report.quarter,
        migrated=report.migrated,
        in_progress=[pb.InProgressSystem(system_code=code, state=state) for code, state in report.in_progress],
        blocked=[pb.BlockedSystem(system_code=code, reason=reason) for code, reason in report.blocked],
        data_resources_planned=report.resources_planned,
        data_resources_opened=report.resources_opened,
        markdown=as_markdown(report),
        csv=as_csv(report),
    )


def system_counts(counts: dict[str, int]) -> pb.CountSystemsResponse:
    return pb.CountSystemsResponse(
        counts=[pb.OrganisationCount(organisation_code=org, systems=n) for org, n in sorted(counts.items())]
    )


def filter_of(request: pb.ListAuditRecordsRequest) -> AuditFilter:
    return AuditFilter(
        service=request.service,
        actor=request.actor,
        method=request.method,
        since=moment_of(request, "since"),
        until=moment_of(request, "until"),
        outcome=request.outcome.upper(),
    )
