"""InventoryService over real gRPC, on SQLite and PostgreSQL."""

import grpc
import pytest
import sqlalchemy as sa

from services.common.engines import create_engine
from services.common.events import INVENTORY_EVENTS
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as pb
from tests.fixtures.services import unary


def registration(code: str, org: str = "HA-WJW", **changes) -> pb.RegisterSystemRequest:  # type: ignore[no-untyped-def]
    fields = dict(
        code=code, name="居民健康卡", organisation_code=org, admin_level=pb.ADMIN_LEVEL_PROVINCE, mlps_level=3
    )
    return pb.RegisterSystemRequest(**{**fields, **changes})


def rows(database_url: str) -> int:
    """Systems and their events (the audit trail, which records refused calls too, has a topic of its own)."""
    with create_engine(database_url).connect() as connection:
        return connection.scalar(sa.text("SELECT count(*) FROM system")) + connection.scalar(
            sa.text("SELECT count(*) FROM outbox WHERE topic = :topic"), {"topic": INVENTORY_EVENTS}
        )


def test_a_registered_system_can_be_fetched_by_id_and_by_code(inventory, operator_token) -> None:
    created = unary(inventory.RegisterSystem, registration("HA-WJW-JKK"), operator_token)

    by_id = unary(inventory.GetSystem, pb.GetSystemRequest(id=created.id), operator_token)
    by_code = unary(inventory.GetSystem, pb.GetSystemRequest(code="HA-WJW-JKK"), operator_token)

    assert by_id == by_code == created
    assert (created.name, created.mlps_level, created.status) == ("居民健康卡", 3, "registered")


def test_an_update_naming_the_system_with_spaces_around_its_code_answers_with_the_updated_system(
    inventory, operator_token
) -> None:
    unary(inventory.RegisterSystem, registration("HA-WJW-JKK"), operator_token)

    updated = unary(inventory.UpdateSystem, registration(" HA-WJW-JKK ", name="居民健康卡（二期）"), operator_token)

    assert (updated.code, updated.name) == ("HA-WJW-JKK", "居民健康卡（二期）")


def test_listing_pages_through_all_systems(inventory, operator_token) -> None:
    codes = sorted(f"HA-WJW-S{i:02d}" for i in range(7))
    for code in codes:
        unary(inventory.RegisterSystem, registration(code), operator_token)

    listed, token = [], ""
    while True:
        page = unary(inventory.ListSystems, pb.ListSystemsRequest(page_size=3, page_token=token), operator_token)
        listed += [s.code for s in page.systems]
        if not (token := page.next_page_token):
            break

    assert listed == codes


def test_a_department_token_sees_only_its_own_systems(inventory, operator_token, tokens) -> None:
    unary(inventory.RegisterSystem, registration("HA-WJW-JKK"), operator_token)
    other = unary(inventory.RegisterSystem, registration("HA-RST-SBK", org="HA-RST"), operator_token)
    wjw = tokens.create_token(["department:HA-WJW"])

    page = unary(inventory.ListSystems, pb.ListSystemsRequest(), wjw)
    assert [s.code for s in page.systems] == ["HA-WJW-JKK"]
    with pytest.raises(grpc.RpcError) as hidden:
        unary(inventory.GetSystem, pb.GetSystemRequest(id=other.id), wjw)
    assert hidden.value.code() is grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as denied:
        unary(inventory.ListSystems, pb.ListSystemsRequest(organisation_code="HA-RST"), wjw)
    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED


def test_a_department_token_may_not_register(inventory, tokens, database_url) -> None:
    with pytest.raises(grpc.RpcError) as denied:
        unary(inventory.RegisterSystem, registration("HA-WJW-JKK"), tokens.create_token(["department:HA-WJW"]))

    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert rows(database_url) == 0


def test_an_invalid_registration_names_the_fields_and_stores_nothing(inventory, operator_token, database_url) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        unary(inventory.RegisterSystem, registration("lower-case", mlps_level=6), operator_token)

    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "code: 'lower-case'" in raised.value.details() and "mlps_level" in raised.value.details()
    assert rows(database_url) == 0


def test_a_filter_or_format_the_service_does_not_know_is_invalid_not_ignored(inventory, operator_token) -> None:
    unary(inventory.RegisterSystem, registration("HA-WJW-JKK"), operator_token)
    for method, request, violation in (
        (inventory.ListSystems, pb.ListSystemsRequest(admin_level=7), "admin_level: 7 is not one of [1, 2, 3]"),  # type: ignore[arg-type]
        (inventory.ListOrganisations, pb.ListOrganisationsRequest(admin_level=7), "admin_level: 7 is not one"),  # type: ignore[arg-type]
        (inventory.ExportCatalog, pb.ExportCatalogRequest(format=9), "format: 9 is not one of [1, 2]"),  # type: ignore[arg-type]
    ):
        with pytest.raises(grpc.RpcError) as raised:
            unary(method, request, operator_token)

        assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert violation in raised.value.details()

    listed = unary(inventory.ListSystems, pb.ListSystemsRequest(admin_level=pb.ADMIN_LEVEL_PROVINCE), operator_token)
    assert [s.code for s in listed.systems] == ["HA-WJW-JKK"]


def test_a_duplicate_code_is_already_exists_and_emits_no_second_event(inventory, operator_token, database_url) -> None:
    unary(inventory.RegisterSystem, registration("HA-WJW-JKK"), operator_token)

    with pytest.raises(grpc.RpcError) as raised:
        unary(inventory.RegisterSystem, registration("HA-WJW-JKK"), operator_token)

    assert raised.value.code() is grpc.StatusCode.ALREADY_EXISTS
    assert rows(database_url) == 2  # one system, one event
