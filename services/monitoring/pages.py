"""Status page use cases: who may see which page, and the rows it shows (rendered to HTML by adapters.html)."""

from datetime import UTC, datetime

from services.common.auth import OPERATOR, SRE, Principal
from services.common.errors import InvalidArgument, PermissionDenied
from services.common.unit_of_work import UnitOfWork
from services.monitoring.adapters.html import render
from services.monitoring.domain.progress import parse_quarter
from services.monitoring.domain.report import QuarterlyReport, quarterly_report
from services.monitoring.domain.status_page import REFRESH_SECONDS, STATE_LABELS, overview_row, system_row


def _may_see_all(principal: Principal) -> bool:
    return bool(principal.roles & {OPERATOR, SRE})


def _page(template: str, title: str, **context: object) -> str:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return render(template, title=title, refresh=REFRESH_SECONDS, generated=generated, **context)


def overview_page(uow: UnitOfWork, principal: Principal) -> str:
    """The province at a glance (operators and SREs)."""
    if not _may_see_all(principal):
        raise PermissionDenied("the province overview is for operators")
    now = datetime.now(UTC)
    with uow:
        rows = [overview_row(s, now) for s in uow.progress.organisation_summaries()]  # type: ignore[attr-defined]
    return _page("overview.html", "全省系统迁移上云总览", rows=rows)


def organisation_page(organisation_code: str, uow: UnitOfWork, principal: Principal) -> str:
    """One organisation's systems; its own department token or an operator's."""
    if not principal.may_read(organisation_code):
        raise PermissionDenied(f"department {principal.department} may not see the page of {organisation_code}")
    now = datetime.now(UTC)
    with uow:
        systems = uow.progress.systems_of(organisation_code=organisation_code)  # type: ignore[attr-defined]
        summaries = uow.progress.organisation_summaries()  # type: ignore[attr-defined]
        resources = uow.progress.data_resources_of(organisation_code)  # type: ignore[attr-defined]
    summary = next((overview_row(s, now) for s in summaries if s["organisation_code"] == organisation_code), None)
    rows = [system_row(system, now) for system in systems]
    title = f"{organisation_code} 系统迁移上云进度"
    return _page("systems.html", title, rows=rows, summary=summary, resources=resources)


def wave_page(wave_name: str, uow: UnitOfWork, principal: Principal) -> str:
    """One wave's systems; a department sees only its own among them."""
    now = datetime.now(UTC)
    with uow:
        systems = uow.progress.systems_of(wave_name=wave_name)  # type: ignore[attr-defined]
    rows = [system_row(s, now) for s in systems if principal.may_read(s["organisation_code"])]
    return _page("systems.html", f"迁移批次「{wave_name}」进度", rows=rows, summary=None)


def report_of(organisation_code: str, quarter: str, uow: UnitOfWork, principal: Principal) -> QuarterlyReport:
    """季度报送 of one organisation: its own department token or an operator's."""
    if not principal.may_read(organisation_code):
        raise PermissionDenied(f"department {principal.department} may not see the report of {organisation_code}")
    if not organisation_code:
        raise InvalidArgument.field("organisation_code", "give the lead organisation's code")
    try:
        period = parse_quarter(quarter)
    except ValueError as error:
        raise InvalidArgument.field("quarter", str(error)) from error
    with uow:
        runs = uow.progress.runs_of(organisation_code)  # type: ignore[attr-defined]
        resources = uow.progress.data_resources_of(organisation_code)  # type: ignore[attr-defined]
    return quarterly_report(organisation_code, period, runs, resources)


def report_page(organisation_code: str, quarter: str, uow: UnitOfWork, principal: Principal) -> str:
    report = report_of(organisation_code, quarter, uow, principal)
    title = f"{organisation_code} {report.quarter} 季度报送"
    return _page("report.html", title, report=report, labels=STATE_LABELS)
