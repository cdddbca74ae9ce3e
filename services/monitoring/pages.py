"""Status page use cases: who may see which page, and the rows it shows (rendered to HTML by adapters.html)."""

from datetime import UTC, datetime

from services.common.auth import Principal
from services.common.errors import InvalidArgument, PermissionDenied
from services.common.timestamps import in_province
from services.common.unit_of_work import UnitOfWork
from services.monitoring import progress
from services.monitoring.adapters.html import render
from services.monitoring.domain.progress import parse_quarter
from services.monitoring.domain.report import QuarterlyReport, quarterly_report
from services.monitoring.domain.status_page import REFRESH_SECONDS, STATE_LABELS


def _page(template: str, title: str, **context: object) -> str:
    generated = in_province(datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S 北京时间")
    return render(template, title=title, refresh=REFRESH_SECONDS, generated=generated, **context)


def overview_page(uow: UnitOfWork, principal: Principal) -> str:
    view = progress.province(uow, principal)
    return _page("overview.html", "全省系统迁移上云总览", rows=view.organisations, totals=view.totals)


def organisation_page(organisation_code: str, uow: UnitOfWork, principal: Principal) -> str:
    view = progress.organisation(organisation_code, uow, principal)
    title = f"{organisation_code} 系统迁移上云进度"
    return _page("systems.html", title, rows=view.systems, summary=view.summary, resources=view.resources)


def wave_page(wave_name: str, uow: UnitOfWork, principal: Principal) -> str:
    view = progress.wave(wave_name, uow, principal)
    return _page("systems.html", f"迁移批次「{wave_name}」进度", rows=view.systems, summary=None, wave=view.summary)


def report_of(organisation_code: str, quarter: str, uow: UnitOfWork, principal: Principal) -> QuarterlyReport:
    """季度报送 of one organisation: its own department token or an operator's."""
    if not organisation_code:
        raise InvalidArgument.field("organisation_code", "give the lead organisation's code")
    if not principal.may_read(organisation_code):
        raise PermissionDenied(f"department {principal.department} may not see the report of {organisation_code}")
    try:
        period = parse_quarter(quarter)
    except ValueError as error:
        raise InvalidArgument.field("quarter", str(error)) from error
    with uow:
        uow.read_snapshot()
        runs = uow.progress.runs_of(organisation_code)  # type: ignore[attr-defined]
        resources = uow.progress.data_resources_of(organisation_code)  # type: ignore[attr-defined]
    return quarterly_report(organisation_code, period, runs, resources)


def report_page(organisation_code: str, quarter: str, uow: UnitOfWork, principal: Principal) -> str:
    report = report_of(organisation_code, quarter, uow, principal)
    title = f"{organisation_code} {report.quarter} 季度报送"
    return _page("report.html", title, report=report, labels=STATE_LABELS)
