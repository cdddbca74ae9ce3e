"""Every gRPC method of every service, called for real with requests hypothesis builds from the descriptors: the
answer is OK or a proper refusal (never UNKNOWN or INTERNAL), and a refused call changes no database. Requests over
the message limit are refused with RESOURCE_EXHAUSTED stating the limit.

The four services run in-process with only their gRPC entrypoints (no consumers or timers writing behind the test's
back); the migration orchestrator polls too rarely to start a run while the test looks.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor
from google.protobuf.message_factory import GetMessageClass
from hypothesis import HealthCheck, given, settings
from nameko.containers import ServiceContainer
from nameko.testing.services import restrict_entrypoints

from services.common.auth import TokenStore
from services.common.config import load_config
from services.common.engines import create_engine
from services.common.paging import encode_token
from services.common.runtime.grpc_entrypoint import GrpcEntrypoint
from services.common.schema_upgrades import AUTH_VERSIONS, upgrade
from services.interconnect.service import InterconnectService
from services.inventory.service import InventoryService
from services.migration.service import MigrationService
from services.monitoring.service import MonitoringService
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2 as ic
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2_grpc as ic_grpc
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inv_grpc
from services.pb.zhongyuan.migration.v1 import migration_pb2 as mig
from services.pb.zhongyuan.migration.v1 import migration_pb2_grpc as mig_grpc
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as mon
from tests.fixtures.bad_catalogues import valid_catalogue
from tests.fixtures.bad_requests import Databases, call, refusal_problem, requests
from tests.fixtures.services import container_config, unary

MAX_MESSAGE_BYTES = 64 * 1024
SERVICES = {"inventory": inv, "migration": mig, "interconnect": ic, "monitoring": mon}
METHODS = [
    method
    for module in SERVICES.values()
    for service in module.DESCRIPTOR.services_by_name.values()
    for method in service.methods
]
EXAMPLES_PER_METHOD = 20
NETWORK = """
platforms:
  - {code: HA, name: 中原云, admin_level: province, endpoint: "tcp://127.0.0.1:1"}
  - {code: HA-ZZ, name: 郑州市平台, admin_level: city, parent: HA, endpoint: "grpc://127.0.0.1:1"}
shared_resources:
  - {code: HA-ZZ-GJJ, name: 郑州市公积金缴存信息, platform: HA-ZZ, direction: to_province, schedule: 1d}
""".encode()

# YAML that parses into what a loader may not expect: an impossible date, keys that are not strings, deep nesting.
ODD_FILES = [
    b"platforms:\n  - {code: HA, name: X, opened: 2016-02-30}\n",
    b"zones:\n  - {code: ZY-A, name: X, 1: 2, colour: red}\n",
    b"platforms:\n  - {code: HA, name: X, 1: 2, colour: red}\n",
    b"1: []\nservers: []\n",
    b"systems: " + b"[" * 2000 + b"]" * 2000,
]


@dataclass
class Stack:
    channels: dict[str, grpc.Channel]
    token: str
    databases: Databases
    known: dict[str, list[Any]]

    def channel_for(self, method: MethodDescriptor) -> grpc.Channel:
        return self.channels[method.containing_service.full_name]


@pytest.fixture(scope="module")
def stack(backing_services, tmp_path_factory) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    folder: Path = tmp_path_factory.mktemp("bad-requests")
    auth_url = f"sqlite:///{folder / 'auth.db'}"
    upgrade(create_engine(auth_url), AUTH_VERSIONS)
    tokens = TokenStore(create_engine(auth_url))
    # each service's own settings (thresholds, limits) with the test's broker, databases and ports
    configs = {
        name: load_config(name)
        | container_config(
            backing_services.kafka_bootstrap,
            auth_url,
            f"sqlite:///{folder / name}.db",
            GRPC_MAX_MESSAGE_BYTES=MAX_MESSAGE_BYTES,
        )
        for name in SERVICES
    }
    configs["migration"] |= {
        "INVENTORY_GRPC_TARGET": configs["inventory"]["GRPC_BIND_ADDRESS"],
        "INTERCONNECT_GRPC_TARGET": configs["interconnect"]["GRPC_BIND_ADDRESS"],
        "SERVICE_TOKEN": tokens.create_token(["sre"]),
        "MIGRATION_WORK_DIR": str(folder / "runs"),
        "MIGRATION_POLL_SECONDS": 3600,
    }
    classes = [InventoryService, MigrationService, InterconnectService, MonitoringService]
    containers = [_grpc_only(ServiceContainer(cls, configs[cls.name])) for cls in classes]
    for container in containers:
        container.start()
    channels = {
        module.DESCRIPTOR.services_by_name[service].full_name: grpc.insecure_channel(configs[name]["GRPC_BIND_ADDRESS"])
        for name, module in SERVICES.items()
        for service in module.DESCRIPTOR.services_by_name
    }
    databases = Databases([auth_url, *(config["DATABASE_URL"] for config in configs.values())])
    stack = Stack(channels, tokens.create_token(["operator"]), databases, {})
    stack.known = _seed(stack)
    yield stack
    for channel in channels.values():
        channel.close()
    for container in containers:
        container.stop()
    databases.close()


def _grpc_only(container: ServiceContainer) -> ServiceContainer:
    grpc_methods = {e.method_name for e in container.entrypoints if isinstance(e, GrpcEntrypoint)}
    restrict_entrypoints(container, *grpc_methods)
    return container


def _seed(stack: Stack) -> dict[str, list[Any]]:
    """A catalogue, a network, a wave and a run to aim at; the good values requests may use, by field name."""
    inventory = inv_grpc.InventoryServiceStub(
        stack.channels[inv.DESCRIPTOR.services_by_name["InventoryService"].full_name]
    )
    migration = mig_grpc.MigrationServiceStub(
        stack.channels[mig.DESCRIPTOR.services_by_name["MigrationService"].full_name]
    )
    interconnect = ic_grpc.InterconnectServiceStub(
        stack.channels[ic.DESCRIPTOR.services_by_name["InterconnectService"].full_name]
    )
    catalogue = valid_catalogue().to_yaml()
    unary(inventory.ImportCatalog, inv.ImportCatalogRequest(content=catalogue), stack.token)
    unary(interconnect.ImportPlatforms, ic.ImportPlatformsRequest(content=NETWORK), stack.token)
    now = datetime.now(UTC)
    wave_request = mig.CreateWaveRequest(name="第一批", systems=["HA-WJW-JKK"], concurrency=1)
    wave_request.window_start.FromDatetime(now)
    wave_request.window_end.FromDatetime(now + timedelta(days=1))
    wave = unary(migration.CreateWave, wave_request, stack.token)
    run = unary(migration.StartMigration, mig.StartMigrationRequest(system_code="HA-ZZ-ZHYL"), stack.token)
    systems = ["HA-WJW-JKK", "HA-WJW-YCHZ", "HA-ZZ-ZHYL"]
    organisations = ["HA", "HA-WJW", "HA-ZZ"]
    return {
        "code": [*systems, *organisations, "DR-WS-JKK", "ZY-A"],
        "id": [wave.id, run.id, "第一批", "HA-ZZ-ZHYL"],
        "system_code": systems,
        "systems": systems,
        "system": systems,
        "depends_on": systems,
        "earlier_wave_systems": systems,
        "organisation_code": organisations,
        "organisation": organisations,
        "parent": organisations,
        "platform": ["HA", "HA-ZZ"],
        "platform_code": ["HA", "HA-ZZ"],
        "resource": ["HA-ZZ-GJJ"],
        "target_zone": ["ZY-A", "ZY-HLW"],
        "name": ["jkk-app1", "第一批", "居民健康卡"],
        "quarter": ["2016Q2", "2016Q5"],
        "page_token": [encode_token("HA-WJW")],
        "status": ["registered", "migrated"],
        "state": ["precheck", "failed"],
        "strategy": ["rehost"],
        "role": ["source", "target"],
        "connection": ["ssh", "local"],
        "base_library": ["population"],
        "direction": ["to_province"],
        "endpoint": ["tcp://127.0.0.1:1", "http://[::1"],
        "address": ["10.0.0.1"],
        "content": [catalogue, valid_catalogue().to_csv(), NETWORK, *ODD_FILES],
    }


@pytest.mark.parametrize("method", METHODS, ids=lambda method: method.full_name.removeprefix("zhongyuan."))
def test_any_request_is_answered_or_properly_refused_and_a_refusal_changes_nothing(
    stack: Stack, method: MethodDescriptor
) -> None:
    channel = stack.channel_for(method)

    @settings(
        max_examples=EXAMPLES_PER_METHOD,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=requests(method.input_type, stack.known))
    def check(request: Any) -> None:
        before = stack.databases.snapshot()

        error = call(channel, method, request, stack.token)

        if error is not None:
            problem = refusal_problem(error, method.input_type)
            assert problem is None, f"{method.full_name} {problem}"
            assert stack.databases.snapshot() == before, f"{method.full_name} refused the call but changed a database"

    check()


def _first_text_field(method: MethodDescriptor) -> FieldDescriptor | None:
    kinds = (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES)
    return next(
        (f for f in method.input_type.fields if f.type in kinds and f.label != FieldDescriptor.LABEL_REPEATED), None
    )


OVERSIZABLE = [m for m in METHODS if not m.server_streaming and _first_text_field(m) is not None]


@pytest.mark.parametrize(
    "method",
    [
        next(m for m in OVERSIZABLE if m.containing_service.full_name == s.full_name)
        for module in SERVICES.values()
        for s in module.DESCRIPTOR.services_by_name.values()
    ],
    ids=lambda method: method.containing_service.name,
)
def test_a_request_over_the_message_limit_is_resource_exhausted_stating_the_limit(
    stack: Stack, method: MethodDescriptor
) -> None:
    field = _first_text_field(method)
    assert field is not None
    filler: Any = "x" * (MAX_MESSAGE_BYTES + 1)
    request = GetMessageClass(method.input_type)(
        **{field.name: filler.encode() if field.type == field.TYPE_BYTES else filler}
    )
    before = stack.databases.snapshot()

    error = call(stack.channel_for(method), method, request, stack.token)

    assert error is not None and error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert f"vs. {MAX_MESSAGE_BYTES})" in error.details()  # "Received message larger than max (65541 vs. 65536)"
    assert stack.databases.snapshot() == before
