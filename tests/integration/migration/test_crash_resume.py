"""kill -9 the migration service in the middle of a step: the restarted service runs the interrupted step again and
never repeats a finished one."""

import grpc

from services.common.auth import OPERATOR, TokenStore
from services.common.engines import create_engine
from services.common.schema_upgrades import AUTH_VERSIONS, upgrade
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inv_grpc
from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb
from services.pb.zhongyuan.migration.v1 import migration_pb2_grpc as pb_grpc
from tests.fixtures.services import RUN_DEADLINE_SECONDS, STEP_DEADLINE_SECONDS, eventually, unary
from tests.integration.migration.conftest import BASE_CATALOGUE, journal
from tools.stack import Stack


def test_a_migration_survives_kill_9_of_its_orchestrator(tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    stack = Stack.on_free_ports(
        tmp_path,
        database_urls={"migration": database_url},
        extra_env={
            "MIGRATION_SYNC_THROTTLE_SECONDS": "6",
            "MIGRATION_LEASE_SECONDS": "3",
            "MIGRATION_POLL_SECONDS": "0.2",
        },
    )
    engine = create_engine(stack.auth_database_url)
    upgrade(engine, AUTH_VERSIONS)
    token = TokenStore(engine).create_token([OPERATOR])
    stack.extra_env["SERVICE_TOKEN"] = stack.service_token()
    stack.broker.start()
    try:
        for name in ("inventory", "migration"):
            stack.start_service(name).wait_healthy()
        root = tmp_path / "hosts" / "HA-WJW-JKK"
        (root / "source" / "data").mkdir(parents=True)
        (root / "source" / "data" / "cards.csv").write_text("card,holder\n4101,张三\n", encoding="utf-8")
        (root / "target").mkdir()
        hosts = ", ".join(
            f"{{name: jkk-{role[:3]}, address: 127.0.0.1, role: {role}, connection: local, root: '{root / role}'}}"
            for role in ("source", "target")
        )
        catalogue = BASE_CATALOGUE + (
            f"systems: [{{code: HA-WJW-JKK, name: 居民健康卡, organisation: HA-WJW, "
            f"admin_level: province, mlps_level: 2, target_zone: ZY-A, hosts: [{hosts}]}}]"
        )
        with grpc.insecure_channel(stack.services["inventory"].grpc_target) as channel:
            unary(
                inv_grpc.InventoryServiceStub(channel).ImportCatalog,
                inv.ImportCatalogRequest(content=catalogue.encode()),
                token,
            )

        def migration() -> pb_grpc.MigrationServiceStub:
            return pb_grpc.MigrationServiceStub(grpc.insecure_channel(stack.services["migration"].grpc_target))

        unary(migration().StartMigration, pb.StartMigrationRequest(system_code="HA-WJW-JKK", auto_approve=True), token)
        eventually(
            lambda: "sync attempt=1" in journal(root, "source"), "the sync step to be under way", STEP_DEADLINE_SECONDS
        )
        stack.services["migration"].kill()

        stack.start_service("migration").wait_healthy()

        def ended() -> pb.MigrationRun | None:
            try:
                r = unary(migration().GetMigration, pb.GetMigrationRequest(id="HA-WJW-JKK"), token)
            except grpc.RpcError as error:
                if error.code() is not grpc.StatusCode.UNAVAILABLE:  # the restarted process may not answer yet
                    raise
                return None
            return r if r.state in ("completed", "failed") else None

        run = eventually(ended, "the resumed run to end", RUN_DEADLINE_SECONDS)

        assert run.state == "completed", run.error
        assert [(s.name, s.state) for s in run.steps] == [
            ("precheck", "completed"),
            ("sync", "interrupted"),
            ("sync", "completed"),
            ("deploy", "completed"),
            ("cutover", "completed"),
            ("verify", "completed"),
        ]
        assert journal(root, "target") == [
            "precheck attempt=1",
            "sync attempt=2",
            "deploy attempt=1",
            "cutover attempt=1",
            "verify attempt=1",
        ]
        assert (root / "target" / "data" / "cards.csv").read_text(encoding="utf-8") == "card,holder\n4101,张三\n"
    finally:
        stack.stop()
