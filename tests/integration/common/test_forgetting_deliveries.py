"""Old deliveries are forgotten: published outbox rows after KEEP_PUBLISHED_DAYS, the record of handled events only
after KEEP_HANDLED_DAYS when that is set (it is what tells a redelivery from a first delivery); unpublished rows and
recent records stay."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from services.common.engines import create_engine
from services.common.forgetting import forget_handled_events, forget_published_events
from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
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


def test_published_and_handled_events_older_than_the_cut_are_forgotten_in_batches(database_url: str) -> None:
    engine = create_engine(database_url)
    seed(engine)
    cut = NOW - timedelta(days=14)

    assert forget_published_events(engine, cut, batch=1) == 1
    assert kept(engine) == {"published-lately", "never-published", "handled-long-ago", "handled-lately"}
    assert forget_handled_events(engine, cut, batch=1) == 1
    assert kept(engine) == {"published-lately", "never-published", "handled-lately"}


def test_a_running_service_forgets_published_events_and_handled_ones_only_when_told(
    database_url: str, container_factory, service_config, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(database_url)
    seed(engine)

    container_factory(InventoryService, service_config(database_url, KEEP_PUBLISHED_DAYS=14)).start()

    recent_and_handled = {"published-lately", "never-published", "handled-long-ago", "handled-lately"}
    eventually(lambda: kept(engine) == recent_and_handled, "the old published event gone, every handled one kept")

    container_factory(InventoryService, service_config(database_url, KEEP_HANDLED_DAYS=14)).start()

    eventually(lambda: "handled-long-ago" not in kept(engine), "the event handled long ago forgotten")
    assert kept(engine) == {"published-lately", "never-published", "handled-lately"}
