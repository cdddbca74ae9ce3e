"""Broken catalogue files through real gRPC into a real inventory on SQLite: INVALID_ARGUMENT naming the row and
field, and not one row of the database changes."""

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.common.config import load_config
from services.inventory.domain.catalog import MAX_IMPORT_BYTES
from services.inventory.service import InventoryService
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as pb
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as pb_grpc
from tests.fixtures.bad_catalogues import broken_catalogues, unreadable_files, valid_catalogue
from tests.fixtures.bad_requests import Databases, field_violations
from tests.fixtures.services import unary

FORMATS = {"csv": pb.CATALOG_FORMAT_CSV, "yaml": pb.CATALOG_FORMAT_YAML}
THROUGH_GRPC = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)


@pytest.fixture
def inventory(tmp_path, container_factory, service_config, channel_to, operator_token):  # type: ignore[no-untyped-def]
    database_url = f"sqlite:///{tmp_path / 'inventory.db'}"
    # the service's own message limit, so the importer (not grpcio) answers for oversized files
    config = service_config(database_url, GRPC_MAX_MESSAGE_BYTES=load_config("inventory")["GRPC_MAX_MESSAGE_BYTES"])
    container_factory(InventoryService, config).start()
    stub = pb_grpc.InventoryServiceStub(channel_to(config["GRPC_BIND_ADDRESS"]))
    import_catalog(stub, operator_token, valid_catalogue().to_yaml(), "yaml")
    databases = Databases([database_url])
    yield stub, databases
    databases.close()


def import_catalog(stub, token: str, content: bytes, format_: str):  # type: ignore[no-untyped-def]
    return unary(stub.ImportCatalog, pb.ImportCatalogRequest(format=FORMATS[format_], content=content), token)


def refused(stub, token: str, content: bytes, format_: str) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as raised:
        import_catalog(stub, token, content, format_)
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT, raised.value.details()
    return raised.value


def test_a_broken_catalogue_is_invalid_argument_naming_the_field_and_changes_nothing(inventory, operator_token) -> None:
    stub, databases = inventory
    before = databases.snapshot()

    @THROUGH_GRPC
    @given(format_=st.sampled_from(sorted(FORMATS)), data=st.data())
    def check(format_: str, data: st.DataObject) -> None:
        broken = data.draw(st.one_of(broken_catalogues(), unreadable_files(format_)))

        error = refused(stub, operator_token, broken.content(format_), format_)

        assert broken.expected_field(format_) in field_violations(error)
        assert databases.snapshot() == before

    check()


@pytest.mark.parametrize("format_", sorted(FORMATS))
def test_an_import_over_the_size_limit_is_refused_naming_the_limit_and_changes_nothing(
    inventory, operator_token, format_
) -> None:
    stub, databases = inventory
    before = databases.snapshot()
    good = valid_catalogue().to_csv() if format_ == "csv" else valid_catalogue().to_yaml()
    padding = b"\n" * (MAX_IMPORT_BYTES + 1 - len(good))

    error = refused(stub, operator_token, good + padding, format_)

    limit = f"the import limit is {MAX_IMPORT_BYTES} bytes (8 MiB)"
    assert field_violations(error) == {"content": f"is {MAX_IMPORT_BYTES + 1} bytes; {limit}: split the file"}
    assert databases.snapshot() == before
