from datetime import UTC, datetime

import pytest

from services.common.auth import OPERATOR, Principal
from services.common.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from services.common.events import INVENTORY_EVENTS, SYSTEM_REGISTERED
from services.inventory import handlers
from services.inventory.domain.commands import ListSystems, RegisterSystem
from services.inventory.domain.model import AdminLevel, System
from tests.unit.fakes import FakeUnitOfWork

OPERATOR_PRINCIPAL = Principal(frozenset([OPERATOR]))
WJW = Principal(frozenset(["department:HA-WJW"]))


class FakeSystems:
    def __init__(self) -> None:
        self.by_id: dict[str, System] = {}

    def add(self, system: System) -> None:
        self.by_id[system.id] = system

    def get(self, system_id: str) -> System | None:
        return self.by_id.get(system_id)

    def get_by_code(self, code: str) -> System | None:
        return next((s for s in self.by_id.values() if s.code == code), None)

    def list(self, *, organisation_code: str | None, after_code: str | None, limit: int) -> list[System]:
        rows = sorted(self.by_id.values(), key=lambda s: s.code)
        rows = [s for s in rows if (not organisation_code or s.organisation_code == organisation_code)]
        return [s for s in rows if not after_code or s.code > after_code][:limit]


class FakeInventoryUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.systems = FakeSystems()


def command(code: str = "HA-WJW-JKK", org: str = "HA-WJW", **changes) -> RegisterSystem:  # type: ignore[no-untyped-def]
    fields = dict(code=code, name="居民健康卡", organisation_code=org, admin_level=AdminLevel.PROVINCE, mlps_level=3)
    return RegisterSystem(**{**fields, **changes})


def test_registering_a_system_stores_it_and_announces_it_in_the_same_commit() -> None:
    uow = FakeInventoryUnitOfWork()

    system = handlers.register_system(command(), uow, now=datetime(2016, 6, 30, tzinfo=UTC))

    assert uow.systems.get(system.id) == system
    assert uow.commits == 1
    [(event, topic, key)] = uow.outbox.published
    assert (event.type, topic, key, event.subject) == (
        SYSTEM_REGISTERED,
        INVENTORY_EVENTS,
        system.id,
        system.id,
    )
    assert event.payload.system.code == "HA-WJW-JKK"


def test_a_second_system_with_the_same_code_is_refused_and_nothing_is_announced() -> None:
    uow = FakeInventoryUnitOfWork()
    handlers.register_system(command(), uow)

    with pytest.raises(AlreadyExists, match="HA-WJW-JKK"):
        handlers.register_system(command(), uow)

    assert len(uow.outbox.published) == 1
    assert len(uow.systems.by_id) == 1


def test_an_invalid_registration_names_every_bad_field_and_changes_nothing() -> None:
    uow = FakeInventoryUnitOfWork()

    with pytest.raises(InvalidArgument) as raised:
        handlers.register_system(command(code="jkk", name=" ", admin_level=None, mlps_level=7), uow)

    assert [v.field for v in raised.value.violations] == ["code", "name", "admin_level", "mlps_level"]
    assert uow.systems.by_id == {} and uow.outbox.published == [] and uow.commits == 0


def test_a_department_cannot_see_another_organisations_system() -> None:
    uow = FakeInventoryUnitOfWork()
    system = handlers.register_system(command(org="HA-RST", code="HA-RST-SBK"), uow)

    with pytest.raises(NotFound):
        handlers.get_system(system_id=system.id, code="", uow=uow, principal=WJW)
    assert handlers.get_system(system_id="", code="HA-RST-SBK", uow=uow, principal=OPERATOR_PRINCIPAL) == system


def test_listing_pages_through_every_system_once() -> None:
    uow = FakeInventoryUnitOfWork()
    codes = [f"HA-WJW-S{i:02d}" for i in range(7)]
    for code in codes:
        handlers.register_system(command(code=code), uow)

    seen, token = [], ""
    while True:
        page = handlers.list_systems(ListSystems("", 3, token), uow, OPERATOR_PRINCIPAL)
        seen += [s.code for s in page.systems]
        if not (token := page.next_page_token):
            break

    assert seen == codes


def test_a_department_lists_only_its_own_systems_and_may_not_ask_for_others() -> None:
    uow = FakeInventoryUnitOfWork()
    handlers.register_system(command(), uow)
    handlers.register_system(command(code="HA-RST-SBK", org="HA-RST"), uow)

    page = handlers.list_systems(ListSystems("", 0, ""), uow, WJW)

    assert [s.code for s in page.systems] == ["HA-WJW-JKK"]
    with pytest.raises(PermissionDenied, match="HA-RST"):
        handlers.list_systems(ListSystems("HA-RST", 0, ""), uow, WJW)
