"""Progress use cases for the province, an organisation and a wave: who may see what, and the rows to show.

The status pages (pages.py) and the gRPC answers (adapters/messages.py) are two renderings of the same views."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.common.auth import OPERATOR, SRE, Principal
from services.common.errors import InvalidArgument, PermissionDenied
from services.common.unit_of_work import UnitOfWork
from services.monitoring.domain.status_page import overview_row, province_totals, system_row, wave_summary


@dataclass(frozen=True)
class ProvinceView:
    totals: dict[str, Any]
    organisations: list[dict[str, Any]]


@dataclass(frozen=True)
class OrganisationView:
    organisation_code: str
    summary: dict[str, Any] | None  # None while the read model knows no system of the organisation
    systems: list[dict[str, Any]]
    resources: list[dict[str, Any]]


@dataclass(frozen=True)
class WaveView:
    summary: dict[str, Any]
    systems: list[dict[str, Any]]


def may_see_all(principal: Principal) -> bool:
    return bool(principal.roles & {OPERATOR, SRE})


def province(uow: UnitOfWork, principal: Principal) -> ProvinceView:
    """The province at a glance (operators and SREs)."""
    if not may_see_all(principal):
        raise PermissionDenied("the province overview is for operators and SREs")
    now = datetime.now(UTC)
    with uow:
        rows = [overview_row(s, now) for s in uow.progress.organisation_summaries()]  # type: ignore[attr-defined]
    return ProvinceView(totals=province_totals(rows), organisations=rows)


def organisation(organisation_code: str, uow: UnitOfWork, principal: Principal) -> OrganisationView:
    """One organisation's systems; its own department token or an operator's."""
    if not organisation_code:
        raise InvalidArgument.field("organisation_code", "give the organisation's code")
    if not principal.may_read(organisation_code):
        raise PermissionDenied(f"department {principal.department} may not see the progress of {organisation_code}")
    now = datetime.now(UTC)
    with uow:
        uow.read_snapshot()
        systems = uow.progress.systems_of(organisation_code=organisation_code)  # type: ignore[attr-defined]
        summaries = uow.progress.organisation_summaries(organisation_code)  # type: ignore[attr-defined]
        resources = uow.progress.data_resources_of(organisation_code)  # type: ignore[attr-defined]
    summary = next((overview_row(s, now) for s in summaries), None)
    rows = [system_row(system, now) for system in systems]
    return OrganisationView(organisation_code, summary, rows, resources)


def wave(wave_name: str, uow: UnitOfWork, principal: Principal) -> WaveView:
    """One wave's systems and window; a department sees only its own systems among them."""
    if not wave_name:
        raise InvalidArgument.field("wave_name", "give the wave's name")
    now = datetime.now(UTC)
    with uow:
        uow.read_snapshot()
        systems = uow.progress.systems_of(wave_name=wave_name)  # type: ignore[attr-defined]
    visible = [s for s in systems if principal.may_read(s["organisation_code"])]
    rows = [system_row(s, now) for s in visible]
    return WaveView(wave_summary(wave_name, visible, rows, now), rows)
