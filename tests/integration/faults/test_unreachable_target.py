"""The target host drops off the network while the sync step runs (real SSH hosts in network namespaces): the step
fails naming the host — in the run and in its step.failed event — and a rollback leaves the source serving: its route
points at itself and its data is untouched. The target's half of the rollback cannot be done while it is away: the
run says so, naming the host, and can be rolled back again once it is back."""

from typing import Any

from services.common.events import MIGRATION_EVENTS, STEP_FAILED, decode_event
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inv_grpc
from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb
from services.pb.zhongyuan.migration.v1 import migration_pb2_grpc as pb_grpc
from tests.fixtures.services import STEP_DEADLINE_SECONDS, eventually, read_topic
from tests.integration.faults.wave import ORCHESTRATOR_ENV, grpc_call
from tests.integration.migration.conftest import BASE_CATALOGUE, journal
from tools.devstack import create_operator_token
from tools.stack import Stack

CODE = "HA-CZT-CSJG"
LEDGER = "account,balance\n4101,100\n"
SYNC_THROTTLE_SECONDS = 3  # the source side of sync lingers, so the target is cut off before its side begins


class Operator:
    def __init__(self, stack: Stack):
        self.stack = stack
        self.token = create_operator_token(stack.auth_database_url)

    def call(self, service: str, stub_class: type, method: str, request: Any) -> Any:
        return grpc_call(self.stack, self.token, service, stub_class, method, request)

    def migration(self, method: str, request: Any) -> pb.MigrationRun:
        return self.call("migration", pb_grpc.MigrationServiceStub, method, request)

    def run(self) -> pb.MigrationRun:
        return self.migration("GetMigration", pb.GetMigrationRequest(id=CODE))


def register_over_ssh(operator: Operator, source, target) -> None:  # type: ignore[no-untyped-def]
    (source.root / "data").mkdir(parents=True)
    (source.root / "data" / "ledger.csv").write_text(LEDGER, encoding="utf-8")
    hosts = ", ".join(
        f"{{name: {h.name}, address: {h.address}, role: {role}, connection: ssh, user: root, root: '{h.root}', "
        "python: /usr/bin/python3}"
        for h, role in ((source, "source"), (target, "target"))
    )
    catalogue = BASE_CATALOGUE + (
        f"systems: [{{code: {CODE}, name: 财税监管平台, organisation: HA-WJW, admin_level: province, "
        f"mlps_level: 3, target_zone: ZY-A, hosts: [{hosts}]}}]"
    )
    operator.call(
        "inventory",
        inv_grpc.InventoryServiceStub,
        "ImportCatalog",
        inv.ImportCatalogRequest(content=catalogue.encode()),
    )


def step_failures(bootstrap: str) -> list[Any]:
    def failures(records: list[Any]) -> list[Any]:
        events = (decode_event(r.value, r.headers) for r in records)
        return [e for e in events if e.type == STEP_FAILED]

    records = read_topic(bootstrap, MIGRATION_EVENTS, failures, "the step.failed event")
    return failures(records)


def rollback_ended(run: pb.MigrationRun) -> bool:
    return run.state != "rolling_back" and any(s.name == "rollback" and s.state != "running" for s in run.steps)


def test_a_target_lost_during_sync_fails_the_step_naming_it_and_rollback_leaves_the_source_serving(
    ssh_lab, start_stack
) -> None:  # type: ignore[no-untyped-def]
    source, target = ssh_lab.add_host("csjg-src"), ssh_lab.add_host("csjg-dst")
    settings = {
        "MIGRATION_SSH_KEY_FILE": str(ssh_lab.key_file),
        "MIGRATION_SSH_KNOWN_HOSTS_FILE": str(ssh_lab.known_hosts),
        "MIGRATION_SYNC_THROTTLE_SECONDS": str(SYNC_THROTTLE_SECONDS),
    }
    operator = Operator(start_stack(extra_env={**ORCHESTRATOR_ENV, **settings}))
    register_over_ssh(operator, source, target)

    operator.migration("StartMigration", pb.StartMigrationRequest(system_code=CODE, auto_approve=True))
    eventually(
        lambda: "sync attempt=1" in journal(source.root.parent, source.name),
        "sync to be under way",
        STEP_DEADLINE_SECONDS,
    )
    target.cut_off()

    failed = eventually(
        lambda: (run := operator.run()).state == "failed" and run, "the sync step to fail", STEP_DEADLINE_SECONDS
    )
    assert failed.failed_step == "sync", failed.error
    assert f"could not reach {target.name}" in failed.error
    [event] = step_failures(operator.stack.broker.bootstrap)
    assert (event.payload.step, event.payload.system_code) == ("sync", CODE)  # type: ignore[attr-defined]
    assert f"could not reach {target.name}" in event.payload.message  # type: ignore[attr-defined]

    operator.migration("RollbackMigration", pb.GetMigrationRequest(id=CODE))
    after = eventually(
        lambda: rollback_ended(run := operator.run()) and run, "the rollback to end", STEP_DEADLINE_SECONDS
    )

    assert "rollback attempt=1" in journal(source.root.parent, source.name)
    assert (source.root / "ROUTE").read_text() == "serving=source\n"
    assert (source.root / "data" / "ledger.csv").read_text(encoding="utf-8") == LEDGER
    assert (after.state, after.failed_step) == ("failed", "rollback")
    assert f"could not reach {target.name}" in after.error
