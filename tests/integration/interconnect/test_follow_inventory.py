"""Interconnect follows the inventory's events a batch at a time, on SQLite and PostgreSQL: one transaction per batch,
each event once, later events of the batch seeing what earlier ones wrote."""

from services.common.engines import create_engine
from services.common.events import SYSTEM_UPDATED
from services.common.ids import new_id
from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import session_factory
from services.interconnect import handlers
from services.interconnect.adapters.unit_of_work import VERSIONS, InterconnectUnitOfWork
from services.interconnect.domain.model import AdminLevel, SystemHome
from services.pb.zhongyuan.inventory.v1 import inventory_pb2
from tests.fixtures.inventory_events import system_event

CITY = inventory_pb2.ADMIN_LEVEL_CITY


def homes(uow: InterconnectUnitOfWork, *system_ids: str) -> list[SystemHome | None]:
    with uow:
        return [uow.network.system(system_id=system_id) for system_id in system_ids]


def test_a_batch_registers_updates_and_re_registers_systems_in_one_go(database_url: str) -> None:
    engine = create_engine(database_url)
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    uow = InterconnectUnitOfWork(session_factory(engine))
    first_id, second_id = new_id(), new_id()
    registered = system_event("HA-ZZ-ZHYL", "HA-PDS", system_id=first_id, level=CITY)
    updated = system_event("HA-ZZ-ZHYL", "HA-ZZ", system_id=first_id, level=CITY, type_=SYSTEM_UPDATED)
    moved = system_event("HA-ZZ-ZHYL", "HA-ZZ-WJW", system_id=second_id, level=CITY)  # the code under a new id
    other = system_event("HA-LY-RSJ", "HA-LY", level=CITY)

    handlers.follow_inventory([registered, updated, other, registered], uow)
    after_first_batch = homes(uow, first_id)
    handlers.follow_inventory([moved, updated], uow)  # `updated` again: a redelivery changes nothing

    assert after_first_batch == [SystemHome(first_id, "HA-ZZ-ZHYL", "HA-ZZ", AdminLevel.CITY)]
    assert homes(uow, first_id, second_id, other.subject) == [
        None,
        SystemHome(second_id, "HA-ZZ-ZHYL", "HA-ZZ-WJW", AdminLevel.CITY),
        SystemHome(other.subject, "HA-LY-RSJ", "HA-LY", AdminLevel.CITY),
    ]
