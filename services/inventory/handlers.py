"""Inventory use cases: each takes a command or query and a unit of work."""

from dataclasses import dataclass
from datetime import UTC, datetime

from services.common import paging
from services.common.auth import Principal
from services.common.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from services.common.events import INVENTORY_EVENTS
from services.common.unit_of_work import UnitOfWork
from services.inventory.adapters.messages import system_registered
from services.inventory.domain import model
from services.inventory.domain.commands import ListSystems, RegisterSystem
from services.inventory.domain.model import System


@dataclass(frozen=True)
class SystemPage:
    systems: list[System]
    next_page_token: str


def register_system(command: RegisterSystem, uow: UnitOfWork, now: datetime | None = None) -> System:
    system = model.register_system(
        code=command.code,
        name=command.name,
        organisation_code=command.organisation_code,
        admin_level=command.admin_level,
        mlps_level=command.mlps_level,
        now=now or datetime.now(UTC),
    )
    with uow:
        if uow.systems.get_by_code(system.code) is not None:  # type: ignore[attr-defined]
            raise AlreadyExists(f"a system with code {system.code} is already registered")
        uow.systems.add(system)  # type: ignore[attr-defined]
        uow.outbox.publish(system_registered(system), topic=INVENTORY_EVENTS, key=system.id)
        uow.commit()
    return system


def get_system(*, system_id: str, code: str, uow: UnitOfWork, principal: Principal) -> System:
    if not system_id and not code:
        raise InvalidArgument.field("id", "give the system's id or code")
    with uow:
        system = uow.systems.get(system_id) if system_id else uow.systems.get_by_code(code)  # type: ignore[attr-defined]
    # A department must not learn that another organisation's system exists.
    if system is None or not principal.may_read(system.organisation_code):
        raise NotFound(f"no system {system_id or code}")
    return system


def list_systems(query: ListSystems, uow: UnitOfWork, principal: Principal) -> SystemPage:
    organisation = _readable_organisation(query.organisation_code, principal)
    limit = paging.page_size(query.page_size)
    after = paging.decode_token(query.page_token)
    with uow:
        systems = uow.systems.list(organisation_code=organisation, after_code=after, limit=limit + 1)  # type: ignore[attr-defined]
    page, rest = systems[:limit], systems[limit:]
    return SystemPage(page, paging.encode_token(page[-1].code) if rest else "")


def _readable_organisation(requested: str, principal: Principal) -> str:
    own = principal.department
    if own is None:
        return requested
    if requested and requested != own:
        raise PermissionDenied(f"department {own} may not list the systems of {requested}")
    return own
