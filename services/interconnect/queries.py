"""Interconnect use cases that read: every one takes the caller, so a department sees only its own platform (and
the systems of its own organisation)."""

from datetime import UTC, datetime
from typing import Any

from services.common import paging
from services.common.auth import Principal, readable
from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.interconnect.domain import gate
from services.interconnect.domain.gate import GateDecision, GatePolicy
from services.interconnect.domain.links import Link, LinkChange
from services.interconnect.domain.model import AdminLevel, Platform, SharedResource, SystemHome, home_platform_code
from services.interconnect.ports import NetworkUnitOfWork

DEFAULT_HISTORY = 50


def _with_links(platforms: list[Platform], uow: NetworkUnitOfWork) -> list[tuple[Platform, Link]]:
    links = {link.platform_code: link for link in uow.network.links([p.code for p in platforms])}
    return [(p, links[p.code]) for p in platforms if p.code in links]


def get_platform(code: str, uow: NetworkUnitOfWork, principal: Principal) -> tuple[Platform, Link]:
    with uow:
        platform = readable(uow.network.platform(code), code, principal, f"platform {code}")
        [found] = _with_links([platform], uow)
        return found


def list_platforms(
    admin_level: str | None, size: int, token: str, uow: NetworkUnitOfWork, principal: Principal
) -> paging.Page[tuple[Platform, Link]]:
    filters: dict[str, Any] = {"admin_level": admin_level} if admin_level else {}
    if principal.department is not None:
        filters["code"] = principal.department
    limit = paging.page_size(size)
    with uow:
        rows = uow.network.platforms(after=paging.decode_token(token), limit=limit + 1, **filters)
        page = paging.page_of(rows, limit, key=lambda platform: platform.code)
        return paging.Page(_with_links(page.items, uow), page.next_page_token)


def list_links(uow: NetworkUnitOfWork, principal: Principal) -> list[tuple[Platform, Link]]:
    own = principal.department
    with uow:
        platforms = uow.network.platforms(code=own) if own else uow.network.platforms()
        return _with_links(platforms, uow)


def link_history(code: str, limit: int, uow: NetworkUnitOfWork, principal: Principal) -> list[LinkChange]:
    if limit < 0:
        raise InvalidArgument.field("limit", f"must not be negative, got {limit}")
    with uow:
        readable(uow.network.platform(code), code, principal, f"platform {code}")
        return uow.network.history(code, min(limit or DEFAULT_HISTORY, paging.MAX_PAGE_SIZE))


def list_resources(
    platform_code: str, overdue_only: bool, uow: NetworkUnitOfWork, principal: Principal, now: datetime
) -> list[SharedResource]:
    own = principal.department
    if own is not None and platform_code and platform_code != own:
        raise PermissionDenied(f"department {own} may not read the shared resources of {platform_code}")
    with uow:
        resources = uow.network.resources(own or platform_code or None)
    return [r for r in resources if r.overdue(now)] if overdue_only else resources


def check_cutover_readiness(
    code: str,
    system_id: str,
    policy: GatePolicy,
    uow: NetworkUnitOfWork,
    principal: Principal,
    now: datetime | None = None,
) -> GateDecision:
    """The gate for a platform (by code) or for a system (by code or id) through its city or county platform."""
    if not code and not system_id:
        raise InvalidArgument.field("code", "give a platform code, a system code or a system id")
    now = now or datetime.now(UTC)
    with uow:
        platform = uow.network.platform(code) if code else None
        if platform is not None:
            readable(platform, platform.code, principal, f"platform {code}")
            return _platform_gate(platform, policy, uow, now)
        return _system_gate(code, system_id, policy, uow, principal, now)


def _system_gate(
    code: str, system_id: str, policy: GatePolicy, uow: NetworkUnitOfWork, principal: Principal, now: datetime
) -> GateDecision:
    found = uow.network.system(system_id=system_id, code=code)
    what = f"platform or system {code or system_id} (systems become known from the inventory's events)"
    home: SystemHome = readable(found, found.organisation_code if found else "", principal, what)
    if home.admin_level is AdminLevel.PROVINCE:
        return gate.province_level(home.code)
    local = {p.code for p in uow.network.platforms() if p.admin_level is not AdminLevel.PROVINCE}
    platform_code = home_platform_code(home.organisation_code, local)
    platform = uow.network.platform(platform_code) if platform_code else None
    if platform is None:
        return gate.no_platform(home.code, home.organisation_code)
    return _platform_gate(platform, policy, uow, now)


def _platform_gate(platform: Platform, policy: GatePolicy, uow: NetworkUnitOfWork, now: datetime) -> GateDecision:
    link = uow.network.link(platform.code)
    if link is None:
        raise NotFound(f"no link for platform {platform.code}")
    return gate.decide(platform, link, uow.network.resources(platform.code), policy, now)
