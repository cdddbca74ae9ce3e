"""Monitoring use cases: fold events into the read model, answer progress questions."""

from services.common.auth import Principal
from services.common.errors import PermissionDenied
from services.common.events import Event
from services.common.unit_of_work import UnitOfWork

SYSTEMS_CONSUMER = "monitoring.systems"


def record_system_registered(event: Event, uow: UnitOfWork) -> None:
    system = event.payload.system  # type: ignore[attr-defined]
    with uow:
        if not uow.inbox.first_delivery(event, consumer=SYSTEMS_CONSUMER):
            return
        uow.systems.upsert(  # type: ignore[attr-defined]
            system_id=system.id,
            code=system.code,
            name=system.name,
            organisation_code=system.organisation_code,
            status=system.status,
            at=event.time,
        )
        uow.commit()


def count_systems(organisation_code: str, uow: UnitOfWork, principal: Principal) -> dict[str, int]:
    own = principal.department
    if own is not None and organisation_code and organisation_code != own:
        raise PermissionDenied(f"department {own} may not see the counts of {organisation_code}")
    with uow:
        return uow.systems.count_by_organisation(own or organisation_code or None)  # type: ignore[attr-defined]
