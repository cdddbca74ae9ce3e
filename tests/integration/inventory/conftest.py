from typing import Any

import pytest

from services.inventory.service import InventoryService
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as pb_grpc
from tests.integration.inventory.catalogue import ORGANISATIONS, seed


@pytest.fixture
def inventory(database_url, container_factory, service_config, channel_to, operator_token) -> Any:  # type: ignore[no-untyped-def]
    """A real inventory on the test's database, holding the organisations and zones of catalogue.ORGANISATIONS."""
    config = service_config(database_url)
    container_factory(InventoryService, config).start()
    stub = pb_grpc.InventoryServiceStub(channel_to(config["GRPC_BIND_ADDRESS"]))
    seed(stub, operator_token, ORGANISATIONS)
    return stub
