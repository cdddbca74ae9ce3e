"""Monitoring's questions: system counts, the progress of the province, an organisation and a wave, the quarterly
report and the audit trail; who may ask which.

The status pages (adapters.html) and the gRPC answers (adapters.messages) are two renderings of the same answers."""

from datetime import UTC, datetime

from google.rpc import code_pb2

from services.common import paging
from services.common.audit import ERROR
from services.common.auth import OPERATOR, SRE, Principal
from services.common.errors import InvalidArgument, PermissionDenied
from services.monitoring.domain.audit import AuditFilter, AuditKey
from services.monitoring.domain.progress import OrganisationProgress, ProvinceProgress, WaveProgress, parse_quarter
from services.monitoring.domain.report import QuarterlyReport, quarterly_report
from services.monitoring.domain.status_page import overview_row, province_totals, system_row, wave_summary
from services.monitoring.ports import MonitoringUnitOfWork
from services.pb.zhongyuan.audit.v1 import audit_pb2

OUTCOMES = frozenset([ERROR, *code_pb2.Code.keys()])


def may_see_all(principal: Principal) -> bool:
    return bool(principal.roles & {OPERATOR, SRE})


def count_systems(organisation_code: str, uow: MonitoringUnitOfWork, principal: Principal) -> dict[str, int]:
    own = principal.department
    if own is not None and organisation_code and organisation_code != own:
        raise PermissionDenied(f"department {own} may not see the counts of {organisation_code}")
    with uow:
        return uow.systems.count_by_organisation(own or organisation_code or None)


def province_progress(uow: MonitoringUnitOfWork, principal: Principal) -> ProvinceProgress:
    """The province at a glance (operators and SREs)."""
    if not may_see_all(principal):
        raise PermissionDenied("the province overview is for operators and SREs")
    now = datetime.now(UTC)
    with uow:
        rows = [overview_row(s, now) for s in uow.progress.organisation_summaries()]
    return ProvinceProgress(totals=province_totals(rows), organisations=rows)


def organisation_progress(
    organisation_code: str, uow: MonitoringUnitOfWork, principal: Principal
) -> OrganisationProgress:
    """One organisation's systems; its own department token or an operator's."""
    if not organisation_code:
        raise InvalidArgument.field("organisation_code", "give the organisation's code")
    if not principal.may_read(organisation_code):
        raise PermissionDenied(f"department {principal.department} may not see the progress of {organisation_code}")
    now = datetime.now(UTC)
    with uow:
        uow.read_snapshot()
        systems = uow.progress.systems_of(organisation_code=organisation_code)
        summaries = uow.progress.organisation_summaries(organisation_code)
        resources = uow.progress.data_resources_of(organisation_code)
    summary = next((overview_row(s, now) for s in summaries), None)
    rows = [system_row(system, now) for system in systems]
    return OrganisationProgress(organisation_code, summary, rows, resources)


def wave_progress(wave_name: str, uow: MonitoringUnitOfWork, principal: Principal) -> WaveProgress:
    """One wave's systems and window; a department sees only its own systems among them."""
    if not wave_name:
        raise InvalidArgument.field("wave_name", "give the wave's name")
    now = datetime.now(UTC)
    with uow:
        uow.read_snapshot()
        systems = uow.progress.systems_of(wave_name=wave_name)
    visible = [s for s in systems if principal.may_read(s["organisation_code"])]
    rows = [system_row(s, now) for s in visible]
    return WaveProgress(wave_summary(wave_name, visible, rows, now), rows)


def report_of(organisation_code: str, quarter: str, uow: MonitoringUnitOfWork, principal: Principal) -> QuarterlyReport:
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
        runs = uow.progress.runs_of(organisation_code)
        resources = uow.progress.data_resources_of(organisation_code)
    return quarterly_report(organisation_code, period, runs, resources)


def list_audit_records(
    where: AuditFilter, size: int, token: str, uow: MonitoringUnitOfWork
) -> paging.Page[audit_pb2.AuditRecord]:
    """Newest first; `token` continues where the previous page ended."""
    if where.outcome and where.outcome not in OUTCOMES:
        raise InvalidArgument.field("outcome", f"{where.outcome!r} is not OK, ERROR or a gRPC status code name")
    limit = paging.page_size(size)
    after = _key_after(paging.decode_token(token))
    with uow:
        records = uow.audit.page(where, after, limit + 1)
    return paging.page_of(records, limit, key=lambda record: _key_of(record).encoded())


def _key_after(decoded: str | None) -> AuditKey | None:
    if decoded is None:
        return None
    try:
        return AuditKey.decoded(decoded)
    except ValueError as error:
        raise InvalidArgument.field("page_token", "is not a token this service issued") from error


def _key_of(record: audit_pb2.AuditRecord) -> AuditKey:
    return AuditKey(record.at.ToDatetime(UTC), record.id)
