"""The wiring the service classes declare: whatever declares the database or a channel to another service gets the
container's one, and every service that writes events declares the relay that publishes them."""

from typing import Any

import pytest
from nameko.containers import ServiceContainer
from nameko.extensions import iter_extensions

from services.common.runtime.database import Database, DatabaseEngine
from services.common.runtime.grpc_client import GrpcChannel
from services.common.runtime.outbox_relay import OutboxRelay
from services.interconnect.service import InterconnectService
from services.inventory.service import InventoryService
from services.migration.dependencies import INVENTORY_TARGET, Catalogue, Orchestration
from services.migration.service import MigrationService

CONFIG = {"DATABASE_URL": "sqlite:///:memory:"}  # bound, never set up: nothing connects


def declared(container: ServiceContainer, kind: type) -> list[Any]:
    """The extensions of `kind` the container's dependencies and entrypoints hold, however deeply declared."""
    found = []
    for extension in [*container.dependencies, *container.entrypoints]:
        found += [e for e in [extension, *iter_extensions(extension)] if isinstance(e, kind)]
    return found


@pytest.mark.parametrize("service", [InventoryService, MigrationService, InterconnectService])
def test_every_declaration_of_the_database_is_the_containers_one_and_a_relay_publishes_it(service: type) -> None:
    container = ServiceContainer(service, CONFIG)

    engines = declared(container, DatabaseEngine)
    assert len(engines) > 2  # the Database dependency, the relay, the health checks, the gRPC methods, ...
    assert {id(engine) for engine in engines} == {id(container.shared_extensions[DatabaseEngine, "DATABASE_URL"])}
    assert sum(isinstance(d, Database) for d in container.dependencies) == 1
    assert sum(isinstance(d, OutboxRelay) for d in container.dependencies) == 1


def test_the_catalogue_and_the_orchestration_call_the_inventory_over_one_channel() -> None:
    container = ServiceContainer(MigrationService, CONFIG)
    (catalogue,) = (d for d in container.dependencies if isinstance(d, Catalogue))
    (orchestration,) = (d for d in container.dependencies if isinstance(d, Orchestration))

    assert catalogue.inventory is orchestration.inventory is container.shared_extensions[GrpcChannel, INVENTORY_TARGET]
    assert orchestration.interconnect is not orchestration.inventory
