"""Systems in the inventory database."""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.inventory.adapters.orm import systems
from services.inventory.domain.model import System


class SqlSystemRepository:
    def __init__(self, session: Session):
        self._session = session

    def add(self, system: System) -> None:
        self._session.add(system)

    def get(self, system_id: str) -> System | None:
        return self._session.get(System, system_id)

    def get_by_code(self, code: str) -> System | None:
        return self._session.scalars(sa.select(System).filter_by(code=code)).one_or_none()

    def list(self, *, organisation_code: str | None, after_code: str | None, limit: int) -> list[System]:
        """Systems ordered by code, starting after `after_code`."""
        query = sa.select(System).order_by(systems.c.code).limit(limit)
        if organisation_code:
            query = query.where(systems.c.organisation_code == organisation_code)
        if after_code:
            query = query.where(systems.c.code > after_code)
        return list(self._session.scalars(query))
