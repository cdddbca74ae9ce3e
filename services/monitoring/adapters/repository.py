"""Reading and writing the read model."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.rows import RowsByKey
from services.monitoring.adapters.orm import SystemView
from services.monitoring.adapters.queries import NOT_RETIRED


class SqlSystemViews:
    def __init__(self, session: Session):
        self._session = session
        self._rows = RowsByKey(session, SystemView)

    def prefetch(self, keys: Iterable[Any]) -> None:
        self._rows.load(keys)

    def upsert(
        self,
        *,
        system_id: str,
        code: str,
        name: str,
        organisation_code: str,
        status: str,
        at: datetime,
        city: str = "",
    ) -> None:
        """Keep the newest state: an older event arriving late changes nothing."""
        row = self._rows.get(system_id)
        if row is None:
            self._rows.add(
                system_id=system_id,
                code=code,
                name=name,
                organisation_code=organisation_code,
                status=status,
                updated_at=at,
                city=city,
            )
        elif row.updated_at <= at:
            row.code, row.name, row.organisation_code, row.status, row.updated_at, row.city = (
                code,
                name,
                organisation_code,
                status,
                at,
                city,
            )

    def count_by_organisation(self, organisation_code: str | None = None) -> dict[str, int]:
        query = sa.select(SystemView.organisation_code, sa.func.count()).where(NOT_RETIRED)
        query = query.group_by(SystemView.organisation_code)
        if organisation_code:
            query = query.where(SystemView.organisation_code == organisation_code)
        return {org: count for org, count in self._session.execute(query)}
