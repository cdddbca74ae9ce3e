"""The catalogue through real gRPC on SQLite and PostgreSQL: import, export, readiness and dependency order."""

import grpc
import pytest
import sqlalchemy as sa
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from services.common.config import load_config
from services.common.engines import create_engine
from services.common.events import DATA_RESOURCE_RETIRED, INVENTORY_EVENTS
from services.inventory.service import InventoryService
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as pb
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as pb_grpc
from tests.fixtures.services import unary
from tests.unit.inventory.conftest import DEMO_CATALOG

YAML, CSV = pb.CATALOG_FORMAT_YAML, pb.CATALOG_FORMAT_CSV


@pytest.fixture
def inventory(database_url, container_factory, service_config, channel_to):  # type: ignore[no-untyped-def]
    # the service's own message limit, so the importer (not grpcio) answers for oversized files
    config = service_config(database_url, GRPC_MAX_MESSAGE_BYTES=load_config("inventory")["GRPC_MAX_MESSAGE_BYTES"])
    container_factory(InventoryService, config).start()
    return pb_grpc.InventoryServiceStub(channel_to(config["GRPC_BIND_ADDRESS"]))


def import_catalog(stub, token, content: bytes, format_=YAML, dry_run=False):  # type: ignore[no-untyped-def]
    return unary(stub.ImportCatalog, pb.ImportCatalogRequest(format=format_, content=content, dry_run=dry_run), token)


def created(reply: pb.ImportCatalogResponse) -> dict[str, int]:
    return {count.kind: count.created for count in reply.counts}


def field_violations(error: grpc.RpcError) -> dict[str, str]:
    [detail] = rpc_status.from_call(error).details
    bad_request = error_details_pb2.BadRequest()
    detail.Unpack(bad_request)
    return {v.field: v.description for v in bad_request.field_violations}


def table_rows(database_url: str) -> dict[str, int]:
    """The catalogue's rows and its events (not the audit trail's: that records refused calls too)."""
    with create_engine(database_url).connect() as connection:
        counts = {
            t: connection.scalar(sa.text(f"SELECT count(*) FROM {t}"))
            for t in ("organisation", "system", "host", "system_database", "dependency", "data_resource")
        }
        events = sa.text("SELECT count(*) FROM outbox WHERE topic = :topic")
        return counts | {"outbox": connection.scalar(events, {"topic": INVENTORY_EVENTS})}


def test_the_demo_catalogue_imports_and_exports_back_to_itself_in_both_formats(
    inventory, operator_token, database_url
) -> None:
    counts = created(import_catalog(inventory, operator_token, DEMO_CATALOG.read_bytes()))
    assert counts["system"] >= 40 and counts["organisation"] >= 15 and counts["data_resource"] >= 20
    assert counts["database"] >= 4
    before = table_rows(database_url)

    for format_ in (YAML, CSV):
        exported = unary(inventory.ExportCatalog, pb.ExportCatalogRequest(format=format_), operator_token).content
        again = import_catalog(inventory, operator_token, exported, format_)
        assert all(c.created == 0 and c.updated == 0 for c in again.counts), again
    assert table_rows(database_url) == before


def test_a_dry_run_reports_counts_and_changes_nothing(inventory, operator_token, database_url) -> None:
    reply = import_catalog(inventory, operator_token, DEMO_CATALOG.read_bytes(), dry_run=True)

    assert reply.dry_run and created(reply)["system"] >= 40
    assert set(table_rows(database_url).values()) == {0}


def test_a_csv_with_one_bad_row_imports_nothing_and_names_every_problem(
    inventory, operator_token, database_url
) -> None:
    content = (
        "record,code,name,admin_level,organisation,mlps_level,target_zone\n"
        "organisation,HA-WJW,省卫生计生委,province,,,\n"
        "system,HA-WJW-JKK,居民健康卡,province,HA-WJW,3,\n"
        "system,HA-WJW-YCHZ,远程会诊,province,HA-NOPE,7,ZY-MARS\n"
        "system,HA-WJW-JKK,重复,province,HA-WJW,2,\n"
    ).encode()

    with pytest.raises(grpc.RpcError) as raised:
        import_catalog(inventory, operator_token, content, CSV)

    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(raised.value) == {
        "row 4.organisation": "unknown organisation HA-NOPE",
        "row 4.mlps_level": "must be 1 to 5, not 7",
        "row 4.target_zone": "unknown zone ZY-MARS",
        "row 5.code": "duplicate system HA-WJW-JKK (first at row 3)",
    }
    assert set(table_rows(database_url).values()) == {0}


def test_an_oversized_import_is_refused_with_the_limit(inventory, operator_token) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        import_catalog(inventory, operator_token, b"#" * (8 * 1024 * 1024 + 1))

    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "the import limit is 8388608 bytes" in raised.value.details()


def test_markup_and_sql_in_names_are_stored_and_returned_verbatim(inventory, operator_token) -> None:
    name = "<b>居民健康卡</b>'); DELETE FROM system; --"
    import_catalog(
        inventory,
        operator_token,
        f"""
organisations: [{{code: HA-WJW, name: 卫计委, admin_level: province}}]
systems: [{{code: HA-WJW-JKK, name: "{name}", organisation: HA-WJW, admin_level: province, mlps_level: 2}}]
""".encode(),
    )

    system = unary(inventory.GetSystem, pb.GetSystemRequest(code="HA-WJW-JKK"), operator_token)

    assert system.name == name


def test_readiness_names_the_blockers_of_a_demo_system(inventory, operator_token, tokens) -> None:
    import_catalog(inventory, operator_token, DEMO_CATALOG.read_bytes())

    readiness = unary(inventory.AssessReadiness, pb.AssessReadinessRequest(code="HA-CZT-ZHZS"), operator_token)

    assert readiness.score < 100
    assert any("needs cryptography" in blocker for blocker in readiness.blockers)
    assert readiness.recommended_strategy and readiness.reason
    other_department = tokens.create_token(["department:HA-WJW"])
    with pytest.raises(grpc.RpcError) as hidden:
        unary(inventory.AssessReadiness, pb.AssessReadinessRequest(code="HA-CZT-ZHZS"), other_department)
    assert hidden.value.code() is grpc.StatusCode.NOT_FOUND


def test_a_departments_readiness_names_a_blocking_system_of_another_organisation_by_code_only(
    inventory, operator_token, tokens
) -> None:
    import_catalog(
        inventory,
        operator_token,
        """
organisations:
  - {code: HA-WJW, name: 卫计委, admin_level: province}
  - {code: HA-RST, name: 人社厅, admin_level: province}
systems:
  - {code: HA-RST-SBK, name: 社会保障卡, organisation: HA-RST, admin_level: province, mlps_level: 2}
  - {code: HA-WJW-YBJS, name: 医保结算, organisation: HA-WJW, admin_level: province, mlps_level: 2,
     depends_on: [HA-RST-SBK]}
""".encode(),
    )
    request = pb.AssessReadinessRequest(code="HA-WJW-YBJS")

    own = unary(inventory.AssessReadiness, request, tokens.create_token(["department:HA-WJW"]))
    operators = unary(inventory.AssessReadiness, request, operator_token)

    assert [b for b in own.blockers if "HA-RST-SBK" in b] == [
        "depends on HA-RST-SBK (a system of another organisation), which is neither migrated nor in an earlier wave"
    ]
    assert not any("社会保障卡" in blocker for blocker in own.blockers)
    assert any("HA-RST-SBK (社会保障卡)" in blocker for blocker in operators.blockers)
    assert own.score == operators.score


def test_asking_for_a_system_organisation_or_host_by_an_empty_code_is_invalid_naming_the_field(
    inventory, operator_token
) -> None:
    for method, request, field in (
        (inventory.AssessReadiness, pb.AssessReadinessRequest(code=" "), "code"),
        (inventory.GetOrganisation, pb.GetByCodeRequest(code=""), "code"),
        (inventory.GetHost, pb.GetHostRequest(name=""), "name"),
    ):
        with pytest.raises(grpc.RpcError) as raised:
            unary(method, request, operator_token)

        assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert f"{field}: give the" in raised.value.details()


def test_dependency_order_layers_the_demo_and_a_cycle_is_a_failed_precondition(inventory, operator_token) -> None:
    import_catalog(inventory, operator_token, DEMO_CATALOG.read_bytes())

    layers = [
        list(layer.systems)
        for layer in unary(inventory.DependencyOrder, pb.DependencyOrderRequest(), operator_token).layers
    ]
    position = {code: number for number, layer in enumerate(layers) for code in layer}
    dependencies = unary(inventory.ListDependencies, pb.ListDependenciesRequest(), operator_token).dependencies
    assert all(
        position[d.depends_on] < position[d.system]
        for d in dependencies
        if d.system in position and d.depends_on in position
    )

    unary(inventory.AddDependency, pb.Dependency(system="HA-GAT-RKK", depends_on="HA-WJW-JKK"), operator_token)
    with pytest.raises(grpc.RpcError) as raised:
        unary(inventory.DependencyOrder, pb.DependencyOrderRequest(), operator_token)
    assert raised.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "HA-GAT-RKK" in raised.value.details() and "HA-WJW-JKK" in raised.value.details()


def test_single_entity_calls_share_the_import_validation(inventory, operator_token, tokens) -> None:
    import_catalog(inventory, operator_token, DEMO_CATALOG.read_bytes())

    with pytest.raises(grpc.RpcError) as raised:
        unary(
            inventory.AddHost,
            pb.Host(name="New_Host", system="HA-NOPE", address="10.0.0.1", role="source"),
            operator_token,
        )
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(raised.value)) == {"name", "system"}

    host = unary(
        inventory.AddHost,
        pb.Host(name="jkk-extra", system="HA-WJW-JKK", address="10.0.0.9", role="target"),
        operator_token,
    )
    assert (host.port, host.connection) == (22, "ssh")
    listed = unary(inventory.ListHosts, pb.ListHostsRequest(system="HA-WJW-JKK"), operator_token).hosts
    assert "jkk-extra" in {h.name for h in listed}
    department = tokens.create_token(["department:HA-WJW"])
    own = unary(inventory.ListHosts, pb.ListHostsRequest(system="HA-WJW-JKK"), department).hosts
    assert {h.name for h in own} == {h.name for h in listed}
    with pytest.raises(grpc.RpcError) as everything:
        unary(inventory.ListHosts, pb.ListHostsRequest(), department)
    assert everything.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(everything.value)) == {"system"}
    resources = unary(
        inventory.ListDataResources, pb.ListDataResourcesRequest(overdue_only=True), operator_token
    ).data_resources
    assert resources and all(not r.actual_opening_date for r in resources)


def test_a_retired_data_resource_is_no_longer_overdue_and_its_retirement_is_published_once(
    inventory, operator_token, database_url
) -> None:  # type: ignore[no-untyped-def]
    import_catalog(inventory, operator_token, DEMO_CATALOG.read_bytes())
    overdue_request = pb.ListDataResourcesRequest(overdue_only=True, page_size=1000)
    overdue = [r.code for r in unary(inventory.ListDataResources, overdue_request, operator_token).data_resources]
    assert overdue, "the demo catalogue has data resources past their planned opening date"

    for _ in range(2):
        unary(inventory.RetireDataResource, pb.GetByCodeRequest(code=overdue[0]), operator_token)

    still = [r.code for r in unary(inventory.ListDataResources, overdue_request, operator_token).data_resources]
    assert still == overdue[1:]
    query = sa.text("SELECT count(*) FROM outbox WHERE ce_type = :type")
    with create_engine(database_url).connect() as connection:
        assert connection.scalar(query, {"type": DATA_RESOURCE_RETIRED}) == 1
