"""Old deliveries are forgotten: published outbox rows and the record of handled events older than Kafka's retention
go, so a service's database does not grow for ever; unpublished rows and recent records stay."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from services.common.db import KERNEL_VERSIONS, create_engine, forget_old_deliveries, upgrade
from services.inventory.adapters.unit_of_work import VERSIONS
from services.inventory.service import InventoryService
from tests.fixtures.services import eventually

NOW = datetime.now(UTC)
OLD, RECENT = NOW - timedelta(days=20), NOW - timedelta(days=1)


def seed(engine: sa.Engine) -> None:
    """Outbox rows published long ago, lately and never; events handled long ago and lately."""
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    outbox = sa.table(
        "outbox",
        *(sa.column(c) for c in ("event_id", "topic", "key", "ce_type", "ce_source", "ce_subject")),
        sa.column("ce_time", sa.DateTime(timezone=True)),
        sa.column("payload", sa.LargeBinary),
        sa.column("published_at", sa.DateTime(timezone=True)),
    )
    inbox = sa.table(
        "processed_event",
        *(sa.column(c) for c in ("event_id", "consumer", "ce_type", "ce_subject")),
        sa.column("processed_at", sa.DateTime(timezone=True)),
    )
    fields = {"topic": "t", "key": "k", "ce_type": "x", "ce_source": "/s", "ce_subject": "s", "payload": b""}
    with engine.begin() as connection:
        connection.execute(
            outbox.insert(),
            [
                {**fields, "event_id": "published-long-ago", "ce_time": OLD, "published_at": OLD},
                {**fields, "event_id": "published-lately", "ce_time": OLD, "published_at": RECENT},
                {**fields, "event_id": "never-published", "ce_time": OLD, "published_at": None},
            ],
        )
        connection.execute(
            inbox.insert(),
            [
                {
                    "event_id": "handled-long-ago",
                    "consumer": "c",
                    "ce_type": "x",
                    "ce_subject": "s",
                    "processed_at": OLD,
                },
                {
                    "event_id": "handled-lately",
                    "consumer": "c",
                    "ce_type": "x",
                    "ce_subject": "s",
                    "processed_at": RECENT,
                },
            ],
        )


def kept(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        query = "SELECT event_id FROM outbox UNION ALL SELECT event_id FROM processed_event"
        return set(connection.exec_driver_sql(query).scalars())


def test_deliveries_older_than_the_cut_are_forgotten_in_batches(database_url: str) -> None:
    engine = create_engine(database_url)
    seed(engine)

    gone = forget_old_deliveries(engine, NOW - timedelta(days=14), batch=1)

    assert gone == 2
    assert kept(engine) == {"published-lately", "never-published", "handled-lately"}


def test_a_running_service_forgets_old_deliveries(database_url: str, container_factory, service_config) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(database_url)
    seed(engine)

    container_factory(InventoryService, service_config(database_url, KEEP_DELIVERIES_DAYS=14)).start()

    eventually(lambda: kept(engine) == {"published-lately", "never-published", "handled-lately"}, "the old ones gone")
