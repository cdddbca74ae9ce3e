"""The province–city–county network in the interconnect database."""

from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.interconnect.adapters import orm
from services.interconnect.domain.links import Link, LinkChange, LinkState
from services.interconnect.domain.model import Platform, SharedResource, SystemHome


class SqlNetwork:
    def __init__(self, session: Session):
        self._session = session

    def add(self, entity: Any) -> None:
        self._session.add(entity)

    def platform(self, code: str) -> Platform | None:
        return self._session.scalars(sa.select(Platform).where(orm.platforms.c.code == code)).one_or_none()

    def platforms(self, *, after: str | None = None, limit: int | None = None, **filters: Any) -> list[Platform]:
        """Platforms ordered by code, after `after`, where every given column equals its value."""
        query = sa.select(Platform).order_by(orm.platforms.c.code).limit(limit)
        for column, value in filters.items():
            query = query.where(orm.platforms.c[column] == value)
        if after:
            query = query.where(orm.platforms.c.code > after)
        return list(self._session.scalars(query))

    def link(self, platform_code: str) -> Link | None:
        return self._session.get(Link, platform_code)

    def links(self, platform_codes: list[str] | None = None, *, for_update: bool = False) -> list[Link]:
        """`for_update`: locked until the unit of work ends (PostgreSQL), so replicas count a round one at a time."""
        query = sa.select(Link).order_by(orm.links.c.platform_code)
        if for_update:
            query = query.with_for_update()
        if platform_codes is not None:
            query = query.where(orm.links.c.platform_code.in_(platform_codes))
        return list(self._session.scalars(query))

    def record_change(self, change: LinkChange) -> None:
        self._session.execute(sa.insert(orm.link_changes).values(**asdict(change)))

    def history(self, platform_code: str, limit: int) -> list[LinkChange]:
        table = orm.link_changes
        query = sa.select(table).where(table.c.platform_code == platform_code).order_by(table.c.id.desc()).limit(limit)
        return [_change(row) for row in self._session.execute(query).mappings()]

    def resource(self, code: str) -> SharedResource | None:
        return self._session.get(SharedResource, code)

    def resources(self, platform_code: str | None = None) -> list[SharedResource]:
        query = sa.select(SharedResource).order_by(orm.shared_resources.c.code)
        if platform_code:
            query = query.where(orm.shared_resources.c.platform_code == platform_code)
        return list(self._session.scalars(query))

    def system(self, *, system_id: str = "", code: str = "") -> SystemHome | None:
        if system_id:
            return self._session.get(SystemHome, system_id)
        return self._session.scalars(sa.select(SystemHome).where(orm.system_homes.c.code == code)).one_or_none()


def _change(row: Any) -> LinkChange:
    values = {name: value for name, value in row.items() if name != "id"}
    return LinkChange(
        **{**values, "previous_state": LinkState(row["previous_state"]), "state": LinkState(row["state"])}
    )
