"""A real inventory and a real migration service in-process, hosts as local directories, real ansible-runner."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from services.inventory.service import InventoryService
from services.migration.service import MigrationService
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inv_grpc
from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb
from services.pb.zhongyuan.migration.v1 import migration_pb2_grpc as pb_grpc
from tests.fixtures.services import RUN_DEADLINE_SECONDS, eventually, unary

ENDED = {"completed", "failed", "cancelled", "rolled_back", "awaiting_approval"}


@dataclass
class Landscape:
    inventory: Any
    migration: Any
    token: str
    hosts_root: Path
    migration_config: dict[str, Any]

    def system(
        self,
        code: str,
        *,
        mlps: int = 2,
        zone: str = "ZY-A",
        depends_on: tuple[str, ...] = (),
        organisation: str = "HA-WJW",
        level: str = "province",
    ) -> Path:
        """Register a system with a source and a target host (local directories) and data on the source."""
        root = self.hosts_root / code
        data = root / "source" / "data"
        (data / "archive").mkdir(parents=True)
        (data / "people.csv").write_text("id,name\n1,张三\n2,李四\n", encoding="utf-8")
        (data / "archive" / "2015.bin").write_bytes(bytes(range(256)) * 64)
        (root / "target").mkdir()
        hosts = ", ".join(
            f"{{name: {code.lower()}-{role[:3]}, address: 127.0.0.1, role: {role}, connection: local, "
            f"root: '{root / role}'}}"
            for role in ("source", "target")
        )
        catalogue = (
            f"systems: [{{code: {code}, name: 测试系统, organisation: {organisation}, admin_level: {level}, "
            f"mlps_level: {mlps}, target_zone: {zone}, rollback_contact: 张伟, hosts: [{hosts}], "
            f"depends_on: [{', '.join(depends_on)}]}}]"
        )
        self.seed(catalogue)
        return root

    def update_system(self, code: str, **changes: Any) -> None:
        """Change a system that `system` registered, as an operator does in the inventory."""
        registered = {
            "name": "测试系统",
            "organisation_code": "HA-WJW",
            "admin_level": inv.ADMIN_LEVEL_PROVINCE,
            "mlps_level": 2,
            "target_zone": "ZY-A",
        }
        unary(self.inventory.UpdateSystem, inv.RegisterSystemRequest(code=code, **(registered | changes)), self.token)

    def seed(self, yaml_text: str) -> None:
        unary(self.inventory.ImportCatalog, inv.ImportCatalogRequest(content=yaml_text.encode()), self.token)

    def start(self, code: str, *, auto_approve: bool = False) -> pb.MigrationRun:
        """StartMigration of the system, as an operator."""
        request = pb.StartMigrationRequest(system_code=code, auto_approve=auto_approve)
        return unary(self.migration.StartMigration, request, self.token)

    def run(self, ref: str) -> pb.MigrationRun:
        return unary(self.migration.GetMigration, pb.GetMigrationRequest(id=ref), self.token)

    def wait_for_state(self, ref: str, *states: str, timeout: float = RUN_DEADLINE_SECONDS) -> pb.MigrationRun:
        return eventually(lambda: (run := self.run(ref)).state in states and run, f"{ref} to be {states}", timeout)

    def wait_until_settled(self, ref: str, timeout: float = RUN_DEADLINE_SECONDS) -> pb.MigrationRun:
        return self.wait_for_state(ref, *ENDED, timeout=timeout)


BASE_CATALOGUE = """
organisations: [{code: HA-WJW, name: 河南省卫生和计划生育委员会, admin_level: province}]
zones:
  - {code: ZY-A, name: 政务外网A区, transport_crypto: true, storage_crypto: true}
  - {code: ZY-HLW, name: 互联网区}
"""


@pytest.fixture
def landscape(
    container_factory, service_config, postgres_database, tmp_path, channel_to, tokens, operator_token, request
):  # type: ignore[no-untyped-def]
    inventory_config = service_config(f"sqlite:///{tmp_path}/inventory.db")
    container_factory(InventoryService, inventory_config).start()
    # a callable setting is computed from the test's other fixtures (an SSH key, another service's address)
    overrides = {
        key: value(request) if callable(value) else value for key, value in getattr(request, "param", {}).items()
    }
    migration_config = service_config(
        overrides.get("database", f"sqlite:///{tmp_path}/migration.db"),
        INVENTORY_GRPC_TARGET=inventory_config["GRPC_BIND_ADDRESS"],
        SERVICE_TOKEN=tokens.create_token(["sre"]),
        MIGRATION_WORK_DIR=str(tmp_path / "runs"),
        MIGRATION_POLL_SECONDS=0.2,
        # no interconnect unless a test brings one: only city and county systems ask its gate
        **{"INTERCONNECT_GRPC_TARGET": "127.0.0.1:1", **{k: v for k, v in overrides.items() if k != "database"}},
    )
    container_factory(MigrationService, migration_config).start()
    world = Landscape(
        inventory=inv_grpc.InventoryServiceStub(channel_to(inventory_config["GRPC_BIND_ADDRESS"])),
        migration=pb_grpc.MigrationServiceStub(channel_to(migration_config["GRPC_BIND_ADDRESS"])),
        token=operator_token,
        hosts_root=tmp_path / "hosts",
        migration_config=migration_config,
    )
    world.seed(BASE_CATALOGUE)
    return world


def moment(offset_hours: int) -> Timestamp:
    """Now, or `offset_hours` from now, as a request's Timestamp (a wave's planned window)."""
    stamp = Timestamp()
    stamp.FromDatetime(datetime.now(UTC) + timedelta(hours=offset_hours))
    return stamp


def journal(root: Path, role: str) -> list[str]:
    """The steps the playbooks recorded on one host, as 'step attempt=N'."""
    path = root / role / ".zhongyuan" / "journal"
    return [line.split(" ", 1)[1] for line in path.read_text().splitlines()] if path.exists() else []
