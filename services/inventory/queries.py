"""Inventory use cases that read: every one takes the caller, so a department sees only its own organisation."""

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from services.common import fields, paging
from services.common.auth import Principal, readable
from services.common.errors import InvalidArgument, NotFound, PermissionDenied, required
from services.common.timestamps import province_today
from services.inventory.domain import export, ordering, readiness
from services.inventory.domain.model import (
    BaseLibrary,
    Database,
    DataResource,
    Dependency,
    Host,
    Organisation,
    Strategy,
    System,
    SystemStatus,
    Zone,
)
from services.inventory.handlers import Format, find_system
from services.inventory.ports import CatalogUnitOfWork

T = TypeVar("T")
CHOICE_FILTERS = {"status": SystemStatus, "strategy": Strategy, "base_library": BaseLibrary}


@dataclass(frozen=True)
class SystemDetail:
    system: System
    hosts: list[Host]
    depends_on: list[str]
    databases: list[Database]


def scope(principal: Principal, requested: str) -> str:
    """The organisation a caller may list: a department its own only, others whatever they asked for."""
    own = principal.department
    if own is None:
        return requested
    if requested and requested != own:
        raise PermissionDenied(f"department {own} may not read the rows of {requested}")
    return own


def _choices_checked(filters: dict[str, Any]) -> dict[str, Any]:
    """Filters on a choice (status, strategy, base library) as stored; INVALID_ARGUMENT for a value no row has."""
    checked = dict(filters)
    for name, choices in CHOICE_FILTERS.items():
        if filters.get(name):
            try:
                checked[name] = fields.one_of(choices)(filters[name])
            except ValueError as error:
                raise InvalidArgument.field(name, str(error)) from None
    return checked


def _page(uow: CatalogUnitOfWork, kind: type[T], key: str, size: int, token: str, **filters: Any) -> paging.Page[T]:
    limit = paging.page_size(size)
    rows = uow.catalog.page(
        kind,
        after=paging.decode_token(token),
        limit=limit + 1,
        **{k: v for k, v in filters.items() if v not in (None, "", 0)},
    )
    return paging.page_of(rows, limit, key=lambda row: getattr(row, key))


def get_system(*, system_id: str, code: str, uow: CatalogUnitOfWork, principal: Principal) -> SystemDetail:
    with uow:
        try:
            found: System | None = find_system(system_id, code, uow)
        except NotFound:
            found = None
        system: System = readable(
            found, found.organisation_code if found else "", principal, f"system {system_id or code}"
        )
        depends_on = [d.depends_on_code for d in uow.catalog.dependencies_of([system.code])]
        hosts, databases = uow.catalog.hosts_of(system.code), uow.catalog.databases_of(system.code)
        return SystemDetail(system, hosts, depends_on, databases)


def list_systems(
    filters: dict[str, Any], size: int, token: str, uow: CatalogUnitOfWork, principal: Principal
) -> paging.Page[System]:
    filters = {**_choices_checked(filters), "organisation_code": scope(principal, filters.get("organisation_code", ""))}
    with uow:
        return _page(uow, System, "code", size, token, **filters)


def get_organisation(code: str, uow: CatalogUnitOfWork, principal: Principal) -> Organisation:
    code = required("code", code, "the organisation's code")
    with uow:
        return readable(uow.catalog.get(Organisation, code), code, principal, f"organisation {code}")


def list_organisations(
    filters: dict[str, Any], size: int, token: str, uow: CatalogUnitOfWork, principal: Principal
) -> paging.Page[Organisation]:
    if principal.department is not None:
        filters = {**filters, "code": principal.department}
    with uow:
        return _page(uow, Organisation, "code", size, token, **filters)


def list_zones(uow: CatalogUnitOfWork) -> list[Zone]:
    with uow:
        return uow.catalog.all(Zone)


def get_host(name: str, uow: CatalogUnitOfWork, principal: Principal) -> Host:
    name = required("name", name, "the host's name")
    with uow:
        host = uow.catalog.get(Host, name)
        system = uow.catalog.get(System, host.system_code) if host else None
        return readable(host, system.organisation_code if system else "", principal, f"host {name}")


def list_hosts(
    system_code: str, size: int, token: str, uow: CatalogUnitOfWork, principal: Principal
) -> paging.Page[Host]:
    with uow:
        if principal.department is not None:
            if not system_code:
                raise InvalidArgument.field("system", "a department lists one of its systems' hosts: give its code")
            system = uow.catalog.get(System, system_code)
            readable(system, system.organisation_code if system else "", principal, f"system {system_code}")
        return _page(uow, Host, "name", size, token, system_code=system_code)


def list_dependencies(system_code: str, uow: CatalogUnitOfWork, principal: Principal) -> list[Dependency]:
    with uow:
        codes = [system_code] if system_code else [s.code for s in uow.catalog.all(System)]
        visible = {s.code for s in uow.catalog.systems_by_code(codes) if principal.may_read(s.organisation_code)}
        if system_code and system_code not in visible:
            raise NotFound(f"no system {system_code}")
        return [d for d in uow.catalog.dependencies_of(sorted(visible))]


def get_data_resource(code: str, uow: CatalogUnitOfWork, principal: Principal) -> DataResource:
    with uow:
        resource = uow.catalog.get(DataResource, code)
        return readable(resource, resource.organisation_code if resource else "", principal, f"data resource {code}")


def list_data_resources(
    filters: dict[str, Any],
    overdue_only: bool,
    size: int,
    token: str,
    uow: CatalogUnitOfWork,
    principal: Principal,
    today: date | None = None,
) -> paging.Page[DataResource]:
    filters = {**_choices_checked(filters), "organisation_code": scope(principal, filters.get("organisation_code", ""))}
    with uow:
        if not overdue_only:
            return _page(uow, DataResource, "code", size, token, **filters)
        limit = paging.page_size(size)
        rows = uow.catalog.overdue_data_resources(
            today or province_today(),
            after=paging.decode_token(token),
            limit=limit + 1,
            **{k: v for k, v in filters.items() if v},
        )
        return paging.page_of(rows, limit, key=lambda resource: resource.code)


def export_catalog(format_: Format, uow: CatalogUnitOfWork) -> bytes:
    with uow:
        snapshot = uow.catalog.snapshot()
    return export.to_csv(snapshot) if format_ is Format.CSV else export.to_yaml(snapshot)


def assess_readiness(
    code: str, earlier_wave: frozenset[str], uow: CatalogUnitOfWork, principal: Principal
) -> readiness.Assessment:
    code = required("code", code, "the system's code")
    with uow:
        found = uow.catalog.get(System, code)
        system: System = readable(found, found.organisation_code if found else "", principal, f"system {code}")
        needed = [d.depends_on_code for d in uow.catalog.dependencies_of([code])]
        dependencies = uow.catalog.systems_by_code(needed)
        unnamed = frozenset(d.code for d in dependencies if not principal.may_read(d.organisation_code))
        zone = uow.catalog.get(Zone, system.target_zone_code) if system.target_zone_code else None
        host_count, databases = len(uow.catalog.hosts_of(code)), uow.catalog.databases_of(code)
        return readiness.assess(system, host_count, dependencies, zone, earlier_wave, unnamed, databases)


def dependency_order(codes: list[str], uow: CatalogUnitOfWork, principal: Principal) -> list[list[str]]:
    """Layers of the given systems (all active ones when none are given); retired systems are left out."""
    with uow:
        candidates = uow.catalog.systems_by_code(codes) if codes else uow.catalog.all(System)
        visible = [s for s in candidates if principal.may_read(s.organisation_code)]
        # another organisation's system is answered as a missing one: its existence is not the caller's to learn
        missing = sorted(set(codes) - {s.code for s in visible})
        if missing:
            raise NotFound(f"no system {', '.join(missing)}")
        members = [s.code for s in visible if not s.retired]
        return ordering.migration_layers(members, uow.catalog.dependencies_of(members))
