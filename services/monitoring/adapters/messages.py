"""Between monitoring's progress views and protobuf: the answers of MonitoringService's progress calls."""

from typing import Any

from services.common.timestamps import timestamp
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
