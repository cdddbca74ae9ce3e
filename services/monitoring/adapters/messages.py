"""Between monitoring's views and protobuf: the answers of MonitoringService's progress, report and count calls."""

from collections.abc import Callable
from typing import Any

from services.common.auth import Principal
from services.common.timestamps import timestamp
from services.common.unit_of_work import UnitOfWork
from services.monitoring import progress
from services.monitoring.domain.report import QuarterlyReport, as_csv, as_markdown
from services.monitoring.progress import OrganisationView, ProvinceView, WaveView
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb


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


def province_progress(view: ProvinceView) -> pb.ProvinceProgress:
    return pb.ProvinceProgress(
        systems=view.totals["systems"],
        migrated=view.totals["migrated"],
        migrated_ratio=view.totals["ratio"],
        organisations=[organisation_summary(row) for row in view.organisations],
    )


def organisation_progress(view: OrganisationView) -> pb.OrganisationProgress:
    summary = view.summary or {
        "organisation_code": view.organisation_code,
        "systems": 0,
        "migrated": 0,
        "active": 0,
        "blocked": 0,
        "ratio": 0.0,
        "last_progress_at": None,
    }
    return pb.OrganisationProgress(
        summary=organisation_summary(summary), systems=[system_progress(row) for row in view.systems]
    )


def wave_progress(view: WaveView) -> pb.WaveProgress:
    summary = view.summary
    return pb.WaveProgress(
        wave_name=summary["name"],
        window_start=timestamp(summary["window_start"]),
        window_end=timestamp(summary["window_end"]),
        systems=summary["systems"],
        migrated=summary["migrated"],
        behind_window=summary["behind_window"],
        systems_progress=[system_progress(row) for row in view.systems],
    )


def progress_reader(
    request: pb.WatchProgressRequest, uow: UnitOfWork, principal: Principal
) -> Callable[[], pb.ProgressUpdate]:
    """How to read the progress of the scope the watcher asked for."""
    scope = request.WhichOneof("scope")
    if scope == "organisation_code":
        code = request.organisation_code
        return lambda: pb.ProgressUpdate(
            organisation=organisation_progress(progress.organisation(code, uow, principal))
        )
    if scope == "wave_name":
        name = request.wave_name
        return lambda: pb.ProgressUpdate(wave=wave_progress(progress.wave(name, uow, principal)))
    return lambda: pb.ProgressUpdate(province=province_progress(progress.province(uow, principal)))


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
