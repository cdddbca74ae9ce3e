"""Who may call what: every method of the four gRPC services, with every kind of caller, against running services.

The methods come from the service descriptors, so a new method fails here until it is given its row in EXPECTED.
"""

import inspect
import re
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from eventlet import tpool
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from services.common.runtime.grpc_entrypoint import GrpcEntrypoint
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
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2_grpc as mon_grpc
from tests.e2e.conftest import RunningStack
from tests.fixtures.services import bearer, eventually, unary
from tests.integration.interconnect.helpers import network
from tools.stack import free_port

OWN, OTHER = "HA-ZZ", "HA-LY"  # the department callers' organisations (both cities with a platform of their own)
NO_TOKEN, UNKNOWN_TOKEN, OPERATOR, SRE = "no token", "unknown token", "operator", "sre"
OWN_DEPARTMENT, OTHER_DEPARTMENT = f"department:{OWN}", f"department:{OTHER}"
CALLERS = (NO_TOKEN, UNKNOWN_TOKEN, OPERATOR, SRE, OWN_DEPARTMENT, OTHER_DEPARTMENT)
DENIED = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}

# Which callers get past authentication and authorisation. DEPARTMENT: any department token, its own organisation's
# or another's; each probe asks about the caller's own organisation wherever the request names one (see
# probe_request), so what a department may see of other organisations is tested apart, below.
DEPARTMENT = "department"
WRITE = {OPERATOR}
READ = {OPERATOR, SRE, DEPARTMENT}
STAFF = {OPERATOR, SRE}
EXPECTED: dict[str, dict[str, set[str]]] = {
    "zhongyuan.inventory.v1.InventoryService": {
        "CreateOrganisation": WRITE,
        "UpdateOrganisation": WRITE,
        "GetOrganisation": READ,
        "ListOrganisations": READ,
        "RetireOrganisation": WRITE,
        "ListZones": READ,
        "RegisterSystem": WRITE,
        "UpdateSystem": WRITE,
        "GetSystem": READ,
        "ListSystems": READ,
        "RetireSystem": WRITE,
        "AddHost": WRITE,
        "UpdateHost": WRITE,
        "GetHost": READ,
        "ListHosts": READ,
        "RetireHost": WRITE,
        "AddDependency": WRITE,
        "ListDependencies": READ,
        "RemoveDependency": WRITE,
        "AddDatabase": WRITE,
        "UpdateDatabase": WRITE,
        "RemoveDatabase": WRITE,
        "CreateDataResource": WRITE,
        "UpdateDataResource": WRITE,
        "GetDataResource": READ,
        "ListDataResources": READ,
        "RetireDataResource": WRITE,
        "ImportCatalog": WRITE,
        "ExportCatalog": STAFF,  # the whole catalogue: not for a department
        "AssessReadiness": READ,
        "DependencyOrder": READ,
    },
    "zhongyuan.migration.v1.MigrationService": {
        "CreateWave": WRITE,
        "GetWave": READ,
        "ListWaves": READ,
        "StartWave": WRITE,
        "StartMigration": WRITE,
        "GetMigration": READ,
        "ListMigrations": READ,
        "ApproveCutover": WRITE,
        "CancelMigration": WRITE,
        "RetryMigration": WRITE,
        "RollbackMigration": WRITE,
        "WatchMigration": READ,
        "WatchWave": READ,
    },
    "zhongyuan.interconnect.v1.InterconnectService": {
        "RegisterPlatform": WRITE,
        "UpdatePlatform": WRITE,
        "GetPlatform": READ,
        "ListPlatforms": READ,
        "ImportPlatforms": WRITE,
        "ListLinks": READ,
        "GetLinkHistory": READ,
        "ShareResource": WRITE,
        "ListSharedResources": READ,
        "RecordExchange": WRITE,
        "CheckCutoverReadiness": READ,
    },
    "zhongyuan.monitoring.v1.MonitoringService": {
        "CountSystems": READ,
        "WatchSystemCounts": READ,
        "GetProvinceProgress": STAFF,  # every organisation at once
        "GetOrganisationProgress": READ,
        "GetWaveProgress": READ,
        "WatchProgress": READ,
        "GetQuarterlyReport": READ,
        "ListAuditRecords": STAFF,  # the audit trail of every service
    },
}
SERVICES: dict[str, ServiceDescriptor] = {
    "inventory": inv.DESCRIPTOR.services_by_name["InventoryService"],
    "migration": mig.DESCRIPTOR.services_by_name["MigrationService"],
    "interconnect": ic.DESCRIPTOR.services_by_name["InterconnectService"],
    "monitoring": mon.DESCRIPTOR.services_by_name["MonitoringService"],
}
SERVICE_CLASSES = (InventoryService, MigrationService, InterconnectService, MonitoringService)

# The one rule for which methods change nothing: these names. Every other method must be audited.
READ_ONLY = re.compile(r"^(Get|List|Watch|Count|Check|Assess|Export)[A-Z]|^DependencyOrder$")


def expected_outcome(allowed: set[str], caller: str) -> str:
    if caller in (NO_TOKEN, UNKNOWN_TOKEN):
        return "UNAUTHENTICATED"
    role = DEPARTMENT if caller.startswith("department:") else caller
    return "allowed" if role in allowed else "PERMISSION_DENIED"


def every_method() -> list[tuple[str, MethodDescriptor]]:
    return [(name, method) for name, service in SERVICES.items() for method in service.methods]


def test_the_matrix_has_a_row_for_every_method_and_no_other() -> None:
    served = {service.full_name: {m.name for m in service.methods} for service in SERVICES.values()}

    assert {name: set(rows) for name, rows in EXPECTED.items()} == served


def test_every_method_that_changes_something_is_audited_and_no_other() -> None:
    audited = {(e.service.full_name, e.rpc): e.audited for e in grpc_entrypoints()}

    for _, method in every_method():
        key = (method.containing_service.full_name, method.name)
        assert key in audited, f"{key} has no entrypoint"
        must_audit = READ_ONLY.match(method.name) is None
        assert audited[key] == must_audit, f"{method.name} must {'' if must_audit else 'not '}be audited"


def grpc_entrypoints() -> list[GrpcEntrypoint]:
    return [
        extension
        for service_class in SERVICE_CLASSES
        for _, member in inspect.getmembers(service_class, inspect.isfunction)
        for extension in getattr(member, ENTRYPOINT_EXTENSIONS_ATTR, ())
        if isinstance(extension, GrpcEntrypoint)
    ]


@pytest.fixture(scope="module")
def callers(module_stack: RunningStack) -> dict[str, str | None]:
    """Each caller's token (None: no authorization metadata)."""
    roles = (OPERATOR, SRE, OWN_DEPARTMENT, OTHER_DEPARTMENT)
    return {NO_TOKEN: None, UNKNOWN_TOKEN: "zy_" + "x" * 43, **{r: module_stack.token(r) for r in roles}}


@pytest.fixture(scope="module")
def seeded(module_stack: RunningStack, callers: dict[str, str | None]) -> None:
    """Two cities with a system and a platform each, and a migration run of the other city's system."""
    operator = callers[OPERATOR]
    inventory = module_stack.stub("inventory", inv_grpc.InventoryServiceStub)
    unary(inventory.ImportCatalog, inv.ImportCatalogRequest(content=CATALOGUE), operator)
    interconnect = module_stack.stub("interconnect", ic_grpc.InterconnectServiceStub)
    closed = f"tcp://127.0.0.1:{free_port()}"
    platforms = network(closed, HA_ZZ=closed, HA_LY=closed)
    unary(interconnect.ImportPlatforms, ic.ImportPlatformsRequest(content=platforms), operator)
    migration = module_stack.stub("migration", mig_grpc.MigrationServiceStub)
    unary(migration.StartMigration, mig.StartMigrationRequest(system_code=f"{OTHER}-GJJ"), operator)


CATALOGUE = f"""
organisations:
  - {{code: HA, name: 河南省人民政府, admin_level: province}}
  - {{code: {OWN}, name: 郑州市人民政府, admin_level: city, parent: HA}}
  - {{code: {OTHER}, name: 洛阳市人民政府, admin_level: city, parent: HA}}
systems:
  - {{code: {OWN}-GJJ, name: 郑州市公积金系统, organisation: {OWN}, admin_level: city, mlps_level: 2}}
  - {{code: {OTHER}-GJJ, name: 洛阳市公积金系统, organisation: {OTHER}, admin_level: city, mlps_level: 2}}
""".encode()


def probe_request(method: MethodDescriptor, caller: str) -> Message:
    """An otherwise empty request that names the caller's own organisation where the request has such a field."""
    request = GetMessageClass(method.input_type)()
    own = caller.removeprefix("department:") if caller.startswith("department:") else OWN
    for field in ("organisation_code", "organisation"):
        if field in request.DESCRIPTOR.fields_by_name:
            setattr(request, field, own)
    return request


def outcome(module_stack: RunningStack, service: str, method: MethodDescriptor, caller: str, token: str | None) -> str:
    """ "allowed", or the name of the status code that refused the call."""
    request = probe_request(method, caller)
    path = f"/{method.containing_service.full_name}/{method.name}"
    channel = module_stack.channel(service)
    kind = channel.unary_stream if method.server_streaming else channel.unary_unary
    serializers = {
        "request_serializer": type(request).SerializeToString,
        "response_deserializer": GetMessageClass(method.output_type).FromString,
    }
    try:
        if method.server_streaming:
            _first_message(kind(path, **serializers), request, token)
        else:
            unary(kind(path, **serializers), request, token)
    except grpc.RpcError as error:
        code = error.code()  # type: ignore[attr-defined]
        assert code is not grpc.StatusCode.UNIMPLEMENTED, f"{path} is not served"
        return code.name if code in DENIED else "allowed"
    return "allowed"


def _first_message(method: Callable[..., Any], request: Message, token: str | None) -> None:
    stream = method(request, metadata=bearer(token) if token else (), timeout=15)
    try:
        tpool.execute(next, stream, None)
    finally:
        stream.cancel()


def test_every_caller_gets_what_the_matrix_says_of_every_method(module_stack, callers, seeded) -> None:
    wrong = []
    for service, method in every_method():
        allowed = EXPECTED[method.containing_service.full_name][method.name]
        for caller, token in callers.items():
            expected, got = expected_outcome(allowed, caller), outcome(module_stack, service, method, caller, token)
            if got != expected:
                wrong.append(f"{method.name} by {caller}: expected {expected}, got {got}")

    assert not wrong, "\n".join(wrong)


def refused(method: Any, request: Message, token: str | None) -> str:
    with pytest.raises(grpc.RpcError) as raised:
        unary(method, request, token)
    return raised.value.code().name


def test_inventory_shows_a_department_only_its_own_systems(module_stack, callers, seeded) -> None:
    inventory = module_stack.stub("inventory", inv_grpc.InventoryServiceStub)
    own, other = callers[OWN_DEPARTMENT], callers[OTHER_DEPARTMENT]

    listed = unary(inventory.ListSystems, inv.ListSystemsRequest(), own)

    assert [s.code for s in listed.systems] == [f"{OWN}-GJJ"]
    others = inv.ListSystemsRequest(organisation_code=OTHER)
    assert refused(inventory.ListSystems, others, own) == "PERMISSION_DENIED"
    assert refused(inventory.GetSystem, inv.GetSystemRequest(code=f"{OTHER}-GJJ"), own) == "NOT_FOUND"
    assert unary(inventory.GetSystem, inv.GetSystemRequest(code=f"{OTHER}-GJJ"), other).code == f"{OTHER}-GJJ"


def test_interconnect_shows_a_department_only_its_own_platform(module_stack, callers, seeded) -> None:
    interconnect = module_stack.stub("interconnect", ic_grpc.InterconnectServiceStub)
    own = callers[OWN_DEPARTMENT]

    listed = unary(interconnect.ListPlatforms, ic.ListPlatformsRequest(), own)

    assert [p.code for p in listed.platforms] == [OWN]
    assert refused(interconnect.GetPlatform, ic.GetPlatformRequest(code=OTHER), own) == "NOT_FOUND"
    assert unary(interconnect.GetPlatform, ic.GetPlatformRequest(code=OTHER), callers[SRE]).code == OTHER


def test_migration_shows_a_department_only_its_own_runs(module_stack, callers, seeded) -> None:
    migration = module_stack.stub("migration", mig_grpc.MigrationServiceStub)
    own, other = callers[OWN_DEPARTMENT], callers[OTHER_DEPARTMENT]
    others_run = mig.GetMigrationRequest(id=f"{OTHER}-GJJ")

    assert unary(migration.GetMigration, others_run, other).organisation_code == OTHER
    assert refused(migration.GetMigration, others_run, own) == "NOT_FOUND"
    assert list(unary(migration.ListMigrations, mig.ListMigrationsRequest(), own).runs) == []
    assert [r.system_code for r in unary(migration.ListMigrations, mig.ListMigrationsRequest(), other).runs] == [
        f"{OTHER}-GJJ"
    ]


def test_monitoring_shows_a_department_only_its_own_organisation(module_stack, callers, seeded) -> None:
    monitoring = module_stack.stub("monitoring", mon_grpc.MonitoringServiceStub)
    own = callers[OWN_DEPARTMENT]

    def counted(token: str | None) -> dict[str, int]:
        counts = unary(monitoring.CountSystems, mon.CountSystemsRequest(), token).counts
        return {c.organisation_code: c.systems for c in counts}

    eventually(lambda: counted(callers[SRE]) == {OWN: 1, OTHER: 1}, "monitoring to count both cities' systems", 60)
    assert counted(own) == {OWN: 1}
    others = mon.CountSystemsRequest(organisation_code=OTHER)
    assert refused(monitoring.CountSystems, others, own) == "PERMISSION_DENIED"
    progress = mon.GetOrganisationProgressRequest(organisation_code=OTHER)
    assert refused(monitoring.GetOrganisationProgress, progress, own) == "PERMISSION_DENIED"
    report = mon.QuarterlyReportRequest(organisation_code=OTHER, quarter="2016Q2")
    assert refused(monitoring.GetQuarterlyReport, report, own) == "PERMISSION_DENIED"
